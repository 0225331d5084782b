package schema_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/schema"
)

// FuzzParse: the definition checker never panics, and what it accepts it
// accepts again in its stored form.
func FuzzParse(f *testing.F) {
	defs, _ := examples.Load("sme-crm")
	for _, d := range defs {
		f.Add(d.JSON)
	}
	for _, s := range []string{
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "string"}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "x-type": "select", "enum": [1, null]}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"$ref": "#/properties/a"}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "object", "x-type": "currency", "x-currency": 5}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"x-type": "autonumber", "x-autonumber": {"digits": 99}}}}`,
		`{"$id": "x", "properties": [], "required": {}, "x-label": 3}`,
		`[]`, `null`, `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "string"}}, "x-indexes": [["a", "-a"], ["-"], [null], "a", [["a"]]]}`,
		`{"$id": "x", "type": "object", "properties": {"a": ` + schemaChain(schema.MaxSchemaDepth) + `}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "object", "default": ` + nestedValue(schema.MaxValueDepth+1) + `}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"items": [{"allOf": [{"not": {"if": {}, "then": {"$defs": {"b": {}}}}}]}]}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "integer", "default": 9007199254740993}}}`,
		`{"$id": "x", "title": "\udc00\ud800", "type": "object", "properties": {"\ud83d\ude00": {}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number", "x-type": "formula", "x-expr": "a * 2 + c"}, "c": {"type": "number", "x-type": "formula", "x-expr": "b"}}}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "format": "date", "x-default-expr": "addDays(today(), 1)"}}, "x-rules": [{"name": "r", "when": "a == nil", "message": {"en": "x"}, "fields": ["a"]}]}`,
		`{"$id": "x", "type": "object", "properties": {"a": {"x-type": "formula", "x-expr": 3}}, "x-rules": [{"when": 1}, 2, {"name": "r", "when": "a +"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		e, err := schema.Parse(doc)
		if err != nil {
			me := morph.AsError(err)
			if me == nil {
				t.Fatalf("not a *morph.Error: %v", err)
			}
			for _, fe := range me.Fields {
				if fe.Text.EN == "" || fe.Text.ZH == "" || fe.Path != "" && fe.Path[0] != '/' {
					t.Fatalf("malformed field error %+v", fe)
				}
			}
			return
		}
		if _, err := schema.Parse(e.JSON()); err != nil {
			t.Fatalf("the stored form of an accepted definition is refused: %v\n%s", err, e.JSON())
		}
	})
}

// FuzzValidate: normalising and validating any JSON record never panics.
func FuzzValidate(f *testing.F) {
	defs, _ := examples.Load("sme-crm")
	var ents []*schema.Entity
	for _, d := range defs {
		e, err := schema.Parse(d.JSON)
		if err != nil {
			f.Fatal(err)
		}
		ents = append(ents, e)
	}
	for _, s := range []string{
		`{"name": "杭州云帆科技有限公司", "region": "华东", "phone": "138 0013 8000"}`,
		`{"amount": {"amount": "x"}, "at": "2026-13-45T99:00:00Z", "tags": [1, null, {}]}`,
		`{"phone": "+999999999999999999999", "email": 5, "products": "notalist"}`,
		`{"name": null, "unknown": [[[[]]]]}`,
		`{"name": "x", "amount": {"amount": 1e308, "currency": "CNY"}, "employees": 9007199254740993}`,
		`{"name": "x", "region": ` + nestedValue(schema.MaxValueDepth+1) + `}`,
	} {
		f.Add(0, []byte(s))
	}
	f.Fuzz(func(t *testing.T, which int, body []byte) {
		var data map[string]any
		if json.Unmarshal(body, &data) != nil || data == nil {
			return
		}
		e := ents[(which%len(ents)+len(ents))%len(ents)]
		if len(e.Normalize(data)) == 0 {
			// Normalising is idempotent: a normalised record stays as it is.
			b, _ := json.Marshal(data)
			var again map[string]any
			json.Unmarshal(b, &again)
			if errs := e.Normalize(again); len(errs) > 0 {
				t.Fatalf("a normalised record fails to normalise: %v", errs)
			}
			if b2, _ := json.Marshal(again); !bytes.Equal(b, b2) {
				t.Fatalf("normalising twice changes the record:\n%s\n%s", b, b2)
			}
		}
		for _, fe := range e.Validate(data) {
			if fe.Code == "" || fe.Text.EN == "" || fe.Text.ZH == "" || fe.Path == "" || fe.Path[0] != '/' {
				t.Fatalf("malformed field error %+v", fe)
			}
		}
	})
}
