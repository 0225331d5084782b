package sla

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/calendar"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of a policy document.
const (
	MaxPolicySize = 64 << 10
	MaxPolicies   = 200 // policies in the store
	MaxHours      = 100000
)

// AnyPriority is the key of the target that applies to every priority
// option without one of its own (and to records without a priority).
const AnyPriority = "*"

// Kinds of target: the first response and the resolution.
const (
	Response   = "response"
	Resolution = "resolution"
)

// Policy is a compiled SLA policy.
type Policy struct {
	Name     string
	Label    morph.Text
	Entity   string
	Active   bool
	Calendar string // "" is the default calendar
	Priority string // a select field of the entity; "" when every record has the "*" target
	Targets  map[string]Target

	PauseWhen *lang.Program // nil: never paused
	// Met holds responded_when and resolved_when, by kind.
	Met    [2]*lang.Program
	Fields Fields

	cal     *calendar.Calendar
	doc     string
	version int64
	// calendars are the calendars its expressions name by a constant,
	// each at the expression's pointer.
	calendars []schema.ExprCalendar
}

// Target is the working hours allowed to the first response and to the
// resolution.
type Target struct {
	Response, Resolution float64
}

func (t Target) hours(kind int) float64 {
	if kind == 0 {
		return t.Response
	}
	return t.Resolution
}

// Fields are the record fields a policy maintains, by kind: Due (datetime)
// is the deadline, cleared while the clock is paused; MetAt (datetime) is
// when the target was met; Remaining (number, hours) the working time left
// while paused. Breached (boolean, optional) is set once a target was
// missed — met after its deadline, or found overdue by a write — and
// never cleared by the policy.
type Fields struct {
	Due, MetAt, Remaining [2]string
	Breached              string
}

// target returns the target of a priority option: its own or "*".
func (p *Policy) target(priority any) (Target, bool) {
	if s, ok := priority.(string); ok && s != "" {
		if t, ok := p.Targets[s]; ok {
			return t, true
		}
	}
	t, ok := p.Targets[AnyPriority]
	return t, ok
}

// Version is the stored version of the policy document.
func (p *Policy) Version() int64 { return p.version }

// PolicySchema is the JSON Schema (draft 2020-12) of a policy document: its
// shape. Saving checks the rest against the entity and the calendars.
func PolicySchema() []byte { return []byte(policySchema) }

const policySchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///sla.json",
  "title": "Morph SLA policy",
  "description": "Response and resolution targets in working hours on a business calendar, per priority option, and the record fields that hold the deadlines.",
  "type": "object",
  "required": ["name", "entity", "targets", "responded_when", "resolved_when", "fields"],
  "additionalProperties": false,
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
    "label": {"$ref": "#/$defs/text"},
    "entity": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
    "active": {"type": "boolean"},
    "calendar": {"type": "string", "maxLength": 63},
    "priority": {"type": "string", "maxLength": 63},
    "targets": {
      "type": "object", "minProperties": 1, "maxProperties": 100,
      "propertyNames": {"maxLength": 63},
      "additionalProperties": {
        "type": "object", "required": ["response", "resolution"], "additionalProperties": false,
        "properties": {"response": {"$ref": "#/$defs/hours"}, "resolution": {"$ref": "#/$defs/hours"}}
      }
    },
    "start": {"enum": ["created"]},
    "pause_when": {"type": "string", "maxLength": 4096},
    "responded_when": {"type": "string", "minLength": 1, "maxLength": 4096},
    "resolved_when": {"type": "string", "minLength": 1, "maxLength": 4096},
    "fields": {
      "type": "object",
      "required": ["response_due", "resolution_due", "response_met_at", "resolution_met_at"],
      "additionalProperties": false,
      "properties": {
        "response_due": {"$ref": "#/$defs/field"}, "resolution_due": {"$ref": "#/$defs/field"},
        "response_met_at": {"$ref": "#/$defs/field"}, "resolution_met_at": {"$ref": "#/$defs/field"},
        "response_remaining": {"$ref": "#/$defs/field"}, "resolution_remaining": {"$ref": "#/$defs/field"},
        "breached": {"$ref": "#/$defs/field"}
      }
    }
  },
  "$defs": {
    "text": {
      "type": "object", "additionalProperties": false,
      "properties": {"en": {"type": "string", "maxLength": 2000}, "zh-CN": {"type": "string", "maxLength": 2000}}
    },
    "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 100000},
    "field": {"type": "string", "minLength": 1, "maxLength": 63}
  }
}`

var policyValidator = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///sla.json", strings.NewReader(policySchema)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///sla.json")
})

// checker is what parse needs to know beyond the document.
type checker struct {
	entity   func(name string) *schema.Entity
	calendar func(name string) (*calendar.Calendar, bool)
	// checkExprCalendars checks that the calendars the expressions name
	// by a constant exist (stored policies are compiled without).
	checkExprCalendars bool
}

// parse checks a policy document completely and compiles it. Every problem
// comes back at once as a *morph.Error (EInvalid; EInvalidJSON or ETooLarge
// for what cannot be read) whose Fields are keyed by JSON pointer, an
// expression's with the offset inside it.
func parse(doc []byte, c checker) (*Policy, error) {
	if len(doc) > MaxPolicySize {
		return nil, &morph.Error{Code: morph.ETooLarge, Text: morph.T("An SLA policy may be at most %d KiB", "SLA 策略最大 %d KiB", MaxPolicySize>>10)}
	}
	if err := schema.CheckText(doc); err != nil {
		return nil, err
	}
	var raw any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, &morph.Error{Code: morph.EInvalidJSON, Text: morph.T("The SLA policy is not valid JSON: %s", "SLA 策略不是有效的 JSON：%s", err.Error())}
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, morph.Invalid(defdoc.FieldErr("", "type", morph.T("An SLA policy must be a JSON object", "SLA 策略必须是 JSON 对象")))
	}
	p := &check{}
	p.Shape(policyValidator(), raw)
	if len(p.Errs) > 0 {
		return nil, p.result()
	}
	pol := &Policy{Active: true, Targets: map[string]Target{}}
	pol.Name, _ = root["name"].(string)
	pol.Entity, _ = root["entity"].(string)
	if a, ok := root["active"].(bool); ok {
		pol.Active = a
	}
	pol.Label = defdoc.TextOf(root["label"])
	if pol.Label.EN == "" {
		pol.Label.EN = pol.Name
	}
	if pol.Label.ZH == "" {
		pol.Label.ZH = pol.Label.EN
	}
	pol.Calendar, _ = root["calendar"].(string)
	if cal, ok := c.calendar(pol.Calendar); ok {
		pol.cal = cal
	} else {
		p.Add("/calendar", "unknown_calendar", morph.T("There is no calendar %q", "不存在日历 %q", pol.Calendar))
	}
	ent := c.entity(pol.Entity)
	if ent == nil {
		p.Add("/entity", "unknown_entity", morph.T("There is no entity %q", "不存在实体 %q", pol.Entity))
		return nil, p.result()
	}
	p.targets(pol, ent, root)
	vars := ent.Vars()
	if src, ok := root["pause_when"].(string); ok && strings.TrimSpace(src) != "" {
		pol.PauseWhen = p.compile(vars, src, "/pause_when")
	}
	pol.Met[0] = p.compile(vars, root["responded_when"].(string), "/responded_when")
	pol.Met[1] = p.compile(vars, root["resolved_when"].(string), "/resolved_when")
	pauses := pol.PauseWhen != nil || strings.TrimSpace(str(root["pause_when"])) != ""
	p.fields(pol, ent, root["fields"].(map[string]any), pauses)
	pol.calendars = p.Calendars
	if c.checkExprCalendars {
		p.CheckCalendars(func(name string) bool { _, ok := c.calendar(name); return ok })
	}
	if len(p.Errs) > 0 {
		return nil, p.result()
	}
	pol.doc = string(doc)
	return pol, nil
}

// targets checks the priority field and the targets: each key an option of
// the field or "*", and every option covered.
func (p *check) targets(pol *Policy, ent *schema.Entity, root map[string]any) {
	pol.Priority, _ = root["priority"].(string)
	var options []string
	if pol.Priority != "" {
		f := ent.Field(pol.Priority)
		switch {
		case f == nil:
			p.Add("/priority", "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", pol.Entity, pol.Priority))
		case f.Type.Name() != "select":
			p.Add("/priority", "field_type", morph.T("The priority must be a select field; %s is a %s field", "优先级必须是单选字段；%s 是%s字段", pol.Priority, f.Type.Name()))
		default:
			options = f.Enum
		}
	}
	tm, _ := root["targets"].(map[string]any)
	keys := make([]string, 0, len(tm))
	for k := range tm {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m, _ := tm[k].(map[string]any)
		resp, _ := m["response"].(float64)
		res, _ := m["resolution"].(float64)
		pol.Targets[k] = Target{Response: resp, Resolution: res}
		path := "/targets/" + defdoc.EscapePointer(k)
		switch {
		case k == AnyPriority:
		case pol.Priority == "":
			p.Add(path, "unknown_option", morph.T(`Without a priority field the only target is "*"`, `没有优先级字段时，只能设置 "*" 目标`))
		case options != nil && !slices.Contains(options, k):
			p.Add(path, "unknown_option", morph.T("%q is not an option of %s (%s)", "%q 不是 %s 的选项（%s）", k, pol.Priority, strings.Join(options, ", ")))
		}
		if res < resp {
			p.Add(path+"/resolution", "range", morph.T("The resolution target cannot be shorter than the response target", "解决时限不能短于响应时限"))
		}
	}
	if _, ok := tm[AnyPriority]; !ok && len(options) > 0 {
		var missing []string
		for _, o := range options {
			if _, ok := tm[o]; !ok {
				missing = append(missing, o)
			}
		}
		if len(missing) > 0 {
			p.Add("/targets", "missing_target", morph.T(`No target for %s: give them targets or add "*"`, `%s 没有目标：请为其设置目标或添加 "*"`, strings.Join(missing, ", ")))
		}
	}
}

// fields checks the maintained fields: they exist, have the right type,
// and each is named once.
func (p *check) fields(pol *Policy, ent *schema.Entity, fm map[string]any, pauses bool) {
	want := []struct {
		key, typ string
		dst      *string
	}{
		{"response_due", "datetime", &pol.Fields.Due[0]}, {"resolution_due", "datetime", &pol.Fields.Due[1]},
		{"response_met_at", "datetime", &pol.Fields.MetAt[0]}, {"resolution_met_at", "datetime", &pol.Fields.MetAt[1]},
		{"response_remaining", "number", &pol.Fields.Remaining[0]}, {"resolution_remaining", "number", &pol.Fields.Remaining[1]},
		{"breached", "boolean", &pol.Fields.Breached},
	}
	seen := map[string]string{}
	for _, w := range want {
		name, ok := fm[w.key].(string)
		path := "/fields/" + w.key
		if !ok {
			if pauses && strings.HasSuffix(w.key, "_remaining") {
				p.Add(path, "required", morph.T("A policy that pauses needs a number field for the working hours left while paused", "可暂停的策略需要一个数字字段保存暂停时剩余的工作小时"))
			}
			continue
		}
		f := ent.Field(name)
		switch {
		case f == nil:
			p.Add(path, "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", pol.Entity, name))
			continue
		case f.Type.Name() != w.typ:
			p.Add(path, "field_type", morph.T("%s must be a %s field; it is a %s field", "%s 必须是%s字段；它是%s字段", name, w.typ, f.Type.Name()))
			continue
		case name == pol.Priority:
			p.Add(path, "field", morph.T("The priority field cannot hold what the policy maintains", "优先级字段不能用于保存策略维护的值"))
			continue
		}
		if other, dup := seen[name]; dup {
			p.Add(path, "duplicate", morph.T("%s is already the field of %s", "%s 已用于 %s", name, other))
			continue
		}
		seen[name] = w.key
		*w.dst = name
	}
}

// compile compiles a condition, reporting its problems at path (with the
// offset inside the expression).
func (p *check) compile(vars *lang.Vars, src, path string) *lang.Program {
	return p.Compile(vars, src, lang.Want{Kind: lang.KindBool}, path)
}

type check struct{ defdoc.Check }

func (p *check) result() error {
	return p.Result("The SLA policy has %d problem(s)", "SLA 策略有 %d 处问题")
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
