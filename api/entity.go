package api

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// entitySummary is one item of GET /api/entities.
type entitySummary struct {
	Name       string          `json:"name"`
	Label      morph.Text      `json:"label"`
	Version    int64           `json:"version"`
	Definition json.RawMessage `json:"definition"`
}

func (s *Server) listEntities(c *fiber.Ctx) error {
	cat := s.eng.Catalog()
	out := make([]entitySummary, 0, len(cat.Names()))
	actor := s.actor(c)
	for _, n := range cat.Names() {
		if !s.eng.CanRead(actor, n) {
			continue
		}
		def, version, _ := s.eng.DefinitionFor(actor, n)
		out = append(out, entitySummary{Name: n, Label: cat.Entity(n).Label, Version: version, Definition: json.RawMessage(def)})
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}

func (s *Server) getEntity(c *fiber.Ctx) error {
	def, version, ok := s.eng.DefinitionFor(s.actor(c), c.Params("name"))
	if !ok {
		return morph.Errorf(morph.ENotFound, "Unknown entity %q", "未知的实体 %q", c.Params("name"))
	}
	c.Set(fiber.HeaderETag, etag(version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.SendString(def)
}

func (s *Server) putEntity(c *fiber.Ctx) error {
	b, err := body(c, MaxDefinitionBody)
	if err != nil {
		return err
	}
	name := strings.Clone(c.Params("name"))
	opts, err := saveOptions(c)
	if err != nil {
		return err
	}
	var probe any
	if err := decodeJSON(b, &probe); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.eng.PutEntity(ctx, s.actor(c), name, append([]byte(nil), b...), opts...)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if res.Created {
		status = fiber.StatusCreated
	}
	def, _, _ := s.eng.Catalog().Definition(name)
	c.Set(fiber.HeaderETag, etag(res.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).SendString(def)
}

func (s *Server) deleteEntity(c *fiber.Ctx) error {
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteEntity(ctx, s.actor(c), strings.Clone(c.Params("name")), engine.IfVersion(want)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// saveOptions reads the conditions of a definition save: If-Match (the
// version the change was made from, compared by the engine under its lock)
// and force=true (save although stored values do not fit a changed field).
func saveOptions(c *fiber.Ctx) ([]engine.SaveOption, error) {
	want, err := ifMatch(c)
	if err != nil {
		return nil, err
	}
	opts := []engine.SaveOption{engine.IfVersion(want)}
	switch c.Query("force") {
	case "", "false", "0":
	case "true", "1":
		opts = append(opts, engine.Force())
	default:
		return nil, &morph.Error{Code: morph.EInvalid, Text: morph.T("force must be true or false", "force 必须是 true 或 false"),
			Fields: []morph.FieldError{{Path: "force", Code: "format", Offset: -1, Text: morph.T("force must be true or false", "force 必须是 true 或 false")}}}
	}
	return opts, nil
}

// planEntity answers what saving the definition in the body would do,
// without saving it.
func (s *Server) planEntity(c *fiber.Ctx) error {
	b, err := body(c, MaxDefinitionBody)
	if err != nil {
		return err
	}
	var probe any
	if err := decodeJSON(b, &probe); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.eng.PlanEntity(ctx, s.actor(c), strings.Clone(c.Params("name")), append([]byte(nil), b...))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, p)
}

// adviseIndex answers whether an index serves a list's filter and sort,
// and which composite index would when none does.
func (s *Server) adviseIndex(c *fiber.Ctx) error {
	b, err := body(c, maxAdviceBody)
	if err != nil {
		return err
	}
	var in map[string]any
	if err := decodeJSON(b, &in); err != nil {
		return err
	}
	var errs []morph.FieldError
	for k, v := range in {
		if _, ok := v.(string); (k != "filter" && k != "sort") || !ok {
			errs = append(errs, morph.FieldError{Path: "/" + k, Code: "type", Offset: -1,
				Text: morph.T("The body has filter and sort, each text", "请求体只有 filter 和 sort，均为文本")})
		}
	}
	if len(errs) > 0 {
		return morph.Invalid(errs...)
	}
	filter, _ := in["filter"].(string)
	sort, _ := in["sort"].(string)
	a, err := s.eng.AdviseIndex(s.actor(c), c.Params("name"), filter, sort)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, a)
}

// maxAdviceBody bounds the body of an index advice request: a filter and a
// sort as long as a list takes.
const maxAdviceBody = 16 << 10
