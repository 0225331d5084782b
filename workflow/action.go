package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema/lang"
)

// actx is what an item's actions run with: the record as it is now (for a
// deleted one: as it was), its state before the triggering write, and the
// scope of the rule's expressions over them.
type actx struct {
	rule  *Rule
	it    *item
	rec   store.Record
	data  map[string]any // the record's values with id
	scope *lang.Scope
}

// actionContext reads the item's record; nil when it no longer exists.
func (s *Service) actionContext(ctx context.Context, r *Rule, it *item) (*actx, error) {
	ac := &actx{rule: r, it: it}
	var old map[string]any
	switch it.Event {
	case TriggerDeleted:
		ac.data = maps.Clone(it.Snapshot)
		if ac.data == nil {
			ac.data = map[string]any{}
		}
		ac.rec = store.Record{ID: it.Record, Data: ac.data}
	default:
		rec, err := s.st.Get(ctx, it.Entity, it.Record)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrNoCollection) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s %s: %w", it.Entity, it.Record, err)
		}
		ac.rec = rec
		ac.data = maps.Clone(rec.Data)
		if it.Event == TriggerUpdated {
			old = maps.Clone(rec.Data)
			for _, f := range it.Fields {
				if v, ok := it.Old[f]; ok {
					old[f] = v
				} else {
					delete(old, f)
				}
			}
			old["id"] = it.Record
		}
	}
	ac.data["id"] = it.Record
	env := s.eng.Env(s.writer(ctx, it.Actor))
	env.Manager = s.managerOf(ctx)
	ac.scope = r.ent.Vars().NewScope(ac.data, old, env)
	return ac, nil
}

// act runs one after-save action; each is done once per item even when
// the item runs again (a create's record and a notification have ids made
// from the item's, a delivery is queued under one; an assignment keeps its
// pick in the item; a set remembers the version it wrote over).
func (s *Service) act(ctx context.Context, ac *actx, i int, a *Action) (any, error) {
	it := ac.it
	dctx := withDepth(ctx, it.Depth+1)
	actor := ruleActor(ac.rule.Name)
	switch a.Type {
	case ActSet:
		if it.Applying == i && ac.rec.Version != it.ApplyingVersion {
			return map[string]any{"note": "already written"}, nil
		}
		patch, err := values(a, ac.scope)
		if err != nil {
			return nil, err
		}
		if ok, err := s.save(ctx, collQueue, &it.rec, map[string]any{"applying": float64(i), "applying_version": float64(ac.rec.Version)}); err != nil || !ok {
			return nil, errOr(err, "the item was taken over")
		}
		if _, err := s.eng.Update(dctx, actor, it.Entity, it.Record, patch, ac.rec.Version); err != nil {
			s.save(ctx, collQueue, &it.rec, map[string]any{"applying": nil, "applying_version": nil})
			return nil, err
		}
		return patch, nil
	case ActCreate:
		data, err := values(a, ac.scope)
		if err != nil {
			return nil, err
		}
		id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(it.Key+"/"+strconv.Itoa(i))).String()
		data["id"] = id
		if _, set := data["owner"]; !set && ac.data["owner"] != nil {
			data["owner"] = ac.data["owner"]
		}
		_, err = s.eng.Create(dctx, actor, a.Entity, data)
		if me := morph.AsError(err); me != nil && me.Code == morph.EDuplicate && len(me.Fields) > 0 && me.Fields[0].Path == "/id" {
			return map[string]any{"entity": a.Entity, "id": id, "note": "already created"}, nil
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"entity": a.Entity, "id": id}, nil
	case ActNotify:
		users, err := textList(a.To, ac.scope)
		if err != nil {
			return nil, err
		}
		now := engine.FormatTime(s.opts.Now())
		for j, u := range users {
			// Each recipient reads the message as they may see the record.
			msg, err := a.Message.renderFor(ac.scope, ac.data, s.recipientView(ctx, u, it.Entity))
			if err != nil {
				return nil, err
			}
			n := store.Record{ID: fmt.Sprintf("%s-%d-%d", it.Key, i, j), Version: 1, Data: map[string]any{
				"user": u, "at": now, "rule": ac.rule.Name, "entity": it.Entity, "record": it.Record, "read": false,
				"message": map[string]any{"en": msg.EN, "zh-CN": msg.ZH}}}
			if err := s.st.Insert(ctx, collNotifications, n); err != nil && !errors.Is(err, store.ErrDuplicateID) {
				return nil, err
			}
		}
		return map[string]any{"users": users}, nil
	case ActAssign:
		key := strconv.Itoa(i)
		pick, _ := it.Picks[key].(string)
		if pick == "" {
			var err error
			if pick, err = s.nextAssignee(ctx, ac.rule.Name, i, a); err != nil {
				return nil, err
			}
			picks := maps.Clone(it.Picks)
			if picks == nil {
				picks = map[string]any{}
			}
			picks[key] = pick
			if ok, err := s.save(ctx, collQueue, &it.rec, map[string]any{"picks": picks}); err != nil || !ok {
				return nil, errOr(err, "the item was taken over")
			}
			it.Picks = picks
		}
		if _, err := s.eng.Update(dctx, actor, it.Entity, it.Record, map[string]any{a.Field: pick}, 0); err != nil {
			return nil, err
		}
		return map[string]any{a.Field: pick}, nil
	case ActWebhook:
		body, err := json.Marshal(map[string]any{"rule": ac.rule.Name, "event": it.Event, "entity": it.Entity,
			"record": ac.data, "delivery": it.Key + "-" + strconv.Itoa(i)})
		if err != nil {
			return nil, err
		}
		return s.queueDelivery(ctx, it.Key+"-"+strconv.Itoa(i), map[string]any{"kind": ActWebhook, "rule": ac.rule.Name,
			"action": float64(i), "url": a.URL, "body": string(body)})
	case ActEmail:
		to, err := textList(a.To, ac.scope)
		if err != nil {
			return nil, err
		}
		subj, err := a.Subject.render(ac.scope)
		if err != nil {
			return nil, err
		}
		body, err := a.Message.render(ac.scope)
		if err != nil {
			return nil, err
		}
		pick := func(t morph.Text) string {
			if a.Language == "zh-CN" {
				return t.ZH
			}
			return t.EN
		}
		tos := make([]any, len(to))
		for j, t := range to {
			tos[j] = t
		}
		return s.queueDelivery(ctx, it.Key+"-"+strconv.Itoa(i), map[string]any{"kind": ActEmail, "rule": ac.rule.Name,
			"action": float64(i), "to": tos, "subject": pick(subj), "body": pick(body)})
	}
	return nil, fmt.Errorf("unknown action %q", a.Type)
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

// values runs a set's or a create's expressions.
func values(a *Action, scope *lang.Scope) (map[string]any, error) {
	out := make(map[string]any, len(a.Order))
	for _, f := range a.Order {
		v, err := a.Values[f].Run(scope)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out[f] = v
	}
	return out, nil
}

// textList runs an expression naming users or addresses: a text or a list
// of texts; empty ones are left out.
func textList(p *lang.Program, scope *lang.Scope) ([]string, error) {
	v, err := p.Run(scope)
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(x any) {
		if s, ok := x.(string); ok && s != "" && len(out) < 100 {
			out = append(out, s)
		}
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			add(e)
		}
	case []string:
		for _, e := range x {
			add(e)
		}
	default:
		add(x)
	}
	return out, nil
}

// nextAssignee moves the rule's round-robin pointer on by one — a store
// counter, one atomic single-document update on both stores — and picks
// the active user it points at.
func (s *Service) nextAssignee(ctx context.Context, rule string, i int, a *Action) (string, error) {
	if s.opts.Directory == nil {
		return "", errors.New("no user directory to assign from")
	}
	team := ""
	if a.Team != "" {
		id, ok, err := s.opts.Directory.TeamID(ctx, a.Team)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", fmt.Errorf("there is no team %q", a.Team)
		}
		team = id
	}
	users, err := s.opts.Directory.ActiveUsers(ctx, team, a.Role)
	if err != nil {
		return "", err
	}
	if len(users) == 0 {
		return "", errors.New("the team or role has no active user")
	}
	n, err := s.st.NextSequence(ctx, "wf_rr."+rule+"."+strconv.Itoa(i))
	if err != nil {
		return "", err
	}
	return users[(n-1)%int64(len(users))], nil
}

// managerOf answers managerOf() in a run's expressions from the directory,
// each user once per run; a failed lookup is logged and answers "".
func (s *Service) managerOf(ctx context.Context) func(string) string {
	if s.opts.Directory == nil {
		return nil
	}
	seen := map[string]string{}
	return func(user string) string {
		if m, ok := seen[user]; ok {
			return m
		}
		m, err := s.opts.Directory.Manager(ctx, user)
		if err != nil {
			s.log.Warn("workflow: look up a manager", "user", user, "err", err)
		}
		seen[user] = m
		return m
	}
}

// recipientView is how a notification's recipient sees the entity's
// fields (engine.FieldView); nil — as stored — for an id the directory
// does not know, which no one can sign in as.
func (s *Service) recipientView(ctx context.Context, id, entity string) func(string, any) (any, bool) {
	a, found := s.user(ctx, id)
	if !found {
		return nil
	}
	return s.eng.FieldView(a, entity)
}

// writer is the user whose write set the item off, with the roles and team
// that `user` in the rule's expressions reads (only the id when the
// directory does not know it).
func (s *Service) writer(ctx context.Context, id string) engine.Actor {
	a, _ := s.user(ctx, id)
	return a
}

// user is the actor of a user id with the roles and team the directory
// gives (found false, and only the id, when it knows none; a failed
// lookup is logged).
func (s *Service) user(ctx context.Context, id string) (a engine.Actor, found bool) {
	a = engine.Actor{ID: id}
	if s.opts.Directory == nil || id == "" {
		return a, false
	}
	roles, team, found, err := s.opts.Directory.User(ctx, id)
	if err != nil {
		s.log.Warn("workflow: look up a user", "user", id, "err", err)
	}
	if found {
		a.Roles, a.Team = roles, team
	}
	return a, found
}
