package engine

import (
	"context"
	"maps"
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// Create runs the write pipeline on a new record and stores it with
// version 1. in is the decoded request body; the engine takes ownership of it.
func (e *Engine) Create(ctx context.Context, actor Actor, entity string, in map[string]any) (Record, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return Record{}, err
	}
	rec, w, err := e.prepareCreate(ctx, ce, actor, in)
	if err != nil {
		return Record{}, err
	}
	relErrs, err := e.checkRelations(ctx, actor, ce, []map[string]any{rec.Data}, nil)
	if err != nil {
		return Record{}, err
	}
	if relErrs != nil {
		return Record{}, relationError(relErrs[0])
	}
	if err := e.assignAutonumbers(ctx, ce, rec.Data); err != nil {
		return Record{}, err
	}
	if err := e.st.Insert(ctx, entity, rec, e.createEntry(actor, entity, rec, w)); err != nil {
		return Record{}, storeError(ce, err)
	}
	e.publish(ctx, Event{Type: Created, Entity: entity, Record: rec, Actor: actor})
	e.Catalog().grantsFor(actor, ce).out(rec.Data)
	return rec, nil
}

// createEntry is the audit entry of a new record.
func (e *Engine) createEntry(actor Actor, entity string, rec Record, w *Write) store.Record {
	at, _ := rec.Data["created_at"].(string)
	return e.recordEntry(actor, AuditCreate, entity, rec.ID, rec.Version, at, nil, rec.Data, w)
}

// prepareCreate runs the pipeline up to the store write, relation checks
// and autonumbers apart (those are batched by the callers).
func (e *Engine) prepareCreate(ctx context.Context, ce *compiled, actor Actor, in map[string]any) (Record, *Write, error) {
	g := e.Catalog().grantsFor(actor, ce)
	if !g.create {
		return Record{}, nil, errForbidden("create", ce)
	}
	if err := checkEditable(g, in, nil); err != nil {
		return Record{}, nil, err
	}
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
	for _, r := range e.Catalog().rollupsOf[ce.Name] {
		if z := r.zero(); z != nil { // a new record has no children yet
			in[r.field.Name] = z
		}
	}
	w := &Write{Entity: ce.Name, Actor: actor, Data: in, owner: owner}
	if len(pre) == 0 {
		if err := e.applyDefaultExprs(ce, w); err != nil {
			return Record{}, nil, err
		}
	}
	if err := e.prepare(ctx, ce, w, pre); err != nil {
		return Record{}, nil, err
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
	return Record{ID: id, Version: 1, Data: data}, w, nil
}

// assignAutonumbers gives each autonumber field its next value from the
// entity's counter (a single-document atomic update in the store).
func (e *Engine) assignAutonumbers(ctx context.Context, ce *compiled, data map[string]any) error {
	for _, f := range ce.autonums {
		n, err := e.st.NextSequence(ctx, ce.Name+"."+f.Name)
		if err != nil {
			return storeFailure("autonumber "+ce.Name+"."+f.Name, err)
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
// does not stop the others. With a key, an item whose insert loses a race
// with another request creating the same key updates the winner's record.
func (e *Engine) CreateMany(ctx context.Context, actor Actor, entity string, items []map[string]any, opts BulkOptions) ([]BulkItem, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return nil, err
	}
	g := e.Catalog().grantsFor(actor, ce)
	if !g.create {
		return nil, errForbidden("create", ce)
	}
	if len(items) > MaxBulk {
		return nil, morph.Errorf(morph.ETooLarge, "At most %d items per bulk request", "每次批量请求最多 %d 条", MaxBulk)
	}
	b := &bulk{e: e, ce: ce, actor: actor, items: items, results: make([]BulkItem, len(items))}
	if opts.Key != "" {
		f := ce.Field(opts.Key)
		if f == nil || !f.Unique {
			return nil, morph.Invalid(morph.FieldError{Path: "/key", Code: "not_unique",
				Text: morph.T("key must name a unique field of %s", "key 必须是 %s 的唯一字段", entity)})
		}
		// The key is looked up in every record: like a filter, it may only
		// use a field the actor may read.
		if err := checkReadable(g, "key", []string{f.Name}); err != nil {
			return nil, err
		}
		// Every item writes its key: one the actor may not edit would fail
		// each item, the way (not found, or forbidden) telling whether a
		// record the actor may not read holds the value.
		if !g.everything && g.level(f.Name) < schema.FieldEdit {
			return nil, &morph.Error{Code: morph.EForbidden,
				Text:   morph.T("You may not change %s, so you may not upsert by it", "您无权修改 %s，因此不能按它更新或插入", f.Name),
				Fields: []morph.FieldError{{Path: "/key", Code: "not_editable", Text: morph.T("You may not change %s", "您无权修改 %s", f.Name)}}}
		}
		b.key = f.Name
		b.sent = make([]map[string]any, len(items))
	}
	if err := b.upsertOrPrepare(ctx); err != nil {
		return nil, err
	}
	lost, err := b.insertNew(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.updateWinners(ctx, lost); err != nil {
		return nil, err
	}
	for i := range b.results {
		switch r := &b.results[i]; {
		case r.Err != nil:
			r.Status = morph.ErrorCode(r.Err).Status()
		case r.Updated:
			r.Status = 200
		default:
			r.Status = 201
		}
	}
	return b.results, nil
}

// bulk is the state of one CreateMany as it passes its stages.
type bulk struct {
	e       *Engine
	ce      *compiled
	actor   Actor
	key     string           // the upsert key field, if any
	items   []map[string]any // as the pipeline leaves them
	sent    []map[string]any // with a key: the items to be created, as sent (the pipeline takes items over)
	results []BulkItem

	newRecs   []Record // prepared new records
	newIdx    []int    // their items' indexes
	newWrites []*Write // their writes (the workflow triggers they set off)
}

// upsertOrPrepare updates, one by one (each is a versioned write), the
// records whose key matches an item, and prepares the other items as new
// records.
func (b *bulk) upsertOrPrepare(ctx context.Context) error {
	existing := map[string]Record{}
	if b.key != "" {
		var err error
		if existing, err = b.e.findByKey(ctx, b.ce, b.key, b.items); err != nil {
			return err
		}
	}
	for i, in := range b.items {
		b.results[i].Index = i
		if b.key != "" {
			if kv, ok := keyValue(b.ce, b.key, in); ok {
				if old, found := existing[kv]; found {
					b.update(ctx, i, old.ID)
					continue
				}
			}
		}
		if b.key != "" {
			b.sent[i] = maps.Clone(in) // to update the record of another request that creates the key first
		}
		rec, w, err := b.e.prepareCreate(ctx, b.ce, b.actor, in)
		if err != nil {
			b.results[i].Err = err
			continue
		}
		b.newRecs = append(b.newRecs, rec)
		b.newWrites = append(b.newWrites, w)
		b.newIdx = append(b.newIdx, i)
	}
	return nil
}

// update applies item i (as sent) to the record id.
func (b *bulk) update(ctx context.Context, i int, id string) {
	in := b.items[i]
	if b.sent != nil && b.sent[i] != nil {
		in = maps.Clone(b.sent[i])
	}
	rec, err := b.e.Update(ctx, b.actor, b.ce.Name, id, in, 0)
	b.results[i].Record, b.results[i].Err, b.results[i].Updated = rec, err, err == nil
}

// insertNew checks the new records' relation targets, gives them their
// autonumbers and stores them in one batch. It returns, when there is a
// key, the items whose insert was refused by a unique index: another
// request may have created their key meanwhile.
func (b *bulk) insertNew(ctx context.Context) (lost []int, err error) {
	datas := make([]map[string]any, len(b.newRecs))
	for i, r := range b.newRecs {
		datas[i] = r.Data
	}
	relErrs, err := b.e.checkRelations(ctx, b.actor, b.ce, datas, nil)
	if err != nil {
		return nil, err
	}
	var batch []Record
	var batchIdx []int
	var batchWrites []*Write
	for j, r := range b.newRecs {
		if relErrs != nil && relErrs[j] != nil {
			b.results[b.newIdx[j]].Err = relationError(relErrs[j])
			continue
		}
		if err := b.e.assignAutonumbers(ctx, b.ce, r.Data); err != nil {
			return nil, err
		}
		batch = append(batch, r)
		batchIdx = append(batchIdx, b.newIdx[j])
		batchWrites = append(batchWrites, b.newWrites[j])
	}
	if len(batch) == 0 {
		return nil, nil
	}
	entries := make([]store.Record, len(batch))
	for j, r := range batch {
		entries[j] = b.e.createEntry(b.actor, b.ce.Name, r, batchWrites[j])
	}
	errs, err := b.e.st.InsertMany(ctx, b.ce.Name, batch, entries...)
	if err != nil {
		return nil, storeError(b.ce, err)
	}
	for j, r := range batch {
		i := batchIdx[j]
		if errs[j] != nil {
			b.results[i].Err = storeError(b.ce, errs[j])
			if b.key != "" && store.IsUnique(errs[j]) {
				lost = append(lost, i)
			}
			continue
		}
		b.results[i].Record = r
		b.e.publish(ctx, Event{Type: Created, Entity: b.ce.Name, Record: r, Actor: b.actor})
		b.e.Catalog().grantsFor(b.actor, b.ce).out(r.Data)
	}
	return lost, nil
}

// maxUpsertRounds bounds how often an item that keeps losing races for its
// key (created, then deleted, then created again by others) is retried.
const maxUpsertRounds = 3

// updateWinners retries the items that lost a race for their key as updates
// of the record that won it. An item whose key is still free was refused
// for another unique field and keeps its error; one whose record went away
// meanwhile is created again.
func (b *bulk) updateWinners(ctx context.Context, lost []int) error {
	for round := 0; len(lost) > 0 && round < maxUpsertRounds; round++ {
		lostItems := make([]map[string]any, len(lost))
		for j, i := range lost {
			lostItems[j] = b.sent[i]
		}
		winners, err := b.e.findByKey(ctx, b.ce, b.key, lostItems)
		if err != nil {
			return err
		}
		var again []int
		for _, i := range lost {
			kv, _ := keyValue(b.ce, b.key, b.sent[i])
			w, found := winners[kv]
			if !found {
				continue
			}
			b.update(ctx, i, w.ID)
			if morph.ErrorCode(b.results[i].Err) != morph.ENotFound {
				continue
			}
			// The winner was deleted meanwhile: create the item after all.
			rec, err := b.e.Create(ctx, b.actor, b.ce.Name, maps.Clone(b.sent[i]))
			b.results[i].Record, b.results[i].Err, b.results[i].Updated = rec, err, false
			if store.IsUnique(err) {
				again = append(again, i)
			}
		}
		lost = again
	}
	return nil
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
