package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema"
)

// Saved list and kanban views of an entity (schema.View): every signed-in
// user who may read the entity lists, reads and saves their own; only
// administrators share them. The engine decides who may do what.

func (s *Server) listViews(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	views, err := s.eng.ListViews(ctx, s.actor(c), strings.Clone(c.Params("name")), lang(c))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": views})
}

func (s *Server) getView(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	v, err := s.eng.GetView(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return writeView(c, fiber.StatusOK, v)
}

func (s *Server) createView(c *fiber.Ctx) error {
	doc, err := viewBody(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	v, err := s.eng.CreateView(ctx, s.actor(c), strings.Clone(c.Params("name")), doc)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/entities/"+v.Entity+"/views/"+v.ID)
	return writeView(c, fiber.StatusCreated, v)
}

func (s *Server) putView(c *fiber.Ctx) error {
	doc, err := viewBody(c)
	if err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	v, err := s.eng.PutView(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Params("id")), doc, engine.IfVersion(want))
	if err != nil {
		return err
	}
	return writeView(c, fiber.StatusOK, v)
}

func (s *Server) deleteView(c *fiber.Ctx) error {
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteView(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Params("id")), engine.IfVersion(want)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// viewBody is a view document sent: bounded as definitions are, JSON, a
// copy that outlives the request.
func viewBody(c *fiber.Ctx) ([]byte, error) {
	b, err := body(c, MaxDefinitionBody)
	if err != nil {
		return nil, err
	}
	var probe any
	if err := decodeJSON(b, &probe); err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// writeView answers with a view; a stored one carries its version as ETag.
func writeView(c *fiber.Ctx, status int, v schema.View) error {
	if v.Version > 0 {
		c.Set(fiber.HeaderETag, etag(v.Version))
	}
	return writeJSON(c, status, v)
}
