package schema

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of a role document. The number of entities and of fields per
// entity are bounded by the role's JSON Schema (maxProperties).
const (
	MaxRoleSize     = 64 << 10
	MaxRoleEntities = 200
)

// AdminRole is the name of the built-in role that grants everything; no
// saved role may take it.
const AdminRole = "admin"

// Scope is which records an operation reaches, in widening order.
type Scope int

// The scopes. Each reaches the records of the ones before it: a user's own
// records are among their team's, and their team's among its tree's.
const (
	ScopeNone     Scope = iota // no record
	ScopeOwn                   // records whose owner is the user
	ScopeTeam                  // records owned by the user's team
	ScopeTeamTree              // the user's team and every team below it
	ScopeAll                   // every record
)

var scopeNames = []string{"none", "own", "team", "team_tree", "all"}

func (s Scope) String() string { return scopeNames[s] }

// Max is the wider of two scopes: the one a user holding both has.
func (s Scope) Max(o Scope) Scope { return max(s, o) }

// FieldAccess is what a role lets its users do with a field, in widening
// order.
type FieldAccess int

// The field access levels.
const (
	FieldHidden FieldAccess = iota // not sent at all
	FieldMasked                    // sent masked (a phone as 138****5678)
	FieldRead                      // sent as it is
	FieldEdit                      // sent, and may be written
)

var levelNames = []string{"hidden", "masked", "read", "edit"}

func (a FieldAccess) String() string { return levelNames[a] }

// Max is the wider of two levels: the one a user holding both has.
func (a FieldAccess) Max(o FieldAccess) FieldAccess { return max(a, o) }

// AllFields is the key of Fields that grants a level to every field the
// role does not name; AllEntities is the key of Entities that grants access
// to every entity (only the built-in admin role holds it).
const (
	AllFields   = "*"
	AllEntities = "*"
)

// Role is a compiled role document.
type Role struct {
	Name     string
	Label    morph.Text
	Entities map[string]EntityAccess
}

// EntityAccess is what a role grants on one entity. Absent keys of the
// document grant nothing: no create, scope none, every field hidden.
type EntityAccess struct {
	Create               bool
	Read, Update, Delete Scope
	// Where is a row rule in the filter language, checked against the
	// entity when the role is saved. It is kept as source: user.id,
	// user.team and user.roles take the caller's values only when it is
	// translated (lang.Filter) for a request.
	Where  string
	Fields map[string]FieldAccess
}

// Field is the level the access grants on a field: its own entry, else
// the "*" entry, else hidden.
func (a EntityAccess) Field(name string) FieldAccess {
	if l, ok := a.Fields[name]; ok {
		return l
	}
	return a.Fields[AllFields] // FieldHidden when absent
}

// Access is what a role grants on an entity (the "*" entry when it does
// not name the entity).
func (r *Role) Access(entity string) (EntityAccess, bool) {
	if a, ok := r.Entities[entity]; ok {
		return a, true
	}
	a, ok := r.Entities[AllEntities]
	return a, ok
}

// Grant is one role's reach for an operation: a scope and its row rule.
type Grant struct {
	Scope Scope
	Where string
}

// Combined is what a user's roles grant together on one entity: the union.
// Rows are not one scope but a list of grants, any of which admits a record
// (each role's where applies only to that role's scope).
type Combined struct {
	Create               bool
	Read, Update, Delete []Grant
	Fields               map[string]FieldAccess // the widest level per field; "*" for the rest
}

// Field is the level the roles grant on a field together.
func (c Combined) Field(name string) FieldAccess {
	if l, ok := c.Fields[name]; ok {
		return l
	}
	return c.Fields[AllFields]
}

// Union combines what roles grant on entity. A field's level is the widest
// any role grants it, directly or through its "*"; grants of scope none are
// left out, and a grant of all without a where makes the others moot.
func Union(entity string, roles ...*Role) Combined {
	var c Combined
	var accs []EntityAccess
	for _, r := range roles {
		if a, ok := r.Access(entity); ok {
			accs = append(accs, a)
		}
	}
	c.Fields = map[string]FieldAccess{}
	for _, a := range accs {
		c.Create = c.Create || a.Create
		c.Read = addGrant(c.Read, Grant{a.Read, a.Where})
		c.Update = addGrant(c.Update, Grant{a.Update, a.Where})
		c.Delete = addGrant(c.Delete, Grant{a.Delete, a.Where})
		for name := range a.Fields {
			c.Fields[name] = FieldHidden
		}
	}
	for name := range c.Fields {
		for _, a := range accs {
			c.Fields[name] = c.Fields[name].Max(a.Field(name))
		}
	}
	return c
}

func addGrant(gs []Grant, g Grant) []Grant {
	everything := func(g Grant) bool { return g.Scope == ScopeAll && strings.TrimSpace(g.Where) == "" }
	switch {
	case g.Scope == ScopeNone || slices.Contains(gs, g) || len(gs) == 1 && everything(gs[0]):
		return gs
	case everything(g):
		return []Grant{g}
	}
	return append(gs, g)
}

// BuiltinAdmin is the built-in admin role: every operation on every record
// of every entity, every field editable.
func BuiltinAdmin() *Role {
	return &Role{Name: AdminRole, Label: morph.T("Administrator", "管理员"), Entities: map[string]EntityAccess{
		AllEntities: {Create: true, Read: ScopeAll, Update: ScopeAll, Delete: ScopeAll, Fields: map[string]FieldAccess{AllFields: FieldEdit}},
	}}
}

// RoleSchema is the JSON Schema (draft 2020-12) of a role document: its
// shape. ParseRole checks the rest (entities and fields that exist, row
// rules that compile, scopes that fit together).
func RoleSchema() []byte { return []byte(roleSchema) }

const roleSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///role.json",
  "title": "Morph role",
  "description": "A role: what its users may do with the records of each entity. A user's roles combine by union.",
  "type": "object",
  "required": ["name"],
  "propertyNames": {"enum": ["name", "label", "entities"]},
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
    "label": {
      "type": "object",
      "propertyNames": {"enum": ["en", "zh-CN"]},
      "additionalProperties": {"type": "string", "maxLength": 200}
    },
    "entities": {
      "type": "object",
      "maxProperties": 200,
      "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,39}$"},
      "additionalProperties": {"$ref": "#/$defs/access"}
    }
  },
  "$defs": {
    "scope": {"enum": ["none", "own", "team", "team_tree", "all"]},
    "level": {"enum": ["hidden", "masked", "read", "edit"]},
    "access": {
      "type": "object",
      "propertyNames": {"enum": ["create", "read", "update", "delete", "where", "fields"]},
      "properties": {
        "create": {"type": "boolean"},
        "read": {"$ref": "#/$defs/scope"},
        "update": {"$ref": "#/$defs/scope"},
        "delete": {"$ref": "#/$defs/scope"},
        "where": {"type": "string", "maxLength": 4096},
        "fields": {
          "type": "object",
          "maxProperties": 501,
          "propertyNames": {"pattern": "^(\\*|[a-z][a-z0-9_]{0,62})$"},
          "additionalProperties": {"$ref": "#/$defs/level"}
        }
      }
    }
  }
}`

var roleValidator = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///role.json", strings.NewReader(roleSchema)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///role.json")
})

// ParseRole checks a role document (JSON) and compiles it. entity looks up
// the entity a key of "entities" names (nil when there is none; a nil
// entity knows none). A document
// that is wrong returns a *morph.Error with code EInvalid (EInvalidJSON when
// it is not JSON, ETooLarge beyond MaxRoleSize) whose Fields name every
// problem at once, keyed by JSON pointer ("/entities/account/read"); a row
// rule that does not compile is keyed by "/entities/<name>/where" with the
// Offset of the problem inside the rule.
func ParseRole(doc []byte, entity func(name string) *Entity) (*Role, error) {
	raw, root, err := decodeDocument(doc, MaxRoleSize, morph.Text{EN: "role", ZH: "角色"})
	if err != nil {
		return nil, err
	}
	c := &roleCheck{bad: map[string]bool{}}
	for _, fe := range roleShapeErrors(raw) {
		c.report(fe)
		c.bad[fe.Path] = true
	}
	add := c.add
	r := &Role{Entities: map[string]EntityAccess{}}
	r.Name, _ = root["name"].(string)
	if r.Name == AdminRole {
		add("/name", "reserved", morph.T("admin is the built-in role that has everything; choose another name", "admin 是内置的全权角色，请换一个名称"))
	}
	var label morph.Text
	if lm, ok := root["label"].(map[string]any); ok {
		var shown []morph.FieldError // reported by the shape check
		readLabels(&label, lm, "/label", &shown)
	}
	r.Label = fillLabel(label, r.Name)

	ents, _ := root["entities"].(map[string]any)
	if c.bad["/entities"] {
		ents = nil // too many to look at
	}
	for name, v := range ents {
		path := "/entities/" + escapePointer(name)
		am, ok := v.(map[string]any)
		if !ok || c.bad[path] {
			continue
		}
		var e *Entity
		if entity != nil {
			e = entity(name)
		}
		if e == nil {
			add(path, "unknown_entity", morph.T("There is no entity %q", "不存在实体 %q", name))
			continue
		}
		r.Entities[name] = c.access(e, am, path)
	}
	if errs := c.errs; len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
		return nil, &morph.Error{Code: morph.EInvalid, Fields: errs,
			Text: morph.T("The role has %d problem(s)", "角色有 %d 处问题", len(errs))}
	}
	return r, nil
}

// parseAccess reads one entity's access; its shape has been checked.
func (c *roleCheck) access(e *Entity, am map[string]any, path string) EntityAccess {
	add := c.add
	a := EntityAccess{Fields: map[string]FieldAccess{}}
	a.Create, _ = am["create"].(bool)
	a.Read = scopeOf(am["read"])
	a.Update = scopeOf(am["update"])
	a.Delete = scopeOf(am["delete"])
	for _, op := range []struct {
		key   string
		scope Scope
	}{{"update", a.Update}, {"delete", a.Delete}} {
		if op.scope > a.Read {
			add(path+"/"+op.key, "beyond_read", morph.T(
				"%s reaches %s records but read only %s: records that cannot be read cannot be changed",
				"%s 的范围（%s）超出了 read 的范围（%s）：看不到的记录不能修改或删除",
				op.key, op.scope, a.Read))
		}
	}
	if w, ok := am["where"].(string); ok {
		a.Where = w
		if _, err := lang.Filter(w, e.Resolve, lang.Env{}); err != nil {
			c.where(err, path+"/where")
		}
	}
	fields, _ := am["fields"].(map[string]any)
	for name, v := range fields {
		if name != AllFields && e.Field(name) == nil && !slices.Contains(SystemFields, name) {
			add(path+"/fields/"+escapePointer(name), "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", e.Name, name))
			continue
		}
		s, _ := v.(string)
		a.Fields[name] = FieldAccess(max(0, slices.Index(levelNames, s)))
	}
	return a
}

func scopeOf(v any) Scope {
	s, _ := v.(string)
	return Scope(max(0, slices.Index(scopeNames, s)))
}

// roleCheck gathers the problems of a role document. A path the shape check
// has reported gets no second problem from the checks of meaning.
type roleCheck struct {
	errs []morph.FieldError
	bad  map[string]bool
}

func (c *roleCheck) report(fe morph.FieldError) { c.errs = append(c.errs, fe) }

func (c *roleCheck) add(path, code string, t morph.Text) {
	if !c.bad[path] {
		c.report(settingError(path, code, t))
	}
}

// where reports a row rule that does not compile, keyed by path, with the
// code and the offset inside the rule that the filter translator gives.
func (c *roleCheck) where(err error, path string) {
	me := morph.AsError(err)
	if me == nil || len(me.Fields) == 0 {
		c.add(path, "filter", morph.T("The row rule cannot be used: %s", "行规则无法使用：%s", err.Error()))
		return
	}
	fe := me.Fields[0]
	fe.Path = path
	fe.Text = morph.Text{EN: "The row rule cannot be used: " + fe.Text.EN, ZH: "行规则无法使用：" + fe.Text.ZH}
	c.report(fe)
}

// roleShapeErrors checks a decoded role against RoleSchema, one problem per
// pointer. A missing property is keyed by its own pointer ("/name"), an
// unknown key by the key's pointer.
func roleShapeErrors(v any) []morph.FieldError {
	err := roleValidator().Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []morph.FieldError
	for _, leaf := range Leaves(ve) {
		kw := leaf.KeywordLocation[strings.LastIndex(leaf.KeywordLocation, "/")+1:]
		path := leaf.InstanceLocation
		if kw == "required" {
			path += "/name" // the only required property
		}
		if strings.Contains(leaf.KeywordLocation, "/propertyNames/") {
			kw = "propertyNames"
		}
		code := shapeCodes[kw]
		if kw == "propertyNames" && strings.HasSuffix(leaf.KeywordLocation, "/pattern") {
			code = "name" // an entity or field name that cannot be one
		}
		out = append(out, settingError(path, code, shapeText(kw, path, leaf.Message)))
	}
	return dedupePaths(out)
}

var shapeCodes = map[string]string{
	"required": "required", "propertyNames": "unknown_key", "type": "type", "enum": "enum",
	"pattern": "name", "maxProperties": "too_many", "maxLength": "too_long",
}

func shapeText(kw, path, msg string) morph.Text {
	switch kw {
	case "required":
		return morph.T("name, the role name, is required", "必须提供 name（角色名称）")
	case "propertyNames":
		switch parent := path[:strings.LastIndex(path, "/")+1]; {
		case parent == "/entities/":
			return morph.T("An entity name starts with a lower-case letter and uses only a-z, 0-9 and _ (at most 40)", "实体名称以小写字母开头，只含 a-z、0-9 和 _（最多 40 个字符）")
		case strings.HasSuffix(parent, "/fields/"):
			return morph.T(`A field name starts with a lower-case letter and uses only a-z, 0-9 and _ (at most 63), or is "*"`, `字段名以小写字母开头，只含 a-z、0-9 和 _（最多 63 个字符），或为 "*"`)
		}
		return morph.T("Unknown key; a role has name, label and entities, an entity's access create, read, update, delete, where and fields, a label en and zh-CN",
			"未知的键：角色只有 name、label 和 entities，实体权限只有 create、read、update、delete、where 和 fields，标签只有 en 和 zh-CN")
	case "enum":
		if strings.Contains(path, "/fields/") {
			return morph.T("A field's access is one of hidden, masked, read, edit", "字段权限只能是 hidden、masked、read、edit 之一")
		}
		return morph.T("A scope is one of none, own, team, team_tree, all", "范围只能是 none、own、team、team_tree、all 之一")
	case "pattern":
		return morph.T("A name must start with a lower-case letter and use only a-z, 0-9 and _ (at most 40; a field name at most 63)",
			"名称必须以小写字母开头，只含 a-z、0-9 和 _（最多 40 个字符；字段名最多 63 个）")
	case "type":
		key := path[strings.LastIndex(path, "/")+1:]
		switch {
		case strings.Contains(msg, "expected boolean"):
			return morph.T("%s must be true or false", "%s 必须是 true 或 false", key)
		case strings.Contains(msg, "expected string"):
			return morph.T("%s must be text", "%s 必须是文本", key)
		case strings.Contains(msg, "expected object"):
			return morph.T("%s must be an object", "%s 必须是对象", key)
		}
	case "maxProperties":
		return morph.T("A role may name at most %d entities, and at most %d fields of each", "角色最多包含 %d 个实体，每个实体最多 %d 个字段", MaxRoleEntities, MaxFields+1)
	}
	return morph.T("Not a valid role: %s", "不是有效的角色：%s", msg)
}
