package schema_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

func TestInference(t *testing.T) {
	e, err := schema.Parse([]byte(`{"$id": "lead", "type": "object", "properties": {
		"name": {"type": "string"}, "score": {"type": "number"}, "visits": {"type": "integer"}, "ok": {"type": "boolean"},
		"src": {"type": "string", "enum": ["a", "b"]}, "chans": {"type": "array", "items": {"type": "string", "enum": ["x", "y"]}},
		"labels": {"type": "array", "items": {"type": "string"}}, "mail": {"type": "string", "format": "email"},
		"day": {"type": "string", "format": "date"}, "at": {"type": "string", "format": "date-time"},
		"site": {"type": "string", "format": "uri"}, "extra": {"type": "object"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"text", "number", "integer", "boolean", "select", "multiselect", "tags", "email", "date", "datetime", "url", "json"}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Type.Name())
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("inferred %v, want %v", got, want)
	}
	if !bytes.Contains(e.JSON(), []byte(`"x-type":"multiselect"`)) {
		t.Fatalf("stored definition lacks the inferred type: %s", e.JSON())
	}
}

func TestFieldOrderKept(t *testing.T) {
	e, err := schema.Parse([]byte(`{"$id": "x", "type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "string"}, "mid": {"type": "number"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Fields[0].Name != "zeta" || e.Fields[1].Name != "alpha" || e.Fields[2].Name != "mid" {
		t.Fatalf("order lost: %v", []string{e.Fields[0].Name, e.Fields[1].Name, e.Fields[2].Name})
	}
	js := string(e.JSON())
	if strings.Index(js, `"zeta"`) > strings.Index(js, `"alpha"`) {
		t.Fatalf("stored order lost: %s", js)
	}
	again, err := schema.Parse(e.JSON())
	if err != nil || again.Fields[0].Name != "zeta" {
		t.Fatalf("re-parse: %v", err)
	}
}

// The stored definition is plain JSON Schema: a fresh standard compiler
// accepts it and validates records with it.
func TestStoredDefinitionIsJSONSchema(t *testing.T) {
	e, err := schema.Parse([]byte(`{"$id": "deal", "type": "object", "x-label": {"zh-CN": "交易"}, "properties": {
		"stage": {"type": "string", "enum": ["a", "b"], "x-options": {"a": {"zh-CN": "甲"}}}, "amount": {"type": "object", "x-type": "currency"},
		"owner_team": {"type": "string", "x-type": "user"}}, "required": ["stage"]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("deal.json", bytes.NewReader(e.JSON())); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("deal.json")
	if err != nil {
		t.Fatalf("a standard validator refuses the stored definition: %v", err)
	}
	var rec any
	json.Unmarshal([]byte(`{"stage": "c"}`), &rec)
	if s.Validate(rec) == nil {
		t.Fatal("the stored definition does not constrain records")
	}
}

func TestDefinitionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want []string // paths
	}{
		{"not JSON", `{"$id": `, nil},
		{"no $id", `{"type": "object", "properties": {}}`, []string{"/$id"}},
		{"bad $id", `{"$id": "Bad Name", "type": "object", "properties": {}}`, []string{"/$id"}},
		{"not an object type", `{"$id": "x", "type": "array"}`, []string{"/type"}},
		{"bad field name", `{"$id": "x", "type": "object", "properties": {"Bad-Name": {"type": "string"}}}`, []string{"/properties/Bad-Name"}},
		{"system field", `{"$id": "x", "type": "object", "properties": {"created_at": {"type": "string"}}}`, []string{"/properties/created_at"}},
		{"unknown type", `{"$id": "x", "type": "object", "properties": {"f": {"type": "string", "x-type": "colour"}}}`, []string{"/properties/f/x-type"}},
		{"select without enum", `{"$id": "x", "type": "object", "properties": {"f": {"type": "string", "x-type": "select"}}}`, []string{"/properties/f"}},
		{"relation without target", `{"$id": "x", "type": "object", "properties": {"f": {"type": "string", "x-type": "relation"}}}`, []string{"/properties/f/x-ref"}},
		{"required unknown", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "b"]}`, []string{"/required/1"}},
		{"meta-schema", `{"$id": "x", "type": "object", "properties": {"a": {"type": "number", "minimum": "zero"}}}`, []string{"/properties/a/minimum"}},
		{"bad title field", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string"}}, "x-title-field": "b"}`, []string{"/x-title-field"}},
		{"bad label", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "x-label": "A"}}}`, []string{"/properties/a/x-label"}},
		{"unknown option", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "enum": ["p"], "x-options": {"q": {"en": "Q"}}}}}`, []string{"/properties/a/x-options/q"}},
		{"unique list", `{"$id": "x", "type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}, "x-unique": true}}}`, []string{"/properties/a/x-unique"}},
		{"several at once", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "x-type": "select"}, "b": {"type": "string", "x-type": "relation"}}, "required": ["c"]}`,
			[]string{"/properties/a", "/properties/b/x-ref", "/required/0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Parse([]byte(tc.doc))
			me := morph.AsError(err)
			if me == nil {
				t.Fatalf("accepted: %v", err)
			}
			if tc.want == nil {
				if me.Code != morph.EInvalidJSON {
					t.Fatalf("code %s", me.Code)
				}
				return
			}
			var paths []string
			for _, f := range me.Fields {
				paths = append(paths, f.Path)
				if f.Text.ZH == "" {
					t.Errorf("%s has no Chinese message", f.Path)
				}
			}
			for _, w := range tc.want {
				found := false
				for _, p := range paths {
					found = found || p == w
				}
				if !found {
					t.Errorf("errors %v lack %s", paths, w)
				}
			}
		})
	}
	big := `{"$id": "x", "type": "object", "properties": {` + strings.Repeat(" ", schema.MaxDefinitionSize) + `}}`
	if _, err := schema.Parse([]byte(big)); morph.ErrorCode(err) != morph.ETooLarge {
		t.Fatalf("oversized definition: %v", err)
	}
}

func TestCheckRefsAndIndexes(t *testing.T) {
	e := entityWith(t, `"acct": {"type": "string", "x-type": "relation", "x-ref": "account"},
		"items": {"type": "array", "items": {"type": "string"}, "x-type": "relation", "x-ref": "product", "x-many": true},
		"code": {"type": "string", "x-unique": true}, "stage": {"type": "string", "enum": ["a"], "x-indexed": true},
		"rep": {"type": "string", "x-type": "user"}, "amount": {"type": "object", "x-type": "currency", "x-indexed": true}`)
	errs := e.CheckRefs(func(n string) bool { return n == "account" })
	if len(errs) != 1 || errs[0].Path != "/properties/items/x-ref" {
		t.Fatalf("refs: %v", errs)
	}
	got := map[string]string{}
	for _, ix := range e.Indexes() {
		got[ix.Name] = strings.Join(ix.Fields, "+")
		if ix.Unique != strings.HasPrefix(ix.Name, "u_") {
			t.Errorf("%s unique=%v", ix.Name, ix.Unique)
		}
	}
	want := map[string]string{"i_acct": "acct", "u_code": "code", "i_stage": "stage", "i_rep": "rep", "i_amount": "amount.amount",
		"i_created_at": "created_at", "i_owner_created_at": "owner+created_at"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("indexes %v\nwant %v", got, want)
	}
	for name, want := range map[string]lang.Field{
		"acct": {Kind: lang.KindString, Path: "acct"}, "items": {Kind: lang.KindStrings, Path: "items"},
		"amount": {Kind: lang.KindNumber, Path: "amount.amount"}, "created_at": {Kind: lang.KindDateTime, Path: "created_at"},
		"owner": {Kind: lang.KindString, Path: "owner"},
	} {
		if f, ok := e.Resolve(name); !ok || f != want {
			t.Errorf("resolve %s: %+v %v", name, f, ok)
		}
	}
	if _, ok := e.Resolve("nosuch"); ok {
		t.Error("an unknown field resolved")
	}
}

func TestEveryTypeHasBilingualLabel(t *testing.T) {
	if len(schema.Types()) < 19 {
		t.Fatalf("only %d field types", len(schema.Types()))
	}
	for _, n := range schema.Types() {
		l := schema.TypeLabel(n)
		if l.EN == "" || l.ZH == "" {
			t.Errorf("%s: %+v", n, l)
		}
		// A field of every type made from its base schema parses.
		base := schema.Type(n).BaseSchema()
		base["x-type"] = n
		switch n {
		case "select":
			base["enum"] = []any{"a"}
		case "multiselect":
			base["items"] = map[string]any{"type": "string", "enum": []any{"a"}}
		case "relation":
			base["x-ref"] = "thing"
		}
		b, _ := json.Marshal(map[string]any{"$id": "thing", "type": "object", "properties": map[string]any{"f": base}})
		if _, err := schema.Parse(b); err != nil {
			t.Errorf("%s: a field from its base schema does not parse: %v", n, err)
		}
	}
}
