package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// User is a person who signs in. The password hash never leaves the
// package.
type User struct {
	ID        string   `json:"id"`
	Version   int64    `json:"version"`
	Email     string   `json:"email"` // lower case; unique
	Name      string   `json:"name"`
	Phone     string   `json:"phone,omitempty"`
	Team      string   `json:"team,omitempty"` // a team id
	Roles     []string `json:"roles"`
	Active    bool     `json:"active"`
	Language  string   `json:"language"` // en or zh-CN
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`

	hash string // argon2id PHC string; "" when no password is set
}

// HasPassword reports whether the user can sign in with a password.
func (u User) HasPassword() bool { return u.hash != "" }

// IsAdmin reports whether the user holds the built-in admin role.
func (u User) IsAdmin() bool { return slices.Contains(u.Roles, schema.AdminRole) }

// UserSchema is the JSON Schema (draft 2020-12) of a user document as the
// API takes it. A new user's body may also hold "password".
func UserSchema() []byte { return []byte(userSchemaDoc) }

const userSchemaDoc = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///user.json",
  "title": "Morph user",
  "type": "object",
  "required": ["email", "name"],
  "propertyNames": {"enum": ["email", "name", "phone", "team", "roles", "active", "language", "password"]},
  "properties": {
    "email": {"type": "string", "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+$"},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "phone": {"type": "string", "maxLength": 40, "pattern": "^[0-9+() .-]*$"},
    "team": {"type": ["string", "null"], "maxLength": 64},
    "roles": {"type": "array", "maxItems": 50, "uniqueItems": true,
              "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}},
    "active": {"type": "boolean"},
    "language": {"enum": ["en", "zh-CN"]},
    "password": {"type": "string", "maxLength": 256}
  }
}`

var userSchema = sync.OnceValue(func() *docSchema {
	return &docSchema{
		kind:      morph.T("user", "用户"),
		validator: compileSchema("morph:///user.json", userSchemaDoc),
		keys:      "email, name, phone, team, roles, active, language (and password when created)",
		rules: map[string]morph.Text{
			"email":    morph.T("email must be an e-mail address of at most 254 characters", "email 必须是不超过 254 个字符的邮箱地址"),
			"name":     morph.T("name must be text of 1 to 200 characters", "name 必须是 1 到 200 个字符的文本"),
			"phone":    morph.T("phone must be a phone number of at most 40 characters (digits, spaces, + ( ) . -)", "phone 必须是不超过 40 个字符的电话号码（数字、空格及 + ( ) . -）"),
			"team":     morph.T("team must be the id of a team, or null", "team 必须是团队 id 或 null"),
			"roles":    morph.T("roles must be a list of at most 50 different role names (a-z, 0-9, _)", "roles 必须是最多 50 个不重复的角色名（a-z、0-9、_）"),
			"active":   morph.T("active must be true or false", "active 必须是 true 或 false"),
			"language": morph.T("language must be en or zh-CN", "language 必须是 en 或 zh-CN"),
			"password": morph.T("password must be text of at most 256 bytes", "password 必须是不超过 256 字节的文本"),
		},
	}
})

var kindUser = morph.T("user", "用户")

// userFields are the stored fields of a user that its document holds, in
// the order audit entries list them.
var userFields = []string{"email", "name", "phone", "team", "roles", "active", "language"}

func userFrom(r store.Record) User {
	d := r.Data
	u := User{ID: r.ID, Version: r.Version, Roles: []string{}}
	u.Email, _ = d["email"].(string)
	u.Name, _ = d["name"].(string)
	u.Phone, _ = d["phone"].(string)
	u.Team, _ = d["team"].(string)
	if rs, ok := d["roles"].([]any); ok {
		for _, r := range rs {
			if s, ok := r.(string); ok {
				u.Roles = append(u.Roles, s)
			}
		}
	}
	u.Active, _ = d["active"].(bool)
	u.Language, _ = d["language"].(string)
	u.CreatedAt, _ = d["created_at"].(string)
	u.UpdatedAt, _ = d["updated_at"].(string)
	u.hash, _ = d["password_hash"].(string)
	return u
}

// doc is the user's document: the fields the API shows and takes.
func (u User) doc() map[string]any {
	roles := make([]any, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = r
	}
	d := map[string]any{"email": u.Email, "name": u.Name, "roles": roles, "active": u.Active, "language": u.Language}
	if u.Phone != "" {
		d["phone"] = u.Phone
	}
	if u.Team != "" {
		d["team"] = u.Team
	}
	return d
}

// GetUser returns the user with id (404 not_found when there is none).
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	if err := s.Ensure(ctx); err != nil {
		return User{}, err
	}
	r, err := s.st.Get(ctx, collUsers, id)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, notFound(morph.T("No such user", "没有此用户"))
	}
	if err != nil {
		return User{}, storeError("get user", err)
	}
	return userFrom(r), nil
}

// UserByEmail returns the user with the e-mail address (letter case
// aside), or a not_found error.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	if err := s.Ensure(ctx); err != nil {
		return User{}, err
	}
	email = normalEmail(email)
	recs, err := s.st.Find(ctx, collUsers, query.Query{Filter: query.Cmp{Field: "email", Op: query.Eq, Value: email}, Limit: 1})
	if err != nil {
		return User{}, storeError("find user", err)
	}
	if len(recs) == 0 {
		return User{}, notFound(morph.T("No user has this e-mail address", "没有使用此邮箱的用户"))
	}
	return userFrom(recs[0]), nil
}

// ListUsers returns a page of users in id order after the cursor after
// ("" for the first page), and the cursor of the next page ("" at the end).
func (s *Service) ListUsers(ctx context.Context, after string, limit int) ([]User, string, error) {
	recs, next, err := s.page(ctx, collUsers, after, limit)
	users := make([]User, len(recs))
	for i, r := range recs {
		users[i] = userFrom(r)
	}
	return users, next, err
}

// CreateUser checks and stores a new user. in is the decoded request body;
// it may hold "password", which is checked against the password policy and
// stored hashed. Without one, the user cannot sign in until one is set.
func (s *Service) CreateUser(ctx context.Context, actor engine.Actor, in map[string]any) (User, error) {
	if err := s.Ensure(ctx); err != nil {
		return User{}, err
	}
	doc := clone(in)
	normaliseUser(doc)
	if _, ok := doc["active"]; !ok {
		doc["active"] = true
	}
	if _, ok := doc["language"]; !ok {
		doc["language"] = "en"
	}
	if _, ok := doc["roles"]; !ok {
		doc["roles"] = []any{}
	}
	errs := userSchema().check(doc)
	pw, hasPW := doc["password"].(string)
	delete(doc, "password")
	errs = append(errs, s.checkUser(ctx, doc, errs)...)
	if hasPW && !hasPath(errs, "/password") {
		email, _ := doc["email"].(string)
		name, _ := doc["name"].(string)
		errs = append(errs, password.Check("/password", pw, email, name)...)
	}
	if len(errs) > 0 {
		return User{}, invalid(kindUser, errs)
	}
	data := clone(doc)
	if hasPW {
		h, err := password.Hash(pw, s.opts.Password)
		if err != nil {
			return User{}, storeError("hash password", err)
		}
		data["password_hash"] = h
	}
	now := s.now()
	data["created_at"], data["updated_at"] = now, now
	rec := store.Record{ID: newID(), Version: 1, Data: data}
	entry := s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditDefine, Kind: "user", Record: rec.ID, Version: 1,
		Fields: changed(nil, doc, userFields), New: doc})
	if err := s.st.Insert(ctx, collUsers, rec, entry); err != nil {
		return User{}, userWriteError(err)
	}
	s.cache.invalidate()
	return userFrom(rec), nil
}

// UpdateUser applies a merge patch (RFC 7396) to a user's document. With
// ifVersion (not 0) a stale version is a 412. Deactivating a user ends
// their sessions and revokes their keys at once.
func (s *Service) UpdateUser(ctx context.Context, actor engine.Actor, id string, patch map[string]any, ifVersion int64) (User, error) {
	if _, ok := patch["password"]; ok {
		return User{}, morph.Invalid(fieldError("/password", "not_here", morph.T(
			"A password is set with PUT /api/users/{id}/password (or POST /api/me/password for your own)",
			"请用 PUT /api/users/{id}/password 设置密码（本人用 POST /api/me/password）")))
	}
	return s.updateUser(ctx, actor, id, patch, ifVersion)
}

// UpdateProfile lets a user change their own name, phone and language.
func (s *Service) UpdateProfile(ctx context.Context, actor engine.Actor, patch map[string]any, ifVersion int64) (User, error) {
	var errs []morph.FieldError
	for k := range patch {
		if k != "name" && k != "phone" && k != "language" {
			errs = append(errs, fieldError("/"+escape(k), "not_allowed", morph.T(
				"You may change only your name, phone and language here", "此处只能修改您的姓名、电话和语言")))
		}
	}
	if len(errs) > 0 {
		return User{}, invalid(kindUser, errs)
	}
	return s.updateUser(ctx, actor, actor.ID, patch, ifVersion)
}

func (s *Service) updateUser(ctx context.Context, actor engine.Actor, id string, patch map[string]any, ifVersion int64) (User, error) {
	for attempt := 0; ; attempt++ {
		old, err := s.GetUser(ctx, id)
		if err != nil {
			return User{}, err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return User{}, stale(old.Version)
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
		normaliseUser(doc)
		if _, ok := doc["active"]; !ok {
			doc["active"] = true
		}
		if _, ok := doc["language"]; !ok {
			doc["language"] = "en"
		}
		if _, ok := doc["roles"]; !ok {
			doc["roles"] = []any{}
		}
		errs := userSchema().check(doc)
		errs = append(errs, s.checkUser(ctx, doc, errs)...)
		if len(errs) > 0 {
			return User{}, invalid(kindUser, errs)
		}
		next := userFrom(store.Record{ID: id, Data: doc})
		if err := s.keepAnAdmin(ctx, actor, old, next.Active && next.IsAdmin()); err != nil {
			return User{}, err
		}
		data := clone(doc)
		if old.hash != "" {
			data["password_hash"] = old.hash
		}
		data["created_at"], data["updated_at"] = old.CreatedAt, s.now()
		rec := store.Record{ID: id, Version: old.Version + 1, Data: data}
		var entries []store.Record
		if fields := changed(before, doc, userFields); len(fields) > 0 {
			entries = append(entries, s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditDefine, Kind: "user", Record: id,
				Version: rec.Version, Fields: fields, Old: pick(before, fields), New: pick(doc, fields)}))
		}
		err = s.st.Update(ctx, collUsers, rec, entries...)
		if errors.Is(err, store.ErrConflict) && ifVersion == 0 && attempt < 10 {
			continue
		}
		if errors.Is(err, store.ErrConflict) {
			return User{}, stale(0)
		}
		if err != nil {
			return User{}, userWriteError(err)
		}
		s.cache.invalidate()
		if old.Active && !next.Active {
			if err := s.endAccess(ctx, id, ""); err != nil {
				return User{}, err
			}
		}
		return userFrom(rec), nil
	}
}

// DeleteUser deletes a user, ending their sessions and revoking their keys.
// A user who manages a team is not deleted (409): the team needs another
// manager first. The last active administrator is not deleted either.
func (s *Service) DeleteUser(ctx context.Context, actor engine.Actor, id string, ifVersion int64) error {
	old, err := s.GetUser(ctx, id)
	if err != nil {
		return err
	}
	if ifVersion != 0 && old.Version != ifVersion {
		return stale(old.Version)
	}
	if err := s.keepAnAdmin(ctx, actor, old, false); err != nil {
		return err
	}
	managed, err := s.st.Find(ctx, collTeams, query.Query{Filter: query.Cmp{Field: "manager", Op: query.Eq, Value: id}, Limit: 1})
	if err != nil {
		return storeError("find teams", err)
	}
	if len(managed) > 0 {
		name, _ := managed[0].Data["name"].(string)
		return morph.Errorf(morph.EConflict, "The user manages team %q; give the team another manager first",
			"该用户是团队 %q 的负责人；请先为团队指定其他负责人", name)
	}
	// Sessions and keys go first: a user half deleted must not sign in.
	if err := s.endAccess(ctx, id, ""); err != nil {
		return err
	}
	before := old.doc()
	err = s.st.Delete(ctx, collUsers, id, ifVersion, s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditUndefine,
		Kind: "user", Record: id, Version: old.Version, Fields: changed(before, nil, userFields), Old: before}))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound(morph.T("No such user", "没有此用户"))
	case errors.Is(err, store.ErrConflict):
		return stale(0)
	case err != nil:
		return storeError("delete user", err)
	}
	s.cache.invalidate()
	return nil
}

// keepAnAdmin refuses a change that leaves old without the active admin role
// when old is the only active administrator: someone must be able to manage
// users. An actor may not take it from themselves either.
func (s *Service) keepAnAdmin(ctx context.Context, actor engine.Actor, old User, stillAdmin bool) error {
	if stillAdmin || !(old.Active && old.IsAdmin()) {
		return nil
	}
	if actor.ID == old.ID {
		return morph.Errorf(morph.EConflict, "You cannot remove your own administrator access; ask another administrator",
			"您不能取消自己的管理员权限；请让其他管理员操作")
	}
	admins, err := s.st.Find(ctx, collUsers, query.Query{Filter: query.And{
		query.Cmp{Field: "roles", Op: query.Has, Value: schema.AdminRole},
		query.Cmp{Field: "active", Op: query.Eq, Value: true}}, Limit: 2})
	if err != nil {
		return storeError("count administrators", err)
	}
	if len(admins) < 2 {
		return morph.Errorf(morph.EConflict, "This is the last active administrator; make another user an administrator first",
			"这是最后一位有效的管理员；请先让其他用户成为管理员")
	}
	return nil
}

// checkUser checks what the schema cannot: the team exists and the roles
// exist. Paths the shape check has reported are skipped.
func (s *Service) checkUser(ctx context.Context, doc map[string]any, shown []morph.FieldError) []morph.FieldError {
	var errs []morph.FieldError
	if team, ok := doc["team"].(string); ok && !hasPath(shown, "/team") {
		if team == "" {
			delete(doc, "team")
		} else if _, err := s.st.Get(ctx, collTeams, team); err != nil {
			errs = append(errs, fieldError("/team", "unknown_team", morph.T("There is no team %q", "不存在团队 %q", team)))
		}
	}
	if roles, ok := doc["roles"].([]any); ok && !slices.ContainsFunc(shown, func(e morph.FieldError) bool { return e.Path == "/roles" }) {
		for i, r := range roles {
			name, _ := r.(string)
			if p := "/roles/" + itoa(i); !hasPath(shown, p) && !s.eng.RoleExists(name) {
				errs = append(errs, fieldError(p, "unknown_role", morph.T("There is no role %q", "不存在角色 %q", name)))
			}
		}
	}
	return errs
}

// normaliseUser trims the text fields and lower-cases the e-mail address.
func normaliseUser(doc map[string]any) {
	for _, k := range []string{"name", "phone"} {
		if v, ok := doc[k].(string); ok {
			doc[k] = strings.TrimSpace(v)
		}
	}
	if v, ok := doc["email"].(string); ok {
		doc["email"] = normalEmail(v)
	}
	if v, ok := doc["phone"].(string); ok && v == "" {
		delete(doc, "phone")
	}
}

func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// userWriteError turns a failed user write into its answer: a taken e-mail
// address is a 409 at /email.
func userWriteError(err error) error {
	if store.IsUnique(err) {
		return &morph.Error{Code: morph.EDuplicate, Text: morph.T("Another user has this e-mail address", "已有用户使用此邮箱"),
			Fields: []morph.FieldError{fieldError("/email", "duplicate", morph.T("Another user has this e-mail address", "已有用户使用此邮箱"))}}
	}
	return storeError("write user", err)
}
