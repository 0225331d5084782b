package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// MaxExpressionBody bounds the body of an expression check.
const MaxExpressionBody = 16 << 10

// checkExpression answers POST /api/expressions/check
// {"entity", "expr", "kind", "field"}: whether the expression compiles for
// that place of the entity, the type of its result, or its problems with
// their offsets — 200 either way, for the builder's live feedback. Any
// signed-in user who may read the entity may ask.
func (s *Server) checkExpression(c *fiber.Ctx) error {
	m, _, err := decodeObject(c, MaxExpressionBody)
	if err != nil {
		return err
	}
	var errs []morph.FieldError
	str := func(key string, required bool) string {
		v, ok := m[key]
		s, isStr := v.(string)
		switch {
		case !ok && !required:
		case !ok:
			errs = append(errs, morph.FieldError{Path: "/" + key, Code: "required", Offset: -1, Text: morph.T("%s is required", "必须提供 %s", key)})
		case !isStr:
			errs = append(errs, morph.FieldError{Path: "/" + key, Code: "type", Offset: -1, Text: morph.T("%s must be text", "%s 必须是文本", key)})
		}
		return strings.Clone(s)
	}
	for k := range m {
		if !slices.Contains([]string{"entity", "expr", "kind", "field"}, k) {
			errs = append(errs, morph.FieldError{Path: "/" + k, Code: "unknown_field", Offset: -1,
				Text: morph.T("A check has entity, expr, kind and field; %q is none of them", "检查请求包含 entity、expr、kind 和 field；%q 不在其中", k)})
		}
	}
	entity, src, kind, field := str("entity", true), str("expr", true), str("kind", true), str("field", false)
	if kind != "" && !slices.Contains(engine.ExprKinds, kind) {
		errs = append(errs, morph.FieldError{Path: "/kind", Code: "enum", Offset: -1,
			Text: morph.T("kind must be one of %s", "kind 必须是 %s 之一", strings.Join(engine.ExprKinds, ", "))})
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b morph.FieldError) int { return strings.Compare(a.Path, b.Path) })
		return morph.Invalid(errs...)
	}
	res, err := s.eng.CheckExpression(s.actor(c), entity, src, kind, field)
	if err != nil {
		return err
	}
	l := lang(c)
	type problem struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Offset  int    `json:"offset"`
	}
	out := struct {
		OK     bool      `json:"ok"`
		Type   string    `json:"type,omitempty"`
		Errors []problem `json:"errors"`
	}{OK: res.OK, Type: res.Type, Errors: []problem{}}
	for _, p := range res.Problems {
		out.Errors = append(out.Errors, problem{Code: p.Code, Message: p.Text.In(l), Offset: max(p.Offset, 0)})
	}
	c.Set(fiber.HeaderContentLanguage, l)
	return writeJSON(c, fiber.StatusOK, out)
}

// recomputeStatus answers GET /api/entities/{name}/recompute: the latest
// recomputation of the entity's formulas on this server (administrators).
func (s *Server) recomputeStatus(c *fiber.Ctx) error {
	p, ok, err := s.eng.RecomputeStatus(s.actor(c), strings.Clone(c.Params("name")))
	if err != nil {
		return err
	}
	if !ok {
		return morph.Errorf(morph.ENotFound, "The formulas of %s have not been recomputed since the server started", "服务器启动以来未重新计算过 %s 的公式", c.Params("name"))
	}
	return writeJSON(c, fiber.StatusOK, p)
}

// recompute answers POST /api/entities/{name}/recompute: the entity's
// formulas computed again over its stored records (administrators); 200
// when done, 202 while it goes on in the background.
func (s *Server) recompute(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.eng.Recompute(ctx, s.actor(c), strings.Clone(c.Params("name")))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if p.State == engine.RecomputeRunning {
		status = fiber.StatusAccepted
	}
	return writeJSON(c, status, p)
}
