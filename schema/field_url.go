package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// urlType is a web address.
type urlType struct{ baseType }

var _ FieldType = urlType{}

func init() {
	register(urlType{baseType{name: "url", kind: lang.KindString, schema: map[string]any{"type": "string", "format": "uri", "maxLength": 2048}}},
		morph.T("Web address", "网址"))
}

func (urlType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

func (urlType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	return trimString(v), nil
}
