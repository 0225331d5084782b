package schema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
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
		"stage": {"type": "string", "enum": ["a", "b"], "x-options": {"a": {"zh-CN": "甲"}}}, "amount": {"x-type": "currency"},
		"owner_team": {"type": "string", "x-type": "user"}, "items": {"x-type": "relation", "x-ref": "product", "x-many": true},
		"note": {"type": ["string", "null"]}}, "required": ["stage"]}`))
	if err != nil {
		t.Fatal(err)
	}
	// Both the stored text and the Doc map, through a fresh compiler (which
	// checks the meta-schema itself).
	docJSON, _ := json.Marshal(e.Doc)
	for i, def := range [][]byte{e.JSON(), docJSON} {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		if err := c.AddResource("deal.json", bytes.NewReader(def)); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile("deal.json")
		if err != nil {
			t.Fatalf("%d: a standard validator refuses the stored definition: %v", i, err)
		}
		for _, tc := range []struct {
			rec   string
			valid bool
		}{
			{`{"stage": "a", "amount": {"amount": 5, "currency": "CNY"}, "items": ["p1"], "note": null}`, true},
			{`{"stage": "c"}`, false},
			{`{"stage": "a", "amount": 5}`, false},
			{`{"stage": "a", "items": "p1"}`, false},
		} {
			var rec any
			json.Unmarshal([]byte(tc.rec), &rec)
			if err := s.Validate(rec); (err == nil) != tc.valid {
				t.Errorf("%d: %s: %v", i, tc.rec, err)
			}
		}
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
		{"bad icon", `{"$id": "x", "type": "object", "x-icon": "<svg>", "properties": {"a": {"type": "string"}}}`, []string{"/x-icon"}},
		{"icon not text", `{"$id": "x", "type": "object", "x-icon": 3, "properties": {"a": {"type": "string"}}}`, []string{"/x-icon"}},
		{"colour of no option", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "enum": ["p"], "x-colors": {"q": "#112233"}}}}`, []string{"/properties/a/x-colors/q"}},
		{"not a colour", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "enum": ["p"], "x-colors": {"p": "red"}}}}`, []string{"/properties/a/x-colors/p"}},
		{"colours of a text", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "x-colors": {"p": "#112233"}}}}`, []string{"/properties/a/x-colors"}},
		{"personal not a boolean", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "x-personal": "yes"}}}`, []string{"/properties/a/x-personal"}},
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
		if ix.Multi != (ix.Name == "i_items") {
			t.Errorf("%s multi=%v", ix.Name, ix.Multi)
		}
	}
	want := map[string]string{"i_acct": "acct", "i_items": "items", "u_code": "code", "i_stage": "stage", "i_rep": "rep", "i_amount": "amount.amount",
		"i_created_at": "created_at", "i_owner_created_at": "owner+created_at",
		"i_updated_at": "updated_at", "i_owner_updated_at": "owner+updated_at"}
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
		case "formula":
			base["x-expr"] = "1 + 1"
		case "rollup":
			base["x-rollup"] = map[string]any{"from": "line", "via": "thing", "agg": "count"}
		}
		b, _ := json.Marshal(map[string]any{"$id": "thing", "type": "object", "properties": map[string]any{"f": base}})
		if _, err := schema.Parse(b); err != nil {
			t.Errorf("%s: a field from its base schema does not parse: %v", n, err)
		}
	}
}

// Plain JSON Schema as integrators write it: nullable types, an owner, enums
// without a type, lists of objects.
func TestInferenceOfLooseSchemas(t *testing.T) {
	e, err := schema.Parse([]byte(`{"$id": "ticket", "type": "object", "properties": {
		"subject": {"type": ["string", "null"]}, "owner": {"type": "string"}, "prio": {"enum": ["low", "high"]},
		"lines": {"type": "array", "items": {"type": "object"}}, "size": {"type": ["integer", "null"]},
		"mixed": {"type": ["string", "number"]}, "call": {"x-type": "phone"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"subject": "text", "owner": "user", "prio": "select", "lines": "json", "size": "integer", "mixed": "json", "call": "phone"} {
		if got := e.Field(name).Type.Name(); got != want {
			t.Errorf("%s inferred as %s, want %s", name, got, want)
		}
	}
	// A type left out is filled in from the field type, so values are checked.
	if e.Field("call").Prop["type"] != "string" || e.Field("prio").Prop["type"] != "string" {
		t.Fatalf("type not filled in: %v %v", e.Field("call").Prop, e.Field("prio").Prop)
	}
	if errs := e.Validate(map[string]any{"call": 13800138000.0}); len(errs) != 1 || errs[0].Code != "type" {
		t.Fatalf("a number accepted as a phone: %v", errs)
	}
	if errs := e.Validate(map[string]any{"subject": nil, "size": 3.0}); len(errs) != 0 {
		t.Fatalf("nullable fields: %v", errs)
	}
}

func TestDefinitionNamesAndBounds(t *testing.T) {
	for _, tc := range []struct {
		name, doc, path, code string
	}{
		{"keyword as field", `{"$id": "x", "type": "object", "properties": {"and": {"type": "string"}}}`, "/properties/and", "reserved"},
		{"env name as field", `{"$id": "x", "type": "object", "properties": {"user": {"type": "string", "x-type": "user"}}}`, "/properties/user", "reserved"},
		{"owner as text", `{"$id": "x", "type": "object", "properties": {"owner": {"type": "string", "x-type": "text"}}}`, "/properties/owner/x-type", "reserved"},
		{"system field", `{"$id": "x", "type": "object", "properties": {"version": {"type": "number"}}}`, "/properties/version", "reserved"},
		{"field name too long", `{"$id": "x", "type": "object", "properties": {"` + strings.Repeat("a", 64) + `": {"type": "string"}}}`, "/properties/" + strings.Repeat("a", 64), "name"},
		{"slash in a field name", `{"$id": "x", "type": "object", "properties": {"a/b": {"type": "string"}}}`, "/properties/a~1b", "name"},
		{"entity name too long", `{"$id": "` + strings.Repeat("a", 41) + `", "type": "object", "properties": {}}`, "/$id", "name"},
		{"$id not text", `{"$id": 5, "type": "object", "properties": {}}`, "/$id", "name"},
		{"reference loop", `{"$id": "x", "type": "object", "properties": {"a": {"$ref": "#/properties/a"}}}`, "/properties/a/$ref", "schema"},
		{"outside reference", `{"$id": "x", "type": "object", "properties": {"a": {"$ref": "https://example.com/s.json"}}}`, "/properties/a/$ref", "outside_ref"},
		{"properties not an object", `{"$id": "x", "type": "object", "properties": []}`, "/properties", "type"},
		{"field not an object", `{"$id": "x", "type": "object", "properties": {"a": 1}}`, "/properties/a", "type"},
		{"default of the wrong type", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "default": 5}}}`, "/properties/a/default", "default"},
		{"default not an option", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "enum": ["p"], "default": "q"}}}`, "/properties/a/default", "default"},
		{"default not a phone", `{"$id": "x", "type": "object", "properties": {"a": {"type": "string", "x-type": "phone", "default": "12"}}}`, "/properties/a/default", "default"},
		{"default missing a part", `{"$id": "x", "type": "object", "properties": {"a": {"x-type": "currency", "default": {"currency": "CNY"}}}}`, "/properties/a/default/amount", "default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Parse([]byte(tc.doc))
			me := morph.AsError(err)
			if me == nil {
				t.Fatalf("accepted: %v", err)
			}
			for _, fe := range me.Fields {
				if fe.Path == tc.path && fe.Code == tc.code {
					return
				}
			}
			t.Fatalf("errors %+v lack %q %s", me.Fields, tc.path, tc.code)
		})
	}

	var b strings.Builder
	b.WriteString(`{"$id": "x", "type": "object", "properties": {`)
	for i := 0; i <= schema.MaxFields; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"f%d": {"type": "string"}`, i)
	}
	b.WriteString(`}}`)
	_, err := schema.Parse([]byte(b.String()))
	if me := morph.AsError(err); me == nil || len(me.Fields) != 1 || me.Fields[0].Code != "too_many" {
		t.Fatalf("%d fields: %v", schema.MaxFields+1, err)
	}

	bad := `{"$id": "x", "type": "object", "properties": {"a": {"type": "string"},}}`
	_, err = schema.Parse([]byte(bad))
	me := morph.AsError(err)
	if me == nil || me.Code != morph.EInvalidJSON || len(me.Fields) != 1 || me.Fields[0].Offset != strings.Index(bad, ",}")+1 {
		t.Fatalf("syntax error: %+v", me)
	}
}

func TestValidateNestedParts(t *testing.T) {
	e := entityWith(t, `
		"amount": {"type": "object", "x-type": "currency", "x-label": {"en": "Amount", "zh-CN": "金额"}},
		"lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
			"required": ["sku", "qty"], "additionalProperties": false}},
		"stage": {"type": "string", "enum": ["new", "won"], "x-options": {"new": {"en": "New", "zh-CN": "新建"}, "won": {"en": "Won", "zh-CN": "赢单"}},
			"x-label": {"en": "Stage", "zh-CN": "阶段"}}`,
		`, "x-label": {"en": "Deal", "zh-CN": "交易"}, "if": {"properties": {"stage": {"const": "won"}}, "required": ["stage"]}, "then": {"required": ["amount"]}`)
	for _, tc := range []struct {
		name string
		data map[string]any
		want map[string]string
	}{
		{"missing part", map[string]any{"amount": map[string]any{"currency": "CNY"}}, map[string]string{"/amount/amount": "required"}},
		{"part not allowed", map[string]any{"amount": map[string]any{"amount": 1.0, "rate": 7.1}}, map[string]string{"/amount/rate": "unknown_field"}},
		{"in a list", map[string]any{"lines": []any{map[string]any{"sku": "A"}, map[string]any{"sku": "B", "qty": 0.0, "x": true}}},
			map[string]string{"/lines/0/qty": "required", "/lines/1/qty": "minimum", "/lines/1/x": "unknown_field"}},
		{"Go values of their own", map[string]any{"lines": []map[string]any{{"sku": "A", "qty": 2}}, "amount": map[string]any{"amount": 3}}, nil},
		{"Go values of their own, wrong", map[string]any{"lines": []map[string]any{{"sku": 1}}}, map[string]string{"/lines/0/sku": "type", "/lines/0/qty": "required"}},
		{"required when", map[string]any{"stage": "won"}, map[string]string{"/amount": "required"}},
		{"json.Number", map[string]any{"amount": map[string]any{"amount": json.Number("12.50")}, "lines": []any{map[string]any{"sku": "A", "qty": json.Number("2")}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			for _, fe := range e.Validate(tc.data) {
				got[fe.Path] = fe.Code
			}
			if len(tc.want) == 0 && len(got) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Messages in Chinese name the field and its options by their labels.
	for _, tc := range []struct {
		data map[string]any
		zh   string
	}{
		{map[string]any{"stage": "lost"}, "阶段必须是以下之一：新建、赢单"},
		{map[string]any{"amount": map[string]any{"currency": "CNY"}}, "金额 › amount为必填项"},
		{map[string]any{"amount": "100"}, `金额必须是金额，例如 {"amount": 100, "currency": "CNY"}`},
		{map[string]any{"colour": "red"}, `交易没有字段 "colour"`},
		{map[string]any{"lines": []any{"x"}}, "lines › 第 1 项必须是对象"},
	} {
		errs := e.Validate(tc.data)
		if len(errs) != 1 || errs[0].Text.In("zh-CN") != tc.zh {
			t.Errorf("%v: %+v, want %q", tc.data, errs, tc.zh)
		}
	}
	if l := e.Field("stage").OptionLabel("won"); l.ZH != "赢单" || l.EN != "Won" {
		t.Errorf("option label %+v", l)
	}
	if l := e.Field("stage").OptionLabel("other"); l.EN != "other" {
		t.Errorf("label of an unlabelled value %+v", l)
	}
}

func TestCompositeIndexes(t *testing.T) {
	const props = `"properties": {"name": {"type": "string"}, "amount": {"x-type": "currency"}, "stage": {"type": "string", "enum": ["new", "won"]},
		"close": {"type": "string", "format": "date"}, "vip": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}},
		"extra": {"type": "object"}, "acct": {"type": "string", "x-type": "relation", "x-ref": "account"},
		"contacts": {"type": "array", "items": {"type": "string"}, "x-type": "relation", "x-ref": "contact", "x-many": true}}`
	doc := func(xi string) string {
		return `{"$id": "deal", "type": "object", ` + props + `, "x-indexes": ` + xi + `}`
	}

	e, err := schema.Parse([]byte(doc(`[["owner", "-amount"], ["stage", "close", "vip"], ["acct", "-updated_at"]]`)))
	if err != nil {
		t.Fatal(err)
	}
	type spec struct {
		fields string
		desc   []bool
	}
	got := map[string]spec{}
	for _, ix := range e.Indexes() {
		if strings.HasPrefix(ix.Name, "k_") {
			got[ix.Name[:len(ix.Name)-9]] = spec{strings.Join(ix.Fields, "+"), ix.Desc}
			if ix.Unique || ix.Multi || len(ix.Name) > schema.MaxIndexName {
				t.Errorf("%+v", ix)
			}
		}
	}
	want := map[string]spec{
		"k_owner_amount":    {"owner+amount.amount", []bool{false, true}},
		"k_stage_close_vip": {"stage+close+vip", nil},
		"k_acct_updated_at": {"acct+updated_at", []bool{false, true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("composite indexes %v\nwant %v", got, want)
	}
	// Names are stable, and differ with the directions.
	again, _ := schema.Parse([]byte(doc(`[["acct", "-updated_at"], ["owner", "-amount"]]`)))
	flipped, _ := schema.Parse([]byte(doc(`[["owner", "amount"]]`)))
	name := func(e *schema.Entity, prefix string) string {
		for _, ix := range e.Indexes() {
			if strings.HasPrefix(ix.Name, prefix) {
				return ix.Name
			}
		}
		return ""
	}
	if n := name(e, "k_owner_amount"); n == "" || n != name(again, "k_owner_amount") || n == name(flipped, "k_owner_amount") {
		t.Fatalf("names %q %q %q", n, name(again, "k_owner_amount"), name(flipped, "k_owner_amount"))
	}

	for _, tc := range []struct {
		name, xi string
		want     map[string]string // path → code
	}{
		{"not a list", `{"owner": 1}`, map[string]string{"/x-indexes": "type"}},
		{"index not a list", `["owner"]`, map[string]string{"/x-indexes/0": "type"}},
		{"empty index", `[[]]`, map[string]string{"/x-indexes/0": "type"}},
		{"key not text", `[["owner", 3]]`, map[string]string{"/x-indexes/0/1": "type"}},
		{"bare minus", `[["owner", "-"]]`, map[string]string{"/x-indexes/0/1": "type"}},
		{"unknown field", `[["stage"], ["owner", "-nosuch"]]`, map[string]string{"/x-indexes/1/1": "unknown_field"}},
		{"id is not a key", `[["stage", "id"]]`, map[string]string{"/x-indexes/0/1": "unknown_field"}},
		{"json", `[["stage", "extra"]]`, map[string]string{"/x-indexes/0/1": "not_indexable"}},
		{"tags", `[["tags"]]`, map[string]string{"/x-indexes/0/0": "not_indexable"}},
		{"to-many relation", `[["owner", "-contacts"]]`, map[string]string{"/x-indexes/0/1": "not_indexable"}},
		{"field twice", `[["stage", "close", "-stage"]]`, map[string]string{"/x-indexes/0/2": "duplicate"}},
		{"index twice", `[["stage", "-close"], ["owner"], ["stage", "-close"]]`, map[string]string{"/x-indexes/2": "duplicate"}},
		{"index twice, after a wrong one", `[["nosuch"], ["stage"], ["stage"]]`, map[string]string{"/x-indexes/0/0": "unknown_field", "/x-indexes/2": "duplicate"}},
		{"index reversed", `[["stage", "-close"], ["-stage", "close"]]`, map[string]string{"/x-indexes/1": "duplicate"}},
		{"implied index", `[["-owner", "-created_at"]]`, map[string]string{"/x-indexes/0": "duplicate"}},
		{"implied by the type", `[["acct"]]`, map[string]string{"/x-indexes/0": "duplicate"}},
		{"too many fields", `[["stage", "close", "vip", "name", "owner"]]`, map[string]string{"/x-indexes/0": "too_many"}},
		{"too many indexes", `[` + strings.Repeat(`["stage"],`, schema.MaxIndexes) + `["close"]]`, map[string]string{"/x-indexes": "too_many"}},
		{"several at once", `[["nosuch"], ["tags", "stage", "stage"]]`,
			map[string]string{"/x-indexes/0/0": "unknown_field", "/x-indexes/1/0": "not_indexable", "/x-indexes/1/2": "duplicate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.Parse([]byte(doc(tc.xi)))
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid {
				t.Fatalf("accepted or wrong error: %v", err)
			}
			got := map[string]string{}
			for _, f := range me.Fields {
				got[f.Path] = f.Code
				if f.Text.EN == "" || f.Text.ZH == "" {
					t.Errorf("%s lacks a message: %+v", f.Path, f.Text)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("errors %v, want %v", got, tc.want)
			}
		})
	}
}

// A repeated index names the one it repeats by its place in x-indexes.
func TestCompositeIndexRepeatNamesTheFirst(t *testing.T) {
	_, err := schema.Parse([]byte(`{"$id": "x", "type": "object", "properties": {"a": {"type": "string"}},
		"x-indexes": [["nosuch"], ["a"], ["-a"]]}`))
	me := morph.AsError(err)
	if me == nil || len(me.Fields) != 2 || me.Fields[1].Path != "/x-indexes/2" || !strings.Contains(me.Fields[1].Text.EN, "as /x-indexes/1") {
		t.Fatalf("%v %+v", err, me)
	}
}

// Every field name Parse accepts gives index names that both stores take
// (at most 63 of [a-z0-9_]); names are distinct, and a field named like
// the cut name of another is refused at its path.
func TestLongFieldNamesGetIndexNames(t *testing.T) {
	long := func(n int, c string) string { return "f" + strings.Repeat(c, n-1) }
	e, err := schema.Parse([]byte(fmt.Sprintf(`{"$id": "x", "type": "object", "properties": {
		%q: {"type": "string", "x-unique": true}, %q: {"type": "string", "x-indexed": true},
		%q: {"type": "string", "x-unique": true}, %q: {"type": "number", "x-indexed": true}},
		"x-indexes": [[%q, %q, %q]]}`, long(63, "a"), long(63, "b"), long(62, "a"), long(62, "b"), long(63, "b"), "-"+long(62, "b"), long(63, "a"))))
	if err != nil {
		t.Fatal(err)
	}
	nameRE := regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	seen := map[string]bool{}
	for _, ix := range e.Indexes() {
		if !nameRE.MatchString(ix.Name) || seen[ix.Name] {
			t.Errorf("index name %q (%d)", ix.Name, len(ix.Name))
		}
		seen[ix.Name] = true
	}
	if len(seen) != 9 {
		t.Fatalf("%d indexes: %v", len(seen), seen)
	}

	one, err := schema.Parse([]byte(fmt.Sprintf(`{"$id": "x", "type": "object", "properties": {%q: {"type": "string", "x-unique": true}}}`, long(63, "a"))))
	if err != nil {
		t.Fatal(err)
	}
	clash := strings.TrimPrefix(one.Indexes()[0].Name, "u_") // a field whose index name is that cut name
	_, err = schema.Parse([]byte(fmt.Sprintf(`{"$id": "x", "type": "object", "properties": {
		%q: {"type": "string", "x-unique": true}, %q: {"type": "string", "x-unique": true}}}`, long(63, "a"), clash)))
	me := morph.AsError(err)
	if me == nil || len(me.Fields) != 1 || me.Fields[0].Path != "/properties/"+clash || me.Fields[0].Code != "index_name" {
		t.Fatalf("a clashing index name: %v %+v", err, me)
	}
}

// An entity's icon and the colours of a select's options are read from x-icon and x-colors.
func TestIconAndOptionColours(t *testing.T) {
	e, err := schema.Parse([]byte(`{"$id": "member", "type": "object", "x-icon": "user-filled", "properties": {
		"level": {"type": "string", "enum": ["gold", "silver"], "x-colors": {"gold": "#D4A017"}},
		"labels": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "x-colors": {"b": "#112233"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if e.Icon != "user-filled" {
		t.Errorf("icon %q", e.Icon)
	}
	if got := e.Field("level").Colors; len(got) != 1 || got["gold"] != "#D4A017" {
		t.Errorf("select colours %v", got)
	}
	if got := e.Field("labels").Colors; len(got) != 1 || got["b"] != "#112233" {
		t.Errorf("multiselect colours %v", got)
	}
}
