package schema

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// autonumberType is a number the engine assigns on create from a counter,
// formatted with x-autonumber's prefix and digits ("HT-000042").
type autonumberType struct{ baseType }

var (
	_ FieldType = autonumberType{}
	_ engineSet = autonumberType{}
)

// EngineSet reports that the engine assigns the field's values.
func (autonumberType) EngineSet() bool { return true }

func init() {
	register(autonumberType{baseType{name: "autonumber", kind: lang.KindString, schema: map[string]any{"type": "string", "readOnly": true}}},
		morph.T("Auto number", "自动编号"))
}

func (autonumberType) Check(f *Field) []morph.FieldError {
	errs := checkJSONType(f, "string")
	if cfg, ok := f.Prop["x-autonumber"]; ok {
		m, ok := cfg.(map[string]any)
		if !ok {
			return append(errs, settingError("/x-autonumber", "type", morph.T("x-autonumber must be an object", "x-autonumber 必须是对象")))
		}
		if p, ok := m["prefix"]; ok {
			if s, ok := p.(string); !ok || len(s) > 20 {
				errs = append(errs, settingError("/x-autonumber/prefix", "type", morph.T("prefix must be text of at most 20 characters", "prefix 必须是不超过 20 个字符的文本")))
			}
		}
		if d, ok := m["digits"]; ok {
			if n, ok := d.(float64); !ok || n < 1 || n > 18 || n != float64(int(n)) {
				errs = append(errs, settingError("/x-autonumber/digits", "range", morph.T("digits must be a whole number from 1 to 18", "digits 必须是 1 到 18 的整数")))
			}
		}
	}
	return errs
}
