package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// textType is a single line of text, trimmed.
type textType struct{ baseType }

var _ FieldType = textType{}

func init() {
	register(textType{baseType{name: "text", kind: lang.KindString, schema: map[string]any{"type": "string", "maxLength": 200}}},
		morph.T("Text", "文本"))
}

func (t textType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

func (textType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	return trimString(v), nil
}
