package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph/engine"
)

// referrerItem is one item of GET …/references: a definition that names
// the entity or calendar, where in it, and what it is in the caller's
// language. Pointer is the field path a refused delete or rename names it
// at.
type referrerItem struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Path    string `json:"path"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

// entityReferences answers which definitions name an entity
// (engine.References; administrators).
func (s *Server) entityReferences(c *fiber.Ctx) error {
	return s.references(c, engine.NamedEntity)
}

// calendarReferences answers which definitions name a calendar.
func (s *Server) calendarReferences(c *fiber.Ctx) error {
	return s.references(c, engine.NamedCalendar)
}

func (s *Server) references(c *fiber.Ctx, named string) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	refs, err := s.eng.References(ctx, s.actor(c), named, strings.Clone(c.Params("name")))
	if err != nil {
		return err
	}
	l := lang(c)
	out := make([]referrerItem, 0, len(refs))
	for _, r := range refs {
		out = append(out, referrerItem{Kind: r.Kind, Name: r.Name, Path: r.Path, Pointer: r.Pointer(), Message: r.Text.In(l)})
	}
	c.Set(fiber.HeaderContentLanguage, l)
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}
