package schema

import (
	"encoding/json"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// currencyType is an amount of money with its ISO 4217 code:
// {"amount": 1200.5, "currency": "CNY"}. Filters and sorts use the amount.
type currencyType struct{ baseType }

var _ FieldType = currencyType{}

func init() {
	register(currencyType{baseType{name: "currency", kind: lang.KindNumber, schema: map[string]any{
		"type": "object",
		"properties": map[string]any{
			"amount":   map[string]any{"type": "number"},
			"currency": map[string]any{"type": "string", "pattern": "^[A-Z]{3}$"},
		},
		"required":             []any{"amount"},
		"additionalProperties": false,
	}}}, morph.T("Currency", "金额"))
}

// Complete gives a currency property the shape of its value when the
// definition leaves it out, so every currency value is validated alike.
func (t currencyType) Complete(f *Field) {
	for k, v := range t.BaseSchema() {
		if _, ok := f.Prop[k]; !ok {
			f.Prop[k] = v
		}
	}
}

func (currencyType) StorePath(name string) string { return name + ".amount" }

func (currencyType) Check(f *Field) []morph.FieldError {
	errs := checkJSONType(f, "object")
	if c, ok := f.Prop["x-currency"]; ok {
		if s, ok := c.(string); !ok || len(s) != 3 || strings.ToUpper(s) != s {
			errs = append(errs, settingError("/x-currency", "currency",
				morph.T("x-currency must be an ISO 4217 code such as CNY", "x-currency 必须是 ISO 4217 货币代码，例如 CNY")))
		}
	}
	return errs
}

// Normalize fills in the default currency and upper-cases the code. A bare
// number is taken as an amount in the default currency.
func (currencyType) Normalize(f *Field, v any) (any, *morph.FieldError) {
	def, _ := f.Prop["x-currency"].(string)
	if def == "" {
		def = "CNY"
	}
	switch x := v.(type) {
	case float64, int, int64, json.Number:
		return map[string]any{"amount": x, "currency": def}, nil
	case map[string]any:
		c, ok := x["currency"]
		switch s, isStr := c.(string); {
		case !ok || c == nil:
			x["currency"] = def
		case isStr:
			x["currency"] = strings.ToUpper(strings.TrimSpace(s))
		}
		return x, nil
	}
	return v, nil
}
