package workflow

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// run is one entry of the run log: an attempt at an item (or its skip).
type run struct {
	ID        string         `json:"id"`
	Rule      string         `json:"rule"`
	Entity    string         `json:"entity"`
	Record    string         `json:"record"`
	Event     string         `json:"trigger"`
	Actor     string         `json:"actor,omitempty"` // who made the write that set the rule off
	Item      string         `json:"item,omitempty"`
	At        string         `json:"at"`
	Attempt   int            `json:"attempt,omitempty"`
	Depth     int            `json:"depth,omitempty"`
	Condition *bool          `json:"condition,omitempty"` // the condition's result when it was decided
	Actions   []actionResult `json:"actions,omitempty"`
	Status    string         `json:"status"` // done, failed, dead, skipped, condition_false
	Error     string         `json:"error,omitempty"`
	Note      string         `json:"note,omitempty"` // what a run did besides actions (a schedule's firing)
}

type actionResult struct {
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Status string `json:"status"` // ok, failed, would
	Result any    `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Run is an entry of the run log as the API returns it.
type Run = run

// statusConditionFalse is the status of the run of a rule whose trigger a
// write matched but whose condition was false on the written values: the
// rule did nothing, and no item was queued (skipped is the depth limit's).
const statusConditionFalse = "condition_false"

// runStatuses are the statuses of runs.
var runStatuses = []string{statusDone, "failed", statusDead, statusSkipped, statusConditionFalse}

// logRun keeps a run in the log; a failure to keep it is logged only.
func (s *Service) logRun(ctx context.Context, r run) {
	r.At = engine.FormatTime(s.opts.Now())
	err := s.st.Insert(ctx, collRuns, runRecord(r))
	if err != nil && !errors.Is(err, store.ErrDuplicateID) {
		s.log.Warn("workflow: run log", "rule", r.Rule, "err", err)
	}
}

// runRecord is the stored form of a run.
func runRecord(r run) store.Record {
	d := map[string]any{"rule": r.Rule, "entity": r.Entity, "record": r.Record, "trigger": r.Event,
		"at": r.At, "status": r.Status, "attempt": float64(r.Attempt), "depth": float64(r.Depth)}
	if r.Item != "" {
		d["item"] = r.Item
	}
	if r.Actor != "" {
		d["actor"] = r.Actor
	}
	if r.Condition != nil {
		d["condition"] = *r.Condition
	}
	if r.Error != "" {
		d["error"] = truncate(r.Error, 2000)
	}
	if r.Note != "" {
		d["note"] = truncate(r.Note, 2000)
	}
	if len(r.Actions) > 0 {
		d["actions"] = jsonish(r.Actions)
	}
	return store.Record{ID: r.ID, Version: 1, Data: d}
}

// RunPage is a page of the run log, newest first.
type RunPage struct {
	Items []map[string]any `json:"items"`
	Next  string           `json:"next,omitempty"`
}

// Runs pages a rule's run log, newest first, all of it or the runs of one
// status (administrators only).
func (s *Service) Runs(ctx context.Context, actor engine.Actor, rule, status, after string, limit int) (RunPage, error) {
	if !actor.IsAdmin() {
		return RunPage{}, errAdminOnly()
	}
	if status != "" && !slices.Contains(runStatuses, status) {
		return RunPage{}, morph.Invalid(defdoc.FieldErr("status", "enum", morph.T("status is one of "+strings.Join(runStatuses, ", "),
			"status 只能是 "+strings.Join(runStatuses, "、")+" 之一")))
	}
	if _, ok := s.current().stored[rule]; !ok {
		// The log of a deleted rule stays readable while it has entries.
		n, err := s.st.Count(ctx, collRuns, query.Cmp{Field: "rule", Op: query.Eq, Value: rule})
		if err != nil {
			return RunPage{}, err
		}
		if n == 0 {
			return RunPage{}, errUnknownRule(rule)
		}
	}
	filter := query.Expr(query.Cmp{Field: "rule", Op: query.Eq, Value: rule})
	if status != "" {
		filter = query.AndOf(filter, query.Cmp{Field: "status", Op: query.Eq, Value: status})
	}
	return s.page(ctx, collRuns, "at", false, filter, after, limit)
}

// page reads a page of a log collection newest first (by its time field
// at, then id), after the cursor "<time>|<id>" of the previous page; each
// item carries its record's version when withVersion (for a later If-Match).
func (s *Service) page(ctx context.Context, coll, at string, withVersion bool, filter query.Expr, after string, limit int) (RunPage, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	sorts := []query.Sort{{Field: at, Desc: true}, {Field: "id", Desc: true}}
	if after != "" {
		t, id, ok := strings.Cut(after, "|")
		if !ok || len(t) > 40 || len(id) > 200 {
			return RunPage{}, errBadCursor()
		}
		filter = query.AndOf(filter, query.After(sorts, []any{t, id}))
	}
	recs, err := s.st.Find(ctx, coll, query.Query{Filter: filter, Sort: sorts, Limit: limit + 1})
	if err != nil {
		return RunPage{}, err
	}
	p := RunPage{Items: []map[string]any{}}
	for i, r := range recs {
		if i == limit {
			last := recs[i-1]
			t, _ := last.Data[at].(string)
			p.Next = t + "|" + last.ID
			break
		}
		m := map[string]any{"id": r.ID}
		if withVersion {
			m["version"] = float64(r.Version)
		}
		for k, v := range r.Data {
			m[k] = v
		}
		p.Items = append(p.Items, m)
	}
	return p, nil
}

// errBadCursor refuses a cursor that is not one of ours.
func errBadCursor() error {
	return morph.Invalid(defdoc.FieldErr("after", "cursor", morph.T("after is not a cursor of this list", "after 不是此列表的游标")))
}
