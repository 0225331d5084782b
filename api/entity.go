package api

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
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
	for _, n := range cat.Names() {
		def, version, _ := cat.Definition(n)
		out = append(out, entitySummary{Name: n, Label: cat.Entity(n).Label, Version: version, Definition: json.RawMessage(def)})
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}

func (s *Server) getEntity(c *fiber.Ctx) error {
	def, version, ok := s.eng.Catalog().Definition(c.Params("name"))
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
	if want, err := ifMatch(c); err != nil {
		return err
	} else if want > 0 {
		if _, have, ok := s.eng.Catalog().Definition(name); !ok || have != want {
			return morph.Errorf(morph.EVersion, "The definition was changed by someone else; reload it and try again",
				"定义已被他人修改，请刷新后重试")
		}
	}
	var probe any
	if err := decodeJSON(b, &probe); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.eng.PutEntity(ctx, s.actor(c), name, append([]byte(nil), b...))
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
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteEntity(ctx, s.actor(c), strings.Clone(c.Params("name"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
