package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
)

// unrouted answers the requests no route took: a path of the route table
// asked with a method it does not have gets 405 with an Allow header naming
// the methods it has; any other path under /api gets 404. The rest (the UI)
// goes on.
func unrouted(table []route) fiber.Handler {
	return func(c *fiber.Ctx) error {
		path := c.Path()
		if allow := allowed(table, path); len(allow) > 0 {
			c.Set(fiber.HeaderAllow, strings.Join(allow, ", "))
			return morph.Errorf(morph.EMethod, "%s is not allowed here; allowed: %s", "此处不允许 %s；允许的方法：%s",
				c.Method(), strings.Join(allow, ", "))
		}
		if api := "/" + strings.TrimLeft(path, "/"); api == "/api" || strings.HasPrefix(api, "/api/") {
			return morph.Errorf(morph.ENotFound, "No such API route: %s %s", "没有此 API 路由：%s %s", c.Method(), path)
		}
		return c.Next()
	}
}

// allowed lists, in table order, the methods of the routes whose path
// pattern matches path.
func allowed(table []route, path string) []string {
	var out []string
	for _, r := range table {
		if matchPath(r.path, path) && !slices.Contains(out, r.method) {
			out = append(out, r.method)
			if r.method == fiber.MethodGet {
				out = append(out, fiber.MethodHead)
			}
		}
	}
	return out
}

// matchPath reports whether path fits pattern, whose ":name" segments match
// any one non-empty segment. Like the router, it ignores case and a
// trailing slash (and, unlike it, nothing else: "//api/me" is no route).
func matchPath(pattern, path string) bool {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return false
	}
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.TrimSuffix(path[1:], "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, ":") {
			if xs[i] == "" {
				return false
			}
		} else if !strings.EqualFold(p, xs[i]) {
			return false
		}
	}
	return true
}
