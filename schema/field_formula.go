package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// formulaType is a value the engine computes on every write from the
// expression in x-expr, over the record's other fields. Its result type is
// the property's JSON Schema type: number, integer, boolean, string (with
// format date or date-time for a date or a time), or an array of strings.
// It is stored, so filters, sorts and indexes use it like any field;
// clients never write it.
type formulaType struct{ baseType }

var (
	_ FieldType = formulaType{}
	_ kinder    = formulaType{}
	_ engineSet = formulaType{}
)

func init() {
	register(formulaType{baseType{name: "formula", kind: lang.KindNumber, schema: map[string]any{"type": "number", "readOnly": true}}},
		morph.T("Formula", "公式"))
}

// Complete leaves "type" as the definition gives it: a formula without
// one is refused by Check, since only the definition knows the result type.
func (formulaType) Complete(*Field) {}

func (formulaType) Check(f *Field) []morph.FieldError {
	var errs []morph.FieldError
	if src, ok := f.Prop["x-expr"].(string); !ok || src == "" {
		errs = append(errs, settingError("/x-expr", "required", morph.T(
			`A formula field needs its expression in x-expr, such as "visits * 10"`, `公式字段需要在 x-expr 中给出表达式，例如 "visits * 10"`)))
	}
	if _, ok := f.Prop["type"]; !ok || formulaKind(f) == lang.KindInvalid {
		errs = append(errs, settingError("/type", "type", morph.T(
			`A formula field's "type" is its result type: number, integer, boolean, string (format date or date-time for dates), or an array of strings`,
			`公式字段的 "type" 是结果类型：number、integer、boolean、string（日期用 format date 或 date-time），或字符串数组`)))
	}
	for _, k := range []string{"default", "x-default-expr", "x-unique"} {
		if _, ok := f.Prop[k]; ok {
			errs = append(errs, settingError("/"+k, "formula", morph.T("A formula field is computed: it cannot have %s", "公式字段由系统计算，不能设置 %s", k)))
		}
	}
	return errs
}

// FieldKind is the kind of the formula's declared result type.
func (formulaType) FieldKind(f *Field) lang.Kind { return formulaKind(f) }

// EngineSet reports that the engine sets the field's values.
func (formulaType) EngineSet() bool { return true }

func formulaKind(f *Field) lang.Kind {
	typ, _ := jsonTypeOf(f.Prop)
	switch typ {
	case "number", "integer":
		return lang.KindNumber
	case "boolean":
		return lang.KindBool
	case "string":
		switch f.Prop["format"] {
		case "date":
			return lang.KindDate
		case "date-time":
			return lang.KindDateTime
		}
		return lang.KindString
	case "array":
		if items, ok := f.Prop["items"].(map[string]any); ok {
			if it, _ := jsonTypeOf(items); it == "string" {
				return lang.KindStrings
			}
		}
	}
	return lang.KindInvalid
}

// kinder is a field type whose kind depends on the field's settings.
type kinder interface{ FieldKind(f *Field) lang.Kind }

// engineSet is a field type whose values the engine sets (an autonumber, a
// formula): a client that sends one is refused, as for a read-only system
// field.
type engineSet interface{ EngineSet() bool }

// Kind is how expressions, filters and indexes see the field: its type's
// kind, a list for a relation with x-many, a formula's result type.
func (f *Field) Kind() lang.Kind {
	if f.Many {
		return lang.KindStrings
	}
	if k, ok := f.Type.(kinder); ok {
		return k.FieldKind(f)
	}
	return f.Type.Kind()
}

// EngineSet reports whether the engine sets the field's values (an
// autonumber, a formula), so that clients may not.
func (f *Field) EngineSet() bool {
	s, ok := f.Type.(engineSet)
	return ok && s.EngineSet()
}
