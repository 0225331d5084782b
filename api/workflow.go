package api

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/workflow"
)

// Query parameters of the workflow routes.
var (
	runParams          = []string{"after", "limit", "status"}
	deliveryParams     = []string{"after", "limit", "status"}
	notificationParams = []string{"after", "limit", "unread"}
)

// maxTestBody bounds a dry run's body (a record's values).
const maxTestBody = MaxRecordBody

// ruleSummary is one item of GET /api/workflows.
type ruleSummary struct {
	Name     string          `json:"name"`
	Label    morph.Text      `json:"label"`
	Entity   string          `json:"entity,omitempty"`
	Active   bool            `json:"active"`
	Valid    bool            `json:"valid"`
	Version  int64           `json:"version"`
	Document json.RawMessage `json:"document"`
}

func (s *Server) listWorkflows(c *fiber.Ctx) error {
	if err := knownParams(c, nil); err != nil {
		return err
	}
	rules, err := s.wf.List(s.actor(c))
	if err != nil {
		return err
	}
	out := make([]ruleSummary, len(rules))
	for i, r := range rules {
		out[i] = ruleSummary{Name: r.Name, Label: r.Label, Entity: r.Entity, Active: r.Active, Valid: r.Valid, Version: r.Version, Document: json.RawMessage(r.Doc)}
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": out})
}

func (s *Server) getWorkflow(c *fiber.Ctx) error {
	r, err := s.wf.Get(s.actor(c), c.Params("name"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(r.Version))
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.SendString(r.Doc)
}

func (s *Server) putWorkflow(c *fiber.Ctx) error {
	return s.putNamed(c, workflow.MaxRuleSize, func(ctx context.Context, actor engine.Actor, name string, doc []byte, want int64) (string, int64, bool, error) {
		r, created, err := s.wf.Put(ctx, actor, name, doc, want)
		return r.Doc, r.Version, created, err
	})
}

func (s *Server) deleteWorkflow(c *fiber.Ctx) error {
	return s.deleteNamed(c, func(ctx context.Context, actor engine.Actor, name string, want int64) error {
		return s.wf.Delete(ctx, actor, name, want)
	})
}

// limitParam reads limit (1–200; 50 when absent).
func limitParam(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 200 {
		return 0, &morph.Error{Code: morph.EInvalid, Text: morph.T("limit must be between 1 and 200", "limit 必须在 1 到 200 之间"),
			Fields: []morph.FieldError{{Path: "limit", Code: "range", Offset: -1, Text: morph.T("limit must be between 1 and 200", "limit 必须在 1 到 200 之间")}}}
	}
	return n, nil
}

func (s *Server) workflowRuns(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	if err := knownParams(c, runParams); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.wf.Runs(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Query("status")), strings.Clone(c.Query("after")), limit)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, p)
}

// testRequest is the body of a dry run: a stored record by id, or values.
type testRequest struct {
	ID     string         `json:"id"`
	Record map[string]any `json:"record"`
}

func (s *Server) testWorkflow(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	b, err := body(c, maxTestBody)
	if err != nil {
		return err
	}
	var req testRequest
	if err := decodeJSON(b, &req); err != nil {
		return err
	}
	if (req.ID == "") == (req.Record == nil) {
		return morph.Invalid(morph.FieldError{Path: "", Code: "required", Offset: -1,
			Text: morph.T(`Send either "id" of a stored record or "record" with values`, `请发送已有记录的 "id" 或带有字段值的 "record"（二选一）`)})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	out, err := s.wf.Test(ctx, s.actor(c), strings.Clone(c.Params("name")), req.ID, req.Record)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, out)
}

func (s *Server) workflowDeliveries(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	if err := knownParams(c, deliveryParams); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, err := s.wf.Deliveries(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Query("status")), strings.Clone(c.Query("after")), limit)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, p)
}

func (s *Server) redeliver(c *fiber.Ctx) error {
	if err := s.requireAdmin(c); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.wf.Redeliver(ctx, s.actor(c), strings.Clone(c.Params("name")), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusAccepted)
}

func (s *Server) listNotifications(c *fiber.Ctx) error {
	if err := knownParams(c, notificationParams); err != nil {
		return err
	}
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	unread := false
	switch c.Query("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return morph.Invalid(morph.FieldError{Path: "unread", Code: "type", Offset: -1, Text: morph.T("unread is true or false", "unread 只能是 true 或 false")})
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	p, n, err := s.wf.Notifications(ctx, s.actor(c), strings.Clone(c.Query("after")), limit, unread)
	if err != nil {
		return err
	}
	return writeJSON(c, fiber.StatusOK, fiber.Map{"items": p.Items, "next": p.Next, "unread": n})
}

func (s *Server) readNotification(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.wf.MarkRead(ctx, s.actor(c), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// withWorkflow answers 503 when the workflow service could not start.
func (s *Server) withWorkflow(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if s.wf == nil {
			return morph.Errorf(morph.EUnavailable, "Workflow is not available", "工作流不可用")
		}
		return h(c)
	}
}
