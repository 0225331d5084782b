package workflow

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Item states.
const (
	statusPending = "pending" // due at next_at
	statusRunning = "running" // claimed until lease_until
	statusDone    = "done"
	statusDead    = "dead"    // failed MaxAttempts times
	statusSkipped = "skipped" // the depth limit
	// A date rule's timer whose date was cleared.
	statusCancelled = "cancelled"
)

// startupWindow is how far behind the cursor the audit log is read when a
// process starts: entries of writes that a dead process made and that the
// store brought in only when it was opened again (MongoDB's outbox
// recovery) are older than the cursor.
const startupWindow = 10 * time.Minute

// pageSize bounds one read of the audit log and of the due items.
const pageSize = 200

// Pump does the queue's work that is due now: it turns new audit entries
// into queue items, runs the due items, and delivers the due webhook calls
// and e-mails. It returns how much it did (0: nothing was due). Tests call
// it until it returns 0; Start calls it in the background.
func (s *Service) Pump(ctx context.Context) (int, error) {
	if err := s.refresh(ctx); err != nil {
		return 0, err
	}
	n, err := s.tail(ctx)
	if err != nil {
		return n, err
	}
	m, err := s.planRules(ctx)
	n += m
	if err != nil {
		return n, err
	}
	m, err = s.runDue(ctx)
	n += m
	if err != nil {
		return n, err
	}
	m, err = s.deliverDue(ctx)
	if err == nil && s.pruneDue() {
		err = s.prune(ctx)
	}
	return n + m, err
}

// pruneDue reports, once an hour, that finished items may be pruned.
func (s *Service) pruneDue() bool {
	s.tailMu.Lock()
	defer s.tailMu.Unlock()
	if time.Since(s.prunedAt) < time.Hour {
		return false
	}
	s.prunedAt = time.Now()
	return true
}

// keepDone is how long finished items and deliveries are kept: far longer
// than the audit log is read behind its cursor, so an entry read again
// always finds its item.
const keepDone = 24 * time.Hour

// prune deletes finished items and deliveries older than keepDone (dead
// ones stay, for inspection and redelivery; the run log keeps their
// story), and runs older than the run log keeps them.
func (s *Service) prune(ctx context.Context) error {
	if err := s.pruneItems(ctx); err != nil {
		return err
	}
	now := s.opts.Now()
	for _, p := range []struct {
		keep   time.Duration
		status string
	}{{s.opts.KeepConditionFalse, statusConditionFalse}, {s.opts.KeepRuns, ""}} {
		var f query.Expr = query.Cmp{Field: "at", Op: query.Lt, Value: engine.FormatTime(now.Add(-p.keep))}
		if p.status != "" {
			f = query.And{f, query.Cmp{Field: "status", Op: query.Eq, Value: p.status}}
		}
		if err := s.deleteAll(ctx, collRuns, f); err != nil {
			return err
		}
	}
	return nil
}

// pruneBatches bounds one prune's work per kind of record.
const pruneBatches = 100

// deleteAll deletes the records filter selects, a thousand at a time, at
// most pruneBatches times (the next prune goes on).
func (s *Service) deleteAll(ctx context.Context, coll string, filter query.Expr) error {
	for range pruneBatches {
		recs, err := s.st.Find(ctx, coll, query.Query{Filter: filter, Limit: 1000})
		if err != nil {
			return fmt.Errorf("workflow: prune %s: %w", coll, err)
		}
		for _, r := range recs {
			if err := s.st.Delete(ctx, coll, r.ID, r.Version); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("workflow: prune %s: %w", coll, err)
			}
		}
		if len(recs) < 1000 {
			return nil
		}
	}
	return nil
}

func (s *Service) pruneItems(ctx context.Context) error {
	before := engine.FormatTime(s.opts.Now().Add(-keepDone))
	for _, coll := range []string{collQueue, collOutbox} {
		for _, status := range []string{statusDone, statusSkipped, statusCancelled} {
			if err := s.deleteAll(ctx, coll, query.And{query.Cmp{Field: "status", Op: query.Eq, Value: status},
				query.Cmp{Field: "next_at", Op: query.Lt, Value: before}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Drain pumps until nothing is due (at most rounds times).
func (s *Service) Drain(ctx context.Context, rounds int) error {
	for range rounds {
		n, err := s.Pump(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
	}
	return fmt.Errorf("workflow: still busy after %d rounds", rounds)
}

// timeOf is the time of a UUIDv7 (zero for anything else).
func timeOf(id string) time.Time {
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		return time.Time{}
	}
	sec, nsec := u.Time().UnixTime()
	return time.Unix(sec, nsec)
}

const cursorID = "audit_cursor"

// cursorEvery is how often at most a busy log's cursor is written.
const cursorEvery = time.Second

// tail reads the record entries of the audit log after the cursor (less
// the grace window: concurrent writers commit out of id order) and enqueues
// an item per rule each one sets off, and logs a run per rule whose
// condition was false at the write. Items and those runs have the id of
// their entry and rule, so reading an entry again never makes them twice.
func (s *Service) tail(ctx context.Context) (int, error) {
	cur, err := s.st.Get(ctx, collState, cursorID)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("workflow: read cursor: %w", err)
	}
	after, _ := cur.Data["after"].(string)
	s.tailMu.Lock()
	defer s.tailMu.Unlock()
	// Usually only what is new since the last entry this process saw; every
	// third of the grace window the window again, for entries of writes that
	// committed after later ones; at start, the startup window.
	low := s.high
	switch {
	case !s.started.Load():
		if after != "" {
			low = engine.AuditIDFloor(timeOf(after).Add(-startupWindow))
		}
		s.windowAt = time.Now()
	case time.Since(s.windowAt) >= s.opts.Grace/3 || low == "":
		if after != "" {
			low = engine.AuditIDFloor(timeOf(max(after, s.high)).Add(-s.opts.Grace))
		}
		s.windowAt = time.Now()
	}
	// The pass reads up to the log's newest entry as it is now, and then
	// has read everything up to it: the next one starts there, whether or
	// not an entry of this one set anything off. (Entries that commit later
	// with smaller ids are the grace window's.)
	top, err := s.st.Find(ctx, store.AuditCollection, query.Query{Sort: []query.Sort{{Field: "id", Desc: true}}, Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("workflow: read audit log: %w", err)
	}
	if len(top) == 0 || top[0].ID <= low {
		s.started.Store(true)
		return 0, nil
	}
	filter := query.AndOf(
		query.Cmp{Field: "id", Op: query.Lte, Value: top[0].ID},
		query.Cmp{Field: "kind", Op: query.Eq, Value: engine.KindRecord},
		query.Or{query.Cmp{Field: "triggers", Op: query.Ne, Value: nil}, query.Cmp{Field: "skipped", Op: query.Ne, Value: nil},
			query.Cmp{Field: "action", Op: query.Eq, Value: engine.AuditDelete}},
	)
	if low != "" {
		filter = query.AndOf(query.Cmp{Field: "id", Op: query.Gt, Value: low}, filter)
	}
	done := 0
	for {
		recs, err := s.st.Find(ctx, store.AuditCollection, query.Query{Filter: filter, Sort: []query.Sort{{Field: "id"}}, Limit: pageSize})
		if err != nil {
			return done, fmt.Errorf("workflow: read audit log: %w", err)
		}
		n, err := s.enqueue(ctx, recs)
		done += n
		if err != nil {
			return done, err
		}
		if len(recs) < pageSize {
			break
		}
		filter = query.AndOf(query.Cmp{Field: "id", Op: query.Gt, Value: recs[len(recs)-1].ID}, filter)
	}
	s.started.Store(true)
	last := top[0].ID
	s.high = max(s.high, last)
	// The cursor is kept for the next start, which reads well behind it
	// (startupWindow): it is written at most every cursorEvery, not by
	// every pass of a busy log.
	if last > after && (time.Since(s.cursorAt) >= cursorEvery || !found) {
		s.cursorAt = time.Now()
		rec := store.Record{ID: cursorID, Version: 1, Data: map[string]any{"after": last}}
		if found {
			rec.Version = cur.Version + 1
			err = s.st.Update(ctx, collState, rec)
		} else {
			err = s.st.Insert(ctx, collState, rec)
		}
		// Another instance moved the cursor meanwhile: its value or ours,
		// the next pass reads behind either by the grace window.
		if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrDuplicateID) {
			return done, fmt.Errorf("workflow: write cursor: %w", err)
		}
	}
	return done, nil
}

// enqueue makes the items of audit entries that are not queued yet, and
// the runs of the rules whose condition was false at their writes.
func (s *Service) enqueue(ctx context.Context, recs []store.Record) (int, error) {
	type cand struct {
		entry engine.AuditEntry
		rule  string
	}
	rs := s.current()
	var cands []cand
	var dated []engine.AuditEntry
	var datedRules []*Rule
	var unmet []run
	for _, r := range recs {
		a := engine.EntryOf(r)
		for _, rule := range a.Skipped {
			f := false
			unmet = append(unmet, run{ID: a.ID + "-" + rule, Rule: rule, Entity: a.Entity, Record: a.Record,
				Event: eventOf(a.Action), Actor: a.Actor, At: a.At, Depth: a.Depth, Condition: &f, Status: statusConditionFalse,
				Note: "the condition was false on the values written: the rule did nothing"})
		}
		if a.Action == engine.AuditDelete {
			for _, rule := range rs.byEntity[a.Entity] {
				if rule.Active && rule.Trigger.Type == TriggerDeleted {
					cands = append(cands, cand{a, rule.Name})
				}
			}
			continue
		}
		for _, t := range a.Triggers {
			if rule := rs.byName[t]; rule != nil && rule.Trigger.Type == TriggerDate {
				dated, datedRules = append(dated, a), append(datedRules, rule)
				continue
			}
			cands = append(cands, cand{a, t})
		}
	}
	planned := 0
	if len(dated) > 0 {
		n, err := s.planDates(ctx, dated, datedRules)
		if err != nil {
			return n, err
		}
		planned = n
	}
	if len(unmet) > 0 {
		n, err := s.logUnmet(ctx, unmet)
		planned += n
		if err != nil {
			return planned, err
		}
	}
	if len(cands) == 0 {
		return planned, nil
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.entry.ID + "-" + c.rule
	}
	queued, err := s.queued(ctx, ids)
	if err != nil {
		return 0, err
	}
	now := engine.FormatTime(s.opts.Now())
	n := planned
	for i, c := range cands {
		if _, ok := queued[ids[i]]; ok {
			continue
		}
		d := map[string]any{"rule": c.rule, "entity": c.entry.Entity, "record": c.entry.Record, "entry": c.entry.ID,
			"event": eventOf(c.entry.Action), "actor": c.entry.Actor, "depth": float64(c.entry.Depth),
			"status": statusPending, "next_at": now, "created_at": now, "attempts": float64(0), "done": float64(0)}
		switch c.entry.Action {
		case engine.AuditDelete:
			d["snapshot"] = c.entry.Old
		case engine.AuditUpdate:
			d["old"] = c.entry.Old
			fs := make([]any, len(c.entry.Fields))
			for i, f := range c.entry.Fields {
				fs[i] = f
			}
			d["fields"] = fs
		}
		if c.entry.Depth >= s.opts.MaxDepth {
			d["status"] = statusSkipped
		}
		err := s.st.Insert(ctx, collQueue, store.Record{ID: ids[i], Version: 1, Data: d})
		if errors.Is(err, store.ErrDuplicateID) {
			continue // another instance queued it
		}
		if err != nil {
			return n, fmt.Errorf("workflow: enqueue: %w", err)
		}
		n++
		if d["status"] == statusSkipped {
			s.logRun(ctx, run{ID: ids[i], Rule: c.rule, Entity: c.entry.Entity, Record: c.entry.Record, Event: eventOf(c.entry.Action),
				Actor: c.entry.Actor, Item: ids[i], Depth: c.entry.Depth, Status: statusSkipped,
				Error: fmt.Sprintf("the depth limit (%d) stops a chain of rules that set each other off", s.opts.MaxDepth)})
		}
	}
	return n, nil
}

// logUnmet logs the runs of rules whose condition was false at their
// writes, those not logged yet, in one batch: the entries of a page of the
// audit log are read again in the grace window, and their runs' ids are
// those of the entry and rule.
func (s *Service) logUnmet(ctx context.Context, runs []run) (int, error) {
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	have, err := s.st.GetMany(ctx, collRuns, ids)
	if err != nil {
		return 0, fmt.Errorf("workflow: read run log: %w", err)
	}
	logged := make(map[string]bool, len(have))
	for _, h := range have {
		logged[h.ID] = true
	}
	var recs []store.Record
	for _, r := range runs {
		if !logged[r.ID] {
			recs = append(recs, runRecord(r))
		}
	}
	if len(recs) == 0 {
		return 0, nil
	}
	errs, err := s.st.InsertMany(ctx, collRuns, recs)
	if err != nil {
		return 0, fmt.Errorf("workflow: run log: %w", err)
	}
	n := 0
	for i, err := range errs {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, store.ErrDuplicateID): // another instance logged it
			s.log.Warn("workflow: run log", "rule", recs[i].Data["rule"], "err", err)
		}
	}
	return n, nil
}

// queued reads the queue's items of ids that exist, by id.
func (s *Service) queued(ctx context.Context, ids []string) (map[string]store.Record, error) {
	have, err := s.st.GetMany(ctx, collQueue, ids)
	if err != nil {
		return nil, fmt.Errorf("workflow: read queue: %w", err)
	}
	byID := make(map[string]store.Record, len(have))
	for _, h := range have {
		byID[h.ID] = h
	}
	return byID, nil
}

func eventOf(action string) string {
	switch action {
	case engine.AuditCreate:
		return TriggerCreated
	case engine.AuditUpdate:
		return TriggerUpdated
	}
	return TriggerDeleted
}

// item is a queue item as read.
type item struct {
	rec                         store.Record
	Key                         string // names what the actions make: the item id, and a timer's due time
	Rule, Entity, Record, Entry string
	Event, Actor                string
	Depth, Attempts, Done       int
	Old, Snapshot               map[string]any
	Fields                      []string
	Picks                       map[string]any // assign: the user picked per action
	Applying                    int            // set after save: the action being written, -1 for none
	ApplyingVersion             int64
}

func itemOf(r store.Record) *item {
	d := r.Data
	str := func(k string) string { v, _ := d[k].(string); return v }
	num := func(k string) int { v, _ := d[k].(float64); return int(v) }
	it := &item{rec: r, Rule: str("rule"), Entity: str("entity"), Record: str("record"), Entry: str("entry"), Event: str("event"),
		Actor: str("actor"), Depth: num("depth"), Attempts: num("attempts"), Done: num("done"), Applying: -1}
	it.Key = r.ID
	if due, ok := d["due"].(string); ok {
		if at, err := time.Parse(time.RFC3339Nano, due); err == nil {
			// A date rule's timer fires again when it is planned again.
			it.Key = fmt.Sprintf("%s-%d", r.ID, at.Unix())
		}
	}
	it.Old, _ = d["old"].(map[string]any)
	it.Snapshot, _ = d["snapshot"].(map[string]any)
	it.Picks, _ = d["picks"].(map[string]any)
	if v, ok := d["applying"].(float64); ok {
		it.Applying = int(v)
	}
	if v, ok := d["applying_version"].(float64); ok {
		it.ApplyingVersion = int64(v)
	}
	if fs, ok := d["fields"].([]any); ok {
		for _, f := range fs {
			if s, ok := f.(string); ok {
				it.Fields = append(it.Fields, s)
			}
		}
	}
	return it
}

// save writes the item's changed data with a version check: false when
// another claimer holds it now.
func (s *Service) save(ctx context.Context, coll string, rec *store.Record, set map[string]any) (bool, error) {
	data := maps.Clone(rec.Data)
	for k, v := range set {
		if v == nil {
			delete(data, k)
		} else {
			data[k] = v
		}
	}
	next := store.Record{ID: rec.ID, Version: rec.Version + 1, Data: data}
	err := s.st.Update(ctx, coll, next)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("workflow: write %s %s: %w", coll, rec.ID, err)
	}
	*rec = next
	return true, nil
}

// claimDue claims up to limit due records of a queue collection (items or
// deliveries): pending ones whose time has come and running ones whose
// claimer's lease ended (it died). A claim is a version-checked update, so
// of several processes exactly one gets each.
func (s *Service) claimDue(ctx context.Context, coll string, limit int) ([]store.Record, error) {
	recs, err := s.findDue(ctx, coll, limit)
	var out []store.Record
	for _, r := range recs {
		ok, err := s.claim(ctx, coll, &r)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, err
}

// findDue reads up to limit due records of a queue collection, oldest due
// first, without claiming them.
func (s *Service) findDue(ctx context.Context, coll string, limit int) ([]store.Record, error) {
	nowS := engine.FormatTime(s.opts.Now())
	// One query per state, each an index range (status, next_at).
	var recs []store.Record
	for _, status := range []string{statusPending, statusRunning} {
		filter := query.And{query.Cmp{Field: "status", Op: query.Eq, Value: status}, query.Cmp{Field: "next_at", Op: query.Lte, Value: nowS}}
		got, err := s.st.Find(ctx, coll, query.Query{Filter: filter, Sort: []query.Sort{{Field: "next_at"}, {Field: "id"}}, Limit: limit - len(recs)})
		if err != nil {
			return nil, fmt.Errorf("workflow: read %s: %w", coll, err)
		}
		recs = append(recs, got...)
		if len(recs) >= limit {
			break
		}
	}
	return recs, nil
}

// claim makes a due record this process's until its lease ends (a running
// item's next_at is the end of its lease); false when another claimed it
// first.
func (s *Service) claim(ctx context.Context, coll string, r *store.Record) (bool, error) {
	return s.save(ctx, coll, r, map[string]any{"status": statusRunning, "claimed_by": s.instance,
		"next_at": engine.FormatTime(s.opts.Now().Add(s.opts.Lease))})
}

// runDue claims the due items and runs them, Workers at a time: each
// worker claims the item it runs, so the claims of several workers share
// the store's commits.
func (s *Service) runDue(ctx context.Context) (int, error) {
	// A few per worker: what a process claims and then dies with waits
	// for the lease to end.
	recs, err := s.findDue(ctx, collQueue, 4*s.opts.Workers)
	if err != nil || len(recs) == 0 {
		return len(recs), err
	}
	work := make(chan store.Record)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
	}
	for range min(s.opts.Workers, len(recs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				ok, err := s.claim(ctx, collQueue, &r)
				if err != nil {
					fail(err)
					continue
				}
				if !ok {
					continue
				}
				if err := s.runItem(ctx, itemOf(r)); err != nil {
					fail(err)
				}
			}
		}()
	}
	for _, r := range recs {
		work <- r
	}
	close(work)
	wg.Wait()
	return len(recs), first
}

// backoff is the wait before attempt n+1: 1 s, 2 s, 4 s … at most an hour.
func backoff(n int) time.Duration {
	d := time.Second << min(n, 12)
	return min(d, time.Hour)
}

// ruleActor is who a rule's actions act as: the engine, named after the
// rule in audit entries.
func ruleActor(rule string) engine.Actor {
	a := engine.System
	a.Name = "workflow " + rule
	a.Via = "workflow"
	return a
}

// runItem runs one claimed item: the rule's condition again on the record
// as it is now, then each after-save action not done yet; progress is
// saved after each action, so an item run again after a crash or a failure
// goes on where it stopped.
func (s *Service) runItem(ctx context.Context, it *item) error {
	runID := fmt.Sprintf("%s-%d", it.Key, it.Attempts)
	if t, ok := it.rec.Data["fire_at"].(string); ok {
		// A schedule's item fires again and again: its runs are told
		// apart by the time of the firing.
		if at, err := time.Parse(time.RFC3339Nano, t); err == nil {
			runID = fmt.Sprintf("%s-%d-%d", it.rec.ID, at.Unix(), it.Attempts)
		}
	}
	rn := run{ID: runID, Rule: it.Rule, Entity: it.Entity, Record: it.Record,
		Event: it.Event, Actor: it.Actor, Item: it.rec.ID, Depth: it.Depth, Attempt: it.Attempts + 1}
	finish := func(status, msg string) error {
		rn.Status, rn.Error = status, msg
		if status == statusDone && rn.Condition != nil && !*rn.Condition {
			// The item is done; its run is told as one whose condition
			// did not hold, like those decided at the write.
			rn.Status = statusConditionFalse
		}
		_, err := s.save(ctx, collQueue, &it.rec, map[string]any{"status": status, "finished_at": engine.FormatTime(s.opts.Now()),
			"done": float64(it.Done), "applying": nil, "applying_version": nil})
		s.logRun(ctx, rn)
		return err
	}
	r := s.current().byName[it.Rule]
	if r == nil || !r.Active || r.Entity != it.Entity {
		return finish(statusDone, "the rule was removed, deactivated or moved to another entity; nothing was done")
	}
	if it.Event == TriggerSchedule && it.Record == "" {
		// A schedule's own item: it queues the runs of its records.
		if r.Trigger.Type != TriggerSchedule {
			return finish(statusDone, "the rule is no longer on a schedule; nothing was done")
		}
		n, err := s.fire(ctx, r, it)
		if err != nil {
			return s.retry(ctx, it, rn, err)
		}
		rn.Status = statusDone
		rn.Note = fmt.Sprintf("queued a run for each of %d record(s)", n)
		s.logRun(ctx, rn)
		return nil
	}
	ac, err := s.actionContext(ctx, r, it)
	if err != nil {
		return s.retry(ctx, it, rn, err)
	}
	if ac == nil {
		return finish(statusDone, "the record no longer exists; nothing was done")
	}
	if it.Event == TriggerDate {
		why, err := s.dateStillDue(ctx, r, it, ac.data)
		switch {
		case err != nil:
			return err
		case why == "later":
			return nil
		case why != "":
			return finish(statusDone, why)
		}
	}
	if r.When != nil {
		ok, err := r.When.Bool(ac.scope)
		rn.Condition = &ok
		if err != nil {
			return s.retry(ctx, it, rn, err)
		}
		if !ok {
			rn.Note = "the condition no longer held when the rule ran: it did nothing"
			return finish(statusDone, "")
		}
	} else {
		t := true
		rn.Condition = &t
	}
	for i := it.Done; i < len(r.Actions); i++ {
		a := r.Actions[i]
		if !a.After {
			continue
		}
		res, err := s.act(ctx, ac, i, a)
		if err != nil {
			rn.Actions = append(rn.Actions, actionResult{Index: i, Type: a.Type, Status: "failed", Error: err.Error()})
			return s.retry(ctx, it, rn, err)
		}
		rn.Actions = append(rn.Actions, actionResult{Index: i, Type: a.Type, Status: "ok", Result: res})
		if last(r.Actions, i) {
			// The item's end records this action's progress too.
			it.Done = i + 1
			return finish(statusDone, "")
		}
		ok, err := s.save(ctx, collQueue, &it.rec, map[string]any{"done": float64(i + 1), "applying": nil, "applying_version": nil})
		if err != nil || !ok {
			return err // another claimer took over after our lease ended
		}
		it.Done = i + 1
		if a.Type == ActSet || a.Type == ActAssign {
			// The actions after see the record as this one left it.
			next, err := s.actionContext(ctx, r, it)
			if err != nil {
				return s.retry(ctx, it, rn, err)
			}
			if next == nil {
				return finish(statusDone, "the record was deleted while the rule ran")
			}
			ac = next
		}
	}
	return finish(statusDone, "")
}

// retry puts a failed item back with exponential back-off, or marks it
// dead after MaxAttempts.
func (s *Service) retry(ctx context.Context, it *item, rn run, cause error) error {
	attempts := it.Attempts + 1
	status := statusPending
	if attempts >= s.opts.MaxAttempts {
		status = statusDead
	}
	rn.Status, rn.Error = "failed", cause.Error()
	if status == statusDead {
		rn.Status = statusDead
	}
	s.log.Warn("workflow: run failed", "rule", it.Rule, "record", it.Record, "attempt", attempts, "err", cause)
	_, err := s.save(ctx, collQueue, &it.rec, map[string]any{"status": status, "attempts": float64(attempts),
		"next_at": engine.FormatTime(s.opts.Now().Add(backoff(attempts - 1))), "last_error": truncate(cause.Error(), 1000)})
	s.logRun(ctx, rn)
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// last reports whether action i is the last after-save action of actions.
func last(actions []*Action, i int) bool {
	for _, a := range actions[i+1:] {
		if a.After {
			return false
		}
	}
	return true
}
