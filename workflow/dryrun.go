package workflow

import (
	"context"
	"maps"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// DryRun is what a rule would do to a record.
type DryRun struct {
	Rule      string         `json:"rule"`
	Entity    string         `json:"entity"`
	Record    string         `json:"record,omitempty"`
	Active    bool           `json:"active"`
	Condition bool           `json:"condition"`
	Actions   []actionResult `json:"actions"`
	Error     string         `json:"error,omitempty"`
}

// Test shows what the rule would do to a record — the stored one with id,
// or the values given — without doing it: the condition's result and each
// action's values, recipients, message or payload. Nothing is written and
// no pointer moves (an assignment lists its candidates).
func (s *Service) Test(ctx context.Context, actor engine.Actor, name, id string, given map[string]any) (DryRun, error) {
	if !actor.IsAdmin() {
		return DryRun{}, errAdminOnly()
	}
	rs := s.current()
	if _, ok := rs.stored[name]; !ok {
		return DryRun{}, errUnknownRule(name)
	}
	r := rs.byName[name]
	if r == nil {
		return DryRun{}, morph.Errorf(morph.EConflict, "The rule %q no longer fits its entity; save it again to see why", "规则 %q 已与其实体不符；请重新保存查看原因", name)
	}
	out := DryRun{Rule: name, Entity: r.Entity, Active: r.Active, Actions: []actionResult{}}
	data := map[string]any{}
	if id != "" {
		rec, err := s.eng.Get(ctx, actor, r.Entity, id)
		if err != nil {
			return DryRun{}, err
		}
		data = maps.Clone(rec.Data)
		data["id"] = rec.ID
		out.Record = rec.ID
	} else {
		maps.Copy(data, given)
	}
	scope := r.ent.Vars().NewScope(data, nil, s.eng.Env(actor))
	out.Condition = true
	if r.When != nil {
		ok, err := r.When.Bool(scope)
		if err != nil {
			out.Error = err.Error()
			return out, nil
		}
		out.Condition = ok
	}
	if !out.Condition {
		return out, nil
	}
	for i, a := range r.Actions {
		res := actionResult{Index: i, Type: a.Type, Status: "would"}
		var err error
		switch a.Type {
		case ActSet, ActCreate:
			var v map[string]any
			v, err = values(a, scope)
			if err == nil {
				if !a.After {
					for f, x := range v {
						scope.Set(f, x)
					}
				}
				res.Result = map[string]any{"entity": firstOf(a.Entity, r.Entity), "values": v, "after_save": a.After}
			}
		case ActReject:
			var msg morph.Text
			msg, err = a.Message.render(scope)
			res.Result = map[string]any{"message": map[string]any{"en": msg.EN, "zh-CN": msg.ZH}}
		case ActNotify:
			var users []string
			var msg morph.Text
			if users, err = textList(a.To, scope); err == nil {
				msg, err = a.Message.render(scope)
			}
			res.Result = map[string]any{"users": users, "message": map[string]any{"en": msg.EN, "zh-CN": msg.ZH}}
		case ActEmail:
			var to []string
			var subj, body morph.Text
			if to, err = textList(a.To, scope); err == nil {
				if subj, err = a.Subject.render(scope); err == nil {
					body, err = a.Message.render(scope)
				}
			}
			res.Result = map[string]any{"to": to, "subject": subj, "body": body, "language": a.Language}
		case ActAssign:
			res.Result, err = s.candidates(ctx, a)
		case ActWebhook:
			res.Result = map[string]any{"url": a.URL, "body": map[string]any{"rule": name, "entity": r.Entity, "record": data}}
		}
		if err != nil {
			res.Status, res.Error = "failed", err.Error()
		}
		out.Actions = append(out.Actions, res)
	}
	return out, nil
}

func (s *Service) candidates(ctx context.Context, a *Action) (any, error) {
	if s.opts.Directory == nil {
		return map[string]any{"field": a.Field, "candidates": []string{}}, nil
	}
	team := ""
	if a.Team != "" {
		id, _, err := s.opts.Directory.TeamID(ctx, a.Team)
		if err != nil {
			return nil, err
		}
		team = id
	}
	users, err := s.opts.Directory.ActiveUsers(ctx, team, a.Role)
	if err != nil {
		return nil, err
	}
	return map[string]any{"field": a.Field, "strategy": a.Strategy, "candidates": users}, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
