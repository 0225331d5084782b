package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// userType holds the id of a user of Morph.
type userType struct{ baseType }

var _ FieldType = userType{}

func init() {
	register(userType{baseType{name: "user", kind: lang.KindString, indexed: true, schema: map[string]any{"type": "string", "maxLength": 128}}},
		morph.T("User", "用户"))
}

func (userType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

func (userType) Normalize(_ *Field, v any) (any, *morph.FieldError) { return trimString(v), nil }
