package api

import (
	"bytes"
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// recordParams are the query parameters of one record: its projection and
// expansions, as in lists.
var recordParams = []string{"fields", "expand"}

func (s *Server) getRecord(c *fiber.Ctx) error {
	if err := knownParams(c, recordParams); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rec, fields, expanded, err := s.eng.GetShaped(ctx, s.actor(c), c.Params("entity"), c.Params("id"), c.Query("fields"), expandParam(c))
	if err != nil {
		return err
	}
	tag := etag(rec.Version)
	c.Set(fiber.HeaderETag, tag)
	if noneMatch(c.Get(fiber.HeaderIfNoneMatch), tag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	out := engine.Flatten(rec, fields)
	if expanded != nil {
		out["_expand"] = expanded
	}
	return writeJSON(c, fiber.StatusOK, out)
}

// expandParam splits expand=, a comma-separated list of relation fields.
func expandParam(c *fiber.Ctx) []string {
	v := c.Query("expand")
	if v == "" {
		return nil
	}
	names := strings.Split(v, ",")
	for i, n := range names {
		names[i] = strings.TrimSpace(n)
	}
	return names
}

func (s *Server) createRecord(c *fiber.Ctx) error {
	entity := strings.Clone(c.Params("entity"))
	return s.idempotent(c, "create:"+entity, MaxRecordBody, func() (int, any, error) {
		in, _, err := decodeObject(c, MaxRecordBody)
		if err != nil {
			return 0, nil, err
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		rec, err := s.eng.Create(ctx, s.actor(c), entity, in)
		if err != nil {
			return 0, nil, err
		}
		c.Set(fiber.HeaderETag, etag(rec.Version))
		c.Set(fiber.HeaderLocation, "/api/records/"+entity+"/"+rec.ID)
		return fiber.StatusCreated, engine.Flatten(rec, nil), nil
	})
}

func (s *Server) updateRecord(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	patch, _, err := decodeObject(c, MaxRecordBody)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	rec, err := s.eng.Update(ctx, s.actor(c), strings.Clone(c.Params("entity")), strings.Clone(c.Params("id")), patch, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(rec.Version))
	return writeJSON(c, fiber.StatusOK, engine.Flatten(rec, nil))
}

func (s *Server) deleteRecord(c *fiber.Ctx) error {
	version, err := ifMatch(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.Delete(ctx, s.actor(c), strings.Clone(c.Params("entity")), strings.Clone(c.Params("id")), version); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listPage is the body of a list response.
type listPage struct {
	Items []map[string]any `json:"items"`
	Next  string           `json:"next,omitempty"`
	Total *int64           `json:"total,omitempty"`
}

func (s *Server) listRecords(c *fiber.Ctx) error {
	if err := knownParams(c, listParams); err != nil {
		return err
	}
	req := engine.ListRequest{
		Filter: c.Query("filter"),
		Sort:   c.Query("sort"),
		After:  c.Query("after"),
		Fields: c.Query("fields"),
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("limit must be a positive number", "limit 必须是正整数"),
				Fields: []morph.FieldError{{Path: "limit", Code: "range", Offset: -1, Text: morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", engine.MaxLimit)}}}
		}
		req.Limit = n
	}
	switch c.Query("count") {
	case "", "false", "0":
	case "true", "1":
		req.Count = true
	default:
		return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("count must be true or false", "count 必须是 true 或 false"),
			Fields: []morph.FieldError{{Path: "count", Code: "format", Offset: -1, Text: morph.T("count must be true or false", "count 必须是 true 或 false")}}}
	}
	req.Expand = expandParam(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	res, err := s.eng.List(ctx, s.actor(c), c.Params("entity"), req)
	if err != nil {
		return err
	}
	if res.Raw != nil {
		return writeRawPage(c, res)
	}
	page := listPage{Items: make([]map[string]any, len(res.Records)), Next: res.Next}
	for i, r := range res.Records {
		page.Items[i] = engine.Flatten(r, res.Fields)
		if res.Expanded != nil && res.Expanded[i] != nil {
			page.Items[i]["_expand"] = res.Expanded[i]
		}
	}
	if res.Total >= 0 {
		page.Total = &res.Total
	}
	return writeJSON(c, fiber.StatusOK, page)
}

// bulkRequest is the body of POST /api/records/{entity}/bulk.
type bulkRequest struct {
	Key   string           `json:"key"`
	Items []map[string]any `json:"items"`
}

type bulkItemResult struct {
	Index  int            `json:"index"`
	Status int            `json:"status"`
	ID     string         `json:"id,omitempty"`
	Record map[string]any `json:"record,omitempty"`
	Error  *ErrorBody     `json:"error,omitempty"`
}

func (s *Server) bulkRecords(c *fiber.Ctx) error {
	entity := strings.Clone(c.Params("entity"))
	return s.idempotent(c, "bulk:"+entity, MaxBulkBody, func() (int, any, error) {
		b, err := body(c, MaxBulkBody)
		if err != nil {
			return 0, nil, err
		}
		var req bulkRequest
		if err := decodeJSON(b, &req); err != nil {
			return 0, nil, err
		}
		if req.Items == nil {
			return 0, nil, morph.Invalid(morph.FieldError{Path: "/items", Code: "required",
				Text: morph.T("items must be an array of records", "items 必须是记录数组")})
		}
		ctx, cancel := s.ctx(c)
		defer cancel()
		results, err := s.eng.CreateMany(ctx, s.actor(c), entity, req.Items, engine.BulkOptions{Key: req.Key})
		if err != nil {
			return 0, nil, err
		}
		l := lang(c)
		out := make([]bulkItemResult, len(results))
		failed := 0
		for i, r := range results {
			out[i] = bulkItemResult{Index: r.Index, Status: r.Status}
			if r.Err != nil {
				failed++
				out[i].Error = s.errorBody(r.Err, l)
				continue
			}
			out[i].ID, out[i].Record = r.Record.ID, engine.Flatten(r.Record, nil)
		}
		return fiber.StatusOK, fiber.Map{"items": out, "failed": failed, "succeeded": len(out) - failed}, nil
	})
}

// errorBody shapes an error the way handleError does, for per-item results.
func (s *Server) errorBody(err error, l string) *ErrorBody {
	me := morph.AsError(err)
	if me == nil {
		s.log.Error("bulk item failed", "err", err)
		me = morph.Errorf(morph.EInternal, "Internal error", "内部错误")
	}
	b := &ErrorBody{Status: me.Code.Status(), Code: me.Code, Message: me.Text.In(l)}
	for _, f := range me.Fields {
		b.Fields = append(b.Fields, ErrorFieldBody{Path: f.Path, Code: f.Code, Message: f.Text.In(l)})
	}
	return b
}

// idempotent runs a POST handler under the request's Idempotency-Key, when
// it has one: a repeated request gets the first one's response, with its
// headers, instead of running again. While the first is still running a
// repeat is a 409 with Retry-After.
func (s *Server) idempotent(c *fiber.Ctx, scope string, limit int, run func() (int, any, error)) error {
	key := c.Get("Idempotency-Key")
	if key == "" {
		status, v, err := run()
		if err != nil {
			return err
		}
		return writeJSON(c, status, v)
	}
	key = strings.Clone(key)
	b := c.Body()
	if len(b) > limit {
		return tooLarge(limit)
	}
	scope = s.actor(c).ID + "\x00" + scope
	ctx, cancel := s.ctx(c)
	defer cancel()
	claim, replay, err := s.eng.BeginIdempotent(ctx, scope, key, b, s.claimLease())
	if err != nil {
		var busy *engine.KeyBusy
		if errors.As(err, &busy) {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(busy.RetryAfter.Seconds())))))
		}
		return err
	}
	if replay != nil {
		for k, v := range replay.Header {
			c.Set(k, v)
		}
		c.Set("Idempotent-Replayed", "true")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(replay.Status).SendString(replay.Body)
	}
	finished := false
	defer func() {
		if !finished { // failed in a way worth retrying, or panicked: release the key
			actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.Timeout)
			defer acancel()
			if aerr := s.eng.AbortIdempotent(actx, claim); aerr != nil {
				s.log.Error("idempotency abort", "err", aerr)
			}
		}
	}()
	status, v, err := run()
	if err != nil {
		if me := morph.AsError(err); me == nil || me.Code.Status() >= 500 {
			return err
		}
		// A client error is final for this request: keep it for replays.
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
		status = c.Response().StatusCode()
	} else {
		out, err := json.Marshal(v)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		c.Status(status).Send(out)
	}
	finished = true
	kept := engine.Replay{Status: status, Body: string(c.Response().Body()), Header: map[string]string{}}
	for _, h := range replayedHeaders {
		if v := c.Response().Header.Peek(h); len(v) > 0 {
			kept.Header[h] = string(v)
		}
	}
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.Timeout)
	defer fcancel()
	if ferr := s.eng.FinishIdempotent(fctx, claim, kept); ferr != nil {
		s.log.Error("idempotency finish", "err", ferr)
	}
	return nil
}

// replayedHeaders are the response headers an idempotent replay repeats.
var replayedHeaders = []string{fiber.HeaderETag, fiber.HeaderLocation, fiber.HeaderContentLanguage}

// claimLease is how long an Idempotency-Key claim holds: a little longer
// than a request may take.
func (s *Server) claimLease() time.Duration { return s.opts.Timeout + s.opts.Timeout/4 + time.Second }

func writeJSON(c *fiber.Ctx, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(status).Send(b)
}

// writeRawPage writes a list page whose records are stored JSON documents:
// each item is the document with id and version put in front. Ids (UUIDs)
// and cursors (base64url) are plain ASCII, for which Go quoting is JSON.
func writeRawPage(c *fiber.Ctx, res engine.ListResult) error {
	n := 32
	for _, r := range res.Raw {
		n += len(r.JSON) + len(r.ID) + 40
	}
	b := make([]byte, 0, n)
	b = append(b, `{"items":[`...)
	for i, r := range res.Raw {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendQuote(b, r.ID)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, r.Version, 10)
		doc := bytes.TrimSpace(r.JSON)
		if len(doc) > 2 && doc[0] == '{' {
			b = append(b, ',')
			b = append(b, doc[1:]...)
		} else {
			b = append(b, '}')
		}
	}
	b = append(b, ']')
	if res.Next != "" {
		b = append(b, `,"next":`...)
		b = strconv.AppendQuote(b, res.Next)
	}
	if res.Total >= 0 {
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, res.Total, 10)
	}
	b = append(b, '}')
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Status(fiber.StatusOK).Send(b)
}
