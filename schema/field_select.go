package schema

import (
	"strconv"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// selectType is one value out of a list (the JSON Schema enum); x-options
// labels each value.
type selectType struct{ baseType }

var _ FieldType = selectType{}

func init() {
	register(selectType{baseType{name: "select", kind: lang.KindString, schema: map[string]any{"type": "string", "enum": []any{}}}},
		morph.T("Select", "单选"))
}

func (selectType) Check(f *Field) []morph.FieldError {
	errs := checkJSONType(f, "string")
	enum, ok := f.Prop["enum"].([]any)
	if !ok || len(enum) == 0 {
		return append(errs, settingError("", "enum",
			morph.T("A select field needs a non-empty enum of its values", "单选字段需要非空的 enum 选项列表")))
	}
	return append(errs, checkEnumStrings(enum, "/enum")...)
}

func (selectType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	return trimString(v), nil
}

// checkEnumStrings reports options that are not non-empty strings. null
// may be listed (a nullable select): it is "no value", not an option.
func checkEnumStrings(enum []any, path string) []morph.FieldError {
	for i, v := range enum {
		if s, ok := v.(string); (!ok || s == "") && v != nil {
			return []morph.FieldError{settingError(path+"/"+strconv.Itoa(i), "enum",
				morph.T("Every option must be a non-empty string", "每个选项都必须是非空字符串"))}
		}
	}
	return nil
}
