package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
)

// personLayout requires an e-mail from people of level 3 and above.
const personLayout = `{"label": {"en": "Person", "zh-CN": "人员"}, "tabs": [{"sections": [{"rows": [
	{"cols": [{"span": 12, "field": "name"}, {"span": 12, "field": "level"}]},
	{"cols": [{"span": 24, "field": "email", "requiredWhen": "level >= 3"}]}]}]}]}`

// userToken makes a user with the given roles and returns a session token.
func (s *testServer) userToken(email string, roles ...string) string {
	s.t.Helper()
	ctx := context.Background()
	rs := make([]any, len(roles))
	for i, r := range roles {
		rs[i] = r
	}
	u, err := s.ids.CreateUser(ctx, engine.System, map[string]any{"email": email, "name": email, "roles": rs})
	if err != nil {
		s.t.Fatal(err)
	}
	token, err := s.ids.OpenSession(ctx, u.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return token
}

// Layouts through the API: the generated default, saving (administrators
// only, checked, versioned), reading, and the rules enforced on records.
func TestLayoutsAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, personDef, ticketDef)
		r := s.do("GET", "/api/entities/person/layouts/default", "")
		if r.Status != 200 || r.Header.Get("ETag") != "" || !strings.Contains(r.Body, `"generated":true`) || !strings.Contains(r.Body, `"field":"email"`) {
			t.Fatalf("generated: %d %s", r.Status, r.Body)
		}
		r = s.do("PUT", "/api/entities/person/layouts/default", personLayout)
		if r.Status != 201 || r.Header.Get("ETag") != `"1"` || !strings.Contains(r.Body, `"version":1`) || strings.Contains(r.Body, "generated") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/entities/person/layouts/default", personLayout, `If-Match: "1"`); r.Status != 200 || r.Header.Get("ETag") != `"2"` {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		for _, sc := range []scenario{
			{name: "stale", method: "PUT", path: "/api/entities/person/layouts/default", body: personLayout, headers: []string{`If-Match: "1"`}, wantStatus: 412},
			{name: "bad document", method: "PUT", path: "/api/entities/person/layouts/default",
				body:       `{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 12, "field": "ghost"}, {"span": 12, "field": "name", "visibleWhen": "level >"}]}]}]}]}`,
				wantStatus: 400, want: []string{`"path":"/tabs/0/sections/0/rows/0/cols/0/field"`, `"path":"/tabs/0/sections/0/rows/0/cols/1/visibleWhen","code":"syntax"`, `"offset":7`}},
			{name: "not json", method: "PUT", path: "/api/entities/person/layouts/default", body: `{"tabs":`, wantStatus: 400},
			{name: "bad id", method: "PUT", path: "/api/entities/person/layouts/Bad", body: personLayout, wantStatus: 400, want: []string{`"path":"/id"`}},
			{name: "unknown entity", method: "PUT", path: "/api/entities/nope/layouts/default", body: personLayout, wantStatus: 404},
			{name: "unknown layout", method: "GET", path: "/api/entities/person/layouts/compact", wantStatus: 404},
			{name: "delete unknown", method: "DELETE", path: "/api/entities/person/layouts/compact", wantStatus: 404},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		r = s.do("GET", "/api/entities/person/layouts", "")
		if r.Status != 200 || strings.Count(r.Body, `"id":"default"`) != 1 || !strings.Contains(r.Body, `"version":2`) {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/entities/ticket/layouts", ""); r.Status != 200 || !strings.Contains(r.Body, `"generated":true`) {
			t.Fatalf("list of an entity without layouts: %d %s", r.Status, r.Body)
		}

		// The rule holds for the API's writes, in the caller's language.
		r = s.do("POST", "/api/records/person", `{"name": "Li", "level": 3}`, "Accept-Language: zh-CN")
		if r.Status != 400 || !strings.Contains(r.Body, `"path":"/email"`) || !strings.Contains(r.Body, "为必填项") {
			t.Fatalf("requiredWhen: %d %s", r.Status, r.Body)
		}
		if r := s.do("POST", "/api/records/person", `{"name": "Li", "level": 2}`); r.Status != 201 {
			t.Fatalf("rule not holding: %d %s", r.Status, r.Body)
		}

		// Users read the layouts of what they may read, and change none.
		s.eng.PutRole(context.Background(), engine.System, "clerk", []byte(`{"entities": {"person": {"read": "all", "fields": {"*": "read"}}}}`))
		clerk := bearer(s.userToken("clerk@test.local", "clerk"))
		if r := s.anon("GET", "/api/entities/person/layouts/default", "", clerk); r.Status != 200 {
			t.Fatalf("clerk reads: %d %s", r.Status, r.Body)
		}
		if r := s.anon("GET", "/api/entities/ticket/layouts/default", "", clerk); r.Status != 404 {
			t.Fatalf("clerk reads the layout of an entity it may not read: %d %s", r.Status, r.Body)
		}
		if r := s.anon("PUT", "/api/entities/person/layouts/default", personLayout, clerk); r.Status != 403 {
			t.Fatalf("clerk saves: %d %s", r.Status, r.Body)
		}
		if r := s.anon("DELETE", "/api/entities/person/layouts/default", "", clerk); r.Status != 403 {
			t.Fatalf("clerk deletes: %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/entities/person/layouts/default", "", `If-Match: "2"`); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/entities/person/layouts/default", ""); !strings.Contains(r.Body, `"generated":true`) {
			t.Fatalf("after delete: %d %s", r.Status, r.Body)
		}
	})
}
