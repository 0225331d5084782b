package sqlite_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/engine/store/storetest"
)

func open(t *testing.T) store.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "morph.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "morph.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureCollection(ctx, "kept", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, "kept", store.Record{ID: "a", Version: 1, Data: map[string]any{"x": "y"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextSequence(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if r, err := s.Get(ctx, "kept", "a"); err != nil || r.Data["x"] != "y" {
		t.Fatalf("after reopen: %+v %v", r, err)
	}
	if n, err := s.NextSequence(ctx, "n"); err != nil || n != 2 {
		t.Fatalf("counter after reopen: %d %v", n, err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, []byte("this is not a database file, just some text that is long enough"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := sqlite.Open(context.Background(), path); err == nil {
		s.Close()
		t.Fatal("a file that is not a database opened")
	}
}

// FindRaw gives the documents Find gives, as JSON, in the same order.
func TestFindRawMatchesFind(t *testing.T) {
	ctx := context.Background()
	s := open(t).(*sqlite.Store)
	if err := s.EnsureCollection(ctx, "raw", nil); err != nil {
		t.Fatal(err)
	}
	for i, d := range []map[string]any{{"n": 2.0, "name": "杭州"}, {"n": 1.0, "tags": []any{"a"}}, {}} {
		if err := s.Insert(ctx, "raw", store.Record{ID: string(rune('a' + i)), Version: int64(i + 1), Data: d}); err != nil {
			t.Fatal(err)
		}
	}
	q := query.Query{Sort: []query.Sort{{Field: "n", Desc: true}, {Field: "id"}}, Limit: 3}
	recs, err := s.Find(ctx, "raw", q)
	if err != nil {
		t.Fatal(err)
	}
	raws, err := s.FindRaw(ctx, "raw", q)
	if err != nil || len(raws) != len(recs) {
		t.Fatalf("%d raw, %d records, %v", len(raws), len(recs), err)
	}
	for i := range recs {
		var data map[string]any
		if err := json.Unmarshal(raws[i].JSON, &data); err != nil {
			t.Fatal(err)
		}
		if raws[i].ID != recs[i].ID || raws[i].Version != recs[i].Version || !reflect.DeepEqual(data, recs[i].Data) {
			t.Fatalf("raw %d: %s %d %s, want %+v", i, raws[i].ID, raws[i].Version, raws[i].JSON, recs[i])
		}
	}
}
