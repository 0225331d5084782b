package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// textareaType is multi-line text; surrounding blank space is trimmed.
type textareaType struct{ baseType }

var _ FieldType = textareaType{}

func init() {
	register(textareaType{baseType{name: "textarea", kind: lang.KindString, schema: map[string]any{"type": "string", "maxLength": 20000}}},
		morph.T("Long text", "多行文本"))
}

func (textareaType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

func (textareaType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	return trimString(v), nil
}
