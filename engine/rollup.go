package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// Roll-up fields (x-type rollup) keep an aggregate of the records of
// another entity that point at the record: an account's won revenue, its
// open tickets. They are kept by recomputing, never by adding deltas: a write
// of a child marks the parents it touches (the one it points at, and the one
// it pointed at before) dirty; a worker takes every dirty parent at once, a
// little after the first write, reads the parents, aggregates their children
// in one query per roll-up field for the whole batch, and writes the parents
// whose values changed, as updates by the system with their audit entries and
// events (their formulas computed again). Reading the parent before the
// aggregate, and writing it only at the version read, makes concurrent
// children's writes safe: a parent written meanwhile is marked dirty again.
// Two recounts of one parent can still overlap (the worker's and
// SettleRollups', a recompute's, another server's): one that began before a
// child's write can write what it counted after another, begun after that
// write, found nothing to change, and no version tells them apart. So every
// recount that writes a parent marks it to be checked once more, after the
// write; a check that writes marks nothing, so a formula that changes at
// every computation cannot keep the worker going. A crash can lose marks,
// never values; RecountRollups (run when a server starts, and by Recompute)
// repairs any drift.

// rollupDelay is how long the worker waits after a first mark before it
// works, so that a burst of children's writes costs one recount per parent.
const rollupDelay = 20 * time.Millisecond

// rollupBatch is how many parents one recount reads and aggregates at once.
const rollupBatch = 500

// rollup is a roll-up field compiled against its child entity.
type rollup struct {
	parent string
	field  *schema.Field
	spec   schema.Rollup
	where  query.Expr // over the children; nil for all
	via    string     // the child's store path of via
	path   string     // the child's store path of the field aggregated ("" for count)
}

// compileRollups compiles the roll-up fields of every entity against the
// catalog's entities, and returns them by parent and by child. A roll-up
// whose child no longer fits (only possible for definitions stored before a
// check existed) is left out and logged.
func compileRollups(entities map[string]*compiled, log func(msg string, args ...any)) (byParent, byChild map[string][]*rollup) {
	for name, ce := range entities {
		for _, f := range ce.Fields {
			if f.Type.Name() != "rollup" {
				continue
			}
			r, err := newRollup(name, f, func(n string) *schema.Entity {
				if c := entities[n]; c != nil {
					return c.Entity
				}
				return nil
			})
			if err != nil {
				log("roll-up does not compile; it is not kept", "entity", name, "field", f.Name, "err", err)
				continue
			}
			if byParent == nil {
				byParent, byChild = map[string][]*rollup{}, map[string][]*rollup{}
			}
			byParent[name] = append(byParent[name], r)
			byChild[r.spec.From] = append(byChild[r.spec.From], r)
		}
	}
	return byParent, byChild
}

// newRollup compiles one roll-up field of parent.
func newRollup(parent string, f *schema.Field, entity func(string) *schema.Entity) (*rollup, error) {
	spec, errs := schema.ParseRollup(f)
	if len(errs) > 0 {
		return nil, morph.Invalid(errs...)
	}
	child := entity(spec.From)
	where, errs := schema.CheckRollup(parent, f, spec, child)
	if len(errs) > 0 {
		return nil, morph.Invalid(errs...)
	}
	r := &rollup{parent: parent, field: f, spec: spec, where: where, via: child.Field(spec.Via).Type.StorePath(spec.Via)}
	if spec.Field != "" {
		af := child.Field(spec.Field)
		r.path = af.Type.StorePath(af.Name)
	}
	return r, nil
}

// checkRollups checks, before ent is saved, its roll-up fields against the
// catalog, and the other entities' roll-ups over ent against ent as it will
// be: a child entity cannot lose or change what a roll-up uses.
func checkRollups(cur *Catalog, ent *schema.Entity) []morph.FieldError {
	lookup := func(n string) *schema.Entity {
		if n == ent.Name {
			return ent
		}
		return cur.Entity(n)
	}
	var errs []morph.FieldError
	for _, f := range ent.Fields {
		if f.Type.Name() != "rollup" {
			continue
		}
		spec, perrs := schema.ParseRollup(f)
		if len(perrs) > 0 {
			continue // reported by the definition's own check
		}
		_, cerrs := schema.CheckRollup(ent.Name, f, spec, lookup(spec.From))
		errs = append(errs, cerrs...)
	}
	for _, pname := range cur.names {
		if pname == ent.Name {
			continue
		}
		for _, r := range cur.rollupsOf[pname] {
			if r.spec.From != ent.Name {
				continue
			}
			_, cerrs := schema.CheckRollup(pname, r.field, r.spec, ent)
			for _, fe := range cerrs {
				path := "/properties"
				switch {
				case strings.HasSuffix(fe.Path, "/via"):
					path += "/" + r.spec.Via
				case strings.HasSuffix(fe.Path, "/field"):
					path += "/" + r.spec.Field
				}
				errs = append(errs, morph.FieldError{Path: path, Code: "rollup", Offset: -1, Text: morph.Text{
					EN: fmt.Sprintf("The roll-up %s.%s needs it: %s", pname, r.field.Name, fe.Text.EN),
					ZH: fmt.Sprintf("汇总字段 %s.%s 需要它：%s", pname, r.field.Name, fe.Text.ZH)}})
			}
		}
	}
	return errs
}

// rolledUpBy lists the roll-up fields of other entities over name.
func (c *Catalog) rolledUpBy(name string) []Reference {
	var refs []Reference
	for _, r := range c.rollupsFrom[name] {
		if r.parent != name {
			refs = append(refs, Reference{Entity: r.parent, Field: r.field.Name})
		}
	}
	return refs
}

// rollupWork holds the parents marked dirty, by entity, and runs the worker.
type rollupWork struct {
	mu      sync.Mutex
	dirty   marks      // parents a child's write touched
	check   marks      // parents a recount wrote, to be checked once more
	running bool       // the worker runs
	busy    int        // recounts under way (the worker's, SettleRollups')
	idle    *sync.Cond // signalled when a recount ends
}

// noteRollups marks the parents a stored write of a child touches.
func (e *Engine) noteRollups(ev Event) {
	feeds := e.catalog.Load().rollupsFrom[ev.Entity]
	if len(feeds) == 0 {
		return
	}
	type mark struct{ entity, id string }
	var marks []mark
	for _, r := range feeds {
		var oldData map[string]any
		if ev.Type == Updated {
			oldData = ev.Old.Data
		}
		newData := ev.Record.Data
		if ev.Type == Updated && !r.touched(oldData, newData) {
			continue
		}
		for _, d := range []map[string]any{oldData, newData} {
			if id, ok := store.Lookup(d, r.via).(string); ok && id != "" {
				marks = append(marks, mark{r.parent, id})
			}
		}
	}
	if len(marks) == 0 {
		return
	}
	w := &e.rollups
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range marks {
		w.dirty = w.dirty.add(m.entity, m.id)
	}
	e.startRollupWorker()
}

// marks are parents by entity.
type marks map[string]map[string]struct{}

func (m marks) add(entity string, ids ...string) marks {
	if m == nil {
		m = marks{}
	}
	set := m[entity]
	if set == nil {
		set = map[string]struct{}{}
		m[entity] = set
	}
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return m
}

func (m marks) has(entity, id string) bool {
	_, ok := m[entity][id]
	return ok
}

// startRollupWorker starts the worker unless it runs; e.rollups.mu held.
func (e *Engine) startRollupWorker() {
	if w := &e.rollups; !w.running {
		w.running = true
		go e.rollupWorker()
	}
}

// touched reports whether an update of a child can change the roll-up: it
// moved to another parent, came into or left the condition, or changed the
// field aggregated while inside it.
func (r *rollup) touched(old, new map[string]any) bool {
	if !reflect.DeepEqual(store.Lookup(old, r.via), store.Lookup(new, r.via)) {
		return true
	}
	in := func(d map[string]any) bool { return r.where == nil || query.Match(r.where, d) }
	was, is := in(old), in(new)
	if was != is {
		return true
	}
	return is && r.path != "" && !reflect.DeepEqual(store.Lookup(old, r.path), store.Lookup(new, r.path))
}

// takeDirty removes and returns the parents marked dirty and to check,
// counting a recount of them under way; with none it marks the worker
// stopped (under the same lock, so a new mark starts another).
func (w *rollupWork) takeDirty() (dirty, check marks) {
	w.mu.Lock()
	defer w.mu.Unlock()
	dirty, check = w.dirty, w.check
	w.dirty, w.check = nil, nil
	if len(dirty) == 0 && len(check) == 0 {
		w.running = false
		return nil, nil
	}
	w.busy++
	return dirty, check
}

// done ends a recount that takeDirty or SettleRollups counted.
func (w *rollupWork) done() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.busy--
	if w.idle != nil {
		w.idle.Broadcast()
	}
}

// mark marks parents dirty again (their write met a concurrent one).
func (w *rollupWork) mark(entity string, ids []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dirty = w.dirty.add(entity, ids...)
}

// checkAgain marks parents a recount wrote, to be counted once more after
// the write (see the package comment above), and starts the worker.
func (e *Engine) checkAgain(entity string, ids []string) {
	if len(ids) == 0 {
		return
	}
	w := &e.rollups
	w.mu.Lock()
	defer w.mu.Unlock()
	w.check = w.check.add(entity, ids...)
	e.startRollupWorker()
}

func (e *Engine) rollupWorker() {
	ctx := context.Background()
	for {
		time.Sleep(rollupDelay)
		dirty, check := e.rollups.takeDirty()
		if len(dirty) == 0 && len(check) == 0 {
			return
		}
		e.refreshDirty(ctx, dirty, check)
		e.rollups.done()
	}
}

// SettleRollups brings every roll-up of the parents marked so far up to
// date before it returns, waiting for recounts under way (tests, and
// commands that need the values now).
func (e *Engine) SettleRollups(ctx context.Context) error {
	w := &e.rollups
	for range 1000 {
		w.mu.Lock()
		if w.idle == nil {
			w.idle = sync.NewCond(&w.mu)
		}
		for len(w.dirty) == 0 && len(w.check) == 0 && w.busy > 0 {
			w.idle.Wait()
		}
		dirty, check := w.dirty, w.check
		w.dirty, w.check = nil, nil
		if len(dirty) == 0 && len(check) == 0 {
			w.mu.Unlock()
			return nil
		}
		w.busy++
		w.mu.Unlock()
		err := e.refreshDirty(ctx, dirty, check)
		w.done()
		if err != nil {
			return err
		}
	}
	return errors.New("engine: roll-ups did not settle")
}

// refreshDirty recounts the roll-ups of the dirty parents and of those to
// check, in batches; a parent that could not be written (changed
// meanwhile) is marked again, and a dirty one that was written is checked
// once more.
func (e *Engine) refreshDirty(ctx context.Context, dirty, check marks) error {
	all := marks{}
	for _, m := range []marks{dirty, check} {
		for entity, set := range m {
			for id := range set {
				all = all.add(entity, id)
			}
		}
	}
	var firstErr error
	for entity, set := range all {
		ce := e.Catalog().entities[entity]
		if ce == nil {
			continue
		}
		ids := make([]string, 0, len(set))
		for id := range set {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for chunk := range slices.Chunk(ids, rollupBatch) {
			recs, err := e.st.GetMany(ctx, entity, chunk)
			if err == nil {
				var written, retry []string
				written, retry, err = e.refreshRecords(ctx, ce, recs, false)
				if len(retry) > 0 {
					e.rollups.mark(entity, retry)
				}
				e.checkAgain(entity, slices.DeleteFunc(written, func(id string) bool { return !dirty.has(entity, id) }))
			}
			if err != nil {
				e.log.Error("roll-ups", "entity", entity, "err", err)
				if firstErr == nil {
					firstErr = err
				}
			}
		}
	}
	return firstErr
}

// rollupValues aggregates, for the parents ids, each roll-up of ce in one
// query: the values by roll-up field name, then by parent id (a parent
// without children holds the aggregate's zero).
func (e *Engine) rollupValues(ctx context.Context, rollups []*rollup, ids []string) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(rollups))
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	// Roll-ups over the same records — child entity, via, condition, and
	// for an average its field present — share one query.
	type batch struct {
		child, via string
		filter     query.Expr
		aggs       []query.Agg
		members    []*rollup
		at         []int // where each member's aggregates start in aggs
	}
	var batches []*batch
	byKey := map[string]*batch{}
	for _, r := range rollups {
		key := fmt.Sprintf("%s\x00%s\x00%s", r.spec.From, r.spec.Via, r.spec.Where)
		filter := query.AndOf(query.Cmp{Field: r.via, Op: query.In, Value: in}, r.where)
		if r.spec.Agg == "avg" { // the records that have a value
			key += "\x00" + r.path
			filter = query.AndOf(filter, query.Cmp{Field: r.path, Op: query.Ne, Value: nil})
		}
		b := byKey[key]
		if b == nil {
			b = &batch{child: r.spec.From, via: r.via, filter: filter}
			byKey[key] = b
			batches = append(batches, b)
		}
		b.members = append(b.members, r)
		b.at = append(b.at, len(b.aggs))
		switch r.spec.Agg {
		case "count":
			b.aggs = append(b.aggs, query.Agg{Func: query.Count})
		case "sum", "avg":
			b.aggs = append(b.aggs, query.Agg{Func: query.Sum, Field: r.path}, query.Agg{Func: query.Count})
		case "min":
			b.aggs = append(b.aggs, query.Agg{Func: query.Min, Field: r.path})
		case "max":
			b.aggs = append(b.aggs, query.Agg{Func: query.Max, Field: r.path})
		}
	}
	for _, b := range batches {
		groups, err := e.st.Aggregate(ctx, b.child, b.filter, []string{b.via}, b.aggs)
		if err != nil {
			return nil, fmt.Errorf("aggregate %s for %s.%s: %w", b.child, b.members[0].parent, b.members[0].field.Name, err)
		}
		for i, r := range b.members {
			vals := make(map[string]any, len(groups))
			for _, g := range groups {
				id, _ := g.Key[0].(string)
				vals[id] = r.value(g.Values[b.at[i]:])
			}
			out[r.field.Name] = vals
		}
	}
	return out, nil
}

// value is the roll-up's value from its aggregates' results; nil is none.
func (r *rollup) value(v []any) any {
	num := func(x any) float64 {
		switch n := x.(type) {
		case float64:
			return n
		case int64:
			return float64(n)
		}
		return 0
	}
	switch r.spec.Agg {
	case "count":
		return num(v[0])
	case "sum":
		return num(v[0])
	case "avg":
		if c := num(v[1]); c > 0 {
			return num(v[0]) / c
		}
		return nil
	}
	if f, ok := v[0].(float64); ok {
		return f
	}
	if i, ok := v[0].(int64); ok {
		return float64(i)
	}
	return v[0]
}

// zero is the value of a roll-up over no children.
func (r *rollup) zero() any {
	if r.spec.Agg == "count" || r.spec.Agg == "sum" {
		return 0.0
	}
	return nil
}

// refreshRecords computes the roll-ups and formulas of stored parents and
// writes those whose values change. It returns the ids it wrote, the
// ids that changed meanwhile (left to be tried again), and the first error
// that stops it; a formula failing on a record is counted in failed when
// counting, else logged.
func (e *Engine) refreshRecords(ctx context.Context, ce *compiled, recs []Record, counting bool) (written, retry []string, err error) {
	var vals map[string]map[string]any
	if rs := e.Catalog().rollupsOf[ce.Name]; len(rs) > 0 && len(recs) > 0 {
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.ID
		}
		if vals, err = e.rollupValues(ctx, rs, ids); err != nil {
			return nil, nil, err
		}
	}
	for _, rec := range recs {
		ok, err := e.recomputeOne(ctx, ce, rec, vals)
		switch {
		case errors.Is(err, store.ErrConflict):
			retry = append(retry, rec.ID)
		case errors.Is(err, store.ErrNotFound):
		case morph.ErrorCode(err) == morph.EExpression:
			if !counting {
				e.log.Warn("roll-ups: a formula failed", "entity", ce.Name, "record", rec.ID, "err", err)
			}
		case err != nil:
			return written, retry, err
		case ok:
			written = append(written, rec.ID)
		}
	}
	return written, retry, nil
}

// RecountRollups recounts every roll-up of every entity over the stored
// records, writing the parents whose values drifted (after a crash lost the
// marks of some children's writes). Servers run it in the background when
// they start; it logs what it did.
func (e *Engine) RecountRollups(ctx context.Context) {
	cat := e.Catalog()
	for _, name := range cat.names {
		if len(cat.rollupsOf[name]) == 0 {
			continue
		}
		p := e.recompute(ctx, cat.entities[name], RecomputeProgress{Entity: name, Version: cat.entities[name].version, State: RecomputeRunning})
		if p.Changed > 0 || p.State != RecomputeDone {
			e.log.Info("roll-ups recounted", "entity", name, "state", p.State, "records", p.Done, "changed", p.Changed)
		}
	}
}
