package engine_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// clock is a test's controllable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// instances opens n engines over one store, as n processes sharing it (or
// one process and its successor after a crash) would.
func instances(t *testing.T, st store.Store, clk *clock, n int) []*engine.Engine {
	t.Helper()
	out := make([]*engine.Engine, n)
	for i := range out {
		eng, err := engine.New(context.Background(), st, engine.Options{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = eng
	}
	return out
}

func busy(t *testing.T, err error) time.Duration {
	t.Helper()
	var kb *engine.KeyBusy
	if morph.ErrorCode(err) != morph.EConflict || !errors.As(err, &kb) {
		t.Fatalf("want a busy key (409 with a retry time), got %v", err)
	}
	return kb.RetryAfter
}

// A claim held by a process that died blocks its key until the claim's
// lease ends; then a retry takes it over and its response is the one kept.
func TestIdempotencyClaimOfCrashedInstance(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := &clock{now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	eng := instances(t, st, clk, 2)
	crashed, restarted := eng[0], eng[1]
	const lease = 20 * time.Second

	first, _, err := crashed.BeginIdempotent(ctx, "s", "k", []byte("body"), lease)
	if err != nil || first == nil {
		t.Fatalf("first claim: %v %v", first, err)
	}
	clk.Add(5 * time.Second)
	if wait := busy(t, errOf(restarted.BeginIdempotent(ctx, "s", "k", []byte("body"), lease))); wait != 15*time.Second {
		t.Fatalf("retry after %s, want the rest of the lease, 15s", wait)
	}
	clk.Add(15 * time.Second)
	retry, replay, err := restarted.BeginIdempotent(ctx, "s", "k", []byte("body"), lease)
	if err != nil || retry == nil || replay != nil {
		t.Fatalf("retry after the lease: %v %v %v", retry, replay, err)
	}
	// The claim is held again: a second retry waits for this one.
	busy(t, errOf(restarted.BeginIdempotent(ctx, "s", "k", []byte("body"), lease)))
	// The crashed request cannot finish or release a claim it lost.
	if err := crashed.FinishIdempotent(ctx, first, engine.Replay{Status: 500}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("finish of a lost claim: %v", err)
	}
	if err := crashed.AbortIdempotent(ctx, first); err != nil {
		t.Fatal(err)
	}
	kept := engine.Replay{Status: 201, Body: `{"id":"x"}`, Header: map[string]string{"ETag": `"1"`, "Location": "/api/records/a/x"}}
	if err := restarted.FinishIdempotent(ctx, retry, kept); err != nil {
		t.Fatal(err)
	}
	for _, eng := range eng {
		_, r, err := eng.BeginIdempotent(ctx, "s", "k", []byte("body"), lease)
		if err != nil || r == nil || r.Status != 201 || r.Body != kept.Body || r.Header["ETag"] != `"1"` || r.Header["Location"] != kept.Header["Location"] {
			t.Fatalf("replay: %+v %v", r, err)
		}
	}
}

// A claim held by this process whose request is no longer running (its
// release failed) is dead at once.
func TestIdempotencyClaimNoLongerInFlight(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := &clock{now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	fs := &failingDeletes{Store: st}
	eng := instances(t, fs, clk, 1)[0]

	c, _, err := eng.BeginIdempotent(ctx, "s", "k", []byte("body"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	busy(t, errOf(eng.BeginIdempotent(ctx, "s", "k", []byte("body"), time.Minute)))
	fs.fail = true
	if err := eng.AbortIdempotent(ctx, c); err == nil {
		t.Fatal("the release did not fail")
	}
	fs.fail = false
	if c, r, err := eng.BeginIdempotent(ctx, "s", "k", []byte("body"), time.Minute); err != nil || c == nil || r != nil {
		t.Fatalf("retry of a request no longer running: %v %v %v", c, r, err)
	}
}

// Of many retries that find the same dead claim at once, one takes it over.
func TestIdempotencyTakeOverOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := &clock{now: time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)}
	eng := instances(t, st, clk, 5)
	if _, _, err := eng[0].BeginIdempotent(ctx, "s", "k", []byte("body"), time.Second); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	var wg sync.WaitGroup
	claims := make([]*engine.Claim, len(eng)-1)
	errs := make([]error, len(claims))
	for i := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claims[i], _, errs[i] = eng[i+1].BeginIdempotent(ctx, "s", "k", []byte("body"), time.Minute)
		}()
	}
	wg.Wait()
	won := 0
	for i, c := range claims {
		if c != nil {
			won++
			continue
		}
		busy(t, errs[i])
	}
	if won != 1 {
		t.Fatalf("%d retries took the claim over, want 1 (errors %v)", won, errs)
	}
}

// errOf is the error of a call returning two values and an error.
func errOf[A, B any](_ A, _ B, err error) error { return err }

// failingDeletes is a store whose deletes fail while fail is set.
type failingDeletes struct {
	store.Store
	fail bool
}

func (f *failingDeletes) Delete(ctx context.Context, coll, id string, version int64, audit ...store.Record) error {
	if f.fail {
		return errors.New("disk I/O error")
	}
	return f.Store.Delete(ctx, coll, id, version, audit...)
}
