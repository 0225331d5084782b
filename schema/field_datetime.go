package schema

import (
	"strings"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// TimeLayout is the stored form of a datetime: UTC with fixed milliseconds,
// so that stored datetimes sort correctly as strings.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// datetimeType is an instant, stored in TimeLayout.
type datetimeType struct{ baseType }

var _ FieldType = datetimeType{}

func init() {
	register(datetimeType{baseType{name: "datetime", kind: lang.KindDateTime, schema: map[string]any{"type": "string", "format": "date-time"}}},
		morph.T("Date and time", "日期时间"))
}

func (datetimeType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

// Normalize converts any RFC 3339 timestamp to UTC in TimeLayout.
func (datetimeType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	// RFC 3339 allows a lower-case t and z; Go's parser wants them upper-case.
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(strings.TrimSpace(s)))
	if err != nil {
		return nil, &morph.FieldError{Code: "format", Offset: -1,
			Text: morph.T("Not a date and time in RFC 3339 form, such as 2026-05-01T09:30:00+08:00", "不是 RFC 3339 格式的日期时间，例如 2026-05-01T09:30:00+08:00")}
	}
	return t.UTC().Format(TimeLayout), nil
}
