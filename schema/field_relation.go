package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// relationType refers to records of another entity (x-ref) by id: one id,
// or with x-many an array of ids.
type relationType struct{ baseType }

var _ FieldType = relationType{}

func init() {
	register(relationType{baseType{name: "relation", kind: lang.KindString, indexed: true, schema: map[string]any{"type": "string", "maxLength": 64}}},
		morph.T("Relation", "关联"))
}

func (relationType) Check(f *Field) []morph.FieldError {
	var errs []morph.FieldError
	if ref, ok := f.Prop["x-ref"].(string); !ok || !nameRE.MatchString(ref) {
		errs = append(errs, settingError("/x-ref", "required",
			morph.T("A relation field needs x-ref, the name of the entity it refers to", "关联字段需要 x-ref：所关联实体的名称")))
	}
	want := "string"
	if f.Many {
		want = "array"
	}
	return append(errs, checkJSONType(f, want)...)
}
