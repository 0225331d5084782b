package api_test

import (
	"fmt"
	"strings"
	"testing"
)

const dealDef = `{"$id": "deal", "type": "object", "properties": {
	"title": {"type": "string"}, "amount": {"x-type": "currency"}, "stage": {"type": "string", "enum": ["new", "won"]},
	"expected_close": {"type": "string", "format": "date"}, "tags": {"type": "array", "items": {"type": "string"}}},
	"x-indexes": %s}`

// TestCompositeIndexDefinitions: x-indexes is saved and serves its lists; a
// wrong one is refused with every problem keyed by pointer and changes
// nothing.
func TestCompositeIndexDefinitions(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		for _, sc := range []scenario{
			{name: "composite indexes", method: "PUT", path: "/api/entities/deal", body: fmt.Sprintf(dealDef, `[["owner", "-amount"], ["stage", "expected_close"]]`),
				wantStatus: 201, want: []string{`"x-indexes"`, `"-amount"`}},
			{name: "wrong indexes", method: "PUT", path: "/api/entities/deal",
				body:       fmt.Sprintf(dealDef, `[["owner", "-tags"], ["nosuch"], ["stage", "stage"], "stage", ["stage", "expected_close"], ["-stage", "-expected_close"]]`),
				wantStatus: 400, want: []string{`"code":"invalid"`, `"path":"/x-indexes/0/1","code":"not_indexable"`, `"path":"/x-indexes/1/0","code":"unknown_field"`,
					`"path":"/x-indexes/2/1","code":"duplicate"`, `"path":"/x-indexes/3","code":"type"`, `"path":"/x-indexes/5","code":"duplicate"`}},
			{name: "unchanged", method: "GET", path: "/api/entities/deal",
				wantStatus: 200, want: []string{`"-amount"`}, notWant: []string{"nosuch"}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		u1, u2 := s.addUser("u1@example.com"), s.addUser("u2@example.com")
		for i, a := range []float64{300, 100, 300, 200} {
			s.create("deal", fmt.Sprintf(`{"title": "d%d", "owner": %q, "amount": {"amount": %g, "currency": "CNY"}}`, i, u1, a))
		}
		s.create("deal", fmt.Sprintf(`{"title": "other", "owner": %q, "amount": {"amount": 1000, "currency": "CNY"}}`, u2))
		s.create("deal", fmt.Sprintf(`{"title": "none", "owner": %q}`, u1))
		mine := urlq(fmt.Sprintf(`owner == %q`, u1))
		path := "/api/records/deal?fields=title&filter=" + mine + "&sort=-amount&limit=2"
		var titles []string
		for path != "" {
			page := s.do("GET", path, "").JSON(t)
			for _, r := range page["items"].([]any) {
				titles = append(titles, r.(map[string]any)["title"].(string))
			}
			path = ""
			if next, _ := page["next"].(string); next != "" {
				path = "/api/records/deal?fields=title&filter=" + mine + "&sort=-amount&limit=2&after=" + urlq(next)
			}
		}
		// Ties in the id's direction: the later of d0 and d2 first.
		if got := strings.Join(titles, ","); got != "d2,d0,d3,d1,none" {
			t.Fatalf("my deals by amount, largest first: %s", got)
		}

		if r := s.do("PUT", "/api/entities/deal", fmt.Sprintf(dealDef, `[]`)); r.Status != 200 {
			t.Fatalf("indexes removed: %d %s", r.Status, r.Body)
		}
	})
}

// TestLongFieldNames: every field name a definition may have works when it
// gets an index (unique, x-indexed or in x-indexes): the entity saves,
// records are created, filtered and sorted, and a unique violation names
// the field.
func TestLongFieldNames(t *testing.T) {
	long := func(n int, c string) string { return "f" + strings.Repeat(c, n-1) }
	u63, u62, i63 := long(63, "u"), long(62, "u"), long(63, "i")
	def := fmt.Sprintf(`{"$id": "wide", "type": "object", "properties": {
		%q: {"type": "string", "x-unique": true}, %q: {"type": "string", "x-unique": true},
		%q: {"type": "integer", "x-indexed": true}}, "x-indexes": [[%q, "-%s"]]}`, u63, u62, i63, u62, i63)
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		for _, sc := range []scenario{
			{name: "saved", method: "PUT", path: "/api/entities/wide", body: def, wantStatus: 201},
			{name: "created", method: "POST", path: "/api/records/wide", body: fmt.Sprintf(`{%q: "a", %q: "b", %q: 1}`, u63, u62, i63), wantStatus: 201},
			{name: "another", method: "POST", path: "/api/records/wide", body: fmt.Sprintf(`{%q: "c", %q: "d", %q: 2}`, u63, u62, i63), wantStatus: 201},
			{name: "filtered and sorted", method: "GET", path: "/api/records/wide?sort=-" + i63 + "&filter=" + urlq(i63+" >= 1"),
				wantStatus: 200, want: []string{fmt.Sprintf(`%q:"c"`, u63)}},
			{name: "unique violation names the field", method: "POST", path: "/api/records/wide", body: fmt.Sprintf(`{%q: "a"}`, u63),
				wantStatus: 409, want: []string{`"code":"duplicate_value"`, `"path":"/` + u63 + `"`}},
			{name: "the other unique field", method: "POST", path: "/api/records/wide", body: fmt.Sprintf(`{%q: "d"}`, u62),
				wantStatus: 409, want: []string{`"code":"duplicate_value"`, `"path":"/` + u62 + `"`}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		page := s.do("GET", "/api/records/wide?sort=-"+i63, "").Body
		if strings.Index(page, `"c"`) > strings.Index(page, `"a"`) {
			t.Fatalf("not sorted by %s descending: %s", i63, page)
		}
	})
}
