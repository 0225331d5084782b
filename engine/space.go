package engine

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
)

// spaceWatch passes every call on to the store and notes whether the last
// write failed for lack of space (store.ErrFull), and when, so that the
// health check can say so without writing on every call.
type spaceWatch struct {
	store.Store
	now      func() time.Time
	log      *slog.Logger
	full     atomic.Bool
	lastFull atomic.Int64 // when a write last failed for lack of space, in Unix nanoseconds
}

// spaceWatchRaw is a spaceWatch over a store that is a store.RawFinder.
type spaceWatchRaw struct {
	*spaceWatch
	store.RawFinder
}

// watchSpace wraps st, keeping it a store.RawFinder when it is one.
func watchSpace(st store.Store, now func() time.Time, log *slog.Logger) (*spaceWatch, store.Store) {
	w := &spaceWatch{Store: st, now: now, log: log}
	if rf, ok := st.(store.RawFinder); ok {
		return w, spaceWatchRaw{w, rf}
	}
	return w, w
}

// note records the outcome of a write and returns its error.
func (w *spaceWatch) note(err error) error {
	switch {
	case errors.Is(err, store.ErrFull):
		w.lastFull.Store(w.now().UnixNano())
		if !w.full.Swap(true) {
			w.log.Error("the store has no space left: writes fail until space is freed", "err", err)
		}
	case err == nil:
		if w.full.Swap(false) {
			w.log.Info("the store has space again: writes succeed")
		}
	}
	return err
}

func (w *spaceWatch) Insert(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	return w.note(w.Store.Insert(ctx, coll, rec, audit...))
}

func (w *spaceWatch) InsertMany(ctx context.Context, coll string, recs []store.Record, audit ...store.Record) ([]error, error) {
	errs, err := w.Store.InsertMany(ctx, coll, recs, audit...)
	if err != nil {
		return errs, w.note(err)
	}
	stored := false
	for _, e := range errs {
		if errors.Is(e, store.ErrFull) {
			w.note(e)
			return errs, nil
		}
		stored = stored || e == nil
	}
	if stored {
		w.note(nil)
	}
	return errs, nil
}

func (w *spaceWatch) Update(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	return w.note(w.Store.Update(ctx, coll, rec, audit...))
}

func (w *spaceWatch) Delete(ctx context.Context, coll, id string, version int64, audit ...store.Record) error {
	return w.note(w.Store.Delete(ctx, coll, id, version, audit...))
}

func (w *spaceWatch) NextSequence(ctx context.Context, name string) (int64, error) {
	n, err := w.Store.NextSequence(ctx, name)
	return n, w.note(err)
}

func (w *spaceWatch) EnsureCollection(ctx context.Context, coll string, indexes []store.Index) error {
	return w.note(w.Store.EnsureCollection(ctx, coll, indexes))
}

// probeEvery is how long after a write failed for lack of space the health
// check tries a write of its own: at most one probe in that time keeps the
// check cheap and its answer steady while small writes may still squeeze in.
const probeEvery = 30 * time.Second

// Health reports whether the store can serve: nil when it answers and has
// room for writes; an EStorageFull error while the last write failed for
// lack of space (once that is probeEvery ago, a probe write of 64 KiB that
// succeeds ends that state, as any write does); an EUnavailable error when
// the store does not answer. It writes nothing while writes succeed.
func (e *Engine) Health(ctx context.Context) error {
	if w := e.space; w.full.Load() {
		err := error(store.ErrFull)
		if e.opts.Now().Sub(time.Unix(0, w.lastFull.Load())) >= probeEvery {
			err = e.probeWrite(ctx)
		}
		if errors.Is(err, store.ErrFull) {
			return storeFailure("health", err)
		}
	}
	if _, err := e.st.Count(ctx, collEntities, nil); err != nil {
		return &morph.Error{Code: morph.EUnavailable, Err: err, Text: morph.T("The store does not answer", "存储无响应")}
	}
	return nil
}

// probeSize is the size of the probe write: room for it is room for an
// ordinary record, not only for a few bytes in a page that has some left.
const probeSize = 64 << 10

// probeWrite writes and removes a record of probeSize bytes.
func (e *Engine) probeWrite(ctx context.Context) error {
	id := "health-probe-" + e.instance
	if err := e.st.Delete(ctx, collIdempotency, id, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err // a probe left by a crash could not be removed
	}
	if err := e.st.Insert(ctx, collIdempotency, store.Record{ID: id, Version: 1,
		Data: map[string]any{"state": "probe", "created_at": e.now(), "pad": strings.Repeat("-", probeSize)}}); err != nil {
		return err
	}
	return e.st.Delete(ctx, collIdempotency, id, 0)
}
