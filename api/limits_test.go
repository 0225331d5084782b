package api_test

import (
	"strings"
	"testing"

	"github.com/morphcrm/morph/schema"
)

// nested is a JSON value holding v inside n levels of {"a": …}.
func nested(n int, v string) string {
	return strings.Repeat(`{"a":`, n) + v + strings.Repeat(`}`, n)
}

// deepPath is the JSON pointer of the value n levels down a nested value.
func deepPath(prefix string, n int) string {
	return prefix + strings.Repeat("/a", n)
}

// TestRecordLimits: values a record cannot hold — nested too deep, numbers
// an integer field cannot hold exactly, text that is not Unicode — get a
// 400 naming the place, on create, PATCH and per bulk item, and change
// nothing.
func TestRecordLimits(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		id := s.create("customer", `{"name": "Existing"}`)["id"].(string)
		tooDeep := `{"name": "x", "address": ` + nested(33, "1") + `}`
		veryDeep := `{"name": "x", "address": ` + nested(1000, "1") + `}`
		for _, sc := range []scenario{
			{name: "json field nested past the limit", method: "POST", path: "/api/records/customer", body: tooDeep,
				wantStatus: 400, want: []string{`"code":"too_deep"`, `"path":"` + deepPath("/address", 32) + `"`, "32"}},
			{name: "json field nested past the limit, patched", method: "PATCH", path: "/api/records/customer/" + id, body: tooDeep,
				wantStatus: 400, want: []string{`"code":"too_deep"`, `"path":"` + deepPath("/address", 32) + `"`}},
			{name: "body nested 1,000 levels", method: "POST", path: "/api/records/customer", body: veryDeep,
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"code":"depth"`, `"path":"` + deepPath("/address", 127) + `"`}},
			{name: "body nested 1,000 levels, patched", method: "PATCH", path: "/api/records/customer/" + id, body: veryDeep,
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"code":"depth"`}},
			{name: "bulk body nested 1,000 levels", method: "POST", path: "/api/records/customer/bulk", body: `{"items": [` + veryDeep + `]}`,
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"path":"` + deepPath("/items/0/address", 125) + `"`}},
			{name: "integer beyond 2^53", method: "POST", path: "/api/records/customer", body: `{"name": "x", "visits": 9007199254740993}`,
				wantStatus: 400, want: []string{`"path":"/visits"`, `"code":"range"`, "9007199254740991"}},
			{name: "negative integer beyond 2^53", method: "POST", path: "/api/records/customer", body: `{"name": "x", "visits": -9007199254740993}`,
				wantStatus: 400, want: []string{`"path":"/visits"`, `"code":"range"`}},
			{name: "integer 1e308", method: "POST", path: "/api/records/customer", body: `{"name": "x", "visits": 1e308}`,
				wantStatus: 400, want: []string{`"path":"/visits"`, `"code":"range"`}},
			{name: "integer beyond 2^53, patched", method: "PATCH", path: "/api/records/customer/" + id, body: `{"visits": 9007199254740992}`,
				wantStatus: 400, want: []string{`"path":"/visits"`, `"code":"range"`}},
			{name: "number beyond a double", method: "POST", path: "/api/records/customer", body: `{"name": "x", "amount": 1e400}`,
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"path":"/amount"`, "1e400"}},
			{name: "lone high surrogate", method: "POST", path: "/api/records/customer", body: `{"name": "\ud800"}`,
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"code":"surrogate"`, `"path":"/name"`}},
			{name: "lone low surrogate", method: "POST", path: "/api/records/customer", body: `{"name": "ok \udc00"}`,
				wantStatus: 400, want: []string{`"code":"surrogate"`, `"path":"/name"`}},
			{name: "high surrogate before a letter", method: "POST", path: "/api/records/customer", body: `{"name": "\ud83d\u0041"}`,
				wantStatus: 400, want: []string{`"code":"surrogate"`, `"path":"/name"`}},
			{name: "two high surrogates", method: "POST", path: "/api/records/customer", body: `{"name": "\ud83d\ud83d"}`,
				wantStatus: 400, want: []string{`"code":"surrogate"`}},
			{name: "lone surrogate at the end of the text", method: "POST", path: "/api/records/customer", body: `{"name": "x", "tags": ["a", "\ud83d"]}`,
				wantStatus: 400, want: []string{`"code":"surrogate"`, `"path":"/tags/1"`}},
			{name: "lone surrogate in a key", method: "POST", path: "/api/records/customer", body: `{"name": "x", "address": {"\udfff": 1}}`,
				wantStatus: 400, want: []string{`"code":"surrogate"`}},
			{name: "lone surrogate, patched", method: "PATCH", path: "/api/records/customer/" + id, body: `{"name": "\ud800"}`,
				wantStatus: 400, want: []string{`"code":"surrogate"`, `"path":"/name"`}},
			{name: "bytes that are not UTF-8", method: "POST", path: "/api/records/customer", body: "{\"name\": \"x\xff\"}",
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"code":"utf8"`, `"path":"/name"`}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		t.Run("bulk item nested past the limit", func(t *testing.T) {
			sc := scenario{method: "POST", path: "/api/records/customer/bulk",
				body:       `{"items": [{"name": "fine"}, ` + tooDeep + `, {"name": "big", "visits": 9007199254740993}]}`,
				wantStatus: 200, want: []string{`"succeeded":1`, `"failed":2`, `"code":"too_deep"`, `"path":"` + deepPath("/address", 32) + `"`, `"code":"range"`}}
			sc.run(t, s)
		})

		// Nothing but the one good bulk item was stored, and the record
		// refused patches is as it was.
		if list := s.do("GET", "/api/records/customer?count=true", "").JSON(t); list["total"] != float64(2) {
			t.Fatalf("refused input changed the store: total %v", list["total"])
		}
		if r := s.do("GET", "/api/records/customer/"+id, "").JSON(t); r["version"] != float64(1) || r["name"] != "Existing" {
			t.Fatalf("refused patches changed the record: %v", r)
		}

		// At the limits, values are accepted and kept exactly.
		for _, sc := range []scenario{
			{name: "json field nested to the limit", method: "POST", path: "/api/records/customer", body: `{"name": "x", "address": ` + nested(32, "1") + `}`,
				wantStatus: 201, want: []string{nested(32, "1")}},
			{name: "largest safe integer", method: "POST", path: "/api/records/customer", body: `{"name": "x", "visits": 9007199254740991}`,
				wantStatus: 201, want: []string{`"visits":9007199254740991`}},
			{name: "a number field takes large numbers as doubles", method: "POST", path: "/api/records/customer", body: `{"name": "x", "amount": 1e308}`,
				wantStatus: 201, want: []string{`"amount":1e+308`}},
			{name: "surrogate pair", method: "POST", path: "/api/records/customer", body: `{"name": "smile \ud83d\ude00", "tags": ["\uD83D\uDE00"]}`,
				wantStatus: 201, want: []string{`"name":"smile 😀"`, `"tags":["😀"]`}},
			{name: "an escaped backslash before u is text", method: "POST", path: "/api/records/customer", body: `{"name": "\\ud800"}`,
				wantStatus: 201, want: []string{`"name":"\\ud800"`}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
	})
}

// TestDefinitionLimits: a definition nested too deep, or with a json field
// whose default is, is refused with the place named.
func TestDefinitionLimits(t *testing.T) {
	s := newServer(t, "sqlite")
	schemaChain := func(n int) string { // n schemas, each the "a" property of the one before
		return strings.Repeat(`{"type": "object", "properties": {"a": `, n-1) + `{"type": "string"}` + strings.Repeat(`}}`, n-1)
	}
	def := func(field string) string {
		return `{"$id": "deep", "type": "object", "properties": {"name": {"type": "string"}, "data": ` + field + `}}`
	}
	for _, sc := range []scenario{
		{name: "schemas nested past the limit", method: "PUT", path: "/api/entities/deep", body: def(schemaChain(schema.MaxSchemaDepth)),
			wantStatus: 400, want: []string{`"code":"too_deep"`, `"path":"/properties/data` + strings.Repeat("/properties/a", schema.MaxSchemaDepth-1) + `"`}},
		{name: "definition nested 3,000 levels", method: "PUT", path: "/api/entities/deep", body: def(schemaChain(3000)),
			wantStatus: 400, want: []string{`"code":"invalid_json"`, `"code":"depth"`}},
		{name: "json default nested past the limit", method: "PUT", path: "/api/entities/deep", body: def(`{"type": "object", "default": ` + nested(33, "1") + `}`),
			wantStatus: 400, want: []string{`"code":"default"`, `"path":"` + deepPath("/properties/data/default", 32) + `"`}},
		{name: "json default nested 2,000 levels", method: "PUT", path: "/api/entities/deep", body: def(`{"type": "object", "default": ` + nested(2000, "1") + `}`),
			wantStatus: 400, want: []string{`"code":"invalid_json"`, `"code":"depth"`}},
		{name: "lone surrogate in a definition", method: "PUT", path: "/api/entities/deep", body: def(`{"type": "string", "title": "\udead"}`),
			wantStatus: 400, want: []string{`"code":"surrogate"`, `"path":"/properties/data/title"`}},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
	}
	if r := s.do("GET", "/api/entities/deep", ""); r.Status != 404 {
		t.Fatalf("a refused definition was saved: %d %s", r.Status, r.Body)
	}
	// At the limits, the definition is accepted and records follow it.
	(scenario{method: "PUT", path: "/api/entities/deep", body: def(`{"type": "object", "default": ` + nested(32, "1") + `}`), wantStatus: 201}).run(t, s)
	(scenario{method: "POST", path: "/api/records/deep", body: `{"name": "x"}`, wantStatus: 201, want: []string{nested(32, "1")}}).run(t, s)
	(scenario{method: "PUT", path: "/api/entities/deep", body: def(schemaChain(schema.MaxSchemaDepth - 1)), wantStatus: 200}).run(t, s)
}
