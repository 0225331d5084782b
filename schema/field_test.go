package schema_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

// entityWith parses an entity with the given properties (a JSON fragment).
func entityWith(t *testing.T, props string, extra ...string) *schema.Entity {
	t.Helper()
	doc := `{"$id": "thing", "type": "object", "properties": {` + props + `}` + strings.Join(extra, "") + `}`
	e, err := schema.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return e
}

func TestNormalize(t *testing.T) {
	e := entityWith(t, `
		"text": {"type": "string", "x-type": "text"},
		"email": {"type": "string", "x-type": "email"},
		"phone": {"type": "string", "x-type": "phone"},
		"when": {"type": "string", "x-type": "datetime"},
		"day": {"type": "string", "x-type": "date"},
		"money": {"type": "object", "x-type": "currency", "x-currency": "USD"},
		"cny": {"type": "object", "x-type": "currency"},
		"tags": {"type": "array", "items": {"type": "string"}, "x-type": "tags"},
		"multi": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "x-type": "multiselect"}`)
	for _, tc := range []struct {
		field   string
		in, out any
		errCode string
	}{
		{"text", "  hello  ", "hello", ""},
		{"email", "  Zhang.Wei@Example.COM ", "zhang.wei@example.com", ""},
		{"phone", "138 0013 8000", "+8613800138000", ""},
		{"phone", "(010) 6552 9988", "+861065529988", ""},
		{"phone", "+1 415 555 2671", "+14155552671", ""},
		{"phone", "+86-139-0013-9000", "+8613900139000", ""},
		{"phone", "12345", nil, "phone"},
		{"phone", "call me", nil, "phone"},
		{"when", "2026-05-01T09:30:00+08:00", "2026-05-01T01:30:00.000Z", ""},
		{"when", "2026-05-01T01:30:00.123456Z", "2026-05-01T01:30:00.123Z", ""},
		{"when", "yesterday", nil, "format"},
		{"day", " 2026-05-01 ", "2026-05-01", ""},
		{"day", "2026-05-01T23:00:00Z", "2026-05-01", ""},
		{"money", 12.5, map[string]any{"amount": 12.5, "currency": "USD"}, ""},
		{"money", map[string]any{"amount": 3.0, "currency": "eur"}, map[string]any{"amount": 3.0, "currency": "EUR"}, ""},
		{"cny", map[string]any{"amount": 3.0}, map[string]any{"amount": 3.0, "currency": "CNY"}, ""},
		{"tags", []any{" vip ", "", "vip", "new"}, []any{"vip", "new"}, ""},
		{"multi", []any{"a", "b", "a"}, []any{"a", "b"}, ""},
		{"text", 42.0, 42.0, ""}, // the wrong type is left for validation
	} {
		data := map[string]any{tc.field: tc.in}
		errs := e.Normalize(data)
		if tc.errCode != "" {
			if len(errs) != 1 || errs[0].Code != tc.errCode || errs[0].Path != "/"+tc.field {
				t.Errorf("%s %v: errors %v, want %s", tc.field, tc.in, errs, tc.errCode)
			}
			continue
		}
		if len(errs) > 0 || !reflect.DeepEqual(data[tc.field], tc.out) {
			t.Errorf("%s %v: got %v (%v), want %v", tc.field, tc.in, data[tc.field], errs, tc.out)
		}
	}
}

func TestValidate(t *testing.T) {
	e := entityWith(t, `
		"name": {"type": "string", "maxLength": 5, "x-type": "text", "x-label": {"en": "Name", "zh-CN": "名称"}},
		"tier": {"type": "string", "enum": ["vip", "normal"], "x-type": "select"},
		"n": {"type": "integer", "minimum": 0, "maximum": 10},
		"mail": {"type": "string", "format": "email"},
		"day": {"type": "string", "format": "date"},
		"site": {"type": "string", "format": "uri"},
		"money": {"type": "object", "x-type": "currency"},
		"ok": {"type": "boolean"},
		"multi": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}`, `, "required": ["name"]`)
	for _, tc := range []struct {
		name string
		data map[string]any
		want map[string]string // path → code
	}{
		{"valid", map[string]any{"name": "Ann", "tier": "vip", "n": 3.0, "mail": "a@b.cn", "day": "2026-01-02", "site": "https://x.cn", "ok": true, "multi": []any{"a"}}, nil},
		{"null clears an optional field", map[string]any{"name": "Ann", "tier": nil}, nil},
		{"missing required", map[string]any{"tier": "vip"}, map[string]string{"/name": "required"}},
		{"blank required", map[string]any{"name": "  "}, map[string]string{"/name": "required"}},
		{"null required", map[string]any{"name": nil}, map[string]string{"/name": "required"}},
		{"unknown field", map[string]any{"name": "A", "colour": "red"}, map[string]string{"/colour": "unknown_field"}},
		{"too long", map[string]any{"name": "Annabel"}, map[string]string{"/name": "max_length"}},
		{"enum", map[string]any{"name": "A", "tier": "gold"}, map[string]string{"/tier": "enum"}},
		{"type", map[string]any{"name": "A", "n": "three"}, map[string]string{"/n": "type"}},
		{"integer", map[string]any{"name": "A", "n": 2.5}, map[string]string{"/n": "type"}},
		{"range", map[string]any{"name": "A", "n": 11.0}, map[string]string{"/n": "maximum"}},
		{"email format", map[string]any{"name": "A", "mail": "not-mail"}, map[string]string{"/mail": "format"}},
		{"date format", map[string]any{"name": "A", "day": "02/01/2026"}, map[string]string{"/day": "format"}},
		{"currency shape", map[string]any{"name": "A", "money": map[string]any{"amount": "ten", "currency": "CNY"}}, map[string]string{"/money/amount": "type"}},
		{"currency code", map[string]any{"name": "A", "money": map[string]any{"amount": 1.0, "currency": "yuan"}}, map[string]string{"/money/currency": "pattern"}},
		{"bool", map[string]any{"name": "A", "ok": "yes"}, map[string]string{"/ok": "type"}},
		{"multi option", map[string]any{"name": "A", "multi": []any{"c"}}, map[string]string{"/multi/0": "enum"}},
		{"several at once", map[string]any{"name": "Annabel", "tier": "gold", "n": -1.0}, map[string]string{"/name": "max_length", "/tier": "enum", "/n": "minimum"}},
		{"required with others", map[string]any{"tier": "gold", "colour": 1.0}, map[string]string{"/name": "required", "/tier": "enum", "/colour": "unknown_field"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := e.Validate(tc.data)
			got := map[string]string{}
			for _, fe := range errs {
				got[fe.Path] = fe.Code
				if fe.Text.EN == "" || fe.Text.ZH == "" || fe.Text.EN == fe.Text.ZH {
					t.Errorf("%s: message not bilingual: %+v", fe.Path, fe.Text)
				}
			}
			if len(tc.want) == 0 && len(got) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	errs := e.Validate(map[string]any{})
	if len(errs) != 1 || errs[0].Text.ZH != "名称为必填项" {
		t.Fatalf("Chinese message: %+v", errs)
	}
}

func TestDefaults(t *testing.T) {
	e := entityWith(t, `"stage": {"type": "string", "enum": ["a", "b"], "default": "a"}, "tags": {"type": "array", "items": {"type": "string"}, "default": ["x"]}`)
	d := map[string]any{"stage": "b"}
	e.ApplyDefaults(d)
	if d["stage"] != "b" || !reflect.DeepEqual(d["tags"], []any{"x"}) {
		t.Fatalf("defaults: %v", d)
	}
	d2 := map[string]any{}
	e.ApplyDefaults(d2)
	d2["tags"].([]any)[0] = "changed"
	d3 := map[string]any{}
	e.ApplyDefaults(d3)
	if d3["tags"].([]any)[0] != "x" {
		t.Fatal("a default value is shared between records")
	}
}

// Every field type: what it normalises a value to, and what validation then
// says of it ("" for nothing).
func TestFieldTypes(t *testing.T) {
	type step struct {
		in   any
		out  any    // after Normalize (when code is not a normalisation error)
		code string // the error code at the field's path, or ""
	}
	for _, tc := range []struct {
		typ   string
		prop  string
		steps []step
	}{
		{"text", `{"type": "string", "x-type": "text", "maxLength": 5}`, []step{
			{"  Ann ", "Ann", ""}, {"Annabel", "Annabel", "max_length"}, {12.0, 12.0, "type"}}},
		{"textarea", `{"type": "string", "x-type": "textarea"}`, []step{
			{"\n line one\nline two \n", "line one\nline two", ""}, {true, true, "type"}}},
		{"number", `{"type": "number", "x-type": "number", "minimum": 0}`, []step{
			{2.5, 2.5, ""}, {-1.0, -1.0, "minimum"}, {"2.5", "2.5", "type"}}},
		{"integer", `{"type": "integer", "x-type": "integer", "maximum": 10}`, []step{
			{3.0, 3.0, ""}, {3.5, 3.5, "type"}, {11.0, 11.0, "maximum"}}},
		{"currency", `{"type": "object", "x-type": "currency"}`, []step{
			{100.0, map[string]any{"amount": 100.0, "currency": "CNY"}, ""},
			{map[string]any{"amount": 5.0, "currency": " usd "}, map[string]any{"amount": 5.0, "currency": "USD"}, ""},
			{"100", "100", "type"}}},
		{"percent", `{"type": "number", "x-type": "percent", "minimum": 0, "maximum": 100}`, []step{
			{35.0, 35.0, ""}, {120.0, 120.0, "maximum"}}},
		{"boolean", `{"type": "boolean", "x-type": "boolean"}`, []step{
			{true, true, ""}, {"yes", "yes", "type"}}},
		{"date", `{"type": "string", "x-type": "date", "format": "date"}`, []step{
			{"2026-02-28", "2026-02-28", ""}, {"2026-02-30", "2026-02-30", "format"}, {"28/02/2026", "28/02/2026", "format"}}},
		{"datetime", `{"type": "string", "x-type": "datetime", "format": "date-time"}`, []step{
			{"2026-05-01T09:30:00+08:00", "2026-05-01T01:30:00.000Z", ""}, {"2026-05-01t01:30:00.5z", "2026-05-01T01:30:00.500Z", ""},
			{"2026-05-01 09:30", nil, "format"}}},
		{"select", `{"type": "string", "x-type": "select", "enum": ["vip", "normal"]}`, []step{
			{" vip ", "vip", ""}, {"gold", "gold", "enum"}}},
		{"multiselect", `{"type": "array", "x-type": "multiselect", "items": {"type": "string", "enum": ["a", "b"]}, "uniqueItems": true}`, []step{
			{[]any{"b", "a", "b"}, []any{"b", "a"}, ""}, {"a", "a", "type"}}},
		{"tags", `{"type": "array", "x-type": "tags", "items": {"type": "string", "maxLength": 5}}`, []step{
			{[]any{" x ", "", "x", "y"}, []any{"x", "y"}, ""}, {[]any{"toolong"}, []any{"toolong"}, "max_length"}}},
		{"email", `{"type": "string", "x-type": "email", "format": "email"}`, []step{
			{" Li.Lei@Example.CN ", "li.lei@example.cn", ""}, {"li.lei", "li.lei", "format"}}},
		{"phone", `{"type": "string", "x-type": "phone"}`, []step{
			{"138 0013 8000", "+8613800138000", ""}, {"+1 415 555 2671", "+14155552671", ""}, {"0571-8888 1234", "+8657188881234", ""},
			{"123", nil, "phone"}, {"+86 138 0013 8000 999 999", nil, "phone"}, {"138 0013 8000", "+8613800138000", ""}}},
		// Remembered numbers are remembered per region: the mainland number
		// above is no Hong Kong number.

		{"phone", `{"type": "string", "x-type": "phone", "x-region": "HK"}`, []step{
			{"9123 4567", "+85291234567", ""}, {"+86 138 0013 8000", "+8613800138000", ""}, {"138 0013 8000", nil, "phone"}}},
		{"url", `{"type": "string", "x-type": "url", "format": "uri"}`, []step{
			{" https://example.cn/a ", "https://example.cn/a", ""}, {"not a url", "not a url", "format"}}},
		{"user", `{"type": "string", "x-type": "user"}`, []step{
			{" u1 ", "u1", ""}, {1.0, 1.0, "type"}}},
		{"relation", `{"type": "string", "x-type": "relation", "x-ref": "account"}`, []step{
			{" a1 ", "a1", ""}, {[]any{"a1"}, []any{"a1"}, "type"}}},
		{"relation", `{"x-type": "relation", "x-ref": "product", "x-many": true}`, []step{
			{[]any{"p1", " p2", "p1", ""}, []any{"p1", "p2"}, ""}, {"p1", "p1", "type"}, {[]any{1.0}, []any{1.0}, "type"}}},
		{"autonumber", `{"type": "string", "x-type": "autonumber", "x-autonumber": {"prefix": "HT-", "digits": 6}}`, []step{
			{"HT-000001", "HT-000001", ""}}},
		{"json", `{"type": "object", "x-type": "json"}`, []step{
			{map[string]any{"a": []any{1.0}}, map[string]any{"a": []any{1.0}}, ""}, {"x", "x", "type"}}},
	} {
		e := entityWith(t, `"f": `+tc.prop)
		if got := e.Field("f").Type.Name(); got != tc.typ {
			t.Fatalf("%s: parsed as %s", tc.prop, got)
		}
		for _, s := range tc.steps {
			data := map[string]any{"f": s.in}
			errs := e.Normalize(data)
			if len(errs) == 0 {
				if !reflect.DeepEqual(data["f"], s.out) {
					t.Errorf("%s %#v: normalised to %#v, want %#v", tc.typ, s.in, data["f"], s.out)
				}
				errs = e.Validate(data)
			}
			code := ""
			for _, fe := range errs {
				if fe.Path == "/f" || strings.HasPrefix(fe.Path, "/f/") {
					code = fe.Code
				}
			}
			if len(errs) > 1 || len(errs) == 1 && code == "" {
				t.Errorf("%s %#v: errors %v", tc.typ, s.in, errs)
			}
			if code != s.code {
				t.Errorf("%s %#v: code %q (%v), want %q", tc.typ, s.in, code, errs, s.code)
			}
		}
	}
}

// The settings of each field type are checked when the definition is saved.
func TestFieldSettings(t *testing.T) {
	for _, tc := range []struct {
		name string
		prop string
		path string // where the error is, under /properties/f; "-" for none
		code string
	}{
		{"text as number", `{"type": "number", "x-type": "text"}`, "/type", "type"},
		{"nullable text", `{"type": ["string", "null"], "x-type": "text"}`, "-", ""},
		{"integer as number field", `{"type": "integer", "x-type": "number"}`, "-", ""},
		{"textarea", `{"type": "boolean", "x-type": "textarea"}`, "/type", "type"},
		{"integer", `{"type": "string", "x-type": "integer"}`, "/type", "type"},
		{"percent", `{"type": "string", "x-type": "percent"}`, "/type", "type"},
		{"boolean", `{"type": "number", "x-type": "boolean"}`, "/type", "type"},
		{"date", `{"type": "number", "x-type": "date"}`, "/type", "type"},
		{"datetime", `{"type": "object", "x-type": "datetime"}`, "/type", "type"},
		{"email", `{"type": "array", "x-type": "email"}`, "/type", "type"},
		{"phone", `{"type": "number", "x-type": "phone"}`, "/type", "type"},
		{"phone region", `{"type": "string", "x-type": "phone", "x-region": "HK"}`, "-", ""},
		{"phone unknown region", `{"type": "string", "x-type": "phone", "x-region": "XX"}`, "/x-region", "region"},
		{"phone region lower-case", `{"type": "string", "x-type": "phone", "x-region": "hk"}`, "/x-region", "region"},
		{"phone region not text", `{"type": "string", "x-type": "phone", "x-region": 86}`, "/x-region", "region"},
		{"url", `{"type": "number", "x-type": "url"}`, "/type", "type"},
		{"user", `{"type": "number", "x-type": "user"}`, "/type", "type"},
		{"tags", `{"type": "string", "x-type": "tags"}`, "/type", "type"},
		{"currency code", `{"type": "object", "x-type": "currency", "x-currency": "rmb"}`, "/x-currency", "currency"},
		{"currency type", `{"type": "string", "x-type": "currency"}`, "/type", "type"},
		{"select without enum", `{"type": "string", "x-type": "select"}`, "", "enum"},
		{"select empty enum", `{"type": "string", "x-type": "select", "enum": []}`, "", "enum"},
		{"select number option", `{"type": "string", "x-type": "select", "enum": ["a", 2]}`, "/enum/1", "enum"},
		{"select nullable", `{"type": ["string", "null"], "x-type": "select", "enum": ["a", null]}`, "-", ""},
		{"multiselect without enum", `{"type": "array", "x-type": "multiselect", "items": {"type": "string"}}`, "/items", "enum"},
		{"relation without x-ref", `{"type": "string", "x-type": "relation"}`, "/x-ref", "required"},
		{"relation bad x-ref", `{"type": "string", "x-type": "relation", "x-ref": "Not An Entity"}`, "/x-ref", "required"},
		{"relation many as string", `{"type": "string", "x-type": "relation", "x-ref": "a", "x-many": true}`, "/type", "type"},
		{"relation many of numbers", `{"type": "array", "items": {"type": "number"}, "x-type": "relation", "x-ref": "a", "x-many": true}`, "/items", "type"},
		{"x-many elsewhere", `{"type": "string", "x-type": "text", "x-many": true}`, "/x-many", "many"},
		{"x-many not a bool", `{"type": "string", "x-type": "relation", "x-ref": "a", "x-many": "yes"}`, "/x-many", "type"},
		{"unique tags", `{"type": "array", "items": {"type": "string"}, "x-unique": true}`, "/x-unique", "unique"},
		{"unique currency", `{"type": "object", "x-type": "currency", "x-unique": true}`, "/x-unique", "unique"},
		{"autonumber digits", `{"type": "string", "x-type": "autonumber", "x-autonumber": {"digits": 40}}`, "/x-autonumber/digits", "range"},
		{"autonumber prefix", `{"type": "string", "x-type": "autonumber", "x-autonumber": {"prefix": 7}}`, "/x-autonumber/prefix", "type"},
		{"autonumber settings", `{"type": "string", "x-type": "autonumber", "x-autonumber": "CT-"}`, "/x-autonumber", "type"},
		{"unknown type", `{"type": "string", "x-type": "colour"}`, "/x-type", "unknown_type"},
		{"options of a text", `{"type": "string", "x-options": {"a": {"en": "A"}}}`, "/x-options", "type"},
		{"unknown option", `{"type": "string", "enum": ["a"], "x-options": {"b": {"en": "B"}}}`, "/x-options/b", "unknown_option"},
		{"option label not an object", `{"type": "string", "enum": ["a"], "x-options": {"a": "A"}}`, "/x-options/a", "type"},
		{"option label not text", `{"type": "string", "enum": ["a"], "x-options": {"a": {"zh-CN": 1}}}`, "/x-options/a/zh-CN", "type"},
		{"label not text", `{"type": "string", "x-label": {"en": 5}}`, "/x-label/en", "type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Parse([]byte(`{"$id": "thing", "type": "object", "properties": {"f": ` + tc.prop + `}}`))
			if tc.path == "-" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid {
				t.Fatalf("accepted or wrong error: %v", err)
			}
			for _, fe := range me.Fields {
				if fe.Path == "/properties/f"+tc.path && fe.Code == tc.code {
					if fe.Text.EN == "" || fe.Text.ZH == "" {
						t.Errorf("message not bilingual: %+v", fe.Text)
					}
					return
				}
			}
			t.Fatalf("errors %v lack %s %s", me.Fields, "/properties/f"+tc.path, tc.code)
		})
	}
}
