package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
)

// scoredLeadDef has a formula, a default expression and a validation rule.
const scoredLeadDef = `{"$id": "lead", "type": "object", "properties": {
	"name":   {"type": "string"},
	"visits": {"type": "number"},
	"tier":   {"type": "string", "enum": ["vip", "normal"]},
	"phone":  {"type": "string", "x-type": "phone"},
	"score":  {"type": "number", "x-type": "formula", "x-expr": "min(100, visits * 10 + (tier == 'vip' ? 30 : 0))"},
	"due":    {"type": "string", "format": "date", "x-default-expr": "addDays(today(), 3)"}},
	"required": ["name"],
	"x-rules": [{"name": "vip_needs_phone", "when": "tier == 'vip' && phone == ''", "fields": ["phone"],
	             "message": {"en": "VIP customers need a phone number", "zh-CN": "VIP 客户必须填写电话"}}]}`

func TestExpressionCheck(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, scoredLeadDef, personDef)
		check := "/api/expressions/check"
		for _, sc := range []scenario{
			{name: "a formula", method: "POST", path: check, body: `{"entity": "lead", "expr": "score * 2 + len(name)", "kind": "formula"}`,
				wantStatus: 200, want: []string{`"ok":true`, `"type":"number"`, `"errors":[]`}},
			{name: "a rule", method: "POST", path: check, body: `{"entity": "lead", "expr": "changed('tier') && old.tier == 'vip'", "kind": "rule"}`,
				wantStatus: 200, want: []string{`"ok":true`, `"type":"bool"`}},
			{name: "a default of a field", method: "POST", path: check, body: `{"entity": "lead", "expr": "addDays(today(), 1)", "kind": "default", "field": "due"}`,
				wantStatus: 200, want: []string{`"ok":true`, `"type":"datetime"`}},
			{name: "a filter", method: "POST", path: check, body: `{"entity": "lead", "expr": "score > 50 && tier in ['vip']", "kind": "filter"}`,
				wantStatus: 200, want: []string{`"ok":true`, `"type":"bool"`}},
			{name: "a syntax error", method: "POST", path: check, body: `{"entity": "lead", "expr": "visits *", "kind": "formula"}`,
				wantStatus: 200, want: []string{`"ok":false`, `"code":"syntax"`, `"offset":8`}, notWant: []string{`"type"`}},
			{name: "an unknown field, in Chinese", method: "POST", path: check, body: `{"entity": "lead", "expr": "visits * nope", "kind": "formula"}`,
				headers: []string{"Accept-Language: zh-CN"}, wantStatus: 200, want: []string{`"ok":false`, `"code":"unknown_field"`, `"offset":9`, "第 10 个字符处"}},
			{name: "the wrong type for a rule", method: "POST", path: check, body: `{"entity": "lead", "expr": "visits", "kind": "rule"}`,
				wantStatus: 200, want: []string{`"ok":false`, `"code":"result_type"`, "bool is needed"}},
			{name: "a filter outside the subset", method: "POST", path: check, body: `{"entity": "lead", "expr": "visits * 2 > 3", "kind": "filter"}`,
				wantStatus: 200, want: []string{`"ok":false`, `"offset"`}},
			{name: "too long", method: "POST", path: check, body: `{"entity": "lead", "expr": "` + strings.Repeat("1+", 2100) + `1", "kind": "formula"}`,
				wantStatus: 200, want: []string{`"ok":false`, `"code":"too_long"`}},
			{name: "too large a body", method: "POST", path: check, body: `{"entity": "lead", "expr": "` + strings.Repeat(" ", 17<<10) + `1", "kind": "formula"}`,
				wantStatus: 413},
			{name: "an unknown kind", method: "POST", path: check, body: `{"entity": "lead", "expr": "1", "kind": "sql"}`,
				wantStatus: 400, want: []string{`"path":"/kind","code":"enum"`}},
			{name: "missing parts", method: "POST", path: check, body: `{"kind": 3, "extra": 1}`,
				wantStatus: 400, want: []string{`"path":"/entity","code":"required"`, `"path":"/expr","code":"required"`, `"path":"/kind","code":"type"`, `"path":"/extra"`}},
			{name: "an unknown field named", method: "POST", path: check, body: `{"entity": "lead", "expr": "1", "kind": "default", "field": "ghost"}`,
				wantStatus: 400, want: []string{`"path":"/field"`}},
			{name: "an unknown entity", method: "POST", path: check, body: `{"entity": "ghost", "expr": "1", "kind": "rule"}`, wantStatus: 404},
			{name: "not json", method: "POST", path: check, body: `{"entity":`, wantStatus: 400},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		// A filter, for any signed-in user who may read the entity, against
		// the fields they may see; others get 404, as for its records. The
		// definitions' places see every field: administrators only.
		s.eng.PutRole(context.Background(), engine.System, "clerk", []byte(`{"entities": {"person": {"read": "all", "fields": {"*": "read", "level": "hidden"}}}}`))
		clerk := bearer(s.userToken("clerk@test.local", "clerk"))
		if r := s.anon("POST", check, `{"entity": "person", "expr": "name != ''", "kind": "filter"}`, clerk); r.Status != 200 || !strings.Contains(r.Body, `"ok":true`) {
			t.Fatalf("clerk checks a filter: %d %s", r.Status, r.Body)
		}
		if r := s.anon("POST", check, `{"entity": "person", "expr": "level > 2", "kind": "filter"}`, clerk); r.Status != 200 || strings.Contains(r.Body, `"ok":true`) {
			t.Fatalf("clerk checks a filter on a hidden field: %d %s", r.Status, r.Body)
		}
		for _, kind := range []string{"rule", "condition", "formula", "default"} {
			r := s.anon("POST", check, `{"entity": "person", "expr": "level == 'x'", "kind": "`+kind+`"}`, clerk)
			if r.Status != 403 || strings.Contains(r.Body, "level") {
				t.Fatalf("clerk checks a %s on a hidden field: %d %s", kind, r.Status, r.Body)
			}
		}
		if r := s.anon("POST", check, `{"entity": "lead", "expr": "visits > 2", "kind": "rule"}`, clerk); r.Status != 404 {
			t.Fatalf("clerk checks on an entity it may not read: %d %s", r.Status, r.Body)
		}
		if r := s.anon("POST", check, `{"entity": "lead", "expr": "1", "kind": "rule"}`); r.Status != 401 {
			t.Fatalf("without credentials: %d %s", r.Status, r.Body)
		}
	})
}

// Formulas, defaults and rules through the API: the computed values in
// answers, 400 for a formula value sent, 422 with the rule's message in the
// caller's language at its fields — and a refused write changes nothing.
func TestFormulasAndRulesThroughTheAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, scoredLeadDef)
		r := s.do("POST", "/api/records/lead", `{"name": "A", "visits": 3, "tier": "vip", "phone": "13800138000"}`)
		if r.Status != 201 || !strings.Contains(r.Body, `"score":60`) || !strings.Contains(r.Body, `"due":"`) {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := r.JSON(t)["id"].(string)
		for _, sc := range []scenario{
			{name: "a rule in English", method: "POST", path: "/api/records/lead", body: `{"name": "B", "tier": "vip"}`, wantStatus: 422,
				want: []string{`"code":"rule"`, `"message":"VIP customers need a phone number"`, `"path":"/phone","code":"rule:vip_needs_phone"`}},
			{name: "a rule in Chinese", method: "POST", path: "/api/records/lead", body: `{"name": "B", "tier": "vip"}`, headers: []string{"Accept-Language: zh-CN"},
				wantStatus: 422, want: []string{`"message":"VIP 客户必须填写电话"`}, notWant: []string{"VIP customers"}},
			{name: "an update breaking a rule", method: "PATCH", path: "/api/records/lead/" + id, body: `{"phone": null}`, wantStatus: 422,
				want: []string{`"code":"rule"`}},
			{name: "a formula value sent", method: "POST", path: "/api/records/lead", body: `{"name": "C", "score": 100}`, wantStatus: 400,
				want: []string{`"path":"/score","code":"read_only"`}},
			{name: "a formula value patched", method: "PATCH", path: "/api/records/lead/" + id, body: `{"score": 100}`, wantStatus: 400,
				want: []string{`"path":"/score","code":"read_only"`}},
			{name: "filter and sort by a formula", method: "GET", path: "/api/records/lead?filter=" + urlq("score >= 60") + "&sort=-score", wantStatus: 200,
				want: []string{`"score":60`}},
			{name: "an update recomputes", method: "PATCH", path: "/api/records/lead/" + id, body: `{"visits": 1}`, wantStatus: 200,
				want: []string{`"score":40`, `"version":2`}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		r = s.do("GET", "/api/records/lead?count=true", "")
		if !strings.Contains(r.Body, `"total":1`) || !strings.Contains(r.Body, `"phone":"+8613800138000"`) {
			t.Fatalf("refused writes changed something: %s", r.Body)
		}
	})
}

// A changed formula recomputes the stored records before the save answers;
// the progress and a new run are for administrators.
func TestRecomputeThroughTheAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, scoredLeadDef)
		id := s.create("lead", `{"name": "A", "visits": 2}`)["id"].(string)
		if r := s.do("GET", "/api/entities/lead/recompute", ""); r.Status != 404 {
			t.Fatalf("before any: %d %s", r.Status, r.Body)
		}
		changed := strings.Replace(scoredLeadDef, "visits * 10", "visits * 5", 1)
		if r := s.do("PUT", "/api/entities/lead", changed); r.Status != 200 {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/records/lead/"+id, ""); !strings.Contains(r.Body, `"score":10`) || !strings.Contains(r.Body, `"version":2`) {
			t.Fatalf("after the save: %s", r.Body)
		}
		for _, sc := range []scenario{
			{name: "progress", method: "GET", path: "/api/entities/lead/recompute", wantStatus: 200,
				want: []string{`"state":"done"`, `"total":1`, `"done":1`, `"changed":1`, `"version":2`}},
			{name: "run again", method: "POST", path: "/api/entities/lead/recompute", wantStatus: 200,
				want: []string{`"state":"done"`, `"changed":0`}},
			{name: "unknown entity", method: "POST", path: "/api/entities/ghost/recompute", wantStatus: 404},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		s.eng.PutRole(context.Background(), engine.System, "clerk", []byte(`{"entities": {"lead": {"read": "all", "fields": {"*": "read"}}}}`))
		clerk := bearer(s.userToken("clerk@test.local", "clerk"))
		for _, m := range []string{"GET", "POST"} {
			if r := s.anon(m, "/api/entities/lead/recompute", "", clerk); r.Status != 403 {
				t.Fatalf("clerk %s: %d %s", m, r.Status, r.Body)
			}
		}
	})
}
