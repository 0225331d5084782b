package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

// body returns the request body after checking its size and media type.
func body(c *fiber.Ctx, limit int) ([]byte, error) {
	if ct := c.Get(fiber.HeaderContentType); ct != "" {
		mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
		if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return nil, morph.Errorf(morph.EUnsupportedMedia, "The body must be application/json, not %s", "请求体必须是 application/json，而不是 %s", mt)
		}
	}
	b := c.Body()
	if len(b) > limit {
		return nil, tooLarge(limit)
	}
	return b, nil
}

// decodeObject decodes a JSON object body. The values are plain JSON values
// (map[string]any, []any, string, float64, bool, nil).
func decodeObject(c *fiber.Ctx, limit int) (map[string]any, []byte, error) {
	b, err := body(c, limit)
	if err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := decodeJSON(b, &m); err != nil {
		return nil, nil, err
	}
	if m == nil {
		return nil, nil, invalidJSON(morph.T("The body must be a JSON object", "请求体必须是 JSON 对象"))
	}
	return m, b, nil
}

// decodeJSON decodes a JSON body into v. The text is checked first
// (schema.CheckText): nesting past schema.MaxJSONDepth, escapes of unpaired
// surrogates and bytes that are not UTF-8 are refused before decoding,
// where Go's decoder would accept them or silently replace them by U+FFFD.
func decodeJSON(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return invalidJSON(morph.T("The body is empty; a JSON object is expected", "请求体为空；需要一个 JSON 对象"))
	}
	if err := schema.CheckText(b); err != nil {
		return err
	}
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return invalidJSON(morph.T("Malformed JSON at byte %d: %s", "JSON 格式错误（第 %d 字节）：%s", se.Offset, se.Error()))
	case errors.As(err, &te):
		path := "/" + strings.ReplaceAll(te.Field, ".", "/")
		if te.Field == "" {
			path = ""
		}
		e := invalidJSON(morph.T("Expected %s, got a JSON %s", "应为 %s，实际为 JSON %s", jsonTypeName(te.Type.Kind().String()), te.Value))
		if te.Type.Kind() == reflect.Float64 && strings.HasPrefix(te.Value, "number") {
			// Into a map, the decoder names no field: find it in the text.
			e = invalidJSON(morph.T("The %s is beyond the range of numbers (about ±1.8e308)", "%s 超出了数字的范围（约 ±1.8e308）", te.Value))
			if p, ok := schema.PointerAt(b, lastDigit(b, int(te.Offset))); ok && path == "" {
				path = p
			}
		}
		if path != "" {
			e.Fields = []morph.FieldError{{Path: path, Code: "type", Text: e.Text}}
		}
		return e
	}
	return invalidJSON(morph.T("Malformed JSON: %s", "JSON 格式错误：%s", err.Error()))
}

// lastDigit is the offset of the last digit at or before off: the decoder
// reports a number it cannot hold after reading a byte or two past it.
func lastDigit(b []byte, off int) int {
	off = min(off, len(b)-1)
	for off > 0 && (b[off] < '0' || b[off] > '9') {
		off--
	}
	return off
}

func jsonTypeName(kind string) string {
	switch kind {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "string":
		return "a string"
	}
	return kind
}

func invalidJSON(t morph.Text) *morph.Error { return &morph.Error{Code: morph.EInvalidJSON, Text: t} }

// ifMatch returns the version named by an If-Match header ("3", "\"3\"",
// W/"3"), 0 when there is none.
func ifMatch(c *fiber.Ctx) (int64, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v < 1 {
		return 0, morph.Invalid(morph.FieldError{Path: "If-Match", Code: "format",
			Text: morph.T("If-Match must be a record version such as \"3\"", "If-Match 必须是记录版本号，例如 \"3\"")})
	}
	return v, nil
}

func etag(version int64) string { return fmt.Sprintf(`"%d"`, version) }

// noneMatch reports whether an If-None-Match header names tag: "*", or tag
// in its comma-separated list, weak or strong (RFC 9110 compares weakly for
// a GET).
func noneMatch(header, tag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}
