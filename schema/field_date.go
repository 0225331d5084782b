package schema

import (
	"strings"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// dateType is a calendar day, "2006-01-02".
type dateType struct{ baseType }

var _ FieldType = dateType{}

func init() {
	register(dateType{baseType{name: "date", kind: lang.KindDate, schema: map[string]any{"type": "string", "format": "date"}}},
		morph.T("Date", "日期"))
}

func (dateType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

// Normalize trims the value and reduces a full timestamp to its day.
func (dateType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return s, nil
}
