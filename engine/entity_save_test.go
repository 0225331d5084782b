package engine_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Of many saves naming one version, exactly one succeeds.
func TestPutEntityIfVersion(t *testing.T) {
	eng, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	put(t, eng, "product", productDef)
	ctx := context.Background()
	var wg sync.WaitGroup
	codes := make([]morph.Code, 20)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := eng.PutEntity(ctx, engine.System, "product", []byte(productDef), engine.IfVersion(1))
			codes[i] = morph.ErrorCode(err)
			if err == nil {
				codes[i] = "ok"
			}
		}()
	}
	wg.Wait()
	n := map[morph.Code]int{}
	for _, c := range codes {
		n[c]++
	}
	if n["ok"] != 1 || n[morph.EVersion] != len(codes)-1 {
		t.Fatalf("outcomes %v, want one ok and the rest %s", n, morph.EVersion)
	}
	if err := eng.DeleteEntity(ctx, engine.System, "product", engine.IfVersion(1)); morph.ErrorCode(err) != morph.EVersion {
		t.Fatalf("delete at a stale version: %v", err)
	}
	if err := eng.DeleteEntity(ctx, engine.System, "product", engine.IfVersion(2)); err != nil {
		t.Fatalf("delete at the current version: %v", err)
	}
}

// Saves of one instance are never taken for another's by its refresh, and
// a reload compiles again only the definitions that changed.
func TestRefreshIgnoresOwnSaves(t *testing.T) {
	a, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	ctx := context.Background()
	b, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, a, "product", productDef)
	put(t, a, "order", orderDef)
	if changed, err := b.Refresh(ctx); !changed || err != nil {
		t.Fatalf("the other instance did not pick up the definitions: %v %v", changed, err)
	}
	product := b.Catalog().Entity("product")

	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			if _, err := a.PutEntity(ctx, engine.System, "order", []byte(orderDef)); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	refreshes := 0
	for running := true; running; refreshes++ {
		select {
		case <-done:
			running = false
		default:
		}
		if changed, err := a.Refresh(ctx); changed || err != nil {
			t.Fatalf("refresh %d reported a change of its own save: %v %v", refreshes, changed, err)
		}
	}

	if changed, err := b.Refresh(ctx); !changed || err != nil {
		t.Fatalf("the other instance did not pick up the saves: %v %v", changed, err)
	}
	if _, v, _ := b.Catalog().Definition("order"); v != 101 {
		t.Fatalf("order version %d on the other instance, want 101", v)
	}
	if b.Catalog().Entity("product") != product {
		t.Fatal("an unchanged definition was compiled again")
	}
}

// failingStore fails chosen operations after doing them.
type failingStore struct {
	store.Store
	ensure string // collection whose EnsureCollection fails
	insert string // collection whose Insert fails
}

var errBroken = errors.New("broken")

func (s *failingStore) EnsureCollection(ctx context.Context, coll string, idx []store.Index) error {
	if err := s.Store.EnsureCollection(ctx, coll, idx); err != nil || coll != s.ensure {
		return err
	}
	return errBroken
}

func (s *failingStore) Insert(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	if coll == s.insert && rec.ID == "gadget" {
		return errBroken
	}
	return s.Store.Insert(ctx, coll, rec, audit...)
}

// A new entity whose save fails leaves no collection behind.
func TestFailedCreateDropsCollection(t *testing.T) {
	for _, fs := range []*failingStore{{ensure: "gadget"}, {insert: "_entities"}} {
		t.Run(fmt.Sprintf("%+v", *fs), func(t *testing.T) {
			_, st := open(t, filepath.Join(t.TempDir(), "m.db"))
			defer st.Close()
			fs.Store = st
			ctx := context.Background()
			eng, err := engine.New(ctx, fs, engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			def := `{"type": "object", "properties": {"code": {"type": "string", "x-unique": true}}}`
			if _, err := eng.PutEntity(ctx, engine.System, "gadget", []byte(def)); !errors.Is(err, errBroken) {
				t.Fatalf("save: %v", err)
			}
			if _, err := st.Count(ctx, "gadget", nil); !errors.Is(err, store.ErrNoCollection) {
				t.Fatalf("the collection is left: %v", err)
			}
			if eng.Catalog().Entity("gadget") != nil {
				t.Fatal("the entity is in the catalog")
			}
		})
	}
}

// An entity deleted and created again continues its versions, and every
// version is kept in the history.
func TestHistoryAfterRecreate(t *testing.T) {
	eng, st := open(t, filepath.Join(t.TempDir(), "m.db"))
	defer st.Close()
	ctx := context.Background()
	var versions []int64
	save := func() {
		t.Helper()
		res, err := eng.PutEntity(ctx, engine.System, "product", []byte(productDef))
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, res.Version)
	}
	save()
	save()
	if err := eng.DeleteEntity(ctx, engine.System, "product"); err != nil {
		t.Fatal(err)
	}
	save()
	save()
	if fmt.Sprint(versions) != "[1 2 3 4]" {
		t.Fatalf("versions %v, want [1 2 3 4]", versions)
	}
	hist, err := st.Find(ctx, "_entity_history", query.Query{Filter: query.Cmp{Field: "entity", Op: query.Eq, Value: "product"},
		Sort: []query.Sort{{Field: "version"}}})
	if err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, h := range hist {
		kept = append(kept, h.Data["version"])
	}
	if fmt.Sprint(kept) != "[1 2 3 4]" {
		t.Fatalf("history keeps versions %v, want [1 2 3 4]", kept)
	}
}
