package schema

import (
	"regexp"
	"slices"
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
	if out, ok := mainlandMobile(s, r); ok {
		phoneMemo.put(key, out)
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

// mainlandMobile is the normal form of a mainland China mobile number
// written as its 11 digits (1 and ten more, spaces or hyphens between
// them allowed) in region CN, or after +86 in any region: the form most
// numbers in the CRM take. Parsing one with libphonenumber costs about 25
// microseconds of regular expressions; here the digits are matched against
// the library's mobile pattern for the region (cnMobile), and only a number
// that does not fit it is left to the library's validity check. The result is
// what Parse and Format give (TestMainlandMobileAsLibrary); false when the
// number has another form or is not valid, and the caller parses it.
func mainlandMobile(s, region string) (string, bool) {
	rest, intl := strings.CutPrefix(s, "+86")
	if !intl && region != "CN" {
		return "", false
	}
	var d [11]byte
	n := 0
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case (c == ' ' || c == '-') && n > 0 && i+1 < len(rest):
		case (c == ' ' || c == '-') && n == 0 && intl:
		default:
			return "", false
		}
	}
	if n != len(d) || d[0] != '1' || d[1] < '3' {
		return "", false
	}
	if !cnMobile().match(d[:]) {
		var national uint64
		for _, c := range d {
			national = national*10 + uint64(c-'0')
		}
		cc := int32(86)
		num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &national}
		if !phonenumbers.IsValidNumber(num) {
			return "", false
		}
	}
	return "+86" + string(d[:]), true
}

// mobilePatterns are a region's national number patterns for all its
// numbers and for its mobile ones, from libphonenumber's metadata.
type mobilePatterns struct {
	general, mobile *regexp.Regexp
	lengths         []int32 // the lengths of numbers, of mobile numbers
	mobileLengths   []int32
}

// cnMobile holds mainland China's patterns, compiled once.
var cnMobile = sync.OnceValue(func() mobilePatterns {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return mobilePatterns{}
	}
	for _, md := range coll.GetMetadata() {
		if md.GetId() != "CN" {
			continue
		}
		g, m := md.GetGeneralDesc(), md.GetMobile()
		if g.GetNationalNumberPattern() == "" || m.GetNationalNumberPattern() == "" {
			break
		}
		return mobilePatterns{general: regexp.MustCompile("^(?:" + g.GetNationalNumberPattern() + ")$"),
			mobile:  regexp.MustCompile("^(?:" + m.GetNationalNumberPattern() + ")$"),
			lengths: g.GetPossibleLength(), mobileLengths: m.GetPossibleLength()}
	}
	return mobilePatterns{}
})

// match tells whether national (digits) is a valid mobile number: it fits
// the region's pattern and its mobile pattern and length, which is what
// libphonenumber's validity check asks of a mobile number (a number of
// another type is valid too: false here only sends it to the library).
// Matching the two patterns costs about a tenth of the library's check,
// which tries each type of number in turn.
func (p mobilePatterns) match(national []byte) bool {
	n := int32(len(national))
	if p.mobile == nil || !slices.Contains(p.lengths, n) || !slices.Contains(p.mobileLengths, n) {
		return false
	}
	return p.general.Match(national) && p.mobile.Match(national)
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
