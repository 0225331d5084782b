package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
)

// Create runs the write pipeline on a new record and stores it with
// version 1. in is the decoded request body; the engine takes ownership of it.
func (e *Engine) Create(ctx context.Context, actor Actor, entity string, in map[string]any) (Record, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return Record{}, err
	}
	rec, err := e.prepareCreate(ctx, ce, actor, in)
	if err != nil {
		return Record{}, err
	}
	relErrs, err := e.checkRelations(ctx, ce, []map[string]any{rec.Data}, nil)
	if err != nil {
		return Record{}, err
	}
	if relErrs != nil {
		return Record{}, relationError(relErrs[0])
	}
	if err := e.assignAutonumbers(ctx, ce, rec.Data); err != nil {
		return Record{}, err
	}
	if err := e.st.Insert(ctx, entity, rec); err != nil {
		return Record{}, storeError(ce, err)
	}
	e.publish(ctx, Event{Type: Created, Entity: entity, Record: rec, Actor: actor})
	return rec, nil
}

// prepareCreate runs the pipeline up to the store write, relation checks
// and autonumbers apart (those are batched by the callers).
func (e *Engine) prepareCreate(ctx context.Context, ce *compiled, actor Actor, in map[string]any) (Record, error) {
	id, ownerIn, pre := takeInput(ce, in, true)
	owner := actor.ID
	if ownerIn != nil {
		o, ferr := checkOwner(ownerIn)
		if ferr != nil {
			pre = append(pre, *ferr)
		}
		owner = o
	}
	if _, given := in["owner"]; !given && ce.Field("owner") != nil && actor.ID != "" {
		in["owner"] = actor.ID // a declared owner field defaults to the creator too
	}
	ce.ApplyDefaults(in)
	w := &Write{Entity: ce.Name, Actor: actor, Data: in}
	if err := e.prepare(ctx, ce, w, pre); err != nil {
		return Record{}, err
	}
	if id == "" {
		id = newID()
	}
	now := e.now()
	data := w.Data
	data["created_at"], data["created_by"], data["updated_at"], data["updated_by"] = now, actor.ID, now, actor.ID
	if ce.Field("owner") == nil && owner != "" {
		data["owner"] = owner
	}
	return Record{ID: id, Version: 1, Data: data}, nil
}

// assignAutonumbers gives each autonumber field its next value from the
// entity's counter (a single-document atomic update in the store).
func (e *Engine) assignAutonumbers(ctx context.Context, ce *compiled, data map[string]any) error {
	for _, f := range ce.autonums {
		n, err := e.st.NextSequence(ctx, ce.Name+"."+f.Name)
		if err != nil {
			return fmt.Errorf("engine: autonumber %s.%s: %w", ce.Name, f.Name, err)
		}
		data[f.Name] = formatAutonumber(f.Prop, n)
	}
	return nil
}

func formatAutonumber(prop map[string]any, n int64) string {
	prefix, digits := "", 6
	if cfg, ok := prop["x-autonumber"].(map[string]any); ok {
		prefix, _ = cfg["prefix"].(string)
		if d, ok := cfg["digits"].(float64); ok && d >= 1 && d <= 18 {
			digits = int(d)
		}
	}
	s := strconv.FormatInt(n, 10)
	if len(s) < digits {
		s = strings.Repeat("0", digits-len(s)) + s
	}
	return prefix + s
}

// BulkItem is the outcome of one item of a bulk write.
type BulkItem struct {
	Index   int
	Status  int    // 201 created, 200 updated, or the error's HTTP status
	Record  Record // when stored
	Err     error  // when not
	Updated bool
}

// BulkOptions configure CreateMany.
type BulkOptions struct {
	// Key names a unique field: an item whose key value matches a stored
	// record updates that record (upsert); others are created.
	Key string
}

// MaxBulk is the most items one bulk call takes.
const MaxBulk = 1000

// CreateMany creates (or, with a key, upserts) many records: each item
// passes the whole pipeline, relation targets are checked in one read per
// target entity, new records are stored in one batch. One item's failure
// does not stop the others.
func (e *Engine) CreateMany(ctx context.Context, actor Actor, entity string, items []map[string]any, opts BulkOptions) ([]BulkItem, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return nil, err
	}
	if len(items) > MaxBulk {
		return nil, morph.Errorf(morph.ETooLarge, "At most %d items per bulk request", "每次批量请求最多 %d 条", MaxBulk)
	}
	var keyField string
	if opts.Key != "" {
		f := ce.Field(opts.Key)
		if f == nil || !f.Unique {
			return nil, morph.Invalid(morph.FieldError{Path: "/key", Code: "not_unique",
				Text: morph.T("key must name a unique field of %s", "key 必须是 %s 的唯一字段", entity)})
		}
		keyField = f.Name
	}
	results := make([]BulkItem, len(items))
	existing := map[string]Record{}
	if keyField != "" {
		if existing, err = e.findByKey(ctx, ce, keyField, items); err != nil {
			return nil, err
		}
	}

	// Upserts of existing records go through Update one by one (each is a
	// versioned write); new records are prepared here and stored in a batch.
	var newRecs []Record
	var newIdx []int
	for i, in := range items {
		results[i].Index = i
		if keyField != "" {
			if kv, ok := keyValue(ce, keyField, in); ok {
				if old, found := existing[kv]; found {
					rec, err := e.Update(ctx, actor, entity, old.ID, in, 0)
					results[i].Record, results[i].Err, results[i].Updated = rec, err, err == nil
					continue
				}
			}
		}
		rec, err := e.prepareCreate(ctx, ce, actor, in)
		if err != nil {
			results[i].Err = err
			continue
		}
		newRecs = append(newRecs, rec)
		newIdx = append(newIdx, i)
	}

	datas := make([]map[string]any, len(newRecs))
	for i, r := range newRecs {
		datas[i] = r.Data
	}
	relErrs, err := e.checkRelations(ctx, ce, datas, nil)
	if err != nil {
		return nil, err
	}
	var batch []Record
	var batchIdx []int
	for j, r := range newRecs {
		if relErrs != nil && relErrs[j] != nil {
			results[newIdx[j]].Err = relationError(relErrs[j])
			continue
		}
		if err := e.assignAutonumbers(ctx, ce, r.Data); err != nil {
			return nil, err
		}
		batch = append(batch, r)
		batchIdx = append(batchIdx, newIdx[j])
	}
	if len(batch) > 0 {
		errs, err := e.st.InsertMany(ctx, entity, batch)
		if err != nil {
			return nil, storeError(ce, err)
		}
		for j, r := range batch {
			i := batchIdx[j]
			if errs[j] != nil {
				results[i].Err = storeError(ce, errs[j])
				continue
			}
			results[i].Record = r
			e.publish(ctx, Event{Type: Created, Entity: entity, Record: r, Actor: actor})
		}
	}
	for i := range results {
		switch {
		case results[i].Err != nil:
			results[i].Status = morph.ErrorCode(results[i].Err).Status()
		case results[i].Updated:
			results[i].Status = 200
		default:
			results[i].Status = 201
		}
	}
	return results, nil
}

// findByKey reads, in one query, the stored records whose key field has one
// of the items' key values.
func (e *Engine) findByKey(ctx context.Context, ce *compiled, key string, items []map[string]any) (map[string]Record, error) {
	var vals []any
	for _, in := range items {
		if kv, ok := keyValue(ce, key, in); ok {
			vals = append(vals, kv)
		}
	}
	out := map[string]Record{}
	if len(vals) == 0 {
		return out, nil
	}
	f := ce.Field(key)
	path := f.Type.StorePath(f.Name)
	recs, err := e.st.Find(ctx, ce.Name, queryIn(path, vals))
	if err != nil {
		return nil, storeError(ce, err)
	}
	for _, r := range recs {
		if s, ok := store.Lookup(r.Data, path).(string); ok {
			out[s] = r
		}
	}
	return out, nil
}

// keyValue is the normalised key value of an item, as it would be stored.
func keyValue(ce *compiled, key string, in map[string]any) (string, bool) {
	v, ok := in[key]
	if !ok || v == nil {
		return "", false
	}
	probe := map[string]any{key: v}
	if errs := ce.Normalize(probe); len(errs) > 0 {
		return "", false
	}
	s, ok := probe[key].(string)
	return s, ok
}
