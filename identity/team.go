package identity

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Team is a group of users in a tree: a team may have a parent team and a
// manager (a user).
type Team struct {
	ID        string `json:"id"`
	Version   int64  `json:"version"`
	Name      string `json:"name"` // unique
	Parent    string `json:"parent,omitempty"`
	Manager   string `json:"manager,omitempty"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// MaxTeamDepth bounds the depth of the team tree.
const MaxTeamDepth = 32

// TeamSchema is the JSON Schema (draft 2020-12) of a team document.
func TeamSchema() []byte { return []byte(teamSchemaDoc) }

const teamSchemaDoc = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///team.json",
  "title": "Morph team",
  "type": "object",
  "required": ["name"],
  "propertyNames": {"enum": ["name", "parent", "manager"]},
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "parent": {"type": ["string", "null"], "maxLength": 64},
    "manager": {"type": ["string", "null"], "maxLength": 64}
  }
}`

var teamSchema = sync.OnceValue(func() *docSchema {
	return &docSchema{
		kind:      kindTeam,
		validator: compileSchema("morph:///team.json", teamSchemaDoc),
		keys:      "name, parent, manager",
		rules: map[string]morph.Text{
			"name":    morph.T("name must be text of 1 to 100 characters", "name 必须是 1 到 100 个字符的文本"),
			"parent":  morph.T("parent must be the id of a team, or null", "parent 必须是团队 id 或 null"),
			"manager": morph.T("manager must be the id of a user, or null", "manager 必须是用户 id 或 null"),
		},
	}
})

var kindTeam = morph.T("team", "团队")

var teamFields = []string{"name", "parent", "manager"}

func teamFrom(r store.Record) Team {
	t := Team{ID: r.ID, Version: r.Version}
	t.Name, _ = r.Data["name"].(string)
	t.Parent, _ = r.Data["parent"].(string)
	t.Manager, _ = r.Data["manager"].(string)
	t.CreatedAt, _ = r.Data["created_at"].(string)
	t.UpdatedAt, _ = r.Data["updated_at"].(string)
	return t
}

func (t Team) doc() map[string]any {
	d := map[string]any{"name": t.Name}
	if t.Parent != "" {
		d["parent"] = t.Parent
	}
	if t.Manager != "" {
		d["manager"] = t.Manager
	}
	return d
}

// GetTeam returns the team with id (404 not_found when there is none).
func (s *Service) GetTeam(ctx context.Context, id string) (Team, error) {
	if err := s.Ensure(ctx); err != nil {
		return Team{}, err
	}
	r, err := s.st.Get(ctx, collTeams, id)
	if errors.Is(err, store.ErrNotFound) {
		return Team{}, notFound(morph.T("No such team", "没有此团队"))
	}
	if err != nil {
		return Team{}, storeError("get team", err)
	}
	return teamFrom(r), nil
}

// ListTeams returns a page of teams in id order; see ListUsers.
func (s *Service) ListTeams(ctx context.Context, after string, limit int) ([]Team, string, error) {
	recs, next, err := s.page(ctx, collTeams, after, limit)
	teams := make([]Team, len(recs))
	for i, r := range recs {
		teams[i] = teamFrom(r)
	}
	return teams, next, err
}

// CreateTeam checks and stores a new team.
func (s *Service) CreateTeam(ctx context.Context, actor engine.Actor, in map[string]any) (Team, error) {
	if err := s.Ensure(ctx); err != nil {
		return Team{}, err
	}
	id := newID()
	doc := clone(in)
	if err := s.checkTeam(ctx, id, doc); err != nil {
		return Team{}, err
	}
	data := clone(doc)
	now := s.now()
	data["created_at"], data["updated_at"] = now, now
	rec := store.Record{ID: id, Version: 1, Data: data}
	entry := s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditDefine, Kind: "team", Record: id, Version: 1,
		Fields: changed(nil, doc, teamFields), New: doc})
	if err := s.st.Insert(ctx, collTeams, rec, entry); err != nil {
		return Team{}, teamWriteError(err)
	}
	s.cache.invalidate()
	return teamFrom(rec), nil
}

// UpdateTeam applies a merge patch to a team's document; see UpdateUser.
func (s *Service) UpdateTeam(ctx context.Context, actor engine.Actor, id string, patch map[string]any, ifVersion int64) (Team, error) {
	for attempt := 0; ; attempt++ {
		old, err := s.GetTeam(ctx, id)
		if err != nil {
			return Team{}, err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return Team{}, stale(old.Version)
		}
		before := old.doc()
		doc := clone(before)
		for k, v := range patch {
			if v == nil {
				delete(doc, k)
			} else {
				doc[k] = v
			}
		}
		if err := s.checkTeam(ctx, id, doc); err != nil {
			return Team{}, err
		}
		data := clone(doc)
		data["created_at"], data["updated_at"] = old.CreatedAt, s.now()
		rec := store.Record{ID: id, Version: old.Version + 1, Data: data}
		var entries []store.Record
		if fields := changed(before, doc, teamFields); len(fields) > 0 {
			entries = append(entries, s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditDefine, Kind: "team", Record: id,
				Version: rec.Version, Fields: fields, Old: pick(before, fields), New: pick(doc, fields)}))
		}
		err = s.st.Update(ctx, collTeams, rec, entries...)
		if errors.Is(err, store.ErrConflict) && ifVersion == 0 && attempt < 10 {
			continue
		}
		if errors.Is(err, store.ErrConflict) {
			return Team{}, stale(0)
		}
		if err != nil {
			return Team{}, teamWriteError(err)
		}
		s.cache.invalidate()
		return teamFrom(rec), nil
	}
}

// DeleteTeam deletes a team that has neither users nor sub-teams (409
// otherwise).
func (s *Service) DeleteTeam(ctx context.Context, actor engine.Actor, id string, ifVersion int64) error {
	old, err := s.GetTeam(ctx, id)
	if err != nil {
		return err
	}
	if ifVersion != 0 && old.Version != ifVersion {
		return stale(old.Version)
	}
	users, err := s.st.Count(ctx, collUsers, query.Cmp{Field: "team", Op: query.Eq, Value: id})
	if err != nil {
		return storeError("count team users", err)
	}
	subs, err := s.st.Count(ctx, collTeams, query.Cmp{Field: "parent", Op: query.Eq, Value: id})
	if err != nil {
		return storeError("count sub-teams", err)
	}
	if users > 0 || subs > 0 {
		return morph.Errorf(morph.EConflict,
			"Team %q still has %d user(s) and %d sub-team(s); move them to another team first",
			"团队 %q 仍有 %d 名用户和 %d 个下级团队；请先将其移到其他团队", old.Name, users, subs)
	}
	before := old.doc()
	err = s.st.Delete(ctx, collTeams, id, ifVersion, s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditUndefine,
		Kind: "team", Record: id, Version: old.Version, Fields: changed(before, nil, teamFields), Old: before}))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(morph.T("No such team", "没有此团队"))
	case errors.Is(err, store.ErrConflict):
		return stale(0)
	case err != nil:
		return storeError("delete team", err)
	}
	s.cache.invalidate()
	return nil
}

// checkTeam normalises and checks the document of team id: its shape, a
// parent that exists and does not make a cycle, a manager who is a user.
func (s *Service) checkTeam(ctx context.Context, id string, doc map[string]any) error {
	if v, ok := doc["name"].(string); ok {
		doc["name"] = strings.TrimSpace(v)
	}
	for _, k := range []string{"parent", "manager"} {
		if v, ok := doc[k]; ok && (v == nil || v == "") {
			delete(doc, k)
		}
	}
	errs := teamSchema().check(doc)
	if parent, ok := doc["parent"].(string); ok && !hasPath(errs, "/parent") {
		if fe := s.checkParent(ctx, id, parent); fe != nil {
			errs = append(errs, *fe)
		}
	}
	if manager, ok := doc["manager"].(string); ok && !hasPath(errs, "/manager") {
		if _, err := s.st.Get(ctx, collUsers, manager); err != nil {
			errs = append(errs, fieldError("/manager", "unknown_user", morph.T("There is no user %q", "不存在用户 %q", manager)))
		}
	}
	if len(errs) > 0 {
		return invalid(kindTeam, errs)
	}
	return nil
}

// checkParent reports a parent that does not exist, or whose chain of
// parents leads back to team id (a cycle) or is deeper than MaxTeamDepth.
func (s *Service) checkParent(ctx context.Context, id, parent string) *morph.FieldError {
	teams, err := s.allTeams(ctx)
	if err != nil {
		fe := fieldError("/parent", "unknown_team", morph.T("The parent team cannot be read now", "暂时无法读取上级团队"))
		return &fe
	}
	if _, ok := teams[parent]; !ok {
		fe := fieldError("/parent", "unknown_team", morph.T("There is no team %q", "不存在团队 %q", parent))
		return &fe
	}
	for p, depth := parent, 1; p != ""; p, depth = teams[p].Parent, depth+1 {
		if p == id {
			fe := fieldError("/parent", "cycle", morph.T("A team cannot be below itself: %q is one of its own sub-teams", "团队不能位于自身之下：%q 是它自己的下级团队", parent))
			return &fe
		}
		if depth >= MaxTeamDepth {
			fe := fieldError("/parent", "too_deep", morph.T("The team tree may be at most %d levels deep", "团队树最多 %d 层", MaxTeamDepth))
			return &fe
		}
	}
	return nil
}

// allTeams reads every team by id. Teams are few (an organisation chart).
func (s *Service) allTeams(ctx context.Context) (map[string]Team, error) {
	recs, err := s.st.Find(ctx, collTeams, query.Query{})
	if err != nil {
		return nil, storeError("read teams", err)
	}
	out := make(map[string]Team, len(recs))
	for _, r := range recs {
		out[r.ID] = teamFrom(r)
	}
	return out, nil
}

func teamWriteError(err error) error {
	if store.IsUnique(err) {
		t := morph.T("Another team has this name", "已有团队使用此名称")
		return &morph.Error{Code: morph.EDuplicate, Text: t, Fields: []morph.FieldError{fieldError("/name", "duplicate", t)}}
	}
	return storeError("write team", err)
}

// FindTeam returns the team with the id or, failing that, the name.
func (s *Service) FindTeam(ctx context.Context, idOrName string) (Team, error) {
	t, err := s.GetTeam(ctx, idOrName)
	if morph.ErrorCode(err) != morph.ENotFound {
		return t, err
	}
	recs, err := s.st.Find(ctx, collTeams, query.Query{Filter: query.Cmp{Field: "name", Op: query.Eq, Value: idOrName}, Limit: 1})
	if err != nil {
		return Team{}, storeError("find team", err)
	}
	if len(recs) == 0 {
		return Team{}, notFound(morph.T("No team has the id or name %q", "没有 id 或名称为 %q 的团队", idOrName))
	}
	return teamFrom(recs[0]), nil
}

// TeamID returns the id of the team with the id or name; false when there
// is none. (Workflow rules name teams either way.)
func (s *Service) TeamID(ctx context.Context, idOrName string) (string, bool, error) {
	t, err := s.FindTeam(ctx, idOrName)
	switch {
	case morph.ErrorCode(err) == morph.ENotFound:
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return t.ID, true, nil
}

// ActiveUsers returns the ids of the active users of a team (by id; ""
// for any) who hold role ("" for any), in id order: whom a workflow rule
// may assign records to.
func (s *Service) ActiveUsers(ctx context.Context, team, role string) ([]string, error) {
	filter := query.Expr(query.Cmp{Field: "active", Op: query.Eq, Value: true})
	if team != "" {
		filter = query.AndOf(filter, query.Cmp{Field: "team", Op: query.Eq, Value: team})
	}
	if role != "" {
		filter = query.AndOf(filter, query.Cmp{Field: "roles", Op: query.Has, Value: role})
	}
	recs, err := s.st.Find(ctx, collUsers, query.Query{Filter: filter, Sort: []query.Sort{{Field: "id"}}})
	if err != nil {
		return nil, storeError("read users", err)
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids, nil
}

// User returns a user's roles and team for workflow rules (found false
// when there is no such user).
func (s *Service) User(ctx context.Context, id string) (roles []string, team string, found bool, err error) {
	u, err := s.GetUser(ctx, id)
	if morph.ErrorCode(err) == morph.ENotFound {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	return u.Roles, u.Team, true, nil
}

// Manager returns the id of the manager of the user's team, or — when the
// user manages it, or it has none — of the nearest team above that has
// one; "" when there is none (or no such user). Workflow rules escalate to
// it (managerOf in expressions).
func (s *Service) Manager(ctx context.Context, user string) (string, error) {
	u, err := s.GetUser(ctx, user)
	if morph.ErrorCode(err) == morph.ENotFound {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	team := u.Team
	for range MaxTeamDepth {
		if team == "" {
			return "", nil
		}
		t, err := s.GetTeam(ctx, team)
		if morph.ErrorCode(err) == morph.ENotFound {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if t.Manager != "" && t.Manager != user {
			return t.Manager, nil
		}
		team = t.Parent
	}
	return "", nil
}
