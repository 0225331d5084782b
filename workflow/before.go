package workflow

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema/lang"
)

type depthKey struct{}

// withDepth marks ctx as the work of a rule at depth d: the writes made
// under it set off rules at depth d.
func withDepth(ctx context.Context, d int) context.Context {
	return context.WithValue(ctx, depthKey{}, d)
}

func depthOf(ctx context.Context) int {
	d, _ := ctx.Value(depthKey{}).(int)
	return d
}

// beforeSave runs the before-save actions (set, reject) of the rules the
// write sets off, in rule name order; a set's values are seen by the rules
// after it and by the entity's formulas.
func (s *Service) beforeSave(ctx context.Context, w *engine.Write) error {
	rules := s.current().byEntity[w.Entity]
	if len(rules) == 0 {
		return nil
	}
	var scope *lang.Scope
	for _, r := range rules {
		if !r.Active || !r.Before() {
			continue
		}
		if scope == nil {
			var err error
			if scope, err = s.eng.Scope(w); err != nil {
				return err
			}
		}
		ok, err := s.sets(r, w, scope)
		if err != nil {
			return s.failed(r, w, err)
		}
		if !ok {
			continue
		}
		for _, a := range r.Actions {
			if a.After {
				continue
			}
			switch a.Type {
			case ActReject:
				msg, err := a.Message.render(scope)
				if err != nil {
					return s.failed(r, w, err)
				}
				return &morph.Error{Code: morph.ERule, Text: msg,
					Fields: []morph.FieldError{{Path: "", Code: "workflow:" + r.Name, Text: msg, Offset: -1}}}
			case ActSet:
				for _, f := range a.Order {
					v, err := a.Values[f].Run(scope)
					if err != nil {
						return s.failed(r, w, err)
					}
					if v == nil {
						delete(w.Data, f)
					} else {
						w.Data[f] = v
					}
					scope.Set(f, v)
				}
			}
		}
	}
	return nil
}

// afterValidate names, in the write's audit entry, the rules with
// after-save actions that the write sets off (on its final values), and
// those whose trigger it matched but whose condition was false: the queue
// logs a run for each of these, so the run log says why they did nothing.
func (s *Service) afterValidate(ctx context.Context, w *engine.Write) error {
	rules := s.current().byEntity[w.Entity]
	if len(rules) == 0 {
		return nil
	}
	var scope *lang.Scope
	var names, skipped []string
	for _, r := range rules {
		if !r.Active || !r.AfterSave() || r.Trigger.Type == TriggerDeleted || r.Trigger.Type == TriggerSchedule {
			continue
		}
		if r.Trigger.Type == TriggerDate {
			// The write plans the record's timer when it sets or changes
			// the date; the condition is decided when the timer fires.
			f := r.Trigger.Field
			if v := w.Data[f]; (w.Old == nil && v != nil) || (w.Old != nil && !reflect.DeepEqual(v, w.Old.Data[f])) {
				names = append(names, r.Name)
			}
			continue
		}
		if scope == nil {
			var err error
			if scope, err = s.eng.Scope(w); err != nil {
				return err
			}
		}
		ok, err := s.matches(r, w, scope)
		if err == nil && !ok {
			continue // not triggered: no run
		}
		if err == nil && r.When != nil {
			ok, err = r.When.Bool(scope)
		}
		if err != nil {
			// Decided again, and logged, when the item runs.
			s.log.Warn("workflow: condition failed at the write", "rule", r.Name, "entity", w.Entity, "err", err)
			ok = true
		}
		if ok {
			names = append(names, r.Name)
		} else {
			skipped = append(skipped, r.Name)
		}
	}
	if len(names) > 0 || len(skipped) > 0 {
		w.Triggers = append(w.Triggers, names...)
		w.Skipped = append(w.Skipped, skipped...)
		w.Depth = depthOf(ctx)
	}
	return nil
}

// sets reports whether the write sets the rule off: its trigger matches
// and its condition holds.
func (s *Service) sets(r *Rule, w *engine.Write, scope *lang.Scope) (bool, error) {
	ok, err := s.matches(r, w, scope)
	if err != nil || !ok || r.When == nil {
		return ok, err
	}
	return r.When.Bool(scope)
}

// matches reports whether the write matches the rule's trigger: the event,
// a change of one of its fields, its to becoming true.
func (s *Service) matches(r *Rule, w *engine.Write, scope *lang.Scope) (bool, error) {
	switch r.Trigger.Type {
	case TriggerCreated:
		if w.Old != nil {
			return false, nil
		}
	case TriggerUpdated:
		if w.Old == nil {
			return false, nil
		}
		if len(r.Trigger.Fields) > 0 {
			changed := false
			for _, f := range r.Trigger.Fields {
				if !reflect.DeepEqual(w.Data[f], w.Old.Data[f]) {
					changed = true
					break
				}
			}
			if !changed {
				return false, nil
			}
		}
		if r.Trigger.To != nil {
			now, err := r.Trigger.To.Bool(scope)
			if err != nil || !now {
				return false, err
			}
			before, err := r.Trigger.To.Bool(s.oldScope(r, w))
			if err != nil || before {
				return false, err
			}
		}
	default:
		return false, nil
	}
	return true, nil
}

// oldScope is the scope of the stored record of an update, for the to of
// a trigger: the condition held before the write or not.
func (s *Service) oldScope(r *Rule, w *engine.Write) *lang.Scope {
	data := maps.Clone(w.Old.Data)
	data["id"] = w.Old.ID
	return r.ent.Vars().NewScope(data, data, s.eng.Env(w.Actor))
}

// failed reports a rule whose expression failed inside a write: logged,
// and answered as expression_failed naming the rule (never a 500).
func (s *Service) failed(r *Rule, w *engine.Write, err error) error {
	id := "(new)"
	if w.Old != nil {
		id = w.Old.ID
	}
	s.log.Warn("workflow rule failed", "rule", r.Name, "entity", w.Entity, "record", id, "err", err)
	t := morph.Text{EN: fmt.Sprintf("The workflow rule %s could not be run for record %s: %v", r.Name, id, err),
		ZH: fmt.Sprintf("无法为记录 %s 运行工作流规则 %s：%v", id, r.Name, err)}
	return &morph.Error{Code: morph.EExpression, Text: t, Err: err,
		Fields: []morph.FieldError{{Path: "", Code: "expression_failed", Text: t, Offset: -1}}}
}

// render fills a template's placeholders in both languages.
func (t Template) render(scope *lang.Scope) (morph.Text, error) {
	return t.renderFor(scope, nil, nil)
}

// renderFor renders the message as a user sees the record (view from
// engine.FieldView; nil: every field as stored): a placeholder that reads
// a field hidden from the user is left empty, one that reads a masked field
// shows the masked value when it is just that field, and *** otherwise.
func (t Template) renderFor(scope *lang.Scope, data map[string]any, view func(string, any) (any, bool)) (morph.Text, error) {
	vals := make(map[string]string, len(t.Parts))
parts:
	for src, p := range t.Parts {
		if view != nil {
			for _, f := range p.Refs {
				shown, ok := view(f, data[f])
				if !ok {
					vals[src] = ""
					continue parts
				}
				if !reflect.DeepEqual(shown, data[f]) {
					if len(p.Refs) == 1 && strings.TrimSpace(src) == f {
						vals[src] = textValue(shown)
					} else {
						vals[src] = "***"
					}
					continue parts
				}
			}
		}
		v, err := p.Run(scope)
		if err != nil {
			return morph.Text{}, err
		}
		vals[src] = textValue(v)
	}
	fill := func(s string) string {
		return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
			return vals[m[2:len(m)-2]]
		})
	}
	return morph.Text{EN: fill(t.EN), ZH: fill(t.ZH)}, nil
}

// textValue is a value as it reads in a message.
func textValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprintf("%g", x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = textValue(e)
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		if a, ok := x["amount"]; ok {
			return textValue(a) + " " + textValue(x["currency"])
		}
	}
	return fmt.Sprint(v)
}
