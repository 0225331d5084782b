package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// percentType is a percentage stored as its number of percent (35 for 35 %).
type percentType struct{ baseType }

var _ FieldType = percentType{}

func init() {
	register(percentType{baseType{name: "percent", kind: lang.KindNumber, schema: map[string]any{"type": "number", "minimum": 0, "maximum": 100}}},
		morph.T("Percent", "百分比"))
}

func (percentType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "number") }
