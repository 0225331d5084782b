package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
)

// noLooseEntries is a store whose audit log takes entries only with the
// writes they describe: an entry inserted on its own fails, as it would
// when the store fails or the process dies between the write and the entry.
type noLooseEntries struct{ store.Store }

func (s noLooseEntries) Insert(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	if coll == store.AuditCollection {
		return errors.New("test: an audit entry written apart from its write")
	}
	return s.Store.Insert(ctx, coll, rec, audit...)
}

// Saving or deleting a role or a layout is acknowledged only with its
// audit entry: the entry goes to the store with the write, as an entity's
// does, never after it.
func TestDefinitionEntriesWithTheirWrites(t *testing.T) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		eng, err := engine.New(ctx, noLooseEntries{st}, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		put(t, eng, "member", memberDef)
		role := `{"entities": {"member": {"read": "own", "fields": {"*": "read"}}}}`
		steps := []struct {
			kind, action string
			do           func() error
		}{
			{"role", engine.AuditDefine, func() error { _, _, err := eng.PutRole(ctx, admin, "clerk", []byte(role)); return err }},
			{"role", engine.AuditDefine, func() error { _, _, err := eng.PutRole(ctx, admin, "clerk", []byte(role)); return err }},
			{"layout", engine.AuditDefine, func() error {
				_, _, err := eng.PutLayout(ctx, admin, "member", "default", []byte(memberLayout))
				return err
			}},
			{"layout", engine.AuditUndefine, func() error { return eng.DeleteLayout(ctx, admin, "member", "default") }},
			{"role", engine.AuditUndefine, func() error { return eng.DeleteRole(ctx, admin, "clerk") }},
		}
		for i, s := range steps {
			err := s.do()
			got := auditLog(t, eng, engine.AuditQuery{Kind: s.kind, Action: s.action})
			n := 0
			for _, st := range steps[:i+1] {
				if st.kind == s.kind && st.action == s.action {
					n++
				}
			}
			if err == nil && len(got) != n {
				t.Fatalf("step %d (%s %s) acknowledged with %d entries of its kind, want %d: %+v", i, s.action, s.kind, len(got), n, got)
			}
			if err != nil {
				t.Fatalf("step %d (%s %s): %v", i, s.action, s.kind, err)
			}
		}
	})
}

// A role's or a layout's entry holds the document before the change beside
// the one after it, so that the log alone shows what a save changed; a
// deletion keeps the document that went.
func TestDefinitionEntriesKeepTheOldDocument(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		v1 := `{"entities": {"member": {"read": "own", "fields": {"*": "read"}}}}`
		v2 := `{"entities": {"member": {"read": "all", "fields": {"*": "read"}}}}`
		for _, doc := range []string{v1, v2} {
			if _, _, err := eng.PutRole(ctx, admin, "clerk", []byte(doc)); err != nil {
				t.Fatal(err)
			}
		}
		if err := eng.DeleteRole(ctx, admin, "clerk"); err != nil {
			t.Fatal(err)
		}
		got := auditLog(t, eng, engine.AuditQuery{Kind: "role", Entity: "clerk"}) // newest first
		if len(got) != 3 {
			t.Fatalf("%d entries, want 3: %+v", len(got), got)
		}
		doc := func(m map[string]any) string { s, _ := m["document"].(string); return s }
		del, second, first := got[0], got[1], got[2]
		if doc(first.Old) != "" || !strings.Contains(doc(first.New), `"own"`) {
			t.Errorf("the first save: old %v, new %v", first.Old, first.New)
		}
		if !strings.Contains(doc(second.Old), `"own"`) || !strings.Contains(doc(second.New), `"all"`) || second.Old["version"] != float64(1) {
			t.Errorf("the second save: old %v, new %v", second.Old, second.New)
		}
		if del.Action != engine.AuditUndefine || !strings.Contains(doc(del.Old), `"all"`) {
			t.Errorf("the deletion: %s old %v", del.Action, del.Old)
		}
	})
}
