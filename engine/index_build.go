package engine

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/morphcrm/morph/engine/store"
)

// IndexSyncLimit is the most records an entity may hold for a save of its
// definition to build its new indexes before it answers. Beyond it the new
// indexes that are not unique are built after the answer, in the
// background: a save answers at once however many records there are. A
// unique index is always built before the answer, since until it exists
// nothing keeps duplicates out. A build interrupted by a stop is made at
// the next start (the catalog's load makes every collection's indexes
// exactly the definition's).
const IndexSyncLimit = 10000

var indexSyncLimit = IndexSyncLimit // tests lower it

// indexBuilds tracks the index builds under way after saves.
type indexBuilds struct {
	wg     sync.WaitGroup
	before func() // tests: runs before a build, without defMu
}

// splitIndexes divides the indexes of ce into those to make before the save
// answers and whether others are left to build after it.
func (e *Engine) splitIndexes(ctx context.Context, ce, prev *compiled) (now []store.Index, later bool, err error) {
	if prev == nil {
		return ce.indexes, false, nil
	}
	for _, ix := range ce.indexes {
		// Index names follow from what they index (as the save's plan
		// compares them): a name prev lacks is an index to build.
		if !ix.Unique && !slices.ContainsFunc(prev.indexes, func(p store.Index) bool { return p.Name == ix.Name }) {
			later = true
			continue
		}
		now = append(now, ix)
	}
	if !later {
		return ce.indexes, false, nil
	}
	n, err := e.st.Count(ctx, ce.Name, nil)
	if err != nil {
		return nil, false, err
	}
	if n <= int64(indexSyncLimit) {
		return ce.indexes, false, nil
	}
	return now, true, nil
}

// buildIndexes makes the collection's indexes those of ce, after the save
// that swapped ce in has answered, unless a later save replaced it by then
// (that save made its own).
func (e *Engine) buildIndexes(ce *compiled) {
	e.builds.wg.Add(1)
	go func() {
		defer e.builds.wg.Done()
		if f := e.builds.before; f != nil {
			f()
		}
		e.defMu.Lock()
		defer e.defMu.Unlock()
		if cur := e.catalog.Load().entities[ce.Name]; cur != ce {
			return
		}
		start := time.Now()
		if err := e.st.EnsureCollection(context.Background(), ce.Name, ce.indexes); err != nil {
			e.log.Error("build indexes after a save; the next start builds them", "entity", ce.Name, "err", err)
			return
		}
		e.log.Info("indexes built", "entity", ce.Name, "version", ce.version, "took", time.Since(start).Round(time.Millisecond))
	}()
}
