package api

import (
	"context"
	"encoding/json"

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
	return s.putNamed(c, MaxDefinitionBody, func(ctx context.Context, actor engine.Actor, name string, doc []byte, want int64) (string, int64, bool, error) {
		cal, created, err := s.eng.PutCalendar(ctx, actor, name, doc, engine.IfVersion(want))
		return cal.Doc, cal.Version, created, err
	})
}

func (s *Server) deleteCalendar(c *fiber.Ctx) error {
	return s.deleteNamed(c, func(ctx context.Context, actor engine.Actor, name string, want int64) error {
		return s.eng.DeleteCalendar(ctx, actor, name, engine.IfVersion(want))
	})
}
