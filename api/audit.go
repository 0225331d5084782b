package api

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// Query parameters of the audit routes.
var (
	historyParams = []string{"after", "limit"}
	auditParams   = []string{"actor", "entity", "record", "action", "kind", "from", "to", "after", "limit"}
)

// auditPage is the body of a page of audit entries.
type auditPage struct {
	Items []engine.AuditEntry `json:"items"`
	Next  string              `json:"next,omitempty"`
}

func pageOf(p engine.AuditPage) auditPage {
	if p.Entries == nil {
		p.Entries = []engine.AuditEntry{}
	}
	return auditPage{Items: p.Entries, Next: p.Next}
}

// pageRequest reads after and limit, as record lists take them.
func pageRequest(c *fiber.Ctx) (engine.PageRequest, error) {
	req := engine.PageRequest{After: strings.Clone(c.Query("after"))}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > engine.MaxLimit {
			return req, &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("limit must be a positive number", "limit 必须是正整数"),
				Fields: []morph.FieldError{{Path: "limit", Code: "range", Offset: -1, Text: morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", engine.MaxLimit)}}}
		}
		req.Limit = n
	}
	return req, nil
}

// recordHistory answers GET /api/records/{entity}/{id}/history.
func (s *Server) recordHistory(c *fiber.Ctx) error {
	if err := knownParams(c, historyParams); err != nil {
		return err
	}
	page, err := pageRequest(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.eng.History(ctx, s.actor(c), strings.Clone(c.Params("entity")), strings.Clone(c.Params("id")), page)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, pageOf(p))
}

// auditLog answers GET /api/audit.
func (s *Server) auditLog(c *fiber.Ctx) error {
	if err := knownParams(c, auditParams); err != nil {
		return err
	}
	page, err := pageRequest(c)
	if err != nil {
		return err
	}
	q := engine.AuditQuery{PageRequest: page}
	for _, p := range []struct {
		name string
		to   *string
	}{{"actor", &q.Actor}, {"entity", &q.Entity}, {"record", &q.Record}, {"action", &q.Action}, {"kind", &q.Kind}, {"from", &q.From}, {"to", &q.To}} {
		v := c.Query(p.name)
		if len(v) > maxAuditParam {
			return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("%s is too long", "%s 过长", p.name),
				Fields: []morph.FieldError{{Path: p.name, Code: "too_long", Offset: -1, Text: morph.T("%s takes at most %d characters", "%s 最多 %d 个字符", p.name, maxAuditParam)}}}
		}
		*p.to = strings.Clone(v)
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.eng.AuditLog(ctx, s.actor(c), q)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, pageOf(p))
}

// maxAuditParam bounds a filter value of the audit log.
const maxAuditParam = 256

// exportRecord answers GET /api/records/{entity}/{id}/export.
func (s *Server) exportRecord(c *fiber.Ctx) error {
	if err := knownParams(c, nil); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	x, err := s.eng.ExportRecord(ctx, s.actor(c), strings.Clone(c.Params("entity")), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, x)
}

// eraseRecord answers POST /api/records/{entity}/{id}/erase.
func (s *Server) eraseRecord(c *fiber.Ctx) error {
	if err := knownParams(c, nil); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	x, err := s.eng.Erase(ctx, s.actor(c), strings.Clone(c.Params("entity")), strings.Clone(c.Params("id")))
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, x)
}
