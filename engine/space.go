package engine

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
)

// spaceWatch passes every call on to the store and notes whether the last
// write failed for lack of space (store.ErrFull), so that the health check
// can say so without writing on every call.
type spaceWatch struct {
	store.Store
	full *atomic.Bool
	log  *slog.Logger
}

// spaceWatchRaw is a spaceWatch over a store that is a store.RawFinder.
type spaceWatchRaw struct {
	*spaceWatch
	store.RawFinder
}

// watchSpace wraps st, keeping it a store.RawFinder when it is one.
func watchSpace(st store.Store, full *atomic.Bool, log *slog.Logger) store.Store {
	w := &spaceWatch{Store: st, full: full, log: log}
	if rf, ok := st.(store.RawFinder); ok {
		return spaceWatchRaw{w, rf}
	}
	return w
}

// note records the outcome of a write and returns its error.
func (w *spaceWatch) note(err error) error {
	switch {
	case errors.Is(err, store.ErrFull):
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

func (w *spaceWatch) Insert(ctx context.Context, coll string, rec store.Record) error {
	return w.note(w.Store.Insert(ctx, coll, rec))
}

func (w *spaceWatch) InsertMany(ctx context.Context, coll string, recs []store.Record) ([]error, error) {
	errs, err := w.Store.InsertMany(ctx, coll, recs)
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

func (w *spaceWatch) Update(ctx context.Context, coll string, rec store.Record) error {
	return w.note(w.Store.Update(ctx, coll, rec))
}

func (w *spaceWatch) Delete(ctx context.Context, coll, id string, version int64) error {
	return w.note(w.Store.Delete(ctx, coll, id, version))
}

func (w *spaceWatch) NextSequence(ctx context.Context, name string) (int64, error) {
	n, err := w.Store.NextSequence(ctx, name)
	return n, w.note(err)
}

func (w *spaceWatch) EnsureCollection(ctx context.Context, coll string, indexes []store.Index) error {
	return w.note(w.Store.EnsureCollection(ctx, coll, indexes))
}

// Health reports whether the store can serve: nil when it answers and has
// room for writes; an EStorageFull error while the last write failed for
// lack of space and a probe write (of 64 KiB) fails too (a probe that
// succeeds ends that state); an EUnavailable error when the store does not answer.
// It writes nothing while writes succeed, so it is cheap to call often.
func (e *Engine) Health(ctx context.Context) error {
	if e.full.Load() {
		if err := e.probeWrite(ctx); errors.Is(err, store.ErrFull) {
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
