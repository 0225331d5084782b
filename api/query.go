package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
)

// listParams are the query parameters of a list request.
var listParams = []string{"filter", "sort", "after", "limit", "count", "fields", "expand"}

// knownParams refuses a request with a query parameter outside names: a
// misspelt one ("filtr") would otherwise be ignored, and the answer would
// look right while it is not. Every unknown parameter is named, keyed by
// itself.
func knownParams(c *fiber.Ctx, names []string) error {
	var bad []morph.FieldError
	known := strings.Join(names, ", ")
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		name := string(k)
		if slices.Contains(names, name) || slices.ContainsFunc(bad, func(f morph.FieldError) bool { return f.Path == name }) {
			return
		}
		bad = append(bad, morph.FieldError{Path: name, Code: "unknown_parameter", Offset: -1,
			Text: morph.T("Unknown query parameter %q; the known ones are %s", "未知的查询参数 %q；可用的参数为 %s", name, known)})
	})
	if bad == nil {
		return nil
	}
	return &morph.Error{Code: morph.EInvalidFilter, Fields: bad,
		Text: morph.T("The request has query parameters this route does not know", "请求包含此路由不支持的查询参数")}
}
