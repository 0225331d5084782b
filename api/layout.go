package api

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph/engine"
)

// layoutBody is a layout as the API answers it: the document with the
// server's version, and generated: true for one made from the entity's
// fields.
func layoutBody(l engine.LayoutInfo) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(l.Doc), &m); err != nil {
		return nil, err
	}
	m["id"], m["entity"] = l.ID, l.Entity
	if l.Version > 0 {
		m["version"] = l.Version
	}
	if l.Generated {
		m["generated"] = true
	}
	if l.Draft {
		m["draft"] = true
	}
	return m, nil
}

// listLayouts answers an entity's layouts, the generated default among
// them when none is saved.
func (s *Server) listLayouts(c *fiber.Ctx) error {
	ls, err := s.eng.Layouts(s.actor(c), c.Params("name"))
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(ls))
	for _, l := range ls {
		m, err := layoutBody(l)
		if err != nil {
			return err
		}
		items = append(items, m)
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": items})
}

func (s *Server) getLayout(c *fiber.Ctx) error {
	l, err := s.eng.Layout(s.actor(c), c.Params("name"), c.Params("id"))
	if err != nil {
		return err
	}
	m, err := layoutBody(l)
	if err != nil {
		return err
	}
	if l.Version > 0 {
		c.Set(fiber.HeaderETag, etag(l.Version))
	}
	return writeJSON(c, fiber.StatusOK, m)
}

func (s *Server) putLayout(c *fiber.Ctx) error { return s.saveLayout(c, s.eng.PutLayout) }

// saveLayout reads a layout document and its If-Match and saves it with
// put (the layout itself, or its draft): 201 when it is new.
func (s *Server) saveLayout(c *fiber.Ctx, put func(context.Context, engine.Actor, string, string, []byte, ...engine.SaveOption) (engine.LayoutInfo, bool, error)) error {
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
	l, created, err := put(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Params("id")),
		append([]byte(nil), b...), engine.IfVersion(want))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return s.sendLayout(c, status, l)
}

func (s *Server) deleteLayout(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteLayout(ctx, s.actor(c), c.Params("name"), c.Params("id"), engine.IfVersion(want)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// The draft of a layout: saved and checked like the layout, binding nothing
// until it is published (administrators only).

func (s *Server) getLayoutDraft(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	l, err := s.eng.LayoutDraft(ctx, s.actor(c), c.Params("name"), c.Params("id"))
	if err != nil {
		return err
	}
	return s.sendLayout(c, fiber.StatusOK, l)
}

func (s *Server) putLayoutDraft(c *fiber.Ctx) error { return s.saveLayout(c, s.eng.PutLayoutDraft) }

func (s *Server) deleteLayoutDraft(c *fiber.Ctx) error {
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteLayoutDraft(ctx, s.actor(c), c.Params("name"), c.Params("id"), engine.IfVersion(want)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) publishLayout(c *fiber.Ctx) error {
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	l, err := s.eng.PublishLayout(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Params("id")), engine.IfVersion(want))
	if err != nil {
		return err
	}
	return s.sendLayout(c, fiber.StatusOK, l)
}

// sendLayout answers a layout with its ETag.
func (s *Server) sendLayout(c *fiber.Ctx, status int, l engine.LayoutInfo) error {
	m, err := layoutBody(l)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(l.Version))
	return writeJSON(c, status, m)
}
