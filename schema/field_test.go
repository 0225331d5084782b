package schema_test

import (
	"reflect"
	"strings"
	"testing"

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
