package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// booleanType is yes or no.
type booleanType struct{ baseType }

var _ FieldType = booleanType{}

func init() {
	register(booleanType{baseType{name: "boolean", kind: lang.KindBool, schema: map[string]any{"type": "boolean"}}},
		morph.T("Yes/No", "是/否"))
}

func (booleanType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "boolean") }
