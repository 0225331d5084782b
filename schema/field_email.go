package schema

import (
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// emailType is an e-mail address, trimmed and lower-cased.
type emailType struct{ baseType }

var _ FieldType = emailType{}

func init() {
	register(emailType{baseType{name: "email", kind: lang.KindString, schema: map[string]any{"type": "string", "format": "email", "maxLength": 254}}},
		morph.T("E-mail", "邮箱"))
}

func (emailType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "string") }

func (emailType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	if s, ok := v.(string); ok {
		return strings.ToLower(strings.TrimSpace(s)), nil
	}
	return v, nil
}
