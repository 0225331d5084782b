package api

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
)

// ErrorBody is the one shape of every failure.
type ErrorBody struct {
	Status  int              `json:"status"`
	Code    morph.Code       `json:"code"`
	Message string           `json:"message"`
	Fields  []ErrorFieldBody `json:"fields,omitempty"`
}

// ErrorFieldBody is what is wrong with one part of the input.
type ErrorFieldBody struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Offset  *int   `json:"offset,omitempty"` // position inside an expression (filter, sort …)
}

// handleError is Fiber's error handler: every error a handler returns is
// answered here, in the caller's language. Errors that are not a
// *morph.Error are logged and answered as a generic 500.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	me := morph.AsError(err)
	var fe *fiber.Error
	switch {
	case me != nil:
	case errors.As(err, &fe):
		me = fiberError(fe)
	default:
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
		me = morph.Errorf(morph.EInternal, "Internal error", "内部错误")
	}
	if me.Code == morph.EInternal && me.Err != nil {
		s.log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", me.Err)
	}
	l := lang(c)
	body := ErrorBody{Status: me.Code.Status(), Code: me.Code, Message: me.Text.In(l)}
	for _, f := range me.Fields {
		fb := ErrorFieldBody{Path: f.Path, Code: f.Code, Message: f.Text.In(l)}
		if f.Offset >= 0 && exprPath(f.Path) {
			off := f.Offset
			fb.Offset = &off
		}
		body.Fields = append(body.Fields, fb)
	}
	b, _ := json.Marshal(body)
	setSecurityHeaders(c)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentLanguage, l)
	return c.Status(body.Status).Send(b)
}

// exprPath reports whether a field error's path names an expression or
// list whose errors carry an offset: a query parameter (filter, sort,
// fields, expand), the same in a document (a view's /filter and /sort), a
// role's row rule (…/where), a layout's condition (…When), an entity's
// formula, default expression or validation rule (…/x-expr,
// …/x-default-expr, /x-rules/…/when) or the expression of a check (/expr).
func exprPath(p string) bool {
	switch p {
	case "filter", "sort", "fields", "expand", "/filter", "/sort", "/expr":
		return true
	}
	return strings.HasPrefix(p, "/") && (strings.HasSuffix(p, "/where") || strings.HasSuffix(p, "When") ||
		strings.HasSuffix(p, "/x-expr") || strings.HasSuffix(p, "/x-default-expr") || strings.HasSuffix(p, "/when"))
}

func fiberError(fe *fiber.Error) *morph.Error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return morph.Errorf(morph.ENotFound, "Not found", "未找到")
	case fiber.StatusMethodNotAllowed:
		return morph.Errorf(morph.EMethod, "Method not allowed", "不允许的请求方法")
	case fiber.StatusRequestEntityTooLarge:
		return tooLarge(MaxBulkBody)
	case fiber.StatusUnsupportedMediaType:
		return morph.Errorf(morph.EUnsupportedMedia, "The body must be JSON", "请求体必须是 JSON")
	case fiber.StatusBadRequest:
		return morph.Errorf(morph.EInvalid, "Bad request", "请求无效")
	case fiber.StatusRequestTimeout:
		return morph.Errorf(morph.ETimeout, "The request did not arrive in time", "请求未在规定时间内到达")
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return morph.Errorf(morph.EHeadersTooLarge, "The request line and headers are larger than %d KiB", "请求行和请求头超过 %d KiB", maxHeaders>>10)
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return &morph.Error{Code: morph.EInvalid, Text: morph.T(fe.Message, fe.Message)}
	}
	return &morph.Error{Code: morph.EInternal, Text: morph.T("Internal error", "内部错误"), Err: fe}
}

func tooLarge(limit int) *morph.Error {
	return morph.Errorf(morph.ETooLarge, "The body is larger than %d KiB", "请求体超过 %d KiB", limit>>10)
}
