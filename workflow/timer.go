package workflow

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema/lang"
)

// Timed triggers are items of the same durable queue as the after-save
// runs, whose next_at is in the future:
//
//   - a date rule has one item per record, "t-<rule>-<record>", planned by
//     the writes that set or change the field (their audit entries name the
//     rule, like any trigger) and, when the rule is saved, for the stored
//     records whose time is still ahead; a later write re-plans it. When it
//     fires it reads the record again: a date that moved later puts it
//     back, a date that was cleared ends it, and then the rule's condition
//     decides as for any run.
//   - a schedule rule has one item, "s-<rule>", at the next time of its
//     cron expression; firing it queues an item per record its filter
//     selects ("s-<rule>-<unix time>-<record>", so a firing that is resumed
//     after a crash never queues one twice) and plans the next time.
//
// Claims, leases, retries and the run log are the queue's, so timers
// survive restarts and fire once.

var offsetRE = regexp.MustCompile(`^([+-]?)(\d{1,7})([mhdw])$`)

// parseOffset reads a date trigger's offset: 0, or a signed whole number
// of minutes (m), hours (h), days (d) or weeks (w): "-7d", "3d", "2h".
func parseOffset(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "0" || s == "" {
		return 0, true
	}
	m := offsetRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, _ := strconv.ParseInt(m[2], 10, 64)
	unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour}[m[3]]
	if time.Duration(n) > maxOffset/unit {
		return 0, false
	}
	d := time.Duration(n) * unit
	if m[1] == "-" {
		d = -d
	}
	return d, true
}

// timed checks and compiles the settings of a date or a schedule trigger,
// and refuses them on the other types.
func (p *ruleCheck) timed(r *Rule, tr map[string]any) {
	t := &r.Trigger
	for _, k := range []string{"field", "offset"} {
		if _, ok := tr[k]; ok && t.Type != TriggerDate {
			p.Add("/trigger/"+k, "trigger", morph.T("%s belongs to a date trigger", "%s 只用于 date 触发器", k))
		}
	}
	for _, k := range []string{"cron", "timezone", "filter"} {
		if _, ok := tr[k]; ok && t.Type != TriggerSchedule {
			p.Add("/trigger/"+k, "trigger", morph.T("%s belongs to a schedule trigger", "%s 只用于 schedule 触发器", k))
		}
	}
	switch t.Type {
	case TriggerDate:
		t.Field, _ = tr["field"].(string)
		v, ok := r.ent.Vars().Var(t.Field)
		switch {
		case t.Field == "":
			p.Add("/trigger/field", "required", morph.T("A date trigger names a date or datetime field", "date 触发器需要指定日期或日期时间字段"))
		case !ok || (v.Kind != lang.KindDate && v.Kind != lang.KindDateTime):
			p.Add("/trigger/field", "field", morph.T("%s has no date or datetime field %q", "%s 没有日期或日期时间字段 %q", r.Entity, t.Field))
		}
		if s, ok := tr["offset"].(string); ok {
			d, ok := parseOffset(s)
			if !ok {
				p.Add("/trigger/offset", "offset", morph.T(`offset is 0 or a whole number of minutes, hours, days or weeks, such as "-7d", "3d", "2h", "30m" (at most ten years)`,
					`offset 为 0 或整数个分钟、小时、天或周，如 "-7d"、"3d"、"2h"、"30m"（最多十年）`))
			}
			t.Offset = d
		}
	case TriggerSchedule:
		spec, _ := tr["cron"].(string)
		if strings.TrimSpace(spec) == "" {
			p.Add("/trigger/cron", "required", morph.T(`A schedule trigger has a cron expression, such as "0 9 * * 1-5" (09:00 on working days)`, `schedule 触发器需要 cron 表达式，如 "0 9 * * 1-5"（工作日 09:00）`))
			break
		}
		if strings.Contains(spec, "TZ=") {
			p.Add("/trigger/cron", "cron", morph.T("Give the time zone as timezone, not in the cron expression", "时区请写在 timezone 中，不要写在 cron 表达式里"))
			break
		}
		sched, err := cron.ParseStandard(spec)
		if err != nil {
			p.Add("/trigger/cron", "cron", morph.T("The cron expression cannot be read: %s", "无法解析 cron 表达式：%s", err.Error()))
			break
		}
		// More often than once a minute would be a busy loop, not a schedule.
		a := sched.Next(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC))
		if b := sched.Next(a); b.Sub(a) < time.Minute {
			p.Add("/trigger/cron", "cron", morph.T("A schedule fires at most once a minute", "计划最多每分钟触发一次"))
			break
		}
		t.Cron = sched
		if tz, ok := tr["timezone"].(string); ok && tz != "" {
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "Local" {
				p.Add("/trigger/timezone", "timezone", morph.T("There is no time zone %q (use a name such as Asia/Shanghai)", "不存在时区 %q（请使用 Asia/Shanghai 这样的名称）", tz))
			}
			t.Location = loc
		}
		if src, ok := tr["filter"].(string); ok && strings.TrimSpace(src) != "" {
			if _, err := lang.Filter(src, r.ent.Resolve, lang.Env{Now: time.Now()}); err != nil {
				me := morph.AsError(err)
				if me == nil || len(me.Fields) == 0 {
					p.Add("/trigger/filter", "filter", morph.T("The filter cannot be used: %s", "筛选条件无法使用：%s", err.Error()))
				} else {
					for _, fe := range me.Fields {
						fe.Path = "/trigger/filter"
						p.Errs = append(p.Errs, fe)
					}
				}
			}
			t.Filter = src
		}
	}
}

// Item ids of timers.
func dateItemID(rule, record string) string { return "t-" + rule + "-" + record }
func scheduleItemID(rule string) string     { return "s-" + rule }

// dueOf is when a date rule fires for a field value: a datetime, or a
// date's midnight in the business time zone, plus the offset. false when
// there is no value.
func (s *Service) dueOf(t Trigger, v any) (time.Time, bool) {
	str, _ := v.(string)
	if str == "" {
		return time.Time{}, false
	}
	if len(str) == len("2006-01-02") {
		d, err := time.ParseInLocation("2006-01-02", str, s.opts.Now().Location())
		if err != nil {
			return time.Time{}, false
		}
		return d.Add(t.Offset), true
	}
	d, err := time.Parse(time.RFC3339Nano, str)
	if err != nil {
		return time.Time{}, false
	}
	return d.Add(t.Offset), true
}

// planDates plans (or re-plans, or cancels) the timers of date rules that
// the audit entries set off: each entry's new value of the field decides.
// An entry older than the one a timer was last planned by (read again in
// the grace window) changes nothing.
func (s *Service) planDates(ctx context.Context, entries []engine.AuditEntry, rules []*Rule) (int, error) {
	ids := make([]string, len(entries))
	for i, a := range entries {
		ids[i] = dateItemID(rules[i].Name, a.Record)
	}
	byID, err := s.queued(ctx, ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, a := range entries {
		r := rules[i]
		due, ok := s.dueOf(r.Trigger, a.New[r.Trigger.Field])
		var cur *store.Record
		if h, found := byID[ids[i]]; found {
			cur = &h
		}
		planned, err := s.planTimer(ctx, r, a.Record, a.ID, a.Actor, a.Depth, due, ok, cur)
		if err != nil {
			return n, err
		}
		if planned {
			n++
		}
	}
	return n, nil
}

// planTimer writes a record's timer of a date rule: due (ok false:
// cancelled), planned by the audit entry entry ("" when planned from the
// stored records when the rule was saved). cur is the timer as read (nil:
// none). A version conflict (the timer firing, or planned by another
// instance) is read again and decided again.
func (s *Service) planTimer(ctx context.Context, r *Rule, record, entry, actor string, depth int, due time.Time, ok bool, cur *store.Record) (bool, error) {
	id := dateItemID(r.Name, record)
	for range 5 {
		if cur == nil {
			if !ok {
				return false, nil
			}
			now := engine.FormatTime(s.opts.Now())
			d := map[string]any{"rule": r.Name, "entity": r.Entity, "record": record, "entry": entry, "event": TriggerDate,
				"actor": actor, "depth": float64(depth), "status": statusPending, "next_at": engine.FormatTime(due),
				"due": engine.FormatTime(due), "created_at": now, "attempts": float64(0), "done": float64(0)}
			if depth >= s.opts.MaxDepth {
				d["status"] = statusSkipped
			}
			err := s.st.Insert(ctx, collQueue, store.Record{ID: id, Version: 1, Data: d})
			if err == nil {
				return true, nil
			}
			if !errors.Is(err, store.ErrDuplicateID) {
				return false, fmt.Errorf("workflow: plan timer: %w", err)
			}
		} else {
			was, _ := cur.Data["entry"].(string)
			if entry != "" && was >= entry {
				return false, nil // planned by this entry or a later one
			}
			if entry == "" {
				entry = was // a plan from the stored value keeps the entry it follows
			}
			set := map[string]any{"entry": entry, "status": statusCancelled, "attempts": float64(0), "done": float64(0),
				"applying": nil, "applying_version": nil, "claimed_by": nil}
			if ok {
				set["status"], set["next_at"], set["due"], set["actor"], set["depth"] = statusPending, engine.FormatTime(due), engine.FormatTime(due), actor, float64(depth)
			}
			if cur.Data["status"] == set["status"] && cur.Data["due"] == set["due"] {
				return false, nil
			}
			saved, err := s.save(ctx, collQueue, cur, set)
			if err != nil || saved {
				return saved, err
			}
		}
		got, err := s.st.Get(ctx, collQueue, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			cur = nil
		case err != nil:
			return false, fmt.Errorf("workflow: read timer: %w", err)
		default:
			cur = &got
		}
	}
	return false, fmt.Errorf("workflow: timer %s kept changing", id)
}

// dateStillDue decides, when a date timer fires, on the record as it is
// now: "" to run it; otherwise why not, with the item put back when the
// date moved later.
func (s *Service) dateStillDue(ctx context.Context, r *Rule, it *item, data map[string]any) (string, error) {
	due, ok := s.dueOf(r.Trigger, data[r.Trigger.Field])
	if !ok {
		return "the date was cleared; nothing was done", nil
	}
	if due.After(s.opts.Now()) {
		// A write moved it later and its plan has not been read yet.
		_, err := s.save(ctx, collQueue, &it.rec, map[string]any{"status": statusPending, "next_at": engine.FormatTime(due), "due": engine.FormatTime(due)})
		return "later", err
	}
	return "", nil
}

// planState is the progress of planning a date rule's timers for the
// stored records, or of a schedule's item: the rule version it was done
// for.
func planStateID(rule string) string { return "plan-" + rule }

// planRules plans what saved or changed rules need: a schedule rule's next
// firing; a date rule's timers for the stored records whose time is still
// ahead (a page per call, resumed where it stopped). It returns how much
// it did.
func (s *Service) planRules(ctx context.Context) (int, error) {
	rs := s.current()
	if s.plannedFor.Load() == rs {
		return 0, nil
	}
	done := 0
	complete := true
	for _, r := range rs.byName {
		if !r.Active || !r.Trigger.Timed() {
			continue
		}
		n, finished, err := s.planRule(ctx, r)
		done += n
		if err != nil {
			return done, err
		}
		complete = complete && finished
	}
	if complete {
		s.plannedFor.Store(rs)
	}
	return done, nil
}

// planRule does the next step of planning one rule; finished when there is
// nothing more to do for its version.
func (s *Service) planRule(ctx context.Context, r *Rule) (n int, finished bool, err error) {
	st, err := s.st.Get(ctx, collState, planStateID(r.Name))
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, false, fmt.Errorf("workflow: read plan: %w", err)
	}
	if v, _ := st.Data["version"].(float64); found && int64(v) == r.version && st.Data["after"] == nil {
		return 0, true, nil
	}
	after := ""
	if v, _ := st.Data["version"].(float64); found && int64(v) == r.version {
		after, _ = st.Data["after"].(string)
	}
	next := after
	switch r.Trigger.Type {
	case TriggerSchedule:
		n, err = s.planSchedule(ctx, r)
		next = ""
	case TriggerDate:
		n, next, err = s.planDatePage(ctx, r, after)
	}
	if err != nil {
		return n, false, err
	}
	d := map[string]any{"version": float64(r.version)}
	if next != "" {
		d["after"] = next
	}
	rec := store.Record{ID: planStateID(r.Name), Version: 1, Data: d}
	if found {
		rec.Version = st.Version + 1
		err = s.st.Update(ctx, collState, rec)
	} else {
		err = s.st.Insert(ctx, collState, rec)
	}
	if err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrDuplicateID) {
		return n, false, fmt.Errorf("workflow: write plan: %w", err)
	}
	return n, next == "" && err == nil, nil
}

// planDatePage plans the timers of one page of a date rule's records with
// a value in the field, after the record id after; next is where the next
// page starts ("" when this was the last).
func (s *Service) planDatePage(ctx context.Context, r *Rule, after string) (n int, next string, err error) {
	filter := query.Expr(query.Cmp{Field: r.Trigger.Field, Op: query.Ne, Value: nil})
	if after != "" {
		filter = query.AndOf(query.Cmp{Field: "id", Op: query.Gt, Value: after}, filter)
	}
	recs, err := s.st.Find(ctx, r.Entity, query.Query{Filter: filter, Sort: []query.Sort{{Field: "id"}}, Limit: pageSize})
	if errors.Is(err, store.ErrNoCollection) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("workflow: read %s: %w", r.Entity, err)
	}
	now := s.opts.Now()
	var ids []string
	dues := map[string]time.Time{}
	for _, rec := range recs {
		if due, ok := s.dueOf(r.Trigger, rec.Data[r.Trigger.Field]); ok && due.After(now) {
			ids = append(ids, dateItemID(r.Name, rec.ID))
			dues[rec.ID] = due
		}
	}
	byID, err := s.queued(ctx, ids)
	if err != nil {
		return 0, "", err
	}
	for _, rec := range recs {
		due, ok := dues[rec.ID]
		if !ok {
			continue
		}
		var cur *store.Record
		if h, found := byID[dateItemID(r.Name, rec.ID)]; found {
			cur = &h
		}
		planned, err := s.planTimer(ctx, r, rec.ID, "", "", 0, due, true, cur)
		if err != nil {
			return n, "", err
		}
		if planned {
			n++
		}
	}
	if len(recs) == pageSize {
		next = recs[len(recs)-1].ID
	}
	return n, next, nil
}

// location is where a schedule's cron expression is read.
func (s *Service) location(t Trigger) *time.Location {
	if t.Location != nil {
		return t.Location
	}
	return s.opts.Now().Location()
}

// planSchedule puts a schedule rule's item at its next firing after now
// (unless it is waiting for that firing already, or firing).
func (s *Service) planSchedule(ctx context.Context, r *Rule) (int, error) {
	now := s.opts.Now()
	at := engine.FormatTime(r.Trigger.Cron.Next(now.In(s.location(r.Trigger))))
	id := scheduleItemID(r.Name)
	cur, err := s.st.Get(ctx, collQueue, id)
	if errors.Is(err, store.ErrNotFound) {
		d := map[string]any{"rule": r.Name, "entity": r.Entity, "event": TriggerSchedule, "status": statusPending, "next_at": at,
			"fire_at": at, "created_at": engine.FormatTime(now), "attempts": float64(0), "done": float64(0), "rule_version": float64(r.version)}
		err := s.st.Insert(ctx, collQueue, store.Record{ID: id, Version: 1, Data: d})
		if errors.Is(err, store.ErrDuplicateID) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("workflow: plan schedule: %w", err)
		}
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("workflow: read schedule: %w", err)
	}
	v, _ := cur.Data["rule_version"].(float64)
	status, _ := cur.Data["status"].(string)
	if status == statusRunning || (status == statusPending && int64(v) == r.version) {
		return 0, nil
	}
	ok, err := s.save(ctx, collQueue, &cur, map[string]any{"status": statusPending, "next_at": at, "fire_at": at, "after": nil,
		"attempts": float64(0), "rule_version": float64(r.version), "claimed_by": nil})
	if ok {
		return 1, err
	}
	return 0, err
}

// fire runs a schedule's item: it queues an item for each record the
// filter selects (a page at a time, remembering where it is, so a firing
// resumed after a crash goes on where it stopped) and then plans the next
// firing.
func (s *Service) fire(ctx context.Context, r *Rule, it *item) (int, error) {
	fireS, _ := it.rec.Data["fire_at"].(string)
	fireAt, err := time.Parse(time.RFC3339Nano, fireS)
	if err != nil {
		fireAt = s.opts.Now()
	}
	after, _ := it.rec.Data["after"].(string)
	queued, _ := it.rec.Data["queued"].(float64)
	n := int(queued)
	// The filter is read at each firing: today() and now() are then.
	sel, err := lang.Filter(r.Trigger.Filter, r.ent.Resolve, s.eng.Env(engine.System))
	if err != nil {
		return n, err
	}
	for n < maxScheduleRun {
		filter := sel
		if after != "" {
			filter = query.AndOf(query.Cmp{Field: "id", Op: query.Gt, Value: after}, sel)
		}
		recs, err := s.st.Find(ctx, r.Entity, query.Query{Filter: filter, Sort: []query.Sort{{Field: "id"}}, Limit: pageSize})
		if err != nil && !errors.Is(err, store.ErrNoCollection) {
			return n, fmt.Errorf("workflow: read %s: %w", r.Entity, err)
		}
		now := engine.FormatTime(s.opts.Now())
		ids := make([]string, len(recs))
		for i, rec := range recs {
			ids[i] = fmt.Sprintf("%s-%d-%s", it.rec.ID, fireAt.Unix(), rec.ID)
		}
		have, err := s.queued(ctx, ids)
		if err != nil {
			return n, err
		}
		for i, rec := range recs {
			if _, ok := have[ids[i]]; ok {
				continue
			}
			d := map[string]any{"rule": r.Name, "entity": r.Entity, "record": rec.ID, "event": TriggerSchedule, "status": statusPending,
				"next_at": now, "created_at": now, "attempts": float64(0), "done": float64(0)}
			if err := s.st.Insert(ctx, collQueue, store.Record{ID: ids[i], Version: 1, Data: d}); err != nil && !errors.Is(err, store.ErrDuplicateID) {
				return n, fmt.Errorf("workflow: enqueue: %w", err)
			}
		}
		n += len(recs)
		if len(recs) < pageSize {
			break
		}
		after = recs[len(recs)-1].ID
		ok, err := s.save(ctx, collQueue, &it.rec, map[string]any{"after": after, "queued": float64(n)})
		if err != nil || !ok {
			return n, errOr(err, "the item was taken over")
		}
	}
	if n >= maxScheduleRun {
		s.log.Warn("workflow: a schedule's filter selects more records than one firing acts on", "rule", r.Name, "limit", maxScheduleRun)
	}
	// The next firing after this one; after a long stop, the next after
	// now (missed firings are not made up one by one).
	loc := s.location(r.Trigger)
	next := r.Trigger.Cron.Next(fireAt.In(loc))
	if now := s.opts.Now(); next.Before(now) {
		next = r.Trigger.Cron.Next(now.In(loc))
	}
	at := engine.FormatTime(next)
	_, err = s.save(ctx, collQueue, &it.rec, map[string]any{"status": statusPending, "next_at": at, "fire_at": at, "after": nil,
		"queued": nil, "attempts": float64(0), "claimed_by": nil, "finished_at": engine.FormatTime(s.opts.Now())})
	return n, err
}
