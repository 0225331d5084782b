package api

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// roleSummary is one item of GET /api/roles.
type roleSummary struct {
	Name     string          `json:"name"`
	Label    morph.Text      `json:"label"`
	Version  int64           `json:"version"`
	Builtin  bool            `json:"builtin,omitempty"`
	Document json.RawMessage `json:"document,omitempty"`
}

// Roles are read and changed by administrators; everyone else sees what
// theirs grant through /api/me.
func (s *Server) listRoles(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	cat := s.eng.Catalog()
	out := []roleSummary{{Name: "admin", Label: morph.T("Administrator", "管理员"), Builtin: true}}
	for _, n := range cat.RoleNames() {
		r, _ := cat.Role(n)
		out = append(out, roleSummary{Name: n, Label: r.Label, Version: r.Version, Document: json.RawMessage(r.Doc)})
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}

func (s *Server) getRole(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	r, ok := s.eng.Catalog().Role(c.Params("name"))
	if !ok {
		return morph.Errorf(morph.ENotFound, "Unknown role %q", "未知的角色 %q", c.Params("name"))
	}
	c.Set(fiber.HeaderETag, etag(r.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.SendString(r.Doc)
}

func (s *Server) putRole(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	b, err := body(c, MaxDefinitionBody)
	if err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	var probe any
	if err := decodeJSON(b, &probe); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	r, created, err := s.eng.PutRole(ctx, s.actor(c), strings.Clone(c.Params("name")), append([]byte(nil), b...), engine.IfVersion(want))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	c.Set(fiber.HeaderETag, etag(r.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).SendString(r.Doc)
}

func (s *Server) deleteRole(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteRole(ctx, s.actor(c), strings.Clone(c.Params("name")), engine.IfVersion(want)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
