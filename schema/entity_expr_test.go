package schema_test

import (
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

const exprEntity = `{"$id": "lead", "type": "object", "properties": {
	"name":   {"type": "string"},
	"visits": {"type": "number"},
	"tier":   {"type": "string", "enum": ["vip", "key", "normal"]},
	"phone":  {"type": "string", "x-type": "phone"},
	"grade":  {"type": "string", "x-type": "formula", "x-expr": "score >= 50 ? 'A' : 'B'"},
	"score":  {"type": "number", "x-type": "formula", "x-expr": "min(100, visits * 10 + bonus)"},
	"bonus":  {"type": "number", "x-type": "formula", "x-expr": "tier == 'vip' ? 30 : 0"},
	"due":    {"type": "string", "format": "date", "x-default-expr": "addDays(today(), 7)"}
},
"x-rules": [{"name": "vip_needs_phone", "when": "tier == 'vip' && phone == ''", "fields": ["phone"],
             "message": {"en": "VIP customers need a phone number", "zh-CN": "VIP 客户必须填写电话"}}]}`

func TestFormulasInDependencyOrder(t *testing.T) {
	e, err := schema.Parse([]byte(exprEntity))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, f := range e.Formulas() {
		order = append(order, f.Name)
	}
	if strings.Join(order, ",") != "bonus,score,grade" {
		t.Fatalf("order %v", order)
	}
	if e.Field("due").DefaultExpr == nil || len(e.Rules()) != 1 || e.Rules()[0].Message.ZH != "VIP 客户必须填写电话" {
		t.Fatalf("default or rule missing: %+v", e.Rules())
	}
	if !e.Field("score").EngineSet() || e.Field("name").EngineSet() {
		t.Fatal("formulas are set by the engine, other fields are not")
	}
}

func TestBadExpressionsRefusedWithPointerAndOffset(t *testing.T) {
	cases := []struct {
		name, change, path, code string
		offset                   int
	}{
		{"syntax", `"score": {"type": "number", "x-type": "formula", "x-expr": "visits *"}`, "/properties/score/x-expr", "syntax", 8},
		{"unknown field", `"score": {"type": "number", "x-type": "formula", "x-expr": "visits * nope"}`, "/properties/score/x-expr", "unknown_field", 9},
		{"wrong type", `"score": {"type": "number", "x-type": "formula", "x-expr": "name"}`, "/properties/score/x-expr", "result_type", 0},
		{"no result type", `"score": {"x-type": "formula", "x-expr": "1"}`, "/properties/score/type", "type", -1},
		{"cycle", `"score": {"type": "number", "x-type": "formula", "x-expr": "bonus + 1"}, "bonus": {"type": "number", "x-type": "formula", "x-expr": "score * 2"}`, "/properties/score/x-expr", "cycle", -1},
		{"self", `"score": {"type": "number", "x-type": "formula", "x-expr": "score + 1"}`, "/properties/score/x-expr", "cycle", -1},
		{"formula written", `"score": {"type": "number", "x-type": "formula", "x-expr": "1", "default": 3}`, "/properties/score/default", "formula", -1},
		{"default expr type", `"score": {"type": "number", "x-default-expr": "'x'"}`, "/properties/score/x-default-expr", "result_type", 0},
		{"default and expr", `"score": {"type": "number", "default": 1, "x-default-expr": "2"}`, "/properties/score/x-default-expr", "default", -1},
		{"x-expr elsewhere", `"score": {"type": "number", "x-expr": "2"}`, "/properties/score/x-expr", "formula", -1},
	}
	for _, c := range cases {
		doc := `{"$id": "lead", "type": "object", "properties": {"name": {"type": "string"}, "visits": {"type": "number"}, ` + c.change + `}}`
		_, err := schema.Parse([]byte(doc))
		if !hasError(err, c.path, c.code, c.offset) {
			t.Errorf("%s: got %v, want %s at %s (offset %d)", c.name, err, c.code, c.path, c.offset)
		}
	}
	_, err := schema.Parse([]byte(strings.Replace(exprEntity, `"x-expr": "min(100, visits * 10 + bonus)"`, `"x-expr": "grade == 'A' ? 1 : 0"`, 1)))
	if !hasError(err, "/properties/grade/x-expr", "cycle", -1) || !strings.Contains(err.Error(), "grade → score → grade") {
		t.Errorf("a cycle names its fields: %v", err)
	}
}

func TestBadRulesRefused(t *testing.T) {
	cases := []struct{ rules, path, code string }{
		{`{}`, "/x-rules", "type"},
		{`[{"name": "r", "when": "visits +", "message": {"en": "x"}}]`, "/x-rules/0/when", "syntax"},
		{`[{"name": "r", "when": "visits", "message": {"en": "x"}}]`, "/x-rules/0/when", "result_type"},
		{`[{"name": "r", "when": "true"}]`, "/x-rules/0/message", "required"},
		{`[{"name": "r", "when": "true", "message": {"zh-CN": "x"}}]`, "/x-rules/0/message/en", "required"},
		{`[{"name": "R!", "when": "true", "message": {"en": "x"}}]`, "/x-rules/0/name", "name"},
		{`[{"name": "r", "when": "true", "message": {"en": "x"}}, {"name": "r", "when": "true", "message": {"en": "y"}}]`, "/x-rules/1/name", "duplicate"},
		{`[{"name": "r", "when": "true", "message": {"en": "x"}, "fields": ["nope"]}]`, "/x-rules/0/fields/0", "unknown_field"},
		{`[{"name": "r", "when": "true", "message": {"en": "x"}, "level": 1}]`, "/x-rules/0/level", "unknown_key"},
		{`[{"name": "r", "message": {"en": "x"}}]`, "/x-rules/0/when", "required"},
	}
	for _, c := range cases {
		doc := `{"$id": "lead", "type": "object", "properties": {"visits": {"type": "number"}}, "x-rules": ` + c.rules + `}`
		_, err := schema.Parse([]byte(doc))
		if !hasError(err, c.path, c.code, -2) {
			t.Errorf("%s: got %v, want %s at %s", c.rules, err, c.code, c.path)
		}
	}
}

func TestCheckExpr(t *testing.T) {
	e, err := schema.Parse([]byte(exprEntity))
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.CheckExpr("visits * 2", "formula", "")
	if err != nil || p.Type != "number" {
		t.Fatalf("%v %v", p, err)
	}
	if _, err := e.CheckExpr("visits * 2", "rule", ""); !hasError(err, "/expr", "result_type", 0) {
		t.Fatalf("a number is not a rule: %v", err)
	}
	if _, err := e.CheckExpr("'x'", "default", "visits"); !hasError(err, "/expr", "result_type", 0) {
		t.Fatalf("text is no default of a number: %v", err)
	}
	if _, err := e.CheckExpr("1", "sql", ""); !hasError(err, "/kind", "enum", -1) {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := e.CheckExpr("1", "default", "nope"); !hasError(err, "/field", "unknown_field", -1) {
		t.Fatalf("unknown field: %v", err)
	}
}

// hasError reports whether err is an EInvalid error with a field error at
// path with code (and offset, unless it is -2).
func hasError(err error, path, code string, offset int) bool {
	me := morph.AsError(err)
	if me == nil || me.Code != morph.EInvalid {
		return false
	}
	for _, fe := range me.Fields {
		if fe.Path == path && fe.Code == code && (offset == -2 || fe.Offset == offset) && fe.Text.EN != "" && fe.Text.ZH != "" {
			return true
		}
	}
	return false
}
