package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// jsonType is a free JSON object (its own JSON Schema may describe it).
type jsonType struct{ baseType }

var _ FieldType = jsonType{}

func init() {
	register(jsonType{baseType{name: "json", kind: lang.KindObject, schema: map[string]any{"type": "object"}}},
		morph.T("JSON", "JSON"))
}
