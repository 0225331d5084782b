package schema_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

// schemaChain is n schemas, each the "a" property of the one before.
func schemaChain(n int) string {
	return strings.Repeat(`{"type": "object", "properties": {"a": `, n-1) + `{"type": "string"}` + strings.Repeat(`}}`, n-1)
}

// nestedValue is 1 inside n levels of {"a": …}.
func nestedValue(n int) string {
	return strings.Repeat(`{"a": `, n) + `1` + strings.Repeat(`}`, n)
}

// manyFields is a definition whose fields are chains of depth schemas,
// count schemas in all with the entity.
func manyFields(depth, count int) string {
	var b strings.Builder
	b.WriteString(`{"$id": "x", "type": "object", "properties": {`)
	for i := 0; count > 1; i++ {
		n := min(depth, count-1)
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"f%03d": %s`, i, schemaChain(n))
		count -= n
	}
	b.WriteString(`}}`)
	return b.String()
}

func withField(field string) string {
	return `{"$id": "x", "type": "object", "properties": {"name": {"type": "string"}, "data": ` + field + `}}`
}

// TestDefinitionLimits: a definition past a limit is refused before it is
// compiled, with the pointer of the place where the limit is passed; one at
// the limit is accepted.
func TestDefinitionLimits(t *testing.T) {
	chainPath := func(n int) string { return "/properties/data" + strings.Repeat("/properties/a", n) }
	levels := schema.MaxSchemaDepth / 2 // of {"items": {"allOf": [ … ]}}, two schemas each
	// The last schema of manyFields(d, MaxSchemas+1), the one too many.
	d := schema.MaxSchemaDepth - 1
	lastField, lastLen := schema.MaxSchemas/d, schema.MaxSchemas%d
	if lastLen == 0 {
		lastField, lastLen = lastField-1, d
	}
	lastSchema := fmt.Sprintf("/properties/f%03d", lastField) + strings.Repeat("/properties/a", lastLen-1)
	for _, tc := range []struct {
		name, doc  string
		code, path string // code "" when the definition is accepted
		jsonErr    bool   // refused as JSON text, before it is decoded
	}{
		{name: "schemas nested to the limit", doc: withField(schemaChain(schema.MaxSchemaDepth - 1))},
		{name: "schemas nested past the limit", doc: withField(schemaChain(schema.MaxSchemaDepth)),
			code: "too_deep", path: chainPath(schema.MaxSchemaDepth - 1)},
		{name: "schemas nested through items and allOf", doc: withField(strings.Repeat(`{"items": {"allOf": [`, levels) + `{}` + strings.Repeat(`]}}`, levels)),
			code: "too_deep", path: "/properties/data" + strings.Repeat("/items/allOf/0", levels-1) + "/items"},
		{name: "schemas nested 3,000 levels", doc: withField(schemaChain(3000)),
			code: "depth", path: chainPath(schema.MaxJSONDepth/2 - 1), jsonErr: true},
		{name: "as many schemas as allowed", doc: manyFields(schema.MaxSchemaDepth-1, schema.MaxSchemas)},
		{name: "one schema too many", doc: manyFields(schema.MaxSchemaDepth-1, schema.MaxSchemas+1),
			code: "too_many", path: lastSchema},
		{name: "JSON nested to the limit", doc: withField(`{"type": "string", "examples": ` + strings.Repeat("[", schema.MaxJSONDepth-3) + strings.Repeat("]", schema.MaxJSONDepth-3) + `}`)},
		{name: "JSON nested past the limit", doc: withField(`{"type": "string", "examples": ` + strings.Repeat("[", schema.MaxJSONDepth-2) + strings.Repeat("]", schema.MaxJSONDepth-2) + `}`),
			code: "depth", path: "/properties/data/examples" + strings.Repeat("/0", schema.MaxJSONDepth-3), jsonErr: true},
		{name: "json default nested to the limit", doc: withField(`{"type": "object", "default": ` + nestedValue(schema.MaxValueDepth) + `}`)},
		{name: "json default nested past the limit", doc: withField(`{"type": "object", "default": ` + nestedValue(schema.MaxValueDepth+1) + `}`),
			code: "default", path: "/properties/data/default" + strings.Repeat("/a", schema.MaxValueDepth)},
		{name: "json default nested 2,000 levels", doc: withField(`{"type": "object", "default": ` + nestedValue(2000) + `}`),
			code: "depth", path: "/properties/data/default" + strings.Repeat("/a", schema.MaxJSONDepth-3), jsonErr: true},
		{name: "integer default beyond 2^53", doc: withField(`{"type": "integer", "default": 9007199254740993}`),
			code: "default", path: "/properties/data/default"},
		{name: "lone surrogate", doc: withField(`{"type": "string", "title": "\ud800"}`),
			code: "surrogate", path: "/properties/data/title", jsonErr: true},
		{name: "draft-07", doc: `{"$schema": "http://json-schema.org/draft-07/schema#", "$id": "x", "type": "object", "properties": {}}`,
			code: "draft", path: "/$schema"},
		{name: "draft 2020-12", doc: `{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x", "type": "object", "properties": {}}`},
		{name: "relative $ref", doc: withField(`{"$ref": "other.json"}`), code: "outside_ref", path: "/properties/data/$ref"},
		{name: "remote $ref in $defs nothing uses", doc: withField(`{"type": "string", "$defs": {"r": {"$ref": "https://example.com/r.json"}}}`),
			code: "outside_ref", path: "/properties/data/$defs/r/$ref"},
		{name: "local $ref", doc: withField(`{"$defs": {"s": {"type": "string"}}, "$ref": "#/properties/data/$defs/s"}`)},
		{name: "surrogate pair", doc: withField(`{"type": "string", "title": "\ud83d\ude00"}`)},
		{name: "not UTF-8", doc: withField(`{"type": "string", "title": "` + "\xc3" + `"}`),
			code: "utf8", path: "/properties/data/title", jsonErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Parse([]byte(tc.doc))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			me := morph.AsError(err)
			if me == nil {
				t.Fatalf("accepted: %v", err)
			}
			if (me.Code == morph.EInvalidJSON) != tc.jsonErr || len(me.Fields) != 1 {
				t.Fatalf("refused as %s with %d field errors: %v", me.Code, len(me.Fields), me)
			}
			fe := me.Fields[0]
			if fe.Code != tc.code || fe.Path != tc.path || fe.Text.EN == "" || fe.Text.ZH == "" || fe.Text.EN == fe.Text.ZH {
				t.Fatalf("field error %s %q %q, want %s at %q", fe.Code, fe.Path, fe.Text, tc.code, tc.path)
			}
		})
	}
}

// TestValueLimits: a record's values may nest MaxValueDepth levels, numbers
// must be finite, an integer field holds only the whole numbers a double
// holds exactly, and a json field's keys are neither operators ($…) nor
// paths (a.b).
func TestValueLimits(t *testing.T) {
	e, err := schema.Parse([]byte(`{"$id": "x", "type": "object", "properties": {
		"data": {"type": "object"}, "list": {"type": "array"}, "n": {"type": "integer"}, "amount": {"type": "number"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	value := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name       string
		data       map[string]any
		path, code string // "" when the record is valid
	}{
		{"object nested to the limit", map[string]any{"data": value(nestedValue(schema.MaxValueDepth))}, "", ""},
		{"object nested past the limit", map[string]any{"data": value(nestedValue(schema.MaxValueDepth + 1))}, "/data" + strings.Repeat("/a", schema.MaxValueDepth), "too_deep"},
		{"list nested past the limit", map[string]any{"list": value(strings.Repeat("[", schema.MaxValueDepth+1) + strings.Repeat("]", schema.MaxValueDepth+1))}, "/list" + strings.Repeat("/0", schema.MaxValueDepth), "too_deep"},
		{"largest safe integer", map[string]any{"n": float64(schema.MaxSafeInteger)}, "", ""},
		{"smallest safe integer", map[string]any{"n": -float64(schema.MaxSafeInteger)}, "", ""},
		{"integer 2^53", map[string]any{"n": float64(1 << 53)}, "/n", "range"},
		{"integer -2^53", map[string]any{"n": -float64(1 << 53)}, "/n", "range"},
		{"integer 1e308", map[string]any{"n": 1e308}, "/n", "range"},
		{"number beyond 2^53", map[string]any{"amount": 1e308}, "", ""},
		{"number not a number", map[string]any{"amount": math.NaN()}, "/amount", "type"},
		{"number infinite", map[string]any{"amount": math.Inf(-1)}, "/amount", "type"},
		{"infinity inside a json field", map[string]any{"data": map[string]any{"x": []any{math.Inf(1)}}}, "/data/x/0", "type"},
		{"operator key inside a json field", map[string]any{"data": value(`{"a": [{"$set": {"owner": "x"}}]}`)}, "/data/a/0/$set", "key"},
		{"dotted key inside a json field", map[string]any{"data": value(`{"a.b": 1}`)}, "/data/a.b", "key"},
		{"operator object in a number field", map[string]any{"amount": value(`{"$gt": 0}`)}, "/amount", "type"},
		{"operator-like text inside a json field", map[string]any{"data": value(`{"k": "$set", "d": "a.b", "m": {"x$": 1}}`)}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := e.Normalize(tc.data)
			errs = append(errs, e.Validate(tc.data)...)
			if tc.code == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %+v", errs)
				}
				return
			}
			if len(errs) == 0 || errs[0].Path != tc.path || errs[0].Code != tc.code || errs[0].Text.EN == "" || errs[0].Text.ZH == "" {
				t.Fatalf("errors %+v, want %s at %s first", errs, tc.code, tc.path)
			}
		})
	}
}
