package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// AuditPage is one page of audit entries, newest first.
type AuditPage struct {
	Entries []AuditEntry `json:"entries"`
	Next    string       `json:"next,omitempty"` // the cursor of the next page, "" on the last one
}

// PageRequest asks for one page of a list of entries.
type PageRequest struct {
	After string // the cursor of the previous page
	Limit int    // 1..MaxLimit, DefaultLimit when 0
}

// AuditQuery selects entries of the audit log; empty fields select all.
type AuditQuery struct {
	Actor, Entity, Record, Action, Kind string
	From, To                            string // timestamps (RFC 3339): at >= From, at < To
	PageRequest
}

// auditSort is the order of every list of entries: newest first, which is
// the order of their ids (entryIDs).
var auditSort = []query.Sort{{Field: "id", Desc: true}}

// History returns the audit entries of one record, newest first, as actor
// may see them: a record actor may not read is ENotFound, like one that never
// existed; the history of a deleted one stays readable by administrators.
func (e *Engine) History(ctx context.Context, actor Actor, entity, id string, page PageRequest) (AuditPage, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return AuditPage{}, err
	}
	r, err := e.readableOf(actor, ce)
	if err != nil {
		return AuditPage{}, err
	}
	_, err = e.getIn(ctx, ce, id, r.filter, r.all)
	gone := errors.Is(err, store.ErrNotFound)
	if err != nil && (!gone || !actor.IsAdmin()) {
		return AuditPage{}, storeError(ce, err)
	}
	filter := query.And{query.Cmp{Field: "entity", Op: query.Eq, Value: entity}, query.Cmp{Field: "record", Op: query.Eq, Value: id},
		query.Cmp{Field: "kind", Op: query.Eq, Value: KindRecord}}
	p, err := e.auditPage(ctx, filter, page)
	if err != nil {
		return AuditPage{}, err
	}
	if gone && len(p.Entries) == 0 && page.After == "" {
		return AuditPage{}, storeError(ce, store.ErrNotFound) // never existed, as far as the log knows
	}
	for i := range p.Entries {
		a := &p.Entries[i]
		a.Old, a.New = r.g.out(a.Old), r.g.out(a.New)
		if !r.g.open {
			// A hidden field is not named either: that it changed, and
			// when, is something of it too.
			a.Fields = slices.DeleteFunc(a.Fields, func(f string) bool { return r.g.seen(f) == schema.FieldHidden })
		}
		if !actor.IsAdmin() && a.Actor != actor.ID {
			a.Addr = "" // where other people work from is for administrators
		}
	}
	return p, nil
}

// AuditLog returns the entries that q selects, newest first. Only
// administrators may read the log.
func (e *Engine) AuditLog(ctx context.Context, actor Actor, q AuditQuery) (AuditPage, error) {
	if !actor.IsAdmin() {
		return AuditPage{}, errAdminOnly()
	}
	var filter query.And
	for _, c := range []struct{ field, value string }{
		{"actor", q.Actor}, {"entity", q.Entity}, {"record", q.Record}, {"action", q.Action}, {"kind", q.Kind}} {
		if c.value != "" {
			filter = append(filter, query.Cmp{Field: c.field, Op: query.Eq, Value: c.value})
		}
	}
	for _, b := range []struct {
		param, value string
		op           query.Op
	}{{"from", q.From, query.Gte}, {"to", q.To, query.Lt}} {
		if b.value == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, b.value)
		if err != nil {
			return AuditPage{}, &morph.Error{Code: morph.EInvalid, Text: morph.T("%s is not a timestamp", "%s 不是时间戳", b.param),
				Fields: []morph.FieldError{{Path: b.param, Code: "format", Offset: -1,
					Text: morph.T("%s must be an RFC 3339 timestamp such as 2026-05-01T08:00:00Z", "%s 必须是 RFC 3339 时间戳，例如 2026-05-01T08:00:00Z", b.param)}}}
		}
		// An entry's id starts with its time: at >= t is id >= the least id
		// of t's millisecond, at < t is id < it.
		filter = append(filter, query.Cmp{Field: "id", Op: b.op, Value: AuditIDFloor(t)})
	}
	p, err := e.auditPage(ctx, filter, q.PageRequest)
	if err != nil {
		return AuditPage{}, err
	}
	for i, a := range p.Entries {
		if a.Kind == KindRecord {
			v := e.view(actor, a.Entity)
			p.Entries[i].Old, p.Entries[i].New = v.out(a.Old), v.out(a.New)
		}
	}
	return p, nil
}

// auditPage reads one page of the entries matching filter.
func (e *Engine) auditPage(ctx context.Context, filter query.Expr, page PageRequest) (AuditPage, error) {
	limit := page.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		return AuditPage{}, &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("limit must be a positive number", "limit 必须是正整数"),
			Fields: []morph.FieldError{{Path: "limit", Code: "range", Offset: -1, Text: morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", MaxLimit)}}}
	}
	q := query.Query{Filter: filter, Sort: auditSort, Limit: limit + 1}
	if page.After != "" {
		vals, err := decodeCursor(page.After, auditSort)
		if err != nil {
			return AuditPage{}, err
		}
		q.Filter = query.AndOf(filter, query.After(auditSort, vals))
	}
	recs, err := e.st.Find(ctx, collAudit, q)
	if err != nil {
		return AuditPage{}, storeFailure("audit log", err)
	}
	var p AuditPage
	if len(recs) > limit {
		recs = recs[:limit]
		p.Next = encodeCursor(auditSort, recs[len(recs)-1])
	}
	p.Entries = make([]AuditEntry, len(recs))
	for i, r := range recs {
		p.Entries[i] = entryOf(r)
	}
	return p, nil
}
