package schema

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// DefaultRegion is the region of phone numbers written without a country code.
const DefaultRegion = "CN"

// phoneType is a phone number, stored in E.164 form ("+8613800138000").
type phoneType struct{ baseType }

var _ FieldType = phoneType{}

func init() {
	register(phoneType{baseType{name: "phone", kind: lang.KindString, schema: map[string]any{"type": "string", "maxLength": 32}}},
		morph.T("Phone", "电话"))
}

func (phoneType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

func (phoneType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return s, nil
	}
	if len(s) > 64 {
		return nil, phoneError()
	}
	n, err := phonenumbers.Parse(s, DefaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return nil, phoneError()
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func phoneError() *morph.FieldError {
	return &morph.FieldError{Code: "phone", Offset: -1,
		Text: morph.T("Not a valid phone number (a mainland number, or + and a country code)", "不是有效的电话号码（中国大陆号码，或以 + 加国家代码开头）")}
}
