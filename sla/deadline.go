package sla

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// beforeSave computes the deadlines of the written record under its
// entity's active policy. It runs after the hooks set before it (the
// workflow's before-save rules), so it sees the priority and status they
// set, and before the formulas and validation.
func (s *Service) beforeSave(ctx context.Context, w *engine.Write) error {
	if err := s.Refresh(ctx); err != nil {
		s.log.Warn("sla: compare policies with the store", "err", err)
	}
	p := s.current().byEntity[w.Entity]
	if p == nil {
		return nil
	}
	scope, err := s.eng.Scope(w)
	if err != nil {
		return err
	}
	now := s.opts.Now().UTC().Truncate(time.Millisecond)
	if err := p.apply(w, scope, now); err != nil {
		return s.failed(p, w, err)
	}
	return nil
}

// clock is the state of one target on a record: running (Due set), paused
// (Due nil, Remaining set), met (MetAt set), or not started (nothing set:
// a record written before the policy existed, or without a target).
type clock struct {
	due, metAt *time.Time
	rem        *float64
}

// apply sets the fields the policy maintains on w.Data, from the stored
// record's state (on update), the new values and now.
//
//   - The clock starts when the record is created (created_at).
//   - A running deadline is addWorkHours(start, target + paused time); a
//     change of the priority recomputes it so (the paused working time is
//     what lies between the start and the old deadline beyond the old
//     target).
//   - pause_when becoming true clears the deadline and keeps the working
//     time left (negative when overdue); becoming false sets the deadline to
//     addWorkHours(now, left). A priority change while paused moves what is
//     left by the difference of the targets.
//   - A target met keeps its deadline (while paused: the one it would have
//     had now) and records when it was met; it stays met.
//   - Breached is set when a target is met after its deadline or a write
//     finds it overdue; once set, only the policy's absence clears it.
func (p *Policy) apply(w *engine.Write, scope *lang.Scope, now time.Time) error {
	var old map[string]any
	start := now
	if w.Old != nil {
		old = w.Old.Data
		if t, ok := timeOf(old["created_at"]); ok {
			start = t
		}
	}
	paused := false
	if p.PauseWhen != nil {
		b, err := p.PauseWhen.Bool(scope)
		if err != nil {
			return fmt.Errorf("pause_when: %w", err)
		}
		paused = b
	}
	var tNew, tOld Target
	hasNew, hasOld := false, false
	tNew, hasNew = p.target(w.Data[p.Priority])
	if w.Old != nil {
		tOld, hasOld = p.target(old[p.Priority])
	}
	changed := w.Old != nil && (hasNew != hasOld || tNew != tOld)
	breached := false
	for k := range 2 {
		met, err := p.Met[k].Bool(scope)
		if err != nil {
			return fmt.Errorf("%s_when: %w", [2]string{"responded", "resolved"}[k], err)
		}
		c := p.stored(old, k)
		switch {
		case c.metAt != nil:
			// Met: final.
		case !hasNew:
			c = clock{}
		default:
			if err := p.step(&c, k, start, now, tNew, tOld, hasOld, changed, paused, met); err != nil {
				return err
			}
			if c.due != nil && now.After(*c.due) && (c.metAt == nil || c.metAt.After(*c.due)) {
				breached = true
			}
		}
		p.put(w.Data, k, c)
	}
	if f := p.Fields.Breached; f != "" {
		w.Data[f] = breached || old[f] == true || w.Data[f] == true
	}
	return nil
}

// step moves one target's clock: to the new priority, then through a
// pause, a resume or its being met.
func (p *Policy) step(c *clock, k int, start, now time.Time, tNew, tOld Target, hasOld, changed, paused, met bool) error {
	h := tNew.hours(k)
	switch {
	case c.due != nil:
		if changed {
			pausedH := 0.0
			if hasOld {
				work, err := p.cal.WorkHoursBetween(start, *c.due)
				if err != nil {
					return err
				}
				pausedH = math.Max(0, work-tOld.hours(k))
			}
			d, err := p.cal.AddWorkHours(start, h+pausedH)
			if err != nil {
				return err
			}
			c.due = &d
		}
	case c.rem != nil:
		if changed && hasOld {
			r := roundHours(*c.rem + h - tOld.hours(k))
			c.rem = &r
		}
	default:
		d, err := p.cal.AddWorkHours(start, h)
		if err != nil {
			return err
		}
		c.due = &d
	}
	switch {
	case met:
		if c.due == nil {
			d, err := p.cal.AddWorkHours(now, *c.rem)
			if err != nil {
				return err
			}
			c.due = &d
		}
		c.metAt, c.rem = &now, nil
	case paused && c.due != nil:
		left, err := p.cal.WorkHoursBetween(now, *c.due)
		if err != nil {
			return err
		}
		r := roundHours(left)
		c.due, c.rem = nil, &r
	case !paused && c.due == nil:
		d, err := p.cal.AddWorkHours(now, *c.rem)
		if err != nil {
			return err
		}
		c.due, c.rem = &d, nil
	}
	return nil
}

// stored reads one target's clock from the stored record (nil on create).
func (p *Policy) stored(old map[string]any, k int) clock {
	var c clock
	if old == nil {
		return c
	}
	if t, ok := timeOf(old[p.Fields.Due[k]]); ok {
		c.due = &t
	}
	if t, ok := timeOf(old[p.Fields.MetAt[k]]); ok {
		c.metAt = &t
	}
	if f := p.Fields.Remaining[k]; f != "" {
		if r, ok := old[f].(float64); ok && c.due == nil {
			c.rem = &r
		}
	}
	return c
}

// put writes one target's clock into the record's values; what the
// policy maintains is never taken from the writer.
func (p *Policy) put(data map[string]any, k int, c clock) {
	set := func(f string, v any, ok bool) {
		switch {
		case f == "":
		case ok:
			data[f] = v
		default:
			delete(data, f)
		}
	}
	set(p.Fields.Due[k], formatTime(c.due), c.due != nil)
	set(p.Fields.MetAt[k], formatTime(c.metAt), c.metAt != nil)
	var rem float64
	if c.rem != nil {
		rem = *c.rem
	}
	set(p.Fields.Remaining[k], rem, c.rem != nil)
}

func formatTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return engine.FormatTime(*t)
}

func timeOf(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(schema.TimeLayout, s)
	}
	return t, err == nil
}

// roundHours rounds hours to the millisecond, the precision of stored
// times.
func roundHours(h float64) float64 {
	return math.Round(h*3.6e6) / 3.6e6
}

// failed reports a policy whose condition or arithmetic failed inside a
// write: logged, and answered as expression_failed naming the policy
// (never a 500).
func (s *Service) failed(p *Policy, w *engine.Write, err error) error {
	id := "(new)"
	if w.Old != nil {
		id = w.Old.ID
	}
	msg := err.Error()
	var re *lang.RunError
	if errors.As(err, &re) {
		msg = re.Msg
	}
	s.log.Warn("SLA policy failed", "policy", p.Name, "entity", w.Entity, "record", id, "err", msg)
	t := morph.Text{EN: fmt.Sprintf("The SLA policy %s could not be applied to record %s: %s", p.Name, id, msg),
		ZH: fmt.Sprintf("无法对记录 %s 应用 SLA 策略 %s：%s", id, p.Name, msg)}
	return &morph.Error{Code: morph.EExpression, Text: t, Err: err,
		Fields: []morph.FieldError{{Path: "", Code: "expression_failed", Text: t, Offset: -1}}}
}
