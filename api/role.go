package api

import (
	"context"
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
	return s.putNamed(c, MaxDefinitionBody, func(ctx context.Context, actor engine.Actor, name string, doc []byte, want int64) (string, int64, bool, error) {
		r, created, err := s.eng.PutRole(ctx, actor, name, doc, engine.IfVersion(want))
		return r.Doc, r.Version, created, err
	})
}

func (s *Server) deleteRole(c *fiber.Ctx) error {
	return s.deleteNamed(c, func(ctx context.Context, actor engine.Actor, name string, want int64) error {
		return s.eng.DeleteRole(ctx, actor, name, engine.IfVersion(want))
	})
}

// putNamed answers the PUT of a named definition document — a role, a
// calendar, a workflow rule: administrators only, a JSON body of at most
// limit bytes, If-Match; save stores it (want: the If-Match version, 0 for
// none) and returns the document as saved, its version and whether it is
// new (201).
func (s *Server) putNamed(c *fiber.Ctx, limit int, save func(ctx context.Context, actor engine.Actor, name string, doc []byte, want int64) (saved string, version int64, created bool, err error)) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	b, err := body(c, limit)
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
	doc, version, created, err := save(ctx, s.actor(c), strings.Clone(c.Params("name")), append([]byte(nil), b...), want)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	c.Set(fiber.HeaderETag, etag(version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).SendString(doc)
}

// deleteNamed answers the DELETE of a named definition document:
// administrators only, If-Match, 204.
func (s *Server) deleteNamed(c *fiber.Ctx, del func(ctx context.Context, actor engine.Actor, name string, want int64) error) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := del(ctx, s.actor(c), strings.Clone(c.Params("name")), want); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
