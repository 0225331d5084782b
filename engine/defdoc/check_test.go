package defdoc_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/schema/lang"
)

var docSchema = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///t.json", strings.NewReader(`{"type": "object", "additionalProperties": false,
		"properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}, "hours": {"type": "number", "exclusiveMinimum": 0},
		"tags": {"type": "array", "maxItems": 1}}}`)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///t.json")
})

// A document's problems: the shape by its schema, one per pointer with the
// keyword as the code; expressions compiled at their pointers with the
// offset inside them, the calendars they name noted and checked; every
// problem in one answer sorted by pointer.
func TestCheck(t *testing.T) {
	var c defdoc.Check
	c.Shape(docSchema(), map[string]any{"name": "Bad", "hours": float64(0), "tags": []any{"a", "b"}, "extra": true})
	vars := lang.NewVars([]lang.Var{{Name: "opened_at", Kind: lang.KindDateTime}, {Name: "status", Kind: lang.KindString}})
	if p := c.Compile(vars, "isWorkingTime(opened_at, 'cn_office') && status == 'open'", lang.Want{Kind: lang.KindBool}, "/when"); p == nil {
		t.Fatal("a sound expression does not compile")
	}
	if p := c.Compile(vars, "status ==", lang.Want{Kind: lang.KindBool}, "/to"); p != nil {
		t.Fatal("a broken expression compiles")
	}
	c.CheckCalendars(func(name string) bool { return name != "cn_office" })
	c.Add("/actions/0", "trigger", morph.T("Wrong", "错误"))
	err := morph.AsError(c.Result("The thing has %d problem(s)", "有 %d 处问题"))
	if err == nil || err.Code != morph.EInvalid || err.Text.EN != "The thing has 7 problem(s)" {
		t.Fatalf("result: %v", err)
	}
	got := map[string]string{}
	var paths []string
	for _, f := range err.Fields {
		got[f.Path] += f.Code + " "
		paths = append(paths, f.Path)
	}
	want := map[string]string{"": "unknown_key ", "/name": "name ", "/hours": "range ", "/tags": "too_long ",
		"/to": "syntax ", "/when": "unknown_calendar ", "/actions/0": "trigger "}
	for p, code := range want {
		if got[p] != code {
			t.Errorf("%s: %q, want %q (%v)", p, got[p], code, err)
		}
	}
	for i := 1; i < len(paths); i++ {
		if paths[i-1] > paths[i] {
			t.Errorf("not sorted: %v", paths)
		}
	}
	if len(c.Calendars) != 1 || c.Calendars[0].Path != "/when" || c.Calendars[0].Name != "cn_office" || c.Calendars[0].Offset != 25 {
		t.Errorf("calendars: %+v", c.Calendars)
	}
}

// The name in a document against the URL's: absent is set, the same
// passes, another is a problem at /name; what is no object is the
// parser's.
func TestNamed(t *testing.T) {
	mismatch := morph.T("not the URL's", "与 URL 不一致")
	if doc, fe := defdoc.Named("r1", []byte(`{"a": 1}`), mismatch); fe != nil || string(doc) != `{"a":1,"name":"r1"}` {
		t.Errorf("absent: %s %v", doc, fe)
	}
	if doc, fe := defdoc.Named("r1", []byte(`{"name": "r1"}`), mismatch); fe != nil || string(doc) != `{"name": "r1"}` {
		t.Errorf("same: %s %v", doc, fe)
	}
	if doc, fe := defdoc.Named("r1", []byte(`{"name": "r2"}`), mismatch); fe == nil || fe.Path != "/name" || fe.Code != "name" || fe.Text != mismatch || string(doc) != `{"name": "r2"}` {
		t.Errorf("another: %s %v", doc, fe)
	}
	if doc, fe := defdoc.Named("r1", []byte(`[1]`), mismatch); fe != nil || string(doc) != `[1]` {
		t.Errorf("no object: %s %v", doc, fe)
	}
}
