package engine_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/schema"
)

const productDef = `{"$id": "product", "type": "object", "properties": {
	"sku": {"type": "string", "x-unique": true}, "name": {"type": "string"}}, "required": ["sku"]}`

const orderDef = `{"$id": "order", "type": "object", "properties": {
	"number": {"type": "string", "x-type": "autonumber", "x-autonumber": {"prefix": "SO-", "digits": 4}},
	"items": {"type": "array", "items": {"type": "string"}, "x-type": "relation", "x-ref": "product", "x-many": true},
	"note": {"type": "string"}}}`

func open(t *testing.T, path string) (*engine.Engine, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), st, engine.Options{Now: func() time.Time { return time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return eng, st
}

func put(t *testing.T, eng *engine.Engine, name, def string) {
	t.Helper()
	if _, err := eng.PutEntity(context.Background(), engine.System, name, []byte(def)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// Definitions are stored: a new engine over the same store has them, with
// their versions, and its catalog compiles them again.
func TestDefinitionsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	eng, st := open(t, path)
	put(t, eng, "product", productDef)
	put(t, eng, "product", productDef)
	put(t, eng, "order", orderDef)
	st.Close()

	eng, st = open(t, path)
	defer st.Close()
	if got := eng.Catalog().Names(); len(got) != 2 || got[0] != "order" || got[1] != "product" {
		t.Fatalf("catalog after restart: %v", got)
	}
	if _, v, _ := eng.Catalog().Definition("product"); v != 2 {
		t.Fatalf("product definition version %d, want 2", v)
	}
	if refs := eng.Catalog().ReferencesTo("product"); len(refs) != 1 || refs[0] != (engine.Reference{Entity: "order", Field: "items"}) {
		t.Fatalf("references: %v", refs)
	}
	// The unique index came back too.
	ctx := context.Background()
	if _, err := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "A"}); morph.ErrorCode(err) != morph.EDuplicate {
		t.Fatalf("duplicate after restart: %v", err)
	}
}

func TestAutonumbersAndManyRelations(t *testing.T) {
	eng, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	put(t, eng, "product", productDef)
	put(t, eng, "order", orderDef)
	ctx := context.Background()
	a, _ := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "A"})
	b, _ := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "B"})

	o1, err := eng.Create(ctx, engine.System, "order", map[string]any{"items": []any{a.ID, b.ID}})
	if err != nil {
		t.Fatal(err)
	}
	o2, _ := eng.Create(ctx, engine.System, "order", map[string]any{})
	if o1.Data["number"] != "SO-0001" || o2.Data["number"] != "SO-0002" {
		t.Fatalf("autonumbers %v %v", o1.Data["number"], o2.Data["number"])
	}
	if _, err := eng.Create(ctx, engine.System, "order", map[string]any{"number": "SO-9999"}); morph.ErrorCode(err) != morph.EInvalid {
		t.Fatalf("a written autonumber: %v", err)
	}
	_, err = eng.Create(ctx, engine.System, "order", map[string]any{"items": []any{a.ID, "0190f0f0-0000-7000-8000-000000000001"}})
	me := morph.AsError(err)
	if me == nil || me.Code != morph.EUnprocessable || me.Fields[0].Path != "/items/1" {
		t.Fatalf("a missing target among many: %v", err)
	}
	res, err := eng.List(ctx, engine.System, "order", engine.ListRequest{Filter: `"` + b.ID + `" in items`, Expand: []string{"items"}})
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("list by a many relation: %v %v", res.Records, err)
	}
	if items, _ := res.Expanded[0]["items"].([]any); len(items) != 2 {
		t.Fatalf("expanded many relation: %v", res.Expanded)
	}
}

// The pipeline's seams run in order, and every stored write is published.
func TestHooksAndEvents(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	note := func(s string) { mu.Lock(); seen = append(seen, s); mu.Unlock() }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(context.Background(), st, engine.Options{Hooks: engine.Hooks{
		BeforeValidate: func(ctx context.Context, w *engine.Write) error {
			note("before")
			if w.Data["name"] == "computed" {
				w.Data["name"] = "set by a hook"
			}
			return nil
		},
		AfterValidate: func(ctx context.Context, w *engine.Write) error {
			note("after")
			if w.Data["name"] == "forbidden" {
				return morph.Errorf(morph.EForbidden, "no", "不行")
			}
			return nil
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	eng.Subscribe(func(ctx context.Context, ev engine.Event) { note(string(ev.Type)) })
	put(t, eng, "product", productDef)
	ctx := context.Background()
	rec, err := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "A", "name": "computed"})
	if err != nil || rec.Data["name"] != "set by a hook" {
		t.Fatalf("%v %v", rec.Data, err)
	}
	if _, err := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "B", "name": "forbidden"}); morph.ErrorCode(err) != morph.EForbidden {
		t.Fatalf("a hook's refusal: %v", err)
	}
	if _, err := eng.Update(ctx, engine.System, "product", rec.ID, map[string]any{"name": "x"}, 0); err != nil {
		t.Fatal(err)
	}
	if err := eng.Delete(ctx, engine.System, "product", rec.ID, 0); err != nil {
		t.Fatal(err)
	}
	want := []string{"before", "after", "created", "before", "after", "before", "after", "updated", "deleted"}
	if len(seen) != len(want) {
		t.Fatalf("seams and events %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("seams and events %v, want %v", seen, want)
		}
	}
}

func TestIdempotencyPrune(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(context.Background(), st, engine.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old, _, err := eng.BeginIdempotent(ctx, "s", "old", []byte("a"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.FinishIdempotent(ctx, old, engine.Replay{Status: 201, Body: `{}`}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(25 * time.Hour)
	if _, _, err := eng.BeginIdempotent(ctx, "s", "new", []byte("b"), time.Minute); err != nil {
		t.Fatal(err)
	}
	n, err := eng.PruneIdempotency(ctx, 24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	// The pruned key is free again; the recent one still replays or waits.
	if c, r, err := eng.BeginIdempotent(ctx, "s", "old", []byte("other"), time.Minute); err != nil || r != nil || c == nil {
		t.Fatalf("pruned key: %v %v", r, err)
	}
	if _, _, err := eng.BeginIdempotent(ctx, "s", "new", []byte("b"), time.Minute); morph.ErrorCode(err) != morph.EConflict {
		t.Fatalf("running key: %v", err)
	}
}

func TestUnknownEntity(t *testing.T) {
	eng, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	ctx := context.Background()
	for _, err := range []error{
		func() error { _, err := eng.Create(ctx, engine.System, "nope", map[string]any{}); return err }(),
		func() error { _, err := eng.Get(ctx, engine.System, "nope", "x"); return err }(),
		func() error { _, err := eng.List(ctx, engine.System, "nope", engine.ListRequest{}); return err }(),
		eng.Delete(ctx, engine.System, "nope", "x", 0),
		eng.DeleteEntity(ctx, engine.System, "nope"),
	} {
		if morph.ErrorCode(err) != morph.ENotFound {
			t.Errorf("want not_found, got %v", err)
		}
	}
}

// Every record has an owner: the creator unless the request names one,
// whether or not the entity declares the owner field itself.
func TestOwnerDefaultsToCreator(t *testing.T) {
	eng, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	put(t, eng, "product", productDef)
	put(t, eng, "lead", `{"$id": "lead", "type": "object", "properties": {"name": {"type": "string"}, "owner": {"type": "string", "x-type": "user"}}}`)
	ctx := context.Background()
	if _, _, err := eng.PutRole(ctx, engine.System, "rep", []byte(`{"entities": {
		"product": {"create": true, "read": "own", "fields": {"*": "edit"}},
		"lead": {"create": true, "read": "own", "fields": {"*": "edit"}}}}`)); err != nil {
		t.Fatal(err)
	}
	rep := engine.Actor{ID: "rep07", Roles: []string{"rep"}}
	for _, entity := range []string{"product", "lead"} {
		in := map[string]any{"sku": "S", "name": "n"}
		if entity == "lead" {
			delete(in, "sku")
		}
		r, err := eng.Create(ctx, rep, entity, in)
		if err != nil || r.Data["owner"] != "rep07" || r.Data["created_by"] != "rep07" {
			t.Fatalf("%s: %v %v", entity, r.Data, err)
		}
		r, err = eng.Create(ctx, rep, entity, map[string]any{"name": "m", "sku": "T", "owner": "rep01"})
		if entity == "lead" {
			r, err = eng.Create(ctx, rep, entity, map[string]any{"name": "m", "owner": "rep01"})
		}
		if err != nil || r.Data["owner"] != "rep01" {
			t.Fatalf("%s with an owner: %v %v", entity, r.Data, err)
		}
	}
}

// Two instances over one store: a definition saved through one reaches the
// other's catalog on its next refresh, and so does a deletion.
func TestRefreshSharesDefinitions(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	a, _ := engine.New(ctx, st, engine.Options{})
	b, _ := engine.New(ctx, st, engine.Options{})
	if changed, err := b.Refresh(ctx); changed || err != nil {
		t.Fatalf("refresh without changes: %v %v", changed, err)
	}
	put(t, a, "product", productDef)
	if changed, err := b.Refresh(ctx); !changed || err != nil || b.Catalog().Entity("product") == nil {
		t.Fatalf("b did not pick up the new entity: %v %v", changed, err)
	}
	if _, err := b.Create(ctx, engine.System, "product", map[string]any{"sku": "A"}); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteEntity(ctx, engine.System, "product"); err != nil {
		t.Fatal(err)
	}
	if changed, _ := b.Refresh(ctx); !changed || b.Catalog().Entity("product") != nil {
		t.Fatal("b still has the deleted entity")
	}
}

// A field removed from a definition does not block changes to records that
// still hold it, and its stored values are kept.
func TestRemovedFieldKeepsData(t *testing.T) {
	eng, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	ctx := context.Background()
	put(t, eng, "product", `{"$id": "product", "type": "object", "properties": {"sku": {"type": "string"}, "legacy": {"type": "string"}}}`)
	r, err := eng.Create(ctx, engine.System, "product", map[string]any{"sku": "A", "legacy": "old value"})
	if err != nil {
		t.Fatal(err)
	}
	put(t, eng, "product", `{"$id": "product", "type": "object", "properties": {"sku": {"type": "string"}, "name": {"type": "string"}}}`)
	r, err = eng.Update(ctx, engine.System, "product", r.ID, map[string]any{"name": "new"}, 0)
	if err != nil {
		t.Fatalf("update after a field was removed: %v", err)
	}
	if r.Data["legacy"] != "old value" || r.Data["name"] != "new" {
		t.Fatalf("record after update: %v", r.Data)
	}
	if _, err := eng.Update(ctx, engine.System, "product", r.ID, map[string]any{"legacy": "x"}, 0); morph.ErrorCode(err) != morph.EInvalid {
		t.Fatalf("writing a removed field: %v", err)
	}
}

// A definition stored before today's limits (here: schemas nested deeper
// than schema.MaxSchemaDepth, written straight into the store) still loads
// when the store opens, its records are served, and a save that keeps to
// the limits replaces it; a save past them is refused.
func TestStoredDefinitionPastTheLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	eng, st := open(t, path)
	put(t, eng, "note", `{"$id": "note", "type": "object", "properties": {"title": {"type": "string"}}}`)
	ctx := context.Background()
	if _, err := eng.Create(ctx, engine.System, "note", map[string]any{"title": "kept"}); err != nil {
		t.Fatal(err)
	}
	deep := `{"type": "object"}`
	for range schema.MaxSchemaDepth {
		deep = `{"type": "object", "properties": {"a": ` + deep + `}}`
	}
	old := `{"$id": "note", "type": "object", "properties": {"title": {"type": "string"}, "data": ` + deep + `}}`
	if _, err := schema.Parse([]byte(old)); morph.ErrorCode(err) != morph.EInvalid {
		t.Fatalf("the old definition passes today's limits: %v", err)
	}
	rec, err := st.Get(ctx, "_entities", "note")
	if err != nil {
		t.Fatal(err)
	}
	rec.Data["definition"], rec.Version = old, rec.Version+1
	if err := st.Update(ctx, "_entities", rec); err != nil {
		t.Fatal(err)
	}
	st.Close()

	eng, st = open(t, path)
	defer st.Close()
	page, err := eng.List(ctx, engine.System, "note", engine.ListRequest{Count: true})
	if err != nil || page.Total != 1 {
		t.Fatalf("records of the entity after the restart: %d %v", page.Total, err)
	}
	if _, err := eng.PutEntity(ctx, engine.System, "note", []byte(old)); morph.ErrorCode(err) != morph.EInvalid {
		t.Fatalf("saving the old definition again: %v", err)
	}
	put(t, eng, "note", `{"$id": "note", "type": "object", "properties": {"title": {"type": "string"}, "data": {"type": "object"}}}`)
}
