package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// Erased is what an erasure leaves in the audit history in place of a
// personal field's old and new values.
const Erased = "[erased]"

// Export limits: the records of one relation field, the entries of the history.
const (
	maxExportRefs    = 1000
	maxExportHistory = 10000
)

// Export is everything Morph holds about one record: the record, the records
// that point at it through relation fields, and its audit history.
type Export struct {
	Entity     string            `json:"entity"`
	Record     map[string]any    `json:"record"`
	Personal   []string          `json:"personal_fields"` // the entity's x-personal fields
	References []ExportReference `json:"references"`
	History    []AuditEntry      `json:"history"` // newest first
}

// ExportReference lists the records of one relation field that point at
// the exported record.
type ExportReference struct {
	Entity  string           `json:"entity"`
	Field   string           `json:"field"`
	Records []map[string]any `json:"records"`
	More    bool             `json:"more,omitempty"` // more than maxExportRefs point at it
}

// personalFields are an entity's x-personal fields.
func personalFields(ce *compiled) []*schema.Field {
	var out []*schema.Field
	for _, f := range ce.Fields {
		if f.Personal {
			out = append(out, f)
		}
	}
	return out
}

// ExportRecord gathers what Morph holds about one record, for a request
// for one's personal data. Only administrators may export; the export is
// audited (an "export" entry) before the data is returned.
func (e *Engine) ExportRecord(ctx context.Context, actor Actor, entity, id string) (Export, error) {
	if !actor.IsAdmin() {
		return Export{}, errAdminOnly()
	}
	ce, err := e.entity(entity)
	if err != nil {
		return Export{}, err
	}
	rec, err := e.st.Get(ctx, entity, id)
	if err != nil {
		return Export{}, storeError(ce, err)
	}
	out := Export{Entity: entity, Personal: []string{}, References: []ExportReference{}}
	for _, f := range personalFields(ce) {
		out.Personal = append(out.Personal, f.Name)
	}
	out.Record = Flatten(Record{ID: rec.ID, Version: rec.Version, Data: e.view(actor, entity).out(rec.Data)}, nil)
	cat := e.Catalog()
	for _, ref := range cat.ReferencesTo(entity) {
		rce, err := e.entity(ref.Entity)
		if err != nil {
			continue // deleted meanwhile
		}
		f := rce.Field(ref.Field)
		op := query.Op(query.Eq)
		if f.Many {
			op = query.Has
		}
		recs, err := e.st.Find(ctx, ref.Entity, query.Query{Filter: query.Cmp{Field: f.Type.StorePath(f.Name), Op: op, Value: id},
			Sort: []query.Sort{{Field: "id"}}, Limit: maxExportRefs + 1})
		if err != nil {
			return Export{}, storeError(rce, err)
		}
		r := ExportReference{Entity: ref.Entity, Field: ref.Field, Records: []map[string]any{}}
		if len(recs) > maxExportRefs {
			recs, r.More = recs[:maxExportRefs], true
		}
		v := e.view(actor, ref.Entity)
		for _, x := range recs {
			r.Records = append(r.Records, Flatten(Record{ID: x.ID, Version: x.Version, Data: v.out(x.Data)}, nil))
		}
		out.References = append(out.References, r)
	}
	if out.History, err = e.allHistory(ctx, actor, entity, id); err != nil {
		return Export{}, err
	}
	if err := e.Audit(ctx, actor, AuditEntry{Action: AuditExport, Kind: KindRecord, Entity: entity, Record: id, Version: rec.Version}); err != nil {
		return Export{}, err
	}
	return out, nil
}

// allHistory reads a record's whole history (up to maxExportHistory entries).
func (e *Engine) allHistory(ctx context.Context, actor Actor, entity, id string) ([]AuditEntry, error) {
	out := []AuditEntry{}
	page := PageRequest{Limit: MaxLimit}
	for len(out) < maxExportHistory {
		p, err := e.History(ctx, actor, entity, id, page)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Entries...)
		if p.Next == "" {
			break
		}
		page.After = p.Next
	}
	return out, nil
}

// Erasure reports what an erasure changed.
type Erasure struct {
	Fields  []string `json:"fields"`  // the personal fields the record held
	Version int64    `json:"version"` // the record's version after it (0 when the record is gone)
	Entries int      `json:"entries"` // the audit entries whose values were erased
}

// Erase anonymises a record's personal (x-personal) fields: a field that
// is not required is removed, a required one gets a fixed value valid for
// its type. The same fields' old and new values are replaced with Erased in
// every audit entry of the record — the one change ever made to entries —
// and an "erase" entry names the fields, not their values. Only
// administrators may erase. The history of a deleted record is erased too.
// An erasure interrupted between the record and its history is completed by
// running it again.
func (e *Engine) Erase(ctx context.Context, actor Actor, entity, id string) (Erasure, error) {
	if !actor.IsAdmin() {
		return Erasure{}, errAdminOnly()
	}
	ce, err := e.entity(entity)
	if err != nil {
		return Erasure{}, err
	}
	personal := personalFields(ce)
	if len(personal) == 0 {
		return Erasure{}, morph.Errorf(morph.EUnprocessable, "Entity %q has no personal fields (x-personal) to erase",
			"实体 %q 没有可删除的个人信息字段（x-personal）", entity)
	}
	out := Erasure{Fields: []string{}}
	for attempt := 0; ; attempt++ {
		old, err := e.st.Get(ctx, entity, id)
		if errors.Is(err, store.ErrNotFound) {
			if _, err := e.History(ctx, actor, entity, id, PageRequest{Limit: 1}); err != nil {
				return Erasure{}, err // never existed
			}
			break
		}
		if err != nil {
			return Erasure{}, storeError(ce, err)
		}
		data := maps.Clone(old.Data)
		var fields []string
		for _, f := range personal {
			if _, ok := data[f.Name]; !ok {
				continue
			}
			fields = append(fields, f.Name)
			if f.Required {
				data[f.Name] = anonymised(f, id)
			} else {
				delete(data, f.Name)
			}
		}
		e.eraseFormulas(ce, actor, old, data)
		now := e.now()
		data["updated_at"], data["updated_by"] = now, actor.ID
		rec := Record{ID: id, Version: old.Version + 1, Data: data}
		a := AuditEntry{At: now, Action: AuditErase, Kind: KindRecord, Entity: entity, Record: id, Version: rec.Version, Fields: fields}
		a.Actor, a.Name, a.Addr, a.Via = actor.ID, actor.Name, actor.Addr, actor.Via
		err = e.st.Update(ctx, entity, rec, e.auditRecord(a))
		if errors.Is(err, store.ErrConflict) && attempt < e.opts.MaxRetries {
			if err := backoff(ctx, attempt); err != nil {
				return Erasure{}, storeError(ce, err)
			}
			continue
		}
		if err != nil {
			return Erasure{}, storeError(ce, err)
		}
		out.Fields, out.Version = append(out.Fields, fields...), rec.Version
		e.publish(ctx, Event{Type: Updated, Entity: entity, Record: rec, Old: old, Actor: actor})
		break
	}
	n, err := e.eraseHistory(ctx, entity, id, personal)
	out.Entries = n
	if err != nil {
		return out, err
	}
	return out, e.eraseReplays(ctx, id, personal)
}

// eraseReplays replaces, with Erased, the personal fields' values of the
// record in the responses kept for Idempotency-Key replays (a day's worth):
// a replay after the erasure answers as the request did, without them.
func (e *Engine) eraseReplays(ctx context.Context, id string, personal []*schema.Field) error {
	q := query.Query{Sort: []query.Sort{{Field: "id"}}, Limit: MaxLimit}
	for {
		recs, err := e.st.Find(ctx, collIdempotency, q)
		if err != nil {
			return storeFailure("idempotency keys", err)
		}
		for _, r := range recs {
			body, _ := r.Data["body"].(string)
			if !strings.Contains(body, id) {
				continue
			}
			var doc any
			if json.Unmarshal([]byte(body), &doc) != nil || !eraseIn(doc, id, personal) {
				continue
			}
			b, err := json.Marshal(doc)
			if err != nil {
				return fmt.Errorf("engine: erase a replay: %w", err)
			}
			data := maps.Clone(r.Data)
			data["body"] = string(b)
			// A request finishing with this key meanwhile wins; its body
			// is read again by the next erasure.
			if err := e.st.Update(ctx, collIdempotency, store.Record{ID: r.ID, Version: r.Version + 1, Data: data}); err != nil &&
				!errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
				return storeFailure("idempotency keys", err)
			}
		}
		if len(recs) < MaxLimit {
			return nil
		}
		q.Filter = query.Cmp{Field: "id", Op: query.Gt, Value: recs[len(recs)-1].ID}
	}
}

// eraseIn replaces, in a decoded response, the personal fields of every
// object whose id is id with Erased; it reports whether it changed any.
func eraseIn(v any, id string, personal []*schema.Field) bool {
	hit := false
	switch x := v.(type) {
	case map[string]any:
		if x["id"] == id {
			for _, f := range personal {
				if old, ok := x[f.Name]; ok && old != Erased {
					x[f.Name], hit = Erased, true
				}
			}
		}
		for _, c := range x {
			hit = eraseIn(c, id, personal) || hit
		}
	case []any:
		for _, c := range x {
			hit = eraseIn(c, id, personal) || hit
		}
	}
	return hit
}

// eraseHistory replaces the personal fields' values in every entry of a
// record's history with Erased and returns how many entries it changed.
func (e *Engine) eraseHistory(ctx context.Context, entity, id string, personal []*schema.Field) (int, error) {
	names := make([]string, len(personal))
	for i, f := range personal {
		names[i] = f.Name
	}
	filter := query.And{query.Cmp{Field: "entity", Op: query.Eq, Value: entity}, query.Cmp{Field: "record", Op: query.Eq, Value: id}}
	q := query.Query{Filter: filter, Sort: []query.Sort{{Field: "id"}}, Limit: MaxLimit}
	changed := 0
	for {
		recs, err := e.st.Find(ctx, collAudit, q)
		if err != nil {
			return changed, storeFailure("audit log", err)
		}
		for _, r := range recs {
			data := maps.Clone(r.Data)
			hit := false
			for _, side := range []string{"old", "new"} {
				m, ok := data[side].(map[string]any)
				if !ok {
					continue
				}
				m = maps.Clone(m)
				for _, n := range names {
					if v, ok := m[n]; ok && v != Erased {
						m[n], hit = Erased, true
					}
				}
				data[side] = m
			}
			if !hit {
				continue
			}
			err := e.st.Update(ctx, collAudit, Record{ID: r.ID, Version: r.Version + 1, Data: data})
			if err != nil && !errors.Is(err, store.ErrConflict) { // a conflict: another erasure did it
				return changed, storeFailure("erase audit entry", err)
			}
			if err == nil {
				changed++
			}
		}
		if len(recs) < q.Limit {
			return changed, nil
		}
		last := recs[len(recs)-1].ID
		q.Filter = query.AndOf(filter, query.Cmp{Field: "id", Op: query.Gt, Value: last})
	}
}

// anonymised is the value a required personal field keeps after an
// erasure: fixed, valid for its type, distinct per record where the field
// is unique.
func anonymised(f *schema.Field, id string) any {
	tag := ""
	if f.Unique {
		tag = "-" + id
	}
	switch f.Type.Name() {
	case "email":
		return "erased" + tag + "@example.invalid"
	case "phone":
		if f.Unique {
			h := fnv.New32a()
			h.Write([]byte(id))
			return fmt.Sprintf("+86130%08d", h.Sum32()%100000000)
		}
		return "+8613000000000"
	case "url":
		return "https://erased" + tag + ".invalid/"
	case "number", "integer", "percent":
		return 0.0
	case "boolean":
		return false
	case "date":
		return "1970-01-01"
	case "datetime":
		return "1970-01-01T00:00:00.000Z"
	case "select":
		if len(f.Enum) > 0 {
			return f.Enum[0]
		}
	case "multiselect", "tags":
		return []any{}
	case "json":
		return map[string]any{}
	}
	return Erased + tag
}

// eraseFormulas computes the formulas of an erased record again from what
// is left of it, since they may hold what was derived from its personal
// fields; a formula that cannot be computed any more loses its value.
func (e *Engine) eraseFormulas(ce *compiled, actor Actor, old Record, data map[string]any) {
	if len(ce.Formulas()) == 0 {
		return
	}
	fields, _ := userData(ce, data)
	w := &Write{Entity: ce.Name, Actor: actor, Data: fields, Old: &old}
	err := e.computeFormulas(ce, w)
	for _, f := range ce.Formulas() {
		if v, ok := w.Data[f.Name]; ok && err == nil {
			data[f.Name] = v
		} else {
			delete(data, f.Name)
		}
	}
}
