package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// multiselectType is any number of values out of a list (items.enum).
type multiselectType struct{ baseType }

var _ FieldType = multiselectType{}

func init() {
	register(multiselectType{baseType{name: "multiselect", kind: lang.KindStrings, schema: map[string]any{
		"type": "array", "items": map[string]any{"type": "string", "enum": []any{}}, "uniqueItems": true}}},
		morph.T("Multi-select", "多选"))
}

func (multiselectType) Check(f *Field) []morph.FieldError {
	errs := checkJSONType(f, "array")
	items, _ := f.Prop["items"].(map[string]any)
	enum, ok := items["enum"].([]any)
	if !ok || len(enum) == 0 {
		return append(errs, settingError("/items", "enum",
			morph.T("A multi-select field needs items with a non-empty enum", "多选字段需要 items 中非空的 enum 选项列表")))
	}
	return append(errs, checkEnumStrings(enum, "/items/enum")...)
}

func (multiselectType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	return dedupeStrings(v, false), nil
}
