package defdoc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
)

var errStale = errors.New("stale")

// A collection of versioned documents on both stores: versions count from
// 1, If-Match and concurrent changes are the caller's version error, every
// save and delete writes its audit entry with it (the previous document
// beside the new one when asked), and the fields beside the document and
// who created it are kept.
func TestCollection(t *testing.T) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		eng, err := engine.New(ctx, st, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.EnsureCollection(ctx, "_things", nil); err != nil {
			t.Fatal(err)
		}
		docs := defdoc.Collection{Store: st, Name: "_things", Noun: "thing", KeepOld: true,
			ErrVersion: func() error { return errStale }, Failure: func(what string, err error) error { return err }}
		audit := func(actor string) defdoc.Audit {
			return func(c defdoc.Change) store.Record {
				return eng.AuditRecord(engine.Actor{ID: actor}, engine.AuditEntry{Action: c.Action, Kind: "thing", Entity: "t1",
					Version: c.Version, Old: c.Old, New: c.New})
			}
		}
		put := func(doc string, ifVersion int64, actor string) (int64, bool, error) {
			return docs.Put(ctx, defdoc.Save{Name: "t1", Doc: doc, AuditDoc: doc + "!", Fields: map[string]any{"entity": "lead"},
				IfVersion: ifVersion, ActorID: actor, At: "2026-12-01T00:00:00.000Z", Audit: audit(actor)})
		}
		if _, _, err := put(`{"a":1}`, 3, "u1"); !errors.Is(err, errStale) {
			t.Fatalf("If-Match of a document that is not there: %v", err)
		}
		if v, found, err := put(`{"a":1}`, 0, "u1"); err != nil || v != 1 || found {
			t.Fatalf("create: %d %v %v", v, found, err)
		}
		if _, _, err := put(`{"a":2}`, 7, "u2"); !errors.Is(err, errStale) {
			t.Fatalf("stale: %v", err)
		}
		if v, found, err := put(`{"a":2}`, 1, "u2"); err != nil || v != 2 || !found {
			t.Fatalf("update: %d %v %v", v, found, err)
		}
		rec, found, err := docs.Get(ctx, "t1")
		if err != nil || !found || rec.Version != 2 || rec.Data["document"] != `{"a":2}` || rec.Data["entity"] != "lead" ||
			rec.Data["created_by"] != "u1" || rec.Data["updated_by"] != "u2" {
			t.Fatalf("stored: %v %v %+v", found, err, rec)
		}
		all, err := docs.ReadAll(ctx, "read things")
		if err != nil || len(all) != 1 || all["t1"] != (defdoc.Doc{Text: `{"a":2}`, Version: 2}) {
			t.Fatalf("read all: %v %v", all, err)
		}
		if !all.Same(defdoc.Docs{"t1": {Version: 2}}) || all.Same(defdoc.Docs{"t1": {Version: 1}}) || all.Same(all.With("t2", defdoc.Doc{Version: 1})) ||
			len(all.Without("t1")) != 0 || len(all) != 1 {
			t.Fatal("Docs")
		}
		if found, err := docs.Delete(ctx, "t1", 1, "", audit("u3")); !found || !errors.Is(err, errStale) {
			t.Fatalf("stale delete: %v %v", found, err)
		}
		if found, err := docs.Delete(ctx, "t1", 2, "", audit("u3")); !found || err != nil {
			t.Fatalf("delete: %v %v", found, err)
		}
		if found, err := docs.Delete(ctx, "t1", 0, "", audit("u3")); found || err != nil {
			t.Fatalf("delete what is not there: %v %v", found, err)
		}
		entries, err := st.Find(ctx, store.AuditCollection, query.Query{Filter: query.Cmp{Field: "kind", Op: query.Eq, Value: "thing"},
			Sort: []query.Sort{{Field: "id"}}})
		if err != nil || len(entries) != 3 {
			t.Fatalf("audit entries: %d %v", len(entries), err)
		}
		second, _ := entries[1].Data["old"].(map[string]any)
		newer, _ := entries[1].Data["new"].(map[string]any)
		if entries[0].Data["action"] != defdoc.Define || entries[2].Data["action"] != defdoc.Undefine ||
			second["document"] != `{"a":1}` || newer["document"] != `{"a":2}!` || entries[1].Data["actor"] != "u2" {
			t.Fatalf("audit entries: %+v", entries)
		}
	})
}
