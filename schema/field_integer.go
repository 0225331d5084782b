package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// integerType is a whole number.
type integerType struct{ baseType }

var _ FieldType = integerType{}

func init() {
	register(integerType{baseType{name: "integer", kind: lang.KindNumber, schema: map[string]any{"type": "integer"}}},
		morph.T("Integer", "整数"))
}

func (integerType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "integer") }
