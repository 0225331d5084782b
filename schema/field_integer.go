package schema

import (
	"math"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// integerType is a whole number between −MaxSafeInteger and MaxSafeInteger:
// JSON numbers are read as doubles, which hold larger whole numbers only
// approximately (9007199254740993 would be stored as 9007199254740992).
type integerType struct{ baseType }

var _ FieldType = integerType{}

func init() {
	register(integerType{baseType{name: "integer", kind: lang.KindNumber, schema: map[string]any{"type": "integer"}}},
		morph.T("Integer", "整数"))
}

func (integerType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "integer") }

// Normalize refuses a number beyond the whole numbers a double holds
// exactly. Fractions and other types are left to validation.
func (integerType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	if n, ok := v.(float64); ok && math.Abs(n) > MaxSafeInteger {
		return v, &morph.FieldError{Code: "range", Offset: -1, Text: morph.T(
			"A whole number from -9007199254740991 to 9007199254740991 (2^53−1) is expected; larger ones cannot be held exactly",
			"应为 -9007199254740991 到 9007199254740991（2^53−1）之间的整数；更大的数无法精确保存")}
	}
	return v, nil
}
