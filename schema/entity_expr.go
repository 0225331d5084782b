package schema

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// Rule is a validation rule of an entity (x-rules): when When holds for a
// record being written, the record is wrong and the write is refused with
// Message, at Fields.
type Rule struct {
	Name    string
	When    *lang.Program
	Message morph.Text
	Fields  []string
	Path    string // the rule's pointer in the definition ("/x-rules/0")
}

// MaxRules is the most validation rules an entity may have.
const MaxRules = 100

var ruleNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Vars is the environment of the entity's expressions.
func (e *Entity) Vars() *lang.Vars { return e.vars }

// Formulas are the formula fields, each after the formulas it reads.
func (e *Entity) Formulas() []*Field { return e.formulas }

// Rules are the validation rules, in the definition's order.
func (e *Entity) Rules() []*Rule { return e.rules }

// ExprKinds are the places an expression may serve, as the check of the
// builder names them.
var ExprKinds = []string{"formula", "default", "rule", "condition"}

// CheckExpr compiles an expression for a place of the entity: a formula or
// a default (of field, when given: its type is then the result type; else
// any type), a rule or a condition (true or false). Errors are as
// lang.Vars.Compile's, keyed by "/expr"; an unknown kind or field is keyed
// by "/kind" or "/field".
func (e *Entity) CheckExpr(src, kind, field string) (*lang.Program, error) {
	var want lang.Want
	switch kind {
	case "rule", "condition":
		want = lang.Want{Kind: lang.KindBool}
	case "formula", "default":
		if field != "" {
			f := e.byName[field]
			if f == nil {
				return nil, morph.Invalid(settingError("/field", "unknown_field", morph.T("%q is not a field of %s", "%q 不是%s的字段", field, e.Name)))
			}
			want = fieldWant(f)
		}
	default:
		return nil, morph.Invalid(settingError("/kind", "enum", morph.T("kind must be one of %s", "kind 必须是 %s 之一", strings.Join(ExprKinds, ", "))))
	}
	p, err := e.vars.Compile(src, want)
	if err != nil {
		return nil, keyExprError(err, "/expr")
	}
	return p, nil
}

func keyExprError(err error, path string) error {
	me := morph.AsError(err)
	if me == nil {
		return err
	}
	out := *me
	out.Fields = make([]morph.FieldError, len(me.Fields))
	for i, fe := range me.Fields {
		fe.Path = path + fe.Path
		out.Fields[i] = fe
	}
	return &out
}

func fieldWant(f *Field) lang.Want {
	typ, _ := jsonTypeOf(f.Prop)
	return lang.Want{Kind: f.Kind(), Money: f.Type.Name() == "currency", Integer: typ == "integer"}
}

// exprVars makes the environment of the entity's expressions: its fields
// and the system fields.
func (e *Entity) exprVars() *lang.Vars {
	vars := make([]lang.Var, 0, len(e.Fields)+len(systemKinds))
	for _, f := range e.Fields {
		vars = append(vars, lang.Var{Name: f.Name, Kind: f.Kind(), Money: f.Type.Name() == "currency"})
	}
	for _, name := range SystemFields {
		if e.byName[name] == nil && name != "version" {
			vars = append(vars, lang.Var{Name: name, Kind: systemKinds[name]})
		}
	}
	v := lang.NewVars(vars)
	phone := phoneType{}
	v.Phone = func(s string) (string, bool) {
		out, ferr := phone.Normalize(nil, s)
		str, _ := out.(string)
		return str, ferr == nil && str != ""
	}
	v.Email = func(s string) (string, bool) {
		s = strings.ToLower(strings.TrimSpace(s))
		a, err := mail.ParseAddress(s)
		return s, err == nil && a.Address == s && a.Name == ""
	}
	return v
}

// compileExprs compiles every expression of the definition (formulas,
// defaults, rules), orders the formulas and refuses cycles among them.
func (e *Entity) compileExprs(root map[string]any) []morph.FieldError {
	e.vars = e.exprVars()
	var errs []morph.FieldError
	add := func(path string, err error) {
		if me := morph.AsError(err); me != nil {
			for _, fe := range me.Fields {
				fe.Path = path + fe.Path
				errs = append(errs, fe)
			}
		}
	}
	for _, f := range e.Fields {
		base := "/properties/" + escapePointer(f.Name)
		if src, ok := f.Prop["x-expr"].(string); ok && f.Type.Name() == "formula" {
			if f.Kind() == lang.KindInvalid {
				continue // reported by the type's check
			}
			p, err := e.vars.Compile(src, fieldWant(f))
			if err != nil {
				add(base+"/x-expr", err)
				continue
			}
			f.Expr = p
		} else if _, ok := f.Prop["x-expr"]; ok && f.Type.Name() != "formula" {
			errs = append(errs, settingError(base+"/x-expr", "formula", morph.T(
				`x-expr belongs to formula fields ("x-type": "formula")`, `x-expr 只用于公式字段（"x-type": "formula"）`)))
		}
		if d, ok := f.Prop["x-default-expr"]; ok && f.Type.Name() != "formula" {
			src, isStr := d.(string)
			switch {
			case !isStr:
				errs = append(errs, settingError(base+"/x-default-expr", "type", morph.T("x-default-expr must be an expression (text)", "x-default-expr 必须是表达式（文本）")))
			case f.Default != nil:
				errs = append(errs, settingError(base+"/x-default-expr", "default", morph.T("A field has either default or x-default-expr, not both", "字段只能有 default 或 x-default-expr 之一")))
			case f.EngineSet():
				errs = append(errs, settingError(base+"/x-default-expr", "default", morph.T("The engine sets this field: it cannot have a default", "该字段由系统设置，不能有默认值")))
			default:
				p, err := e.vars.Compile(src, fieldWant(f))
				if err != nil {
					add(base+"/x-default-expr", err)
					continue
				}
				f.DefaultExpr = p
			}
		}
	}
	errs = append(errs, e.orderFormulas()...)
	errs = append(errs, e.parseRules(root["x-rules"])...)
	return errs
}

// orderFormulas puts the formulas in dependency order: each after the
// formulas it reads. A cycle is refused at the x-expr of its first field,
// naming the fields of the cycle.
func (e *Entity) orderFormulas() []morph.FieldError {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var errs []morph.FieldError
	var stack []string
	var visit func(f *Field) bool
	visit = func(f *Field) bool {
		switch state[f.Name] {
		case done:
			return true
		case active:
			i := len(stack) - 1
			for i > 0 && stack[i] != f.Name {
				i--
			}
			cycle := append(append([]string(nil), stack[i:]...), f.Name)
			errs = append(errs, settingError("/properties/"+escapePointer(f.Name)+"/x-expr", "cycle", morph.T(
				"The formulas refer to one another in a cycle: %s", "公式之间存在循环引用：%s", strings.Join(cycle, " → "))))
			return false
		}
		state[f.Name] = active
		stack = append(stack, f.Name)
		for _, ref := range f.Expr.Refs {
			if g := e.byName[ref]; g != nil && g.Expr != nil {
				if !visit(g) {
					return false
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[f.Name] = done
		e.formulas = append(e.formulas, f)
		return true
	}
	for _, f := range e.Fields {
		if f.Expr != nil && state[f.Name] == unseen {
			if !visit(f) {
				e.formulas = nil
				return errs
			}
		}
	}
	return nil
}

// parseRules reads x-rules.
func (e *Entity) parseRules(v any) []morph.FieldError {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return []morph.FieldError{settingError("/x-rules", "type", morph.T(
			`x-rules must be a list of rules such as {"name": "vip_needs_phone", "when": "tier == 'vip' && phone == ''", "message": {"en": "…", "zh-CN": "…"}}`,
			`x-rules 必须是规则列表，例如 {"name": "vip_needs_phone", "when": "tier == 'vip' && phone == ''", "message": {"en": "…", "zh-CN": "…"}}`))}
	}
	if len(list) > MaxRules {
		return []morph.FieldError{settingError("/x-rules", "too_many", morph.T("An entity may have at most %d rules", "实体最多 %d 条规则", MaxRules))}
	}
	var errs []morph.FieldError
	names := map[string]bool{}
	for i, item := range list {
		path := "/x-rules/" + strconv.Itoa(i)
		m, ok := item.(map[string]any)
		if !ok {
			errs = append(errs, settingError(path, "type", morph.T("A rule must be an object", "规则必须是对象")))
			continue
		}
		r := &Rule{Path: path}
		bad := false
		for k := range m {
			switch k {
			case "name", "when", "message", "fields", "description":
			default:
				errs = append(errs, settingError(path+"/"+escapePointer(k), "unknown_key", morph.T(
					"A rule has name, when, message, fields and description; %q is none of them", "规则包含 name、when、message、fields 和 description；%q 不在其中", k)))
				bad = true
			}
		}
		r.Name, _ = m["name"].(string)
		switch {
		case !ruleNameRE.MatchString(r.Name):
			errs = append(errs, settingError(path+"/name", "name", morph.T(
				"A rule's name must start with a lower-case letter and use only a-z, 0-9 and _", "规则名称必须以小写字母开头，只含 a-z、0-9 和 _")))
			bad = true
		case names[r.Name]:
			errs = append(errs, settingError(path+"/name", "duplicate", morph.T("Two rules are named %q", "有两条规则都叫 %q", r.Name)))
			bad = true
		}
		names[r.Name] = true
		if lm, ok := m["message"].(map[string]any); ok {
			before := len(errs)
			readLabels(&r.Message, lm, path+"/message", &errs)
			if r.Message.EN == "" {
				errs = append(errs, settingError(path+"/message/en", "required", morph.T("A rule's message needs its English text", "规则的提示信息需要英文文本")))
			}
			bad = bad || len(errs) > before
			r.Message = fillLabel(r.Message, r.Name)
		} else {
			errs = append(errs, settingError(path+"/message", "required", morph.T(
				`A rule needs a message such as {"en": "VIP customers need a phone", "zh-CN": "VIP 客户必须填写电话"}`,
				`规则需要提示信息，例如 {"en": "VIP customers need a phone", "zh-CN": "VIP 客户必须填写电话"}`)))
			bad = true
		}
		if fs, ok := m["fields"]; ok {
			fl, isList := fs.([]any)
			if !isList {
				errs = append(errs, settingError(path+"/fields", "type", morph.T("fields must be a list of field names", "fields 必须是字段名列表")))
				bad = true
			}
			for j, x := range fl {
				name, _ := x.(string)
				if e.byName[name] == nil {
					errs = append(errs, settingError(path+"/fields/"+strconv.Itoa(j), "unknown_field", morph.T("%q is not a field of the entity", "%q 不是该实体的字段", name)))
					bad = true
					continue
				}
				r.Fields = append(r.Fields, name)
			}
		}
		src, ok := m["when"].(string)
		if !ok {
			errs = append(errs, settingError(path+"/when", "required", morph.T("A rule needs when: the condition under which a record is wrong", "规则需要 when：记录出错的条件")))
			continue
		}
		p, err := e.vars.Compile(src, lang.Want{Kind: lang.KindBool})
		if err != nil {
			if me := morph.AsError(err); me != nil {
				for _, fe := range me.Fields {
					fe.Path = path + "/when" + fe.Path
					errs = append(errs, fe)
				}
			}
			continue
		}
		r.When = p
		if !bad {
			e.rules = append(e.rules, r)
		}
	}
	return errs
}

// ExprCalendar is a calendar that an expression of the definition names by
// a constant (addWorkHours(opened_at, 2, "cn_office")): Path is the
// expression's pointer, Offset the name's place in it.
type ExprCalendar struct {
	Path string
	lang.CalendarRef
}

// Calendars lists the calendars the entity's formulas, defaults and rules
// name by a constant, for the engine to check against its catalog.
func (e *Entity) Calendars() []ExprCalendar {
	var out []ExprCalendar
	add := func(path string, p *lang.Program) {
		if p == nil {
			return
		}
		for _, c := range p.Calendars {
			out = append(out, ExprCalendar{Path: path, CalendarRef: c})
		}
	}
	for _, f := range e.Fields {
		base := "/properties/" + escapePointer(f.Name)
		add(base+"/x-expr", f.Expr)
		add(base+"/x-default-expr", f.DefaultExpr)
	}
	for _, r := range e.rules {
		add(r.Path+"/when", r.When)
	}
	return out
}

// FieldWant is the result type an expression must have to give the field
// its value (as a formula or a default would); false when the entity has
// no such field or it is set by the engine alone (autonumbers, formulas).
func (e *Entity) FieldWant(name string) (lang.Want, bool) {
	f := e.byName[name]
	if f == nil || f.EngineSet() {
		return lang.Want{}, false
	}
	return fieldWant(f), true
}
