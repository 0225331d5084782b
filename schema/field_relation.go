package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// relationType refers to records of another entity (x-ref) by id: one id,
// or with x-many an array of ids.
type relationType struct{ baseType }

var _ FieldType = relationType{}

// maxIDLength bounds a record id held by a relation.
const maxIDLength = 64

func init() {
	register(relationType{baseType{name: "relation", kind: lang.KindString, indexed: true, schema: map[string]any{"type": "string", "maxLength": maxIDLength}}},
		morph.T("Relation", "关联"))
}

// Complete gives a relation the JSON Schema of its value when the definition
// leaves it out: an id, or with x-many an array of distinct ids.
func (relationType) Complete(f *Field) {
	if !f.Many {
		if _, ok := f.Prop["type"]; !ok {
			f.Prop["type"] = "string"
		}
		return
	}
	if _, ok := f.Prop["type"]; !ok {
		f.Prop["type"] = "array"
	}
	if _, ok := f.Prop["items"]; !ok {
		f.Prop["items"] = map[string]any{"type": "string", "maxLength": maxIDLength}
	}
}

func (relationType) Check(f *Field) []morph.FieldError {
	var errs []morph.FieldError
	if ref, ok := f.Prop["x-ref"].(string); !ok || !nameRE.MatchString(ref) {
		errs = append(errs, settingError("/x-ref", "required",
			morph.T("A relation field needs x-ref, the name of the entity it refers to", "关联字段需要 x-ref：所关联实体的名称")))
	}
	if !f.Many {
		return append(errs, checkJSONType(f, "string")...)
	}
	errs = append(errs, checkJSONType(f, "array")...)
	if items, ok := f.Prop["items"].(map[string]any); !ok || items["type"] != "string" {
		errs = append(errs, settingError("/items", "type",
			morph.T(`A relation with x-many holds an array of ids: items must be {"type": "string"}`, `x-many 关联字段是 ID 数组：items 必须是 {"type": "string"}`)))
	}
	return errs
}

// Normalize trims ids and, for x-many, drops blanks and repeats.
func (relationType) Normalize(f *Field, v any) (any, *morph.FieldError) {
	if f.Many {
		return dedupeStrings(v, true), nil
	}
	return trimString(v), nil
}
