package engine

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema"
)

// RecomputeSyncLimit is the most records an entity may hold for a save
// that changes its formulas to recompute them before it answers; with more,
// they are recomputed in the background (RecomputeStatus shows how far).
const RecomputeSyncLimit = 2000

// recomputePage is how many records a recompute reads at a time.
const recomputePage = 500

// Recompute states.
const (
	RecomputeRunning    = "running"
	RecomputeDone       = "done"
	RecomputeFailed     = "failed"
	RecomputeSuperseded = "superseded" // a newer definition started its own
)

// RecomputeProgress is how far the recomputation of an entity's formulas
// over its stored records has come.
type RecomputeProgress struct {
	Entity  string `json:"entity"`
	Version int64  `json:"version"` // the definition whose formulas are applied
	State   string `json:"state"`
	Total   int64  `json:"total"`   // records when it started
	Done    int64  `json:"done"`    // records read
	Changed int64  `json:"changed"` // records whose formula values changed and were written
	Failed  int64  `json:"failed"`  // records on which a formula failed (left as they were; logged)
	Error   string `json:"error,omitempty"`
}

// recomputes keeps the latest recompute of each entity on this instance.
type recomputes struct {
	mu   sync.Mutex
	jobs map[string]*RecomputeProgress
}

func (r *recomputes) set(p RecomputeProgress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.jobs == nil {
		r.jobs = map[string]*RecomputeProgress{}
	}
	r.jobs[p.Entity] = &p
}

func (r *recomputes) get(entity string) (RecomputeProgress, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.jobs[entity]; p != nil {
		return *p, true
	}
	return RecomputeProgress{}, false
}

// formulaSignature identifies what an entity's formulas compute: two
// definitions with the same signature give every record the same values.
func formulaSignature(ce *compiled) string {
	var b strings.Builder
	for _, f := range ce.Formulas() {
		fmt.Fprintf(&b, "%s\x00%s\x00%d\x01", f.Name, f.Expr.Source, f.Kind())
	}
	for _, f := range ce.Fields {
		if f.Type.Name() == "rollup" {
			r, _ := schema.ParseRollup(f)
			fmt.Fprintf(&b, "%s\x00%+v\x00%d\x01", f.Name, r, f.Kind())
		}
	}
	return b.String()
}

// afterFormulaChange recomputes the stored records of an entity whose
// formulas a save changed: before answering when there are few, in the
// background otherwise. The caller holds defMu and has swapped ce in.
func (e *Engine) afterFormulaChange(ctx context.Context, prev, ce *compiled) {
	if prev == nil || formulaSignature(prev) == formulaSignature(ce) {
		return
	}
	n, err := e.st.Count(ctx, ce.Name, nil)
	if err != nil {
		e.log.Error("recompute formulas: count", "entity", ce.Name, "err", err)
		return
	}
	if n == 0 {
		return
	}
	p := RecomputeProgress{Entity: ce.Name, Version: ce.version, State: RecomputeRunning, Total: n}
	e.recomputes.set(p)
	if n <= RecomputeSyncLimit {
		e.recompute(ctx, ce, p)
		return
	}
	go e.recompute(context.WithoutCancel(ctx), ce, p)
}

// Recompute computes the formulas of every stored record of an entity
// again and writes the records whose values change (administrators): up to
// RecomputeSyncLimit records before it returns, more in the background
// (the progress returned is then "running"; RecomputeStatus follows it).
func (e *Engine) Recompute(ctx context.Context, actor Actor, entity string) (RecomputeProgress, error) {
	if !actor.IsAdmin() {
		return RecomputeProgress{}, errAdminOnly()
	}
	ce, err := e.entity(entity)
	if err != nil {
		return RecomputeProgress{}, err
	}
	n, err := e.st.Count(ctx, ce.Name, nil)
	if err != nil {
		return RecomputeProgress{}, storeError(ce, err)
	}
	p := RecomputeProgress{Entity: ce.Name, Version: ce.version, State: RecomputeRunning, Total: n}
	e.recomputes.set(p)
	if n > RecomputeSyncLimit {
		go e.recompute(context.WithoutCancel(ctx), ce, p)
		return p, nil
	}
	return e.recompute(ctx, ce, p), nil
}

// RecomputeStatus is the latest recompute of an entity's formulas on this
// instance (administrators); ok is false when there was none.
func (e *Engine) RecomputeStatus(actor Actor, entity string) (p RecomputeProgress, ok bool, err error) {
	if !actor.IsAdmin() {
		return p, false, errAdminOnly()
	}
	if _, err := e.entity(entity); err != nil {
		return p, false, err
	}
	p, ok = e.recomputes.get(entity)
	return p, ok, nil
}

// recompute walks the records by id and writes those whose formula values
// change, each as an update by the system with its audit entry. A record
// changed concurrently is left to that write, which computed its formulas
// itself. It stops when a newer definition of the entity is in the catalog.
func (e *Engine) recompute(ctx context.Context, ce *compiled, p RecomputeProgress) RecomputeProgress {
	q := query.Query{Sort: []query.Sort{{Field: "id"}}, Limit: recomputePage}
	for {
		if cur := e.Catalog().entities[ce.Name]; cur == nil || cur.version != ce.version {
			p.State = RecomputeSuperseded
			break
		}
		recs, err := e.st.Find(ctx, ce.Name, q)
		if err != nil {
			p.State, p.Error = RecomputeFailed, "the store could not be read"
			e.log.Error("recompute formulas", "entity", ce.Name, "err", err)
			break
		}
		written, _, err := e.refreshRecords(ctx, ce, recs, true)
		p.Done += int64(len(recs))
		p.Changed += int64(len(written))
		if len(e.Catalog().rollupsOf[ce.Name]) > 0 {
			e.checkAgain(ce.Name, written) // a roll-up worker may have counted before a child's write
		}
		if err != nil {
			p.State, p.Error = RecomputeFailed, "a record could not be written"
			e.log.Error("recompute", "entity", ce.Name, "err", err)
			e.recomputes.set(p)
			return p
		}
		e.recomputes.set(p)
		if len(recs) < recomputePage {
			p.State = RecomputeDone
			break
		}
		q.Filter = query.Cmp{Field: "id", Op: query.Gt, Value: recs[len(recs)-1].ID}
	}
	e.recomputes.set(p)
	e.log.Info("recompute formulas", "entity", ce.Name, "state", p.State, "records", p.Done, "changed", p.Changed, "failed", p.Failed)
	return p
}

// recomputeOne computes a record's roll-ups (their values by field and
// record id in rollups; none when nil) and formulas, and writes it when a
// value changes.
func (e *Engine) recomputeOne(ctx context.Context, ce *compiled, rec Record, rollups map[string]map[string]any) (bool, error) {
	data, _ := userData(ce, rec.Data)
	var fields []*schema.Field
	for _, r := range e.Catalog().rollupsOf[ce.Name] {
		vals, ok := rollups[r.field.Name]
		if !ok {
			continue
		}
		v, has := vals[rec.ID]
		if !has {
			v = r.zero()
		}
		if v == nil {
			delete(data, r.field.Name)
		} else {
			data[r.field.Name] = v
		}
		fields = append(fields, r.field)
	}
	w := &Write{Entity: ce.Name, Actor: System, Data: data, Old: &rec}
	if err := e.computeFormulas(ce, w); err != nil {
		return false, err
	}
	next := maps.Clone(rec.Data)
	changed := false
	for _, f := range append(fields, ce.Formulas()...) {
		v, has := w.Data[f.Name]
		old, had := rec.Data[f.Name]
		if has == had && reflect.DeepEqual(v, old) {
			continue
		}
		changed = true
		if has {
			next[f.Name] = v
		} else {
			delete(next, f.Name)
		}
	}
	if !changed {
		return false, nil
	}
	// The change sets off workflow rules like any update (a date rule on a
	// roll-up of the last activity, an updated rule on a formula).
	if h := e.hooks.Load().AfterValidate; h != nil {
		if err := h(ctx, w); err != nil {
			return false, err
		}
	}
	up := Record{ID: rec.ID, Version: rec.Version + 1, Data: next}
	entry := e.recordEntry(System, AuditUpdate, ce.Name, rec.ID, up.Version, e.now(), rec.Data, next, w)
	if err := e.st.Update(ctx, ce.Name, up, entry); err != nil {
		return false, err
	}
	e.publish(ctx, Event{Type: Updated, Entity: ce.Name, Record: up, Old: rec, Actor: System})
	return true, nil
}
