package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// The URL names the entity: $id may be absent, the same name or a URI; a
// different plain name is refused.
func TestEntityNameFromURL(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		const props = `"type": "object", "properties": {"name": {"type": "string"}}`
		for _, sc := range []scenario{
			{name: "no $id", method: "PUT", path: "/api/entities/owner", body: `{` + props + `}`,
				wantStatus: 201, want: []string{`"$id":"owner"`}, notWant: []string{"x-source-id"}},
			{name: "the same name", method: "PUT", path: "/api/entities/owner", body: `{"$id": "owner", ` + props + `}`,
				wantStatus: 200, want: []string{`"$id":"owner"`}},
			{name: "a URL", method: "PUT", path: "/api/entities/owner", body: `{"$id": "https://example.com/owner.json", ` + props + `}`,
				wantStatus: 200, want: []string{`"$id":"owner"`, `"x-source-id":"https://example.com/owner.json"`}},
			{name: "a URL, new entity", method: "PUT", path: "/api/entities/person", body: `{"$id": "https://example.com/schemas/person.json", ` + props + `}`,
				wantStatus: 201, want: []string{`"$id":"person"`}},
			{name: "another name", method: "PUT", path: "/api/entities/owner", body: `{"$id": "person", ` + props + `}`,
				wantStatus: 400, want: []string{`"path":"/$id"`, `"code":"mismatch"`}},
			{name: "a relative reference against a URL $id is not fetched", method: "PUT", path: "/api/entities/owner",
				body:       `{"$id": "https://example.com/owner.json", "type": "object", "properties": {"address": {"$ref": "address.json"}}}`,
				wantStatus: 400, want: []string{`"code":"invalid"`}},
			{name: "an invalid name in the URL", method: "PUT", path: "/api/entities/Owner", body: `{` + props + `}`,
				wantStatus: 400, want: []string{`"path":"/$id"`}},
			{name: "the definition as stored", method: "GET", path: "/api/entities/owner",
				wantStatus: 200, want: []string{`"$id":"owner"`, `"x-source-id":"https://example.com/owner.json"`}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		if r := s.do("GET", "/api/entities/owner", ""); r.Header.Get("ETag") != `"3"` {
			t.Fatalf("refused saves changed the definition: %s", r.Header.Get("ETag"))
		}
	})
}

// Of concurrent saves with one If-Match, exactly one succeeds; the others
// get 412. DELETE honours If-Match too.
func TestEntityIfMatchRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef)
		changed := strings.Replace(companyDef, `"required"`, `"x-title-field": "name", "required"`, 1)
		const n = 20
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = s.do("PUT", "/api/entities/company", changed, `If-Match: "1"`).Status
			}()
		}
		wg.Wait()
		count := map[int]int{}
		for _, st := range statuses {
			count[st]++
		}
		if count[200] != 1 || count[412] != n-1 {
			t.Fatalf("statuses %v, want one 200 and %d 412", count, n-1)
		}
		for _, sc := range []scenario{
			{name: "stale delete", method: "DELETE", path: "/api/entities/company", headers: []string{`If-Match: "1"`},
				wantStatus: 412, want: []string{`"code":"version_mismatch"`}},
			{name: "stale save", method: "PUT", path: "/api/entities/company", body: companyDef, headers: []string{`If-Match: "1"`},
				wantStatus: 412},
			{name: "delete", method: "DELETE", path: "/api/entities/company", headers: []string{`If-Match: "2"`},
				wantStatus: 204},
			{name: "save of a deleted entity with If-Match", method: "PUT", path: "/api/entities/company", body: companyDef,
				headers: []string{`If-Match: "2"`}, wantStatus: 412},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
	})
}

// A field changed into another shape: the save says how many stored values
// do not fit and is refused unless forced; reads of values of the earlier
// shape never fail.
func TestFieldShapeChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, `{"$id": "note", "type": "object", "properties": {
			"link": {"type": "integer"},
			"many": {"type": "array", "items": {"type": "string"}, "x-type": "relation", "x-ref": "company", "x-many": true},
			"tier": {"type": "string", "enum": ["a", "b", "c"]}}}`)
		co := s.create("company", `{"name": "Acme"}`)
		s.create("note", `{"link": 5}`)
		s.create("note", `{"link": 6, "tier": "c"}`)
		s.create("note", `{"many": []}`)
		s.create("note", `{"tier": "a"}`)
		single := `{"$id": "note", "type": "object", "properties": {
			"link": {"type": "string", "x-type": "relation", "x-ref": "company"},
			"many": {"type": "string", "x-type": "relation", "x-ref": "company"},
			"tier": {"type": "string", "enum": ["a", "b"]}}}`
		for _, sc := range []scenario{
			{name: "refused", method: "PUT", path: "/api/entities/note", body: single, wantStatus: 409,
				want: []string{`"code":"incompatible_values"`, `"path":"/properties/link"`, `2 record(s)`, `"path":"/properties/many"`,
					`1 record(s) hold a value of many`, `"path":"/properties/tier"`, `1 record(s) hold a value of tier`, "force=true"}},
			{name: "nothing changed", method: "GET", path: "/api/entities/note", wantStatus: 200, want: []string{`"x-many":true`}},
			{name: "a bad force", method: "PUT", path: "/api/entities/note?force=maybe", body: single, wantStatus: 400,
				want: []string{`"path":"force"`}},
			{name: "forced", method: "PUT", path: "/api/entities/note?force=true", body: single, wantStatus: 200},
			{name: "a new record", method: "POST", path: "/api/records/note",
				body: fmt.Sprintf(`{"link": %q, "many": %q}`, co["id"], co["id"]), wantStatus: 201},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		for _, expand := range []string{"link", "many", "link,many"} {
			r := s.do("GET", "/api/records/note?expand="+expand+"&limit=10", "")
			if r.Status != 200 {
				t.Fatalf("expand=%s: %d %s", expand, r.Status, r.Body)
			}
			var page struct{ Items []map[string]any }
			if err := json.Unmarshal([]byte(r.Body), &page); err != nil {
				t.Fatal(err)
			}
			expanded := 0
			for _, it := range page.Items {
				if x, ok := it["_expand"].(map[string]any); ok {
					for _, v := range x {
						if m, ok := v.(map[string]any); !ok || m["name"] != "Acme" {
							t.Errorf("expand=%s: %v", expand, x)
						}
						expanded++
					}
				}
			}
			if want := strings.Count(expand, ",") + 1; expanded != want {
				t.Errorf("expand=%s: %d expanded values, want %d: %s", expand, expanded, want, r.Body)
			}
			if !strings.Contains(r.Body, `"link":5`) || !strings.Contains(r.Body, `"many":[]`) {
				t.Errorf("values of the earlier shape are not as stored: %s", r.Body)
			}
		}
		// The fields changed back: the old values fit again, the new ones do not.
		back := `{"$id": "note", "type": "object", "properties": {"link": {"type": "integer"}, "many": {"type": "string"}}}`
		if r := s.do("PUT", "/api/entities/note", back); r.Status != 409 || !strings.Contains(r.Body, `1 record(s) hold a value of link`) {
			t.Fatalf("changed back: %d %s", r.Status, r.Body)
		}
	})
}

// Requests racing the deletion of their entity get 404, never 500; the
// entity created again starts empty.
func TestRequestsRacingEntityDelete(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		const def = `{"type": "object", "properties": {"code": {"type": "string", "x-unique": true}, "n": {"type": "integer"}}}`
		for round := range 3 {
			if r := s.do("PUT", "/api/entities/temp", def); r.Status != 201 {
				t.Fatalf("create entity: %d %s", r.Status, r.Body)
			}
			rec := s.create("temp", `{"code": "first", "n": 1}`)
			var wg sync.WaitGroup
			var mu sync.Mutex
			bad := map[string]int{}
			note := func(what string, status int, body string) {
				if status >= 200 && status < 300 || status == 404 {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if bad[what]++; bad[what] == 1 {
					t.Errorf("round %d, %s: %d %s", round, what, status, body)
				}
			}
			for w := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 15 {
						var r response
						switch (w + i) % 5 {
						case 0:
							r = s.do("POST", "/api/records/temp", fmt.Sprintf(`{"code": "c%d-%d-%d", "n": %d}`, round, w, i, i))
						case 1:
							r = s.do("GET", "/api/records/temp?filter="+urlq("n >= 0")+"&count=true&sort=-n", "")
						case 2:
							r = s.do("POST", "/api/records/temp/bulk", fmt.Sprintf(`{"items": [{"code": "b%d-%d-%d"}, {"code": "e%d-%d-%d"}]}`, round, w, i, round, w, i))
							if r.Status == 200 {
								var res struct{ Items []struct{ Status int } }
								json.Unmarshal([]byte(r.Body), &res)
								for _, it := range res.Items {
									note("bulk item", it.Status, r.Body)
								}
							}
						case 3:
							r = s.do("PATCH", "/api/records/temp/"+rec["id"].(string), fmt.Sprintf(`{"n": %d}`, i))
							if r.Status == 412 || r.Status == 409 {
								r.Status = 200 // a concurrent change, not the race looked for
							}
						case 4:
							r = s.do("GET", "/api/records/temp/"+rec["id"].(string), "")
						}
						note(fmt.Sprint((w+i)%5), r.Status, r.Body)
					}
				}()
			}
			if r := s.do("DELETE", "/api/entities/temp", ""); r.Status != 204 {
				t.Fatalf("delete entity: %d %s", r.Status, r.Body)
			}
			wg.Wait()
			if r := s.do("GET", "/api/records/temp", ""); r.Status != 404 {
				t.Fatalf("records after delete: %d", r.Status)
			}
		}
		// Created again, the entity has none of the records of before, and
		// its versions continue.
		r := s.do("PUT", "/api/entities/temp", def)
		if r.Status != 201 || r.Header.Get("ETag") != `"4"` {
			t.Fatalf("create again: %d %s %s", r.Status, r.Header.Get("ETag"), r.Body)
		}
		if r := s.do("GET", "/api/records/temp?count=true", ""); r.Status != 200 || !strings.Contains(r.Body, `"total":0`) {
			t.Fatalf("records of the earlier entity: %s", r.Body)
		}
	})
}
