package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// List limits.
const (
	DefaultLimit = 20
	MaxLimit     = 500
)

// ListRequest is a list query as an integrator writes it.
type ListRequest struct {
	Filter string   // an expression in the filter subset of the language
	Sort   string   // "-amount,name"
	After  string   // the cursor of the previous page
	Limit  int      // 1..MaxLimit, DefaultLimit when 0
	Count  bool     // also count every matching record
	Fields string   // "name,phone": only these fields (id and version always)
	Expand []string // relation fields whose records to embed
}

// ListResult is one page.
type ListResult struct {
	Records  []Record
	Next     string           // cursor of the next page, "" on the last one
	Total    int64            // when requested; -1 otherwise
	Expanded []map[string]any // per record: relation field → record or records (nil without Expand)
	Fields   map[string]bool  // the requested projection, nil for all fields
	// Raw, when set instead of Records, holds the page as stored JSON
	// documents: the store could hand them over undecoded and the request
	// needs nothing changed in them (no projection, no expansion).
	Raw []store.RawRecord
}

// List returns one page of the records of an entity that match the request.
func (e *Engine) List(ctx context.Context, actor Actor, entity string, req ListRequest) (ListResult, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return ListResult{}, err
	}
	r, err := e.readableOf(actor, ce)
	if err != nil {
		return ListResult{}, err
	}
	if !r.all && len(r.g.read) == 0 {
		return ListResult{}, errForbidden("read", ce)
	}
	q, sorts, fields, err := e.parseList(ce, r.g, actor, req)
	if err != nil {
		return ListResult{}, err
	}
	// (parseList refused a filter naming a field the actor may not read.)
	sortPaths := make([]string, len(sorts))
	for i, s := range sorts {
		sortPaths[i] = s.Field
	}
	if err := checkReadable(r.g, "sort", sortPaths); err != nil {
		return ListResult{}, err
	}
	if err := checkShape(r.g, fields, req.Expand); err != nil {
		return ListResult{}, err
	}
	if !r.all {
		q.Filter = query.AndOf(q.Filter, r.filter)
	}
	filter := q.Filter
	if req.After != "" {
		vals, err := decodeCursor(req.After, sorts)
		if err != nil {
			return ListResult{}, err
		}
		q.Filter = query.AndOf(filter, query.After(sorts, vals))
	}
	limit := q.Limit
	q.Limit = limit + 1
	if rf, ok := e.st.(store.RawFinder); ok && len(req.Expand) == 0 {
		return e.listRaw(ctx, rf, ce, q, filter, sorts, limit, req.Count, fields, r.g)
	}
	recs, err := e.st.Find(ctx, entity, q)
	if err != nil {
		return ListResult{}, storeError(ce, err)
	}
	res := ListResult{Total: -1, Fields: fields}
	if len(recs) > limit {
		recs = recs[:limit]
		res.Next = encodeCursor(sorts, recs[len(recs)-1])
	}
	for _, rec := range recs {
		r.g.out(rec.Data)
	}
	res.Records = recs
	if req.Count {
		if res.Total, err = e.st.Count(ctx, entity, filter); err != nil {
			return ListResult{}, storeError(ce, err)
		}
	}
	if len(req.Expand) > 0 {
		if res.Expanded, err = e.expand(ctx, actor, ce, recs, req.Expand); err != nil {
			return ListResult{}, err
		}
	}
	return res, nil
}

// listRaw is List for pages sent on as stored (or projected to fields
// without decoding): only the last record is decoded, for the cursor.
func (e *Engine) listRaw(ctx context.Context, rf store.RawFinder, ce *compiled, q query.Query, filter query.Expr, sorts []query.Sort, limit int, count bool, fields map[string]bool, g *grants) (ListResult, error) {
	raws, err := rf.FindRaw(ctx, ce.Name, q)
	if err != nil {
		return ListResult{}, storeError(ce, err)
	}
	res := ListResult{Total: -1, Raw: raws, Fields: fields}
	if len(raws) > limit {
		raws = raws[:limit]
		res.Raw = raws
		last := raws[len(raws)-1]
		rec := Record{ID: last.ID, Version: last.Version}
		if err := json.Unmarshal(last.JSON, &rec.Data); err != nil {
			return ListResult{}, fmt.Errorf("engine: decode record %s: %w", last.ID, err)
		}
		res.Next = encodeCursor(sorts, rec)
	}
	if res.Raw == nil {
		res.Raw = []store.RawRecord{}
	}
	if fields != nil || !g.open {
		if err := rewriteRaw(res.Raw, fields, g); err != nil {
			return ListResult{}, err
		}
	}
	if count {
		if res.Total, err = e.st.Count(ctx, ce.Name, filter); err != nil {
			return ListResult{}, storeError(ce, err)
		}
	}
	return res, nil
}

func (e *Engine) parseList(ce *compiled, g *grants, actor Actor, req ListRequest) (query.Query, []query.Sort, map[string]bool, error) {
	var q query.Query
	if req.Filter != "" {
		f, err := e.parseFilter(ce, g, actor, req.Filter)
		if err != nil {
			return q, nil, nil, err
		}
		q.Filter = f
	}
	var sorts []query.Sort
	if req.Sort != "" {
		s, err := lang.SortSpec(req.Sort, ce.Resolve)
		if err != nil {
			return q, nil, nil, err
		}
		sorts = s
	}
	// The id makes the order total (ids are unique), so a cursor is never
	// ambiguous; without a sort, ids (UUIDv7) give creation order.
	hasID := false
	for _, s := range sorts {
		hasID = hasID || s.Field == "id"
	}
	if !hasID {
		desc := len(sorts) == 0 || sorts[len(sorts)-1].Desc
		sorts = append(sorts, query.Sort{Field: "id", Desc: desc})
	}
	q.Sort = sorts
	switch {
	case req.Limit == 0:
		q.Limit = DefaultLimit
	case req.Limit < 0 || req.Limit > MaxLimit:
		return q, nil, nil, &morph.Error{Code: morph.EInvalidFilter,
			Text:   morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", MaxLimit),
			Fields: []morph.FieldError{{Path: "limit", Code: "range", Text: morph.T("limit must be between 1 and %d", "limit 必须在 1 到 %d 之间", MaxLimit)}}}
	default:
		q.Limit = req.Limit
	}
	fields, err := parseShape(ce, req.Fields, req.Expand)
	return q, sorts, fields, err
}

// checkShape refuses a projection or an expansion that names a field the
// grants do not let their holder read.
func checkShape(g *grants, fields map[string]bool, expand []string) error {
	if err := checkReadable(g, "fields", keys(fields)); err != nil {
		return err
	}
	return checkReadable(g, "expand", expand)
}

// parseShape reads the projection (fields=) and the expansions (expand=)
// of a list or of one record: the fields, nil for all of them.
func parseShape(ce *compiled, names string, expand []string) (map[string]bool, error) {
	var fields map[string]bool
	if names != "" {
		list, err := lang.Fields(names, ce.Resolve)
		if err != nil {
			return nil, err
		}
		fields = make(map[string]bool, len(list))
		for _, n := range list {
			fields[n] = true
		}
	}
	for i, name := range expand {
		f := ce.Field(name)
		if f == nil || f.Type.Name() != "relation" {
			return nil, &morph.Error{Code: morph.EInvalidFilter,
				Text: morph.T("expand names a field that is not a relation", "expand 指定的字段不是关联字段"),
				Fields: []morph.FieldError{{Path: "expand", Code: "not_relation", Offset: i,
					Text: morph.T("%q is not a relation field of %s", "%q 不是 %s 的关联字段", name, ce.Name)}}}
		}
		// Each name costs a read of the store: a name given twice (or
		// thousands of times in one URL) is refused, not read again.
		if slices.Contains(expand[:i], name) {
			return nil, &morph.Error{Code: morph.EInvalidFilter,
				Text: morph.T("expand names %s twice", "expand 中 %s 出现了两次", name),
				Fields: []morph.FieldError{{Path: "expand", Code: "duplicate", Offset: i,
					Text: morph.T("%q is already expanded", "%q 已在 expand 中", name)}}}
		}
	}
	return fields, nil
}

// expand reads the related records of every expanded field: one read per
// field for the whole page, never one per record. A stored value of another
// shape than the field's (kept from an earlier definition) is not expanded.
//
// A related record the actor may not read comes back as its id alone; for
// such an actor so does one that does not exist, so that the two cannot be
// told apart. Those the actor may read come back as they may see them.
func (e *Engine) expand(ctx context.Context, actor Actor, ce *compiled, recs []Record, names []string) ([]map[string]any, error) {
	out := make([]map[string]any, len(recs))
	for _, name := range names {
		f := ce.Field(name)
		var rd readable
		if tce := e.Catalog().entities[f.Ref]; tce != nil {
			var err error
			if rd, err = e.readableOf(actor, tce); err != nil {
				return nil, err
			}
		} else {
			rd = readable{g: everything, all: true}
		}
		stub := func(id string) (map[string]any, bool) {
			if rd.all && rd.g.everything {
				return nil, false
			}
			return map[string]any{"id": id}, true
		}
		seen := map[string]bool{}
		var ids []string
		for _, r := range recs {
			vals, _ := expandIDs(f, r.Data[name])
			for _, id := range vals {
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		related, err := e.getManyIn(ctx, f.Ref, ids, rd.filter, rd.all)
		if err != nil && !errors.Is(err, store.ErrNoCollection) {
			return nil, fmt.Errorf("engine: expand %s: %w", name, err)
		}
		byID := make(map[string]Record, len(related))
		for _, r := range related {
			rd.g.out(r.Data)
			byID[r.ID] = r
		}
		for i, r := range recs {
			vals, ok := expandIDs(f, r.Data[name])
			if !ok {
				continue
			}
			if out[i] == nil {
				out[i] = map[string]any{}
			}
			if f.Many {
				list := []any{}
				for _, id := range vals {
					if rr, ok := byID[id]; ok {
						list = append(list, Flatten(rr, nil))
					} else if s, ok := stub(id); ok {
						list = append(list, s)
					}
				}
				out[i][name] = list
			} else if rr, ok := byID[vals[0]]; ok {
				out[i][name] = Flatten(rr, nil)
			} else if s, ok := stub(vals[0]); ok {
				out[i][name] = s
			}
		}
	}
	return out, nil
}

// expandIDs returns the ids a relation field's stored value names, and
// whether the value has the field's shape: an id for a single relation, a
// list of ids for x-many.
func expandIDs(f *schema.Field, v any) ([]string, bool) {
	if s, ok := v.(string); ok && !f.Many {
		return []string{s}, true
	}
	if list, ok := v.([]any); ok && f.Many {
		return relationIDs(list), true
	}
	return nil, false
}

// Flatten returns a record as its API document: id, version and the
// fields, restricted to fields when it is not nil. It reuses r.Data, so the
// record must be the caller's own (as every record the engine returns is).
func Flatten(r Record, fields map[string]bool) map[string]any {
	m := r.Data
	if m == nil {
		m = make(map[string]any, 2)
	}
	if fields != nil {
		for k := range m {
			if !fields[k] {
				delete(m, k)
			}
		}
	}
	m["id"], m["version"] = r.ID, r.Version
	return m
}

func sortValue(r Record, path string) any {
	switch path {
	case "id":
		return r.ID
	case "version":
		return float64(r.Version)
	}
	return store.Lookup(r.Data, path)
}

// A cursor holds the sort keys it was made for and the last record's values
// of them, so a cursor used with another sort is refused, not misread.
type cursor struct {
	Sort string `json:"s"`
	Vals []any  `json:"v"`
}

func sortKey(sorts []query.Sort) string {
	var b strings.Builder
	for _, s := range sorts {
		if s.Desc {
			b.WriteByte('-')
		}
		b.WriteString(s.Field)
		b.WriteByte(',')
	}
	return b.String()
}

func encodeCursor(sorts []query.Sort, last Record) string {
	c := cursor{Sort: sortKey(sorts), Vals: make([]any, len(sorts))}
	for i, s := range sorts {
		c.Vals[i] = sortValue(last, s.Field)
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, sorts []query.Sort) ([]any, error) {
	bad := &morph.Error{Code: morph.EInvalidFilter,
		Text:   morph.T("after is not a cursor of this list", "after 不是此列表的游标"),
		Fields: []morph.FieldError{{Path: "after", Code: "cursor", Text: morph.T("after is not a cursor of this list (did the sort change?)", "after 不是此列表的游标（排序是否已改变？）")}}}
	if len(s) > 4096 {
		return nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Sort != sortKey(sorts) || len(c.Vals) != len(sorts) {
		return nil, bad
	}
	for _, v := range c.Vals {
		switch v.(type) {
		case nil, string, float64, bool:
		default:
			return nil, bad
		}
	}
	return c.Vals, nil
}

func queryIn(path string, vals []any) query.Query {
	return query.Query{Filter: query.Cmp{Field: path, Op: query.In, Value: vals}}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
