package schema

import (
	"reflect"
	"slices"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema/lang"
)

// rollupType is a value the engine keeps from the records of another entity
// that point at this one: an account's count of won opportunities, or the sum
// of their amounts. x-rollup says which:
//
//	{"from": "opportunity", "via": "account", "agg": "sum", "field": "amount", "where": "stage == 'won'"}
//
// from is the child entity, via its relation field that points at this
// entity, agg one of count, sum, min, max and avg, field the child's field
// aggregated (not for count), where an optional filter over the children. It
// is stored, so filters, sorts and indexes use it like any field; clients
// never write it. Its type is number, or for min and max of a date or
// datetime field a string of that format.
type rollupType struct{ baseType }

var (
	_ FieldType = rollupType{}
	_ kinder    = rollupType{}
	_ engineSet = rollupType{}
)

func init() {
	register(rollupType{baseType{name: "rollup", kind: lang.KindNumber, schema: map[string]any{"type": "number", "readOnly": true}}},
		morph.T("Roll-up", "汇总"))
}

// Roll-up aggregations.
var rollupAggs = []string{"count", "sum", "min", "max", "avg"}

// Rollup is what a roll-up field keeps.
type Rollup struct {
	From  string // the child entity
	Via   string // the child's relation field pointing at the parent
	Agg   string // count, sum, min, max, avg
	Field string // the child's field aggregated ("" for count)
	Where string // a filter over the children ("" for all)
}

// Complete gives a roll-up without "type" the type number.
func (rollupType) Complete(f *Field) {
	if _, ok := f.Prop["type"]; !ok {
		f.Prop["type"] = "number"
	}
}

func (rollupType) Check(f *Field) []morph.FieldError {
	r, errs := ParseRollup(f)
	if formulaKind(f) == lang.KindInvalid || !slices.Contains([]lang.Kind{lang.KindNumber, lang.KindDate, lang.KindDateTime}, formulaKind(f)) {
		errs = append(errs, settingError("/type", "type", morph.T(
			`A roll-up's "type" is number, or for min and max of dates a string with format date or date-time`,
			`汇总字段的 "type" 是 number；对日期取最小或最大值时为 format 为 date 或 date-time 的 string`)))
	} else if formulaKind(f) != lang.KindNumber && r.Agg != "min" && r.Agg != "max" {
		errs = append(errs, settingError("/type", "type", morph.T(
			"Only min and max of a roll-up give dates; %s gives a number", "只有 min 和 max 汇总得到日期；%s 得到数字", r.Agg)))
	}
	for _, k := range []string{"default", "x-default-expr", "x-unique", "x-expr"} {
		if _, ok := f.Prop[k]; ok {
			errs = append(errs, settingError("/"+k, "rollup", morph.T("A roll-up field is computed: it cannot have %s", "汇总字段由系统计算，不能设置 %s", k)))
		}
	}
	return errs
}

// FieldKind is the kind of the roll-up's declared type.
func (rollupType) FieldKind(f *Field) lang.Kind { return formulaKind(f) }

// EngineSet reports that the engine sets the field's values.
func (rollupType) EngineSet() bool { return true }

// ParseRollup reads a roll-up field's x-rollup, with the problems of its
// shape keyed by JSON pointers below the field (/x-rollup/from …). Whether
// the entities and fields it names exist is CheckRollup's question.
func ParseRollup(f *Field) (Rollup, []morph.FieldError) {
	var r Rollup
	m, ok := f.Prop["x-rollup"].(map[string]any)
	if !ok {
		return r, []morph.FieldError{settingError("/x-rollup", "required", morph.T(
			`A roll-up field needs x-rollup, such as {"from": "opportunity", "via": "account", "agg": "sum", "field": "amount"}`,
			`汇总字段需要 x-rollup，例如 {"from": "opportunity", "via": "account", "agg": "sum", "field": "amount"}`))}
	}
	var errs []morph.FieldError
	str := func(k string) string {
		v, has := m[k]
		s, ok := v.(string)
		if has && !ok {
			errs = append(errs, settingError("/x-rollup/"+k, "type", morph.T("%s must be a string", "%s 必须是字符串", k)))
		}
		return s
	}
	for k := range m {
		if !slices.Contains([]string{"from", "via", "agg", "field", "where"}, k) {
			errs = append(errs, settingError("/x-rollup/"+escapePointer(k), "unknown", morph.T(
				"x-rollup has from, via, agg, field and where; not %q", "x-rollup 只有 from、via、agg、field 和 where，没有 %q", k)))
		}
	}
	r.From, r.Via, r.Agg, r.Field, r.Where = str("from"), str("via"), str("agg"), str("field"), str("where")
	if !nameRE.MatchString(r.From) {
		errs = append(errs, settingError("/x-rollup/from", "required", morph.T("from names the entity whose records are rolled up", "from 是被汇总记录所属的实体")))
	}
	if !fieldRE.MatchString(r.Via) {
		errs = append(errs, settingError("/x-rollup/via", "required", morph.T("via names the relation field of %s that points at this entity", "via 是 %s 中指向本实体的关联字段", r.From)))
	}
	switch {
	case !slices.Contains(rollupAggs, r.Agg):
		errs = append(errs, settingError("/x-rollup/agg", "enum", morph.T("agg is one of count, sum, min, max and avg", "agg 是 count、sum、min、max、avg 之一")))
	case r.Agg == "count" && r.Field != "":
		errs = append(errs, settingError("/x-rollup/field", "count", morph.T("A count counts records: it takes no field", "count 统计记录数，不需要字段")))
	case r.Agg != "count" && !fieldRE.MatchString(r.Field):
		errs = append(errs, settingError("/x-rollup/field", "required", morph.T("%s needs the field of %s it aggregates", "%s 需要给出 %s 中被汇总的字段", r.Agg, r.From)))
	}
	return r, errs
}

// CheckRollup checks a parent's roll-up field against its child entity
// (nil when there is no such entity): via points at the parent, the field
// aggregated fits the aggregation and the roll-up's type, and where is a
// filter over the children that depends on neither the user nor the time.
// It returns the filter compiled (nil for all children).
func CheckRollup(parent string, f *Field, r Rollup, child *Entity) (query.Expr, []morph.FieldError) {
	at := "/properties/" + f.Name + "/x-rollup/"
	if child == nil {
		return nil, []morph.FieldError{settingError(at+"from", "unknown_entity", morph.T("There is no entity %q", "不存在实体 %q", r.From))}
	}
	var errs []morph.FieldError
	if via := child.Field(r.Via); via == nil || via.Type.Name() != "relation" || via.Many || via.Ref != parent {
		errs = append(errs, settingError(at+"via", "relation", morph.T(
			"%s has no relation field %q that points at one %s", "%s 没有指向单个 %s 的关联字段 %q", r.From, r.Via, parent)))
		if via != nil {
			errs[len(errs)-1].Text = morph.T("%s.%s must be a relation to one %s", "%s.%s 必须是指向单个 %s 的关联字段", r.From, r.Via, parent)
		}
	}
	if r.Agg != "count" {
		agg := child.Field(r.Field)
		want := formulaKind(f)
		switch {
		case agg == nil:
			errs = append(errs, settingError(at+"field", "unknown_field", morph.T("%s has no field %q", "%s 没有字段 %q", r.From, r.Field)))
		case agg.Kind() != lang.KindNumber && (r.Agg == "sum" || r.Agg == "avg"):
			errs = append(errs, settingError(at+"field", "type", morph.T("%s needs a number field; %s.%s is not one", "%s 需要数字字段；%s.%s 不是", r.Agg, r.From, r.Field)))
		case agg.Kind() != want && want != lang.KindInvalid:
			errs = append(errs, settingError(at+"field", "type", morph.T(
				"The %s of %s.%s does not fit the roll-up's type", "%s.%s 的 %s 与汇总字段的类型不符", r.Agg, r.From, r.Field)))
		}
	}
	var where query.Expr
	if r.Where != "" {
		var err error
		where, err = lang.Filter(r.Where, child.Resolve, lang.Env{})
		if err != nil {
			fe := morph.FieldError{Path: at + "where", Code: "syntax", Offset: -1, Text: morph.T("The condition cannot be used: %v", "条件无法使用：%v", err)}
			if me := morph.AsError(err); me != nil && len(me.Fields) > 0 {
				fe = me.Fields[0]
				fe.Path = at + "where"
			}
			errs = append(errs, fe)
		} else if other, _ := lang.Filter(r.Where, child.Resolve, lang.Env{Now: time.Unix(86400*400, 0).UTC(),
			User: lang.User{ID: "someone", Team: "some-team", Roles: []string{"some-role"}}}); !reflect.DeepEqual(where, other) {
			errs = append(errs, settingError(at+"where", "not_constant", morph.T(
				"A roll-up's condition cannot depend on the user or the time (user, now(), today())",
				"汇总条件不能依赖用户或时间（user、now()、today()）")))
		}
	}
	return where, errs
}
