// Package morph holds what every layer of Morph shares: the one error type,
// with its codes and bilingual messages. It imports nothing else of Morph's.
package morph

import (
	"errors"
	"fmt"
)

// Code names a kind of failure. Integrators branch on it; each maps to one
// HTTP status (see Status).
type Code string

const (
	EInvalid          Code = "invalid"             // 400: the request is wrong (fields say where)
	EInvalidJSON      Code = "invalid_json"        // 400: the body is not JSON of the expected shape
	EInvalidFilter    Code = "invalid_filter"      // 400: filter/sort/fields/expand cannot be used
	EUnauthenticated  Code = "unauthenticated"     // 401: no valid credentials (missing, wrong, expired, revoked)
	EForbidden        Code = "forbidden"           // 403: the actor may not do this
	ECSRF             Code = "csrf"                // 403: a cookie-authenticated change without the CSRF header, or from another origin
	ENotFound         Code = "not_found"           // 404: no such entity or record
	EMethod           Code = "method_not_allowed"  // 405
	ETimeout          Code = "request_timeout"     // 408: the request did not arrive in time
	EConflict         Code = "conflict"            // 409: the change clashes with the current state
	EInUse            Code = "in_use"              // 409: other definitions name what is to be deleted or renamed (fields say which)
	EDuplicate        Code = "duplicate_value"     // 409: a unique field's value is taken
	EIncompatible     Code = "incompatible_values" // 409: stored values do not fit a changed definition
	EVersion          Code = "version_mismatch"    // 412: If-Match names a stale version
	ETooLarge         Code = "body_too_large"      // 413
	EUnsupportedMedia Code = "unsupported_media"   // 415
	EUnprocessable    Code = "unprocessable"       // 422: well-formed but refers to what does not exist
	ERule             Code = "rule"                // 422: a validation rule of the entity says the record is wrong
	EExpression       Code = "expression_failed"   // 422: an expression of the definition failed on this record
	EPreconditionReq  Code = "precondition_needed" // 428
	ERateLimited      Code = "rate_limited"        // 429
	EHeadersTooLarge  Code = "headers_too_large"   // 431
	EInternal         Code = "internal"            // 500: logged, never detailed to the caller
	EUnavailable      Code = "unavailable"         // 503
	EStorageFull      Code = "storage_full"        // 507: the store has no space left; retry once space is freed
)

var statuses = map[Code]int{
	EInvalid: 400, EInvalidJSON: 400, EInvalidFilter: 400, EUnauthenticated: 401, EForbidden: 403, ECSRF: 403,
	ENotFound: 404, EMethod: 405, ETimeout: 408, EConflict: 409, EInUse: 409, EDuplicate: 409, EIncompatible: 409, EVersion: 412, ETooLarge: 413,
	EUnsupportedMedia: 415, EUnprocessable: 422, ERule: 422, EExpression: 422, EPreconditionReq: 428, ERateLimited: 429, EHeadersTooLarge: 431,
	EInternal: 500, EUnavailable: 503, EStorageFull: 507,
}

// Status is the HTTP status of a code (500 for an unknown one).
func (c Code) Status() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return 500
}

// Text is a message in the languages Morph speaks.
type Text struct {
	EN string `json:"en"`
	ZH string `json:"zh-CN"`
}

// T builds a Text; printf arguments apply to both languages.
func T(en, zh string, args ...any) Text {
	if len(args) > 0 {
		en, zh = fmt.Sprintf(en, args...), fmt.Sprintf(zh, args...)
	}
	return Text{EN: en, ZH: zh}
}

// In returns the message for a language tag ("zh", "zh-CN", "en" …), English by default.
func (t Text) In(lang string) string {
	if len(lang) >= 2 && (lang[:2] == "zh" || lang[:2] == "ZH") && t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// FieldError is what is wrong with one part of the input. Path is a JSON
// pointer into the request body ("/phone", "/properties/tier/enum"), or the
// name of a query parameter ("filter").
type FieldError struct {
	Path   string `json:"path"`
	Code   string `json:"code"`
	Text   Text   `json:"-"`
	Offset int    `json:"-"` // position inside an expression, 0-based; -1 when not applicable
}

// Error is Morph's one error type. Messages are safe to show to the caller;
// Err (the cause) is only logged.
type Error struct {
	Code   Code
	Text   Text
	Fields []FieldError
	Err    error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Text.EN
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	for _, f := range e.Fields {
		s += fmt.Sprintf("; %s: %s", f.Path, f.Text.EN)
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a bilingual message; args apply to both.
func Errorf(code Code, en, zh string, args ...any) *Error {
	return &Error{Code: code, Text: T(en, zh, args...)}
}

// Invalid returns an EInvalid error carrying field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EInvalid, Text: T("The input is not valid", "输入无效"), Fields: fields}
}

// ErrorCode returns the code of err: its own if it is an *Error, EInternal otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns err as an *Error, or nil when it is not one.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
