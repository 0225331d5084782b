package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
)

// An administrator reads as another user sees (X-Morph-View-As): that
// user's records, masked as they see them, and their /api/me; never a
// write, never for a user who is not an administrator.
func TestViewAs(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, personDef)
		if _, _, err := s.eng.PutRole(context.Background(), engine.System, "clerk", []byte(`{"entities": {"person": {"create": true,
			"read": "own", "update": "own", "fields": {"*": "edit", "email": "masked"}}}}`)); err != nil {
			t.Fatal(err)
		}
		clerk := bearer(s.userToken("clerk@test.local", "clerk"))
		clerkID := s.anon("GET", "/api/me", "", clerk).JSON(t)["id"].(string)
		s.create("person", `{"name": "Own", "email": "own@example.com", "owner": "`+clerkID+`"}`)
		s.create("person", `{"name": "Other", "email": "other@example.com"}`)
		as := "X-Morph-View-As: " + clerkID

		r := s.do("GET", "/api/records/person?count=true", "", as)
		if r.Status != 200 || !strings.Contains(r.Body, `"total":1`) || !strings.Contains(r.Body, "Own") || strings.Contains(r.Body, "Other") ||
			strings.Contains(r.Body, "own@example.com") {
			t.Fatalf("the list as the clerk: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/me", "", as); r.Status != 200 || !strings.Contains(r.Body, "clerk@test.local") {
			t.Fatalf("me as the clerk: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/records/person?count=true", ""); !strings.Contains(r.Body, `"total":2`) {
			t.Fatalf("the administrator's own list: %s", r.Body)
		}
		for _, sc := range []scenario{
			{name: "no writes", method: "POST", path: "/api/records/person", body: `{"name": "X"}`, headers: []string{as}, wantStatus: 403},
			{name: "unknown user", method: "GET", path: "/api/records/person", headers: []string{"X-Morph-View-As: nobody"}, wantStatus: 400,
				want: []string{`"path":"X-Morph-View-As"`}},
			{name: "too long", method: "GET", path: "/api/records/person", headers: []string{"X-Morph-View-As: " + strings.Repeat("x", 200)}, wantStatus: 400},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		if r := s.anon("GET", "/api/records/person", "", clerk, "X-Morph-View-As: "+s.adminID()); r.Status != 403 {
			t.Fatalf("a clerk views as the administrator: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/records/person?count=true", ""); !strings.Contains(r.Body, `"total":2`) {
			t.Fatalf("a refused write changed something: %s", r.Body)
		}
	})
}

// An answer is made for its caller, and a record's ETag is its version
// whoever reads it: a browser must not answer the administrator's own read
// from what it kept while they viewed as someone else (nor one user's from
// another's). Every authenticated answer says so, and so does the OpenAPI
// description: private, revalidated, and varying with the credentials and
// the view-as header.
func TestAnswersVaryWithTheViewer(t *testing.T) {
	s := newServer(t, "sqlite", personDef)
	id := s.create("person", `{"name": "Own", "email": "own@example.com"}`)["id"].(string)
	for _, path := range []string{"/api/records/person/" + id, "/api/records/person", "/api/me", "/api/openapi.json"} {
		r := s.do("GET", path, "", "X-Morph-View-As: "+s.adminID())
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		vary := strings.ToLower(r.Header.Get("Vary"))
		for _, h := range []string{"cookie", "authorization", "x-morph-view-as"} {
			if !strings.Contains(vary, h) {
				t.Errorf("%s: Vary %q lacks %s", path, vary, h)
			}
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "private") || !strings.Contains(cc, "no-cache") {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
	}
	if r := s.anon("GET", "/api/records/person", ""); r.Status != 401 || !strings.Contains(r.Header.Get("Vary"), "Cookie") {
		t.Errorf("a refused read: %d Vary %q", r.Status, r.Header.Get("Vary"))
	}
	// The OpenAPI description is also read without credentials, and then
	// shows less: it varies with them too.
	if r := s.anon("GET", "/api/openapi.json", ""); r.Status != 200 || !strings.Contains(r.Header.Get("Vary"), "Authorization") ||
		!strings.Contains(r.Header.Get("Cache-Control"), "private") {
		t.Errorf("the anonymous OpenAPI description: %d Vary %q Cache-Control %q", r.Status, r.Header.Get("Vary"), r.Header.Get("Cache-Control"))
	}
}
