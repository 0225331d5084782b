package api

import (
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// calendarSummary is one item of GET /api/calendars.
type calendarSummary struct {
	Name     string          `json:"name"`
	Label    morph.Text      `json:"label"`
	Timezone string          `json:"timezone"`
	Version  int64           `json:"version"`
	Builtin  bool            `json:"builtin,omitempty"`
	Document json.RawMessage `json:"document"`
}

// Calendars are read by every signed-in user (a deadline's hours are no
// secret) and changed by administrators.
func (s *Server) listCalendars(c *fiber.Ctx) error {
	cat := s.eng.Catalog()
	out := []calendarSummary{}
	for _, n := range cat.CalendarNames() {
		cal, _ := cat.Calendar(n)
		out = append(out, calendarSummary{Name: n, Label: cal.Label, Timezone: cal.Timezone, Version: cal.Version,
			Builtin: cal.Builtin, Document: json.RawMessage(cal.Doc)})
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}

func (s *Server) getCalendar(c *fiber.Ctx) error {
	cal, ok := s.eng.Catalog().Calendar(c.Params("name"))
	if !ok {
		return morph.Errorf(morph.ENotFound, "Unknown calendar %q", "未知的日历 %q", c.Params("name"))
	}
	if !cal.Builtin {
		c.Set(fiber.HeaderETag, etag(cal.Version))
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.SendString(cal.Doc)
}

func (s *Server) putCalendar(c *fiber.Ctx) error {
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
	cal, created, err := s.eng.PutCalendar(ctx, s.actor(c), strings.Clone(c.Params("name")), append([]byte(nil), b...), engine.IfVersion(want))
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	c.Set(fiber.HeaderETag, etag(cal.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).SendString(cal.Doc)
}

func (s *Server) deleteCalendar(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	want, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.DeleteCalendar(ctx, s.actor(c), strings.Clone(c.Params("name")), engine.IfVersion(want)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
