package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// numberType is a decimal number.
type numberType struct{ baseType }

var _ FieldType = numberType{}

func init() {
	register(numberType{baseType{name: "number", kind: lang.KindNumber, schema: map[string]any{"type": "number"}}},
		morph.T("Number", "数字"))
}

func (numberType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "number") }
