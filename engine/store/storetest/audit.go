package storetest

import (
	"errors"
	"reflect"
	"sort"
	"testing"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// entry is an audit entry as the engine would write it.
func entry(id, action string) store.Record {
	return store.Record{ID: id, Version: 1, Data: map[string]any{"action": action, "at": "2026-01-01T00:00:00.000Z",
		"new": map[string]any{"n": 1.0}}}
}

// auditIDs lists the ids in the audit collection, sorted.
func auditIDs(t *testing.T, s store.Store) []string {
	t.Helper()
	recs, err := s.Find(ctx(t), store.AuditCollection, query.Query{Sort: []query.Sort{{Field: "id"}}})
	must(t, err)
	out := ids(recs)
	sort.Strings(out)
	return out
}

func wantAudit(t *testing.T, s store.Store, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := auditIDs(t, s); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("audit entries %v, want %v", got, want)
	}
}

// testAudit checks that the entries a write carries are stored exactly
// when the write succeeds, never show in the record's data or queries, and
// are counted like any record of the audit collection.
func testAudit(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, store.AuditCollection, store.Index{Name: "i_at", Fields: []string{"at"}})
	ensure(t, s, "a", store.Index{Name: "u_code", Fields: []string{"code"}, Unique: true})

	// Success: insert, update, delete each store their entries.
	must(t, s.Insert(c, "a", store.Record{ID: "r1", Version: 1, Data: map[string]any{"code": "x", "n": 1.0}}, entry("e1", "create")))
	wantAudit(t, s, "e1")
	got, err := s.Get(c, "a", "r1")
	must(t, err)
	if !reflect.DeepEqual(got.Data, map[string]any{"code": "x", "n": 1.0}) {
		t.Fatalf("record data %v: the entries must not show in it", got.Data)
	}
	must(t, s.Update(c, "a", store.Record{ID: "r1", Version: 2, Data: map[string]any{"code": "x", "n": 2.0}}, entry("e2", "update")))
	wantAudit(t, s, "e1", "e2")
	e, err := s.Get(c, store.AuditCollection, "e2")
	must(t, err)
	if e.Data["action"] != "update" || !reflect.DeepEqual(e.Data["new"], map[string]any{"n": 1.0}) {
		t.Fatalf("stored entry %v", e.Data)
	}

	// Failures store nothing.
	if err := s.Insert(c, "a", store.Record{ID: "r1", Version: 1, Data: map[string]any{}}, entry("f1", "create")); !errors.Is(err, store.ErrDuplicateID) {
		t.Fatalf("duplicate id: %v", err)
	}
	if err := s.Insert(c, "a", store.Record{ID: "r2", Version: 1, Data: map[string]any{"code": "x"}}, entry("f2", "create")); !store.IsUnique(err) {
		t.Fatalf("unique: %v", err)
	}
	if err := s.Update(c, "a", store.Record{ID: "r1", Version: 2, Data: map[string]any{"code": "y"}}, entry("f3", "update")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if err := s.Update(c, "a", store.Record{ID: "nope", Version: 2, Data: map[string]any{}}, entry("f4", "update")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing record: %v", err)
	}
	if err := s.Delete(c, "a", "r1", 1, entry("f5", "delete")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := s.Delete(c, "a", "nope", 1, entry("f6", "delete")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete of a missing record: %v", err)
	}
	must(t, s.Insert(c, "a", store.Record{ID: "r3", Version: 1, Data: map[string]any{"code": "z"}}, entry("e3", "create")))
	if err := s.Update(c, "a", store.Record{ID: "r3", Version: 2, Data: map[string]any{"code": "x"}}, entry("f7", "update")); !store.IsUnique(err) {
		t.Fatalf("unique on update: %v", err)
	}
	wantAudit(t, s, "e1", "e2", "e3")

	// Queries never see the pending entries of a record.
	n, err := s.Count(c, "a", query.Cmp{Field: "code", Op: query.Eq, Value: "x"})
	must(t, err)
	if n != 1 {
		t.Fatalf("count %d", n)
	}

	// InsertMany: an entry per record, stored exactly with its record; an
	// entry with no id stands for none.
	errs, err := s.InsertMany(c, "a", []store.Record{
		{ID: "m1", Version: 1, Data: map[string]any{"code": "m1"}},
		{ID: "m2", Version: 1, Data: map[string]any{"code": "x"}},  // unique violation
		{ID: "r1", Version: 1, Data: map[string]any{"code": "m3"}}, // duplicate id
		{ID: "m4", Version: 1, Data: map[string]any{"code": "m4"}},
		{ID: "m5", Version: 1, Data: map[string]any{"code": "m5"}},
	}, entry("b1", "create"), entry("b2", "create"), entry("b3", "create"), store.Record{}, entry("b5", "create"))
	must(t, err)
	if errs[0] != nil || !store.IsUnique(errs[1]) || !errors.Is(errs[2], store.ErrDuplicateID) || errs[3] != nil || errs[4] != nil {
		t.Fatalf("batch errors %v", errs)
	}
	wantAudit(t, s, "e1", "e2", "e3", "b1", "b5")
	if _, err := s.InsertMany(c, "a", []store.Record{{ID: "m6", Version: 1, Data: map[string]any{}}}, entry("b6", "create"), entry("b7", "create")); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("entries not one per record: %v", err)
	}

	// Delete, at a version and at any.
	must(t, s.Delete(c, "a", "r1", 2, entry("d1", "delete")))
	must(t, s.Delete(c, "a", "m1", 0, entry("d2", "delete")))
	if err := s.Delete(c, "a", "r1", 2, entry("f8", "delete")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}
	wantAudit(t, s, "e1", "e2", "e3", "b1", "b5", "d1", "d2")
	n, err = s.Count(c, store.AuditCollection, nil)
	must(t, err)
	if n != 7 {
		t.Fatalf("audit count %d, want 7", n)
	}

	// Writes without entries still work around records written with them.
	must(t, s.Update(c, "a", store.Record{ID: "m4", Version: 2, Data: map[string]any{"code": "m4b"}}))
	must(t, s.Delete(c, "a", "m4", 2))
	wantAudit(t, s, "e1", "e2", "e3", "b1", "b5", "d1", "d2")
}
