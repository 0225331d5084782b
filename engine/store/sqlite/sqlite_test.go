package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
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

// Under a stream of writes that never pauses, the write-ahead log still
// starts again from its beginning now and then instead of growing with
// every write.
func TestWALBoundedUnderSteadyWrites(t *testing.T) {
	defer sqlite.SetWALRestartFrames(256)() // 1 MiB
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "morph.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureCollection(ctx, "w", nil); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 1500
	pad := strings.Repeat("x", 4000)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("%d-%d", w, i)
				if err := s.Insert(ctx, "w", store.Record{ID: id, Version: 1, Data: map[string]any{"pad": pad + id}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The 12,000 writes of over 4 KB each write about 140 MB of log frames
	// (the log's size if it never restarts); a log that restarts holds what
	// was written between two restarts, about a tenth of a second's worth.
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 64<<20 {
		t.Fatalf("write-ahead log is %d bytes after %d writes", fi.Size(), writers*each)
	}
	if n, err := s.Count(ctx, "w", nil); err != nil || n != writers*each {
		t.Fatalf("count %d, %v", n, err)
	}
}

// The database file belongs to one store at a time: counts are cached on
// the promise that every write passes through it.
func TestOneStorePerFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "morph.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if s2, err := sqlite.Open(ctx, path); err == nil {
		s2.Close()
		t.Fatal("a second store opened the same file")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	s.Close()
}

// A backup taken while a store writes holds every write acknowledged
// before it began, opens as a store of its own, and is refused over an
// existing file.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "morph.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureCollection(ctx, "b", []store.Index{{Name: "n", Fields: []string{"n"}, Unique: true}}); err != nil {
		t.Fatal(err)
	}
	var acked atomic.Int64
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := s.Insert(ctx, "b", store.Record{ID: fmt.Sprint(i), Version: 1, Data: map[string]any{"n": float64(i)}}); err != nil {
				done <- err
				return
			}
			acked.Store(int64(i + 1))
		}
	}()
	for acked.Load() < 500 {
		time.Sleep(time.Millisecond)
	}
	before := acked.Load()
	dest := filepath.Join(dir, "backups", "copy.db")
	if err := sqlite.Backup(ctx, filepath.Join(dir, "morph.db"), dest); err != nil {
		t.Fatal(err)
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Backup(ctx, filepath.Join(dir, "morph.db"), dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}

	b, err := sqlite.Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.EnsureCollection(ctx, "b", []store.Index{{Name: "n", Fields: []string{"n"}, Unique: true}}); err != nil {
		t.Fatal(err)
	}
	n, err := b.Count(ctx, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	if n < before || n > acked.Load() {
		t.Fatalf("backup holds %d records; %d were acknowledged before it began, %d in all", n, before, acked.Load())
	}
	// The records are whole, and the unique index came along.
	if r, err := b.Get(ctx, "b", "0"); err != nil || r.Data["n"] != 0.0 {
		t.Fatalf("record 0 in the backup: %+v %v", r, err)
	}
	if err := b.Insert(ctx, "b", store.Record{ID: "dup", Version: 1, Data: map[string]any{"n": 0.0}}); !isUnique(err) {
		t.Fatalf("unique index in the backup: %v", err)
	}
}

func isUnique(err error) bool {
	var ue *store.UniqueError
	return errors.As(err, &ue)
}

// A page filtered on an index's leading field and sorted by the following
// ones, with the engine's id tiebreak in the last key's direction, is read
// in index order: no sort step, also for mixed directions and for the
// keyset condition of the next page. A changed index is rebuilt; a removed
// one dropped.
func TestCompositeIndexServesPages(t *testing.T) {
	ctx := context.Background()
	s := open(t).(*sqlite.Store)
	byAmount := store.Index{Name: "k_owner_amount", Fields: []string{"owner", "amount.amount"}, Desc: []bool{false, true}}
	byClose := store.Index{Name: "k_stage_close", Fields: []string{"stage", "expected_close"}, Desc: []bool{false, true}}
	if err := s.EnsureCollection(ctx, "deals", []store.Index{byAmount, byClose}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		data := map[string]any{"owner": fmt.Sprintf("u%d", i%5), "stage": fmt.Sprintf("s%d", i%3),
			"amount": map[string]any{"amount": float64(i * 7 % 13)}, "expected_close": fmt.Sprintf("2026-01-%02d", i%28+1)}
		if err := s.Insert(ctx, "deals", store.Record{ID: fmt.Sprintf("r%02d", i), Version: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	mine := query.Cmp{Field: "owner", Op: query.Eq, Value: "u1"}
	byAmountDesc := []query.Sort{{Field: "amount.amount", Desc: true}, {Field: "id", Desc: true}}
	for _, tc := range []struct {
		name  string
		q     query.Query
		index string
	}{
		{"owner, -amount", query.Query{Filter: mine, Sort: byAmountDesc, Limit: 21}, "k_owner_amount"},
		{"owner, amount (backwards)", query.Query{Filter: mine, Sort: []query.Sort{{Field: "amount.amount"}, {Field: "id"}}, Limit: 21}, "k_owner_amount"},
		{"next page", query.Query{Filter: query.And{mine, query.After(byAmountDesc, []any{5.0, "r20"})}, Sort: byAmountDesc, Limit: 21}, "k_owner_amount"},
		{"stage, -close", query.Query{Filter: query.Cmp{Field: "stage", Op: query.Eq, Value: "s1"},
			Sort: []query.Sort{{Field: "expected_close", Desc: true}, {Field: "id", Desc: true}}, Limit: 21}, "k_stage_close"},
		{"stage then -close, mixed", query.Query{
			Sort: []query.Sort{{Field: "stage"}, {Field: "expected_close", Desc: true}, {Field: "id", Desc: true}}, Limit: 21}, "k_stage_close"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := sqlite.QueryPlan(ctx, s, "deals", tc.q)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, "x_c_deals__"+tc.index) || strings.Contains(text, "TEMP B-TREE") {
				t.Fatalf("plan does not read %s in order:\n%s", tc.index, text)
			}
		})
	}

	// Changed: rebuilt with the new directions. Removed: dropped.
	asc := store.Index{Name: "k_owner_amount", Fields: byAmount.Fields}
	if err := s.EnsureCollection(ctx, "deals", []store.Index{asc}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"k_owner_amount": `CREATE INDEX "x_c_deals__k_owner_amount" ON "c_deals" (data->>'$.owner', data->>'$.amount.amount', id)`,
		"k_stage_close":  "",
	} {
		got, err := sqlite.IndexSQL(ctx, s, "deals", name)
		if err != nil || got != want {
			t.Fatalf("%s: %q %v, want %q", name, got, err, want)
		}
	}
}

// A write that finds no room fails with store.ErrFull and changes nothing;
// once room is freed writes succeed again, and every acknowledged write is
// still there.
func TestFullDatabase(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "morph.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []string{"ballast", "data"} {
		if err := s.EnsureCollection(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	pad := strings.Repeat("x", 2000)
	for i := range 100 {
		if err := s.Insert(ctx, "ballast", store.Record{ID: fmt.Sprint("b", i), Version: 1, Data: map[string]any{"pad": pad}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetMaxPages(ctx, 1); err != nil { // no growth beyond the current size
		t.Fatal(err)
	}
	var acked []string
	var full error
	for i := 0; i < 10000 && full == nil; i++ {
		id := fmt.Sprint("d", i)
		err := s.Insert(ctx, "data", store.Record{ID: id, Version: 1, Data: map[string]any{"pad": pad}})
		switch {
		case err == nil:
			acked = append(acked, id)
		case errors.Is(err, store.ErrFull):
			full = err
		default:
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	if full == nil {
		t.Fatal("the page limit never refused a write")
	}
	batch := []store.Record{{ID: "m1", Version: 1, Data: map[string]any{"pad": pad}}, {ID: "m2", Version: 1, Data: map[string]any{"pad": pad + pad}}}
	if _, err := s.InsertMany(ctx, "data", append(batch, batch[0])); !errors.Is(err, store.ErrFull) {
		t.Fatalf("a batch without room: %v", err)
	}
	if _, err := s.NextSequence(ctx, "n"); err != nil && !errors.Is(err, store.ErrFull) {
		t.Fatalf("a counter without room: %v", err)
	}
	count := func() int64 {
		t.Helper()
		n, err := s.Count(ctx, "data", nil)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != int64(len(acked)) {
		t.Fatalf("%d records after the refused writes, want the %d acknowledged", n, len(acked))
	}
	for i := range 100 { // free room
		if err := s.Delete(ctx, "ballast", fmt.Sprint("b", i), 0); err != nil {
			t.Fatalf("delete to free room: %v", err)
		}
	}
	if _, err := s.InsertMany(ctx, "data", batch); err != nil {
		t.Fatalf("a batch after room was freed: %v", err)
	}
	if err := s.Insert(ctx, "data", store.Record{ID: "after", Version: 1, Data: map[string]any{"pad": pad}}); err != nil {
		t.Fatalf("an insert after room was freed: %v", err)
	}
	recs, err := s.GetMany(ctx, "data", acked)
	if err != nil || len(recs) != len(acked) || count() != int64(len(acked)+3) {
		t.Fatalf("%d of %d acknowledged records after freeing room (%v); %d in all", len(recs), len(acked), err, count())
	}
}

// A collection's generation changes with every committed write to it, a
// failed write or a read leaves it, and other collections' writes do not
// touch it: what callers keep by it is dropped exactly when it may be stale.
func TestGeneration(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	g := s.(store.Generations)
	for _, c := range []string{"a", "b"} {
		if err := s.EnsureCollection(ctx, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	last := g.Generation("a")
	step := func(what string, changes bool, fn func() error) {
		t.Helper()
		err := fn()
		now := g.Generation("a")
		if changes && (err != nil || now == last) || !changes && now != last {
			t.Fatalf("%s: generation %d → %d (err %v), want a change: %v", what, last, now, err, changes)
		}
		last = now
	}
	rec := store.Record{ID: "r1", Version: 1, Data: map[string]any{"n": 1.0}}
	step("insert", true, func() error { return s.Insert(ctx, "a", rec) })
	step("duplicate insert", false, func() error { s.Insert(ctx, "a", rec); return nil })
	step("read", false, func() error { _, err := s.Get(ctx, "a", "r1"); return err })
	step("write elsewhere", false, func() error { return s.Insert(ctx, "b", rec) })
	rec.Version = 2
	step("update", true, func() error { return s.Update(ctx, "a", rec) })
	step("stale update", false, func() error { s.Update(ctx, "a", rec); return nil })
	step("bulk insert", true, func() error {
		_, err := s.InsertMany(ctx, "a", []store.Record{{ID: "r2", Version: 1, Data: map[string]any{}}})
		return err
	})
	step("delete", true, func() error { return s.Delete(ctx, "a", "r1", 0) })
	step("drop", true, func() error { return s.DropCollection(ctx, "a") })
}

// The lists' default orders — newest first (created_at) and last changed
// first (updated_at), either direction, for everyone or for "my records"
// (owner ==) — are read in the order of an index the engine declares for
// every entity: no sort step over all the records.
func TestSystemSortsAreIndexWalks(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.PutEntity(ctx, engine.System, "deal", []byte(`{"$id": "deal", "type": "object",
		"properties": {"name": {"type": "string"}, "owner": {"type": "string", "x-type": "user"}}}`)); err != nil {
		t.Fatal(err)
	}
	s := st.(*sqlite.Store)
	for i := 0; i < 50; i++ {
		at := fmt.Sprintf("2026-01-%02dT08:00:00.000Z", i%28+1)
		data := map[string]any{"name": fmt.Sprint("d", i), "owner": fmt.Sprintf("u%d", i%5), "created_at": at, "updated_at": at}
		if err := s.Insert(ctx, "deal", store.Record{ID: fmt.Sprintf("r%02d", i), Version: 1, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	mine := query.Cmp{Field: "owner", Op: query.Eq, Value: "u1"}
	for _, field := range []string{"created_at", "updated_at"} {
		for _, desc := range []bool{true, false} {
			by := []query.Sort{{Field: field, Desc: desc}, {Field: "id", Desc: desc}}
			for _, tc := range []struct {
				name  string
				q     query.Query
				index string
			}{
				{"all", query.Query{Sort: by, Limit: 21}, "i_" + field},
				{"next page", query.Query{Filter: query.After(by, []any{"2026-01-10T08:00:00.000Z", "r09"}), Sort: by, Limit: 21}, "i_" + field},
				{"mine", query.Query{Filter: mine, Sort: by, Limit: 21}, "i_owner_" + field},
				{"mine, next page", query.Query{Filter: query.And{mine, query.After(by, []any{"2026-01-10T08:00:00.000Z", "r09"})}, Sort: by, Limit: 21}, "i_owner_" + field},
			} {
				plan, err := sqlite.QueryPlan(ctx, s, "deal", tc.q)
				if err != nil {
					t.Fatal(err)
				}
				text := strings.Join(plan, "\n")
				uses := regexp.MustCompile(`INDEX x_c_deal__` + tc.index + `\b`)
				if !uses.MatchString(text) || strings.Contains(text, "TEMP B-TREE") {
					t.Errorf("%s by %s (desc %v): the plan does not read %s in order:\n%s", tc.name, field, desc, tc.index, text)
				}
			}
		}
	}
}

// A store closes every file it opened: stores opened and closed one after
// another (a server reopening its store, the tests) do not run the process
// out of descriptors.
func TestCloseReleasesFiles(t *testing.T) {
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd here")
		}
		return len(ents)
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "morph.db")
	n := 0
	open := func() {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.EnsureCollection(ctx, "kept", nil); err != nil {
			t.Fatal(err)
		}
		n++
		if err := s.Insert(ctx, "kept", store.Record{ID: fmt.Sprint(n), Version: 1, Data: map[string]any{"x": "y"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	open() // the first open creates the files and starts the runtime's own
	before := fds()
	for range 20 {
		open()
	}
	if after := fds(); after > before {
		t.Fatalf("%d descriptors open after 20 stores opened and closed, %d before", after, before)
	}
}
