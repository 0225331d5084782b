package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
