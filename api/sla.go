package api

import (
	"context"
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/sla"
)

// slaSummary is one item of GET /api/slas.
type slaSummary struct {
	Name     string          `json:"name"`
	Label    morph.Text      `json:"label"`
	Entity   string          `json:"entity,omitempty"`
	Active   bool            `json:"active"`
	Valid    bool            `json:"valid"`
	Version  int64           `json:"version"`
	Document json.RawMessage `json:"document"`
}

// SLA policies are read by every signed-in user who may read their entity
// (the record page shows the deadlines they set) and changed by
// administrators.
func (s *Server) listSLAs(c *fiber.Ctx) error {
	if err := knownParams(c, nil); err != nil {
		return err
	}
	items := s.sla.List(s.actor(c))
	out := make([]slaSummary, len(items))
	for i, p := range items {
		out[i] = slaSummary{Name: p.Name, Label: p.Label, Entity: p.Entity, Active: p.Active, Valid: p.Valid, Version: p.Version, Document: json.RawMessage(p.Doc)}
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}

func (s *Server) getSLA(c *fiber.Ctx) error {
	p, err := s.sla.Get(s.actor(c), c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(p.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.SendString(p.Doc)
}

func (s *Server) putSLA(c *fiber.Ctx) error {
	return s.putNamed(c, sla.MaxPolicySize, func(ctx context.Context, actor engine.Actor, name string, doc []byte, want int64) (string, int64, bool, error) {
		p, created, err := s.sla.Put(ctx, actor, name, doc, want)
		return p.Doc, p.Version, created, err
	})
}

func (s *Server) deleteSLA(c *fiber.Ctx) error {
	return s.deleteNamed(c, func(ctx context.Context, actor engine.Actor, name string, want int64) error {
		return s.sla.Delete(ctx, actor, name, want)
	})
}

// withSLA answers 503 when the SLA service could not start.
func (s *Server) withSLA(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.sla == nil {
			return morph.Errorf(morph.EUnavailable, "SLA policies are not available", "SLA 策略不可用")
		}
		return h(c)
	}
}
