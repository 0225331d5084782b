package workflow

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of a rule document.
const (
	MaxRuleSize    = 64 << 10
	MaxActions     = 20
	MaxRules       = 500 // rules in the store
	MaxTemplate    = 2000
	maxPlaceholder = 20 // {{…}} placeholders in one template
)

// Trigger types.
const (
	TriggerCreated = "created"
	TriggerUpdated = "updated"
	TriggerDeleted = "deleted"
	// TriggerDate fires at a time relative to a date or datetime field of
	// each record (re-planned when the field changes).
	TriggerDate = "date"
	// TriggerSchedule fires on a cron schedule, once for each record that
	// its filter selects.
	TriggerSchedule = "schedule"
)

// Limits of the timed triggers.
const (
	maxOffset      = 3660 * 24 * time.Hour // about ten years either way
	maxScheduleRun = 100_000               // records one firing of a schedule acts on
)

// Action types. set and reject run inside the write (before save); set with
// "after": true and the others run after the write from the durable queue.
const (
	ActSet     = "set"
	ActReject  = "reject"
	ActCreate  = "create"
	ActNotify  = "notify"
	ActAssign  = "assign"
	ActWebhook = "webhook"
	ActEmail   = "email"
)

// Rule is a compiled workflow rule.
type Rule struct {
	Name    string
	Label   morph.Text
	Entity  string
	Active  bool
	Trigger Trigger
	When    *lang.Program // nil: always
	Actions []*Action

	doc     string // the document as saved (secrets included)
	version int64
	ent     *schema.Entity
	// calendars are the calendars its expressions name by a constant,
	// each at the expression's pointer.
	calendars []schema.ExprCalendar
}

// Trigger says which writes, or which times, set a rule off.
type Trigger struct {
	Type   string        // created, updated, deleted, date, schedule
	Fields []string      // updated: only when one of these changes
	To     *lang.Program // updated: only when this becomes true by the write
	// date: the field, and the offset from its value (a date is midnight
	// in the business time zone).
	Field  string
	Offset time.Duration
	// schedule: when (a cron expression in Location) and which records
	// (a filter expression; "" for all).
	Cron     cron.Schedule
	Location *time.Location
	Filter   string
}

// Timed reports whether the rule is set off by time rather than by a write.
func (t Trigger) Timed() bool { return t.Type == TriggerDate || t.Type == TriggerSchedule }

// Action is one compiled action.
type Action struct {
	Type  string
	After bool // runs after the write, from the queue (every type but reject and a set without "after")
	// set, create: field → expression (over the triggering record)
	Values map[string]*lang.Program
	Order  []string // the fields of Values in name order
	Entity string   // create: the entity of the new record
	// reject, notify: the message; email: the body
	Message Template
	Subject Template      // email
	To      *lang.Program // notify: users; email: addresses (a text or a list of texts)
	// assign
	Field, Strategy, Team, Role string
	// webhook
	URL, Secret string
	Language    string // email: en or zh-CN
}

// Template is a message in English and Chinese with {{expression}}
// placeholders.
type Template struct {
	EN, ZH  string
	Parts   map[string]*lang.Program // placeholder source → program
	present bool
}

// Before reports whether the rule has actions that run inside the write.
func (r *Rule) Before() bool {
	for _, a := range r.Actions {
		if !a.After {
			return true
		}
	}
	return false
}

// AfterSave reports whether the rule has actions that run after the write.
func (r *Rule) AfterSave() bool {
	for _, a := range r.Actions {
		if a.After {
			return true
		}
	}
	return false
}

// Version is the stored version of the rule document.
func (r *Rule) Version() int64 { return r.version }

// RuleSchema is the JSON Schema (draft 2020-12) of a rule document: its
// shape. Parse checks the rest against the entities.
func RuleSchema() []byte { return []byte(ruleSchema) }

const ruleSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///workflow.json",
  "title": "Morph workflow rule",
  "description": "A workflow rule: a trigger on an entity's records, a condition, and actions.",
  "type": "object",
  "required": ["name", "entity", "trigger", "actions"],
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
    "label": {"$ref": "#/$defs/text"},
    "entity": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
    "active": {"type": "boolean"},
    "trigger": {
      "type": "object",
      "required": ["type"],
      "additionalProperties": false,
      "properties": {
        "type": {"enum": ["created", "updated", "deleted", "date", "schedule"]},
        "fields": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 63}},
        "to": {"type": "string", "maxLength": 4096},
        "field": {"type": "string", "maxLength": 63},
        "offset": {"type": "string", "maxLength": 20},
        "cron": {"type": "string", "maxLength": 200},
        "timezone": {"type": "string", "maxLength": 64},
        "filter": {"type": "string", "maxLength": 4096}
      }
    },
    "when": {"type": "string", "maxLength": 4096},
    "actions": {"type": "array", "minItems": 1, "maxItems": 20, "items": {"$ref": "#/$defs/action"}}
  },
  "$defs": {
    "text": {
      "type": "object",
      "additionalProperties": false,
      "properties": {"en": {"type": "string", "maxLength": 2000}, "zh-CN": {"type": "string", "maxLength": 2000}}
    },
    "values": {
      "type": "object",
      "minProperties": 1,
      "maxProperties": 100,
      "propertyNames": {"maxLength": 63},
      "additionalProperties": {"type": "string", "maxLength": 4096}
    },
    "action": {
      "type": "object",
      "required": ["type"],
      "properties": {"type": {"enum": ["set", "reject", "create", "notify", "assign", "webhook", "email"]}},
      "allOf": [
        {"if": {"properties": {"type": {"const": "set"}}}, "then": {"required": ["values"], "additionalProperties": false,
          "properties": {"type": true, "values": {"$ref": "#/$defs/values"}, "after": {"type": "boolean"}}}},
        {"if": {"properties": {"type": {"const": "reject"}}}, "then": {"required": ["message"], "additionalProperties": false,
          "properties": {"type": true, "message": {"$ref": "#/$defs/text"}}}},
        {"if": {"properties": {"type": {"const": "create"}}}, "then": {"required": ["entity", "values"], "additionalProperties": false,
          "properties": {"type": true, "entity": {"type": "string", "maxLength": 63}, "values": {"$ref": "#/$defs/values"}}}},
        {"if": {"properties": {"type": {"const": "notify"}}}, "then": {"required": ["to", "message"], "additionalProperties": false,
          "properties": {"type": true, "to": {"type": "string", "maxLength": 4096}, "message": {"$ref": "#/$defs/text"}}}},
        {"if": {"properties": {"type": {"const": "assign"}}}, "then": {"required": ["field"], "additionalProperties": false,
          "oneOf": [{"required": ["team"]}, {"required": ["role"]}],
          "properties": {"type": true, "field": {"type": "string", "maxLength": 63}, "strategy": {"enum": ["round_robin"]},
            "team": {"type": "string", "minLength": 1, "maxLength": 200}, "role": {"type": "string", "minLength": 1, "maxLength": 40}}}},
        {"if": {"properties": {"type": {"const": "webhook"}}}, "then": {"required": ["url"], "additionalProperties": false,
          "properties": {"type": true, "url": {"type": "string", "maxLength": 2000}, "secret": {"type": "string", "maxLength": 200}}}},
        {"if": {"properties": {"type": {"const": "email"}}}, "then": {"required": ["to", "subject", "body"], "additionalProperties": false,
          "properties": {"type": true, "to": {"type": "string", "maxLength": 4096}, "subject": {"$ref": "#/$defs/text"},
            "body": {"$ref": "#/$defs/text"}, "language": {"enum": ["en", "zh-CN"]}}}}
      ]
    }
  }
}`

var ruleValidator = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///workflow.json", strings.NewReader(ruleSchema)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///workflow.json")
})

// Directory answers what the assign action needs of users and teams.
type Directory interface {
	// TeamID returns the id of the team with the id or name; false when
	// there is none.
	TeamID(ctx context.Context, idOrName string) (string, bool, error)
	// ActiveUsers returns the ids of the active users of a team (by id)
	// or holding a role, in id order.
	ActiveUsers(ctx context.Context, team, role string) ([]string, error)
	// Manager returns the manager of a user's team (of the nearest team
	// above when the user manages it), "" for none.
	Manager(ctx context.Context, user string) (string, error)
	// User returns a user's roles and team (found false for an id that
	// is no user's, such as the engine's).
	User(ctx context.Context, id string) (roles []string, team string, found bool, err error)
}

// checker is what Parse needs to know beyond the document.
type checker struct {
	entity     func(name string) *schema.Entity
	roleExists func(name string) bool
	teamExists func(name string) (bool, error)
	// calendarExists says whether a calendar that an expression names by a
	// constant exists; nil checks none (stored rules are compiled without).
	calendarExists func(name string) bool
}

// redacted stands for a webhook's secret in documents that leave the
// server; sent back unchanged, it keeps the stored secret.
const redacted = "********"

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// parse checks a rule document completely and compiles it. Every problem
// comes back at once as a *morph.Error (EInvalid; EInvalidJSON or ETooLarge
// for what cannot be read) whose Fields are keyed by JSON pointer, an
// expression's with the offset inside it.
func parse(doc []byte, c checker) (*Rule, error) {
	if len(doc) > MaxRuleSize {
		return nil, &morph.Error{Code: morph.ETooLarge, Text: morph.T("A workflow rule may be at most %d KiB", "工作流规则最大 %d KiB", MaxRuleSize>>10)}
	}
	if err := schema.CheckText(doc); err != nil {
		return nil, err
	}
	var raw any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, &morph.Error{Code: morph.EInvalidJSON, Text: morph.T("The workflow rule is not valid JSON: %s", "工作流规则不是有效的 JSON：%s", err.Error())}
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, morph.Invalid(defdoc.FieldErr("", "type", morph.T("A workflow rule must be a JSON object", "工作流规则必须是 JSON 对象")))
	}
	p := &ruleCheck{}
	p.Shape(ruleValidator(), raw)
	if len(p.Errs) > 0 {
		return nil, p.result()
	}
	r := &Rule{Active: true}
	r.Name, _ = root["name"].(string)
	r.Entity, _ = root["entity"].(string)
	if a, ok := root["active"].(bool); ok {
		r.Active = a
	}
	r.Label = defdoc.TextOf(root["label"])
	if r.Label.EN == "" {
		r.Label.EN = r.Name
	}
	if r.Label.ZH == "" {
		r.Label.ZH = r.Label.EN
	}
	r.ent = c.entity(r.Entity)
	if r.ent == nil {
		p.Add("/entity", "unknown_entity", morph.T("There is no entity %q", "不存在实体 %q", r.Entity))
		return nil, p.result()
	}
	vars := r.ent.Vars()
	tr, _ := root["trigger"].(map[string]any)
	r.Trigger.Type, _ = tr["type"].(string)
	if fs, ok := tr["fields"].([]any); ok {
		if r.Trigger.Type != TriggerUpdated {
			p.Add("/trigger/fields", "trigger", morph.T("fields belongs to an updated trigger", "fields 只用于 updated 触发器"))
		}
		for i, f := range fs {
			name, _ := f.(string)
			if _, ok := vars.Var(name); !ok {
				p.Add("/trigger/fields/"+strconv.Itoa(i), "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", r.Entity, name))
			}
			r.Trigger.Fields = append(r.Trigger.Fields, name)
		}
	}
	if src, ok := tr["to"].(string); ok {
		if r.Trigger.Type != TriggerUpdated {
			p.Add("/trigger/to", "trigger", morph.T("to belongs to an updated trigger", "to 只用于 updated 触发器"))
		}
		r.Trigger.To = p.compile(vars, src, lang.Want{Kind: lang.KindBool}, "/trigger/to")
	}
	p.timed(r, tr)
	if src, ok := root["when"].(string); ok && strings.TrimSpace(src) != "" {
		r.When = p.compile(vars, src, lang.Want{Kind: lang.KindBool}, "/when")
	}
	acts, _ := root["actions"].([]any)
	for i, a := range acts {
		am, _ := a.(map[string]any)
		r.Actions = append(r.Actions, p.action(r, am, "/actions/"+strconv.Itoa(i), c))
	}
	r.calendars = p.Calendars
	if c.calendarExists != nil {
		p.CheckCalendars(c.calendarExists)
	}
	if len(p.Errs) > 0 {
		return nil, p.result()
	}
	r.doc = string(doc)
	return r, nil
}

func (p *ruleCheck) action(r *Rule, am map[string]any, path string, c checker) *Action {
	a := &Action{Type: am["type"].(string), After: true}
	vars := r.ent.Vars()
	switch a.Type {
	case ActSet:
		after, _ := am["after"].(bool)
		// A timed trigger is no write to run inside: its sets run after.
		after = after || r.Trigger.Timed()
		a.After = after
		if r.Trigger.Type == TriggerDeleted {
			p.Add(path, "trigger", morph.T("A deleted record cannot be changed", "已删除的记录不能修改"))
		}
		a.Values, a.Order = p.values(r.ent, vars, am["values"], path+"/values")
		if _, setsOwner := a.Values["owner"]; setsOwner && !after && r.ent.Field("owner") == nil {
			p.Add(path+"/values/owner", "after", morph.T(`The owner is given by a set after save ("after": true) or an assign`, `负责人只能由保存后的 set（"after": true）或 assign 设置`))
		}
	case ActReject:
		a.After = false
		if r.Trigger.Timed() {
			p.Add(path, "trigger", morph.T("reject runs inside a write; a %s trigger is not one", "reject 只在写入时运行，%s 触发器不是写入", r.Trigger.Type))
		}
		if r.Trigger.Type == TriggerDeleted {
			p.Add(path, "trigger", morph.T("reject runs inside a create or an update, not on a deleted trigger", "reject 只用于创建或更新触发器"))
		}
		a.Message = p.template(vars, am["message"], path+"/message")
	case ActCreate:
		a.Entity, _ = am["entity"].(string)
		target := c.entity(a.Entity)
		if target == nil {
			p.Add(path+"/entity", "unknown_entity", morph.T("There is no entity %q", "不存在实体 %q", a.Entity))
			break
		}
		a.Values, a.Order = p.values(target, vars, am["values"], path+"/values")
	case ActNotify:
		a.To = p.compile(vars, am["to"].(string), lang.Want{}, path+"/to")
		a.Message = p.template(vars, am["message"], path+"/message")
	case ActEmail:
		a.To = p.compile(vars, am["to"].(string), lang.Want{}, path+"/to")
		a.Subject = p.template(vars, am["subject"], path+"/subject")
		a.Message = p.template(vars, am["body"], path+"/body")
		a.Language, _ = am["language"].(string)
		if a.Language == "" {
			a.Language = "en"
		}
	case ActAssign:
		a.Field, _ = am["field"].(string)
		a.Strategy, _ = am["strategy"].(string)
		if a.Strategy == "" {
			a.Strategy = "round_robin"
		}
		if r.Trigger.Type == TriggerDeleted {
			p.Add(path, "trigger", morph.T("A deleted record cannot be assigned", "已删除的记录不能分配"))
		}
		if v, ok := vars.Var(a.Field); !ok || v.Kind != lang.KindString || (a.Field != "owner" && r.ent.Field(a.Field).Type.Name() != "user") {
			p.Add(path+"/field", "field", morph.T("assign sets owner or a user field of %s", "assign 只能设置 owner 或%s的用户字段", r.Entity))
		}
		if t, ok := am["team"].(string); ok {
			a.Team = t
			exists, err := c.teamExists(t)
			switch {
			case err != nil:
				p.Add(path+"/team", "team", morph.T("The team could not be looked up: %s", "无法查找团队：%s", err.Error()))
			case !exists:
				p.Add(path+"/team", "unknown_team", morph.T("There is no team %q", "不存在团队 %q", t))
			}
		}
		if ro, ok := am["role"].(string); ok {
			a.Role = ro
			if !c.roleExists(ro) {
				p.Add(path+"/role", "unknown_role", morph.T("There is no role %q", "不存在角色 %q", ro))
			}
		}
	case ActWebhook:
		a.URL, _ = am["url"].(string)
		a.Secret, _ = am["secret"].(string)
		if a.Secret == redacted {
			// Sent back redacted for a URL that had no secret before: the
			// stored secret of another URL is never sent to this one.
			p.Add(path+"/secret", "secret", morph.T("Give the secret again: the URL changed, and a secret is kept only for the URL it was given for",
				"请重新填写密钥：地址已更改，密钥只用于当初填写时的地址"))
		}
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			p.Add(path+"/url", "url", morph.T("url must be an http or https URL without credentials", "url 必须是不含凭据的 http 或 https 地址"))
		}
	}
	return a
}

// values compiles a set's or a create's field expressions: each against the
// triggering entity (vars), with the type of the target's field.
func (p *ruleCheck) values(target *schema.Entity, vars *lang.Vars, v any, path string) (map[string]*lang.Program, []string) {
	m, _ := v.(map[string]any)
	out := map[string]*lang.Program{}
	var order []string
	for name, src := range m {
		fp := path + "/" + defdoc.EscapePointer(name)
		want, ok := target.FieldWant(name)
		if name == "owner" && target.Field("owner") == nil {
			want, ok = lang.Want{Kind: lang.KindString}, true
		}
		if !ok {
			p.Add(fp, "unknown_field", morph.T("Entity %s has no field %q that can be set", "实体 %s 没有可设置的字段 %q", target.Name, name))
			continue
		}
		s, _ := src.(string)
		if prog := p.compile(vars, s, want, fp); prog != nil {
			out[name] = prog
			order = append(order, name)
		}
	}
	sort.Strings(order)
	return out, order
}

var placeholderRE = regexp.MustCompile(`\{\{(.*?)\}\}`)

// template compiles a message's {{expression}} placeholders.
func (p *ruleCheck) template(vars *lang.Vars, v any, path string) Template {
	t := Template{Parts: map[string]*lang.Program{}, present: true}
	tx := defdoc.TextOf(v)
	t.EN, t.ZH = tx.EN, tx.ZH
	if t.EN == "" && t.ZH == "" {
		p.Add(path, "required", morph.T("A message in en, zh-CN or both is required", "需要 en 或 zh-CN 的消息"))
	}
	if t.EN == "" {
		t.EN = t.ZH
	}
	if t.ZH == "" {
		t.ZH = t.EN
	}
	for _, lang_ := range []struct{ key, s string }{{"en", tx.EN}, {"zh-CN", tx.ZH}} {
		ms := placeholderRE.FindAllStringSubmatchIndex(lang_.s, -1)
		if len(ms) > maxPlaceholder {
			p.Add(path+"/"+lang_.key, "too_many", morph.T("At most %d placeholders", "最多 %d 个占位符", maxPlaceholder))
			continue
		}
		for _, m := range ms {
			src := lang_.s[m[2]:m[3]]
			if _, done := t.Parts[src]; done {
				continue
			}
			prog := p.compile(vars, src, lang.Want{}, path+"/"+lang_.key)
			if prog == nil {
				continue
			}
			t.Parts[src] = prog
		}
	}
	return t
}

type ruleCheck struct{ defdoc.Check }

func (p *ruleCheck) compile(vars *lang.Vars, src string, want lang.Want, path string) *lang.Program {
	return p.Compile(vars, src, want, path)
}

func (p *ruleCheck) result() error {
	return p.Result("The workflow rule has %d problem(s)", "工作流规则有 %d 处问题")
}

// redact returns the document with every webhook secret replaced by
// redacted, for answers and audit entries.
func redact(doc string) string {
	var m map[string]any
	if json.Unmarshal([]byte(doc), &m) != nil {
		return doc
	}
	acts, _ := m["actions"].([]any)
	changed := false
	for _, a := range acts {
		if am, ok := a.(map[string]any); ok {
			if _, has := am["secret"]; has {
				am["secret"] = redacted
				changed = true
			}
		}
	}
	if !changed {
		return doc
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// keepSecrets puts the stored secrets back where a new document sends the
// redacted placeholder for a webhook of the same URL.
func keepSecrets(doc []byte, stored string) []byte {
	var m, old map[string]any
	if json.Unmarshal(doc, &m) != nil || json.Unmarshal([]byte(stored), &old) != nil {
		return doc
	}
	secrets := map[string]string{}
	oldActs, _ := old["actions"].([]any)
	for _, a := range oldActs {
		if am, ok := a.(map[string]any); ok {
			u, _ := am["url"].(string)
			s, _ := am["secret"].(string)
			secrets[u] = s
		}
	}
	acts, _ := m["actions"].([]any)
	changed := false
	for _, a := range acts {
		if am, ok := a.(map[string]any); ok && am["secret"] == redacted {
			u, _ := am["url"].(string)
			if s, ok := secrets[u]; ok {
				am["secret"] = s
				changed = true
			}
		}
	}
	if !changed {
		return doc
	}
	b, err := json.Marshal(m)
	if err != nil {
		return doc
	}
	return b
}
