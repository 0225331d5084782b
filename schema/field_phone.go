package schema

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// DefaultRegion is the region of phone numbers written without a country code.
const DefaultRegion = "CN"

// phoneType is a phone number, stored in E.164 form ("+8613800138000").
// x-region (an ISO 3166 region such as "HK") is the region of numbers
// written without a country code; DefaultRegion when absent.
type phoneType struct{ baseType }

var _ FieldType = phoneType{}

func init() {
	register(phoneType{baseType{name: "phone", kind: lang.KindString, schema: map[string]any{"type": "string", "maxLength": 32}}},
		morph.T("Phone", "电话"))
}

func (phoneType) Check(f *Field) []morph.FieldError {
	errs := checkJSONType(f, "string")
	if r, ok := f.Prop["x-region"]; ok {
		if s, ok := r.(string); !ok || !phonenumbers.GetSupportedRegions()[s] {
			errs = append(errs, settingError("/x-region", "region", morph.T(
				"x-region must be a region code such as CN, HK or US", "x-region 必须是地区代码，例如 CN、HK 或 US")))
		}
	}
	return errs
}

// region is the region of the field's numbers written without a country code.
func region(f *Field) string {
	if s, ok := f.Prop["x-region"].(string); ok && phonenumbers.GetSupportedRegions()[s] {
		return s
	}
	return DefaultRegion
}

func (phoneType) Normalize(f *Field, v any) (any, *morph.FieldError) {
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
	r := region(f)
	key := r + "\x00" + s
	if out, ok := phoneMemo.get(key); ok {
		return out, nil
	}
	n, err := phonenumbers.Parse(s, r)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		if r != DefaultRegion {
			return nil, &morph.FieldError{Code: "phone", Offset: -1, Text: morph.T(
				"Not a valid phone number (a number of %s, or + and a country code)", "不是有效的电话号码（%s 的号码，或以 + 加国家代码开头）", r)}
		}
		return nil, phoneError()
	}
	out := phonenumbers.Format(n, phonenumbers.E164)
	phoneMemo.put(key, out)
	return out, nil
}

// phoneMemo keeps recent numbers' normal forms: every update of a record
// normalises its phone numbers again, and parsing one costs tens of
// microseconds (libphonenumber's regular expressions).
var phoneMemo = &memo{max: 4096}

// memo is a bounded map of strings, emptied when full.
type memo struct {
	mu  sync.Mutex
	m   map[string]string
	max int
}

func (c *memo) get(k string) (string, bool) {
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	return v, ok
}

func (c *memo) put(k, v string) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]string, c.max)
	}
	c.m[k] = v
	c.mu.Unlock()
}

func phoneError() *morph.FieldError {
	return &morph.FieldError{Code: "phone", Offset: -1,
		Text: morph.T("Not a valid phone number (a mainland number, or + and a country code)", "不是有效的电话号码（中国大陆号码，或以 + 加国家代码开头）")}
}
