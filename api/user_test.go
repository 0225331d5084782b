package api_test

import (
	"strings"
	"testing"
)

// A user document is checked completely: every problem at once, keyed by
// its JSON pointer; nothing is stored.
func TestUserValidation(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		scenarios := []scenario{
			{name: "every problem at once", method: "POST", path: "/api/users",
				body: `{"email": "not-an-address", "name": "", "roles": ["admin", "nosuch", "Bad Role"], "language": "fr",
				        "team": "missing", "active": "yes", "extra": 1, "password": "short"}`,
				wantStatus: 400,
				want: []string{`"path":"/email"`, `"path":"/name"`, `"path":"/roles/1","code":"unknown_role"`, `"path":"/roles/2","code":"format"`,
					`"path":"/language"`, `"path":"/team","code":"unknown_team"`, `"path":"/active"`, `"path":"/extra","code":"unknown_key"`,
					`"path":"/password","code":"too_short"`, "problem(s)"},
				notWant: []string{`"path":"/roles/0"`}},
			{name: "required", method: "POST", path: "/api/users", body: `{}`, wantStatus: 400,
				want: []string{`"path":"/email","code":"required"`, `"path":"/name","code":"required"`}},
			{name: "password with own name", method: "POST", path: "/api/users",
				body: `{"email": "harriet@example.com", "name": "Harriet", "password": "harriet-2024-x"}`, wantStatus: 400,
				want: []string{`"path":"/password","code":"personal"`}},
			{name: "duplicate e-mail in another case", method: "POST", path: "/api/users",
				body: `{"email": " ADMIN@Test.Local ", "name": "Copy"}`, wantStatus: 409,
				want: []string{`"code":"duplicate_value"`, `"path":"/email"`}},
			{name: "password in a patch", method: "PATCH", path: "/api/users/" + s.adminID(),
				body: `{"password": "Another-pass-99"}`, wantStatus: 400, want: []string{`"path":"/password"`}},
			{name: "unknown user", method: "PATCH", path: "/api/users/nosuch", body: `{"name": "x"}`, wantStatus: 404},
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		if r := s.do("GET", "/api/users", ""); strings.Count(r.Body, `"email"`) != 1 {
			t.Fatalf("refused users were stored: %s", r.Body)
		}
	})
}

// Users: create, read, change with If-Match, password, delete; what
// non-administrators may see and do.
func TestUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		id := s.addUser("ivy@example.com")
		r := s.do("GET", "/api/users/"+id, "")
		if r.Status != 200 || r.Header.Get("ETag") != `"1"` || strings.Contains(r.Body, "hash") || r.JSON(t)["language"] != "en" {
			t.Fatalf("get: %d %v %s", r.Status, r.Header, r.Body)
		}
		if r := s.do("PATCH", "/api/users/"+id, `{"phone": "+86 138 0013 8000", "language": "zh-CN"}`, `If-Match: "1"`); r.Status != 200 || r.Header.Get("ETag") != `"2"` {
			t.Fatalf("patch: %d %s", r.Status, r.Body)
		}
		if r := s.do("PATCH", "/api/users/"+id, `{"name": "Stale"}`, `If-Match: "1"`); r.Status != 412 {
			t.Fatalf("stale patch: %d %s", r.Status, r.Body)
		}

		// Non-administrators: a user picker's worth of others, nothing more.
		ivy := s.tokenOf("ivy@example.com")
		as := bearer(ivy)
		list := s.anon("GET", "/api/users", "", as)
		if list.Status != 200 || !strings.Contains(list.Body, `"name":"Test Admin"`) || strings.Contains(list.Body, "@") || strings.Contains(list.Body, "roles") {
			t.Fatalf("list as a user: %d %s", list.Status, list.Body)
		}
		if r := s.anon("GET", "/api/users/"+s.adminID(), "", as); r.Status != 200 || strings.Contains(r.Body, "@") {
			t.Fatalf("another user as a user: %d %s", r.Status, r.Body)
		}
		if r := s.anon("GET", "/api/users/"+id, "", as); !strings.Contains(r.Body, "ivy@example.com") {
			t.Fatalf("own user: %s", r.Body)
		}
		for _, req := range [][3]string{{"POST", "/api/users", `{"email": "x@example.com", "name": "X"}`},
			{"PATCH", "/api/users/" + id, `{"roles": ["admin"]}`}, {"DELETE", "/api/users/" + s.adminID(), ""},
			{"PUT", "/api/users/" + id + "/password", `{"password": "Whatever-pass-1"}`},
			{"POST", "/api/teams", `{"name": "Mine"}`}} {
			if r := s.anon(req[0], req[1], req[2], as); r.Status != 403 || !strings.Contains(r.Body, `"code":"forbidden"`) {
				t.Fatalf("%s %s as a user: %d %s", req[0], req[1], r.Status, r.Body)
			}
		}

		// Me: own profile, no other field; own password.
		me := s.anon("GET", "/api/me", "", as)
		if me.Status != 200 || !strings.Contains(me.Body, `"permissions":{"admin":false`) || strings.Contains(me.Body, "hash") {
			t.Fatalf("me: %s", me.Body)
		}
		if r := s.anon("PATCH", "/api/me", `{"name": "Ivy L.", "roles": ["admin"], "email": "x@y.z"}`, as); r.Status != 400 ||
			!strings.Contains(r.Body, `"path":"/roles","code":"not_allowed"`) || !strings.Contains(r.Body, `"path":"/email"`) {
			t.Fatalf("me with other fields: %d %s", r.Status, r.Body)
		}
		if r := s.anon("PATCH", "/api/me", `{"name": "Ivy L."}`, as); r.Status != 200 || r.JSON(t)["name"] != "Ivy L." {
			t.Fatalf("me name: %d %s", r.Status, r.Body)
		}
		other := s.tokenOf("ivy@example.com")
		if r := s.anon("POST", "/api/me/password", `{"current": "wrong-one-123", "new": "Fresh-orchard-88"}`, as); r.Status != 400 || !strings.Contains(r.Body, "/current") {
			t.Fatalf("wrong current password: %d %s", r.Status, r.Body)
		}
		// audited as a failed sign-in of the user
		if fails := s.entries("/api/audit?action=login_failed&record=" + id).Items; len(fails) != 1 || fails[0].Note != "wrong current password" || fails[0].Actor != id {
			t.Fatalf("the wrong current password in the audit log: %+v", fails)
		}
		if r := s.anon("POST", "/api/me/password", `{"current": "`+userPassword+`", "new": "short"}`, as); r.Status != 400 || !strings.Contains(r.Body, `"path":"/new"`) {
			t.Fatalf("weak new password: %d %s", r.Status, r.Body)
		}
		if r := s.anon("POST", "/api/me/password", `{"current": "`+userPassword+`", "new": "Fresh-orchard-88"}`, as); r.Status != 204 {
			t.Fatalf("change password: %d %s", r.Status, r.Body)
		}
		if s.anon("GET", "/api/me", "", as).Status != 200 || s.anon("GET", "/api/me", "", bearer(other)).Status != 401 {
			t.Fatal("after a password change the current session stays and the others end")
		}
		if s.login("ivy@example.com", userPassword).Status != 401 || s.login("ivy@example.com", "Fresh-orchard-88").Status != 200 {
			t.Fatal("sign-in with the new password only")
		}

		// An administrator sets the password: the user's sessions end.
		if r := s.do("PUT", "/api/users/"+id+"/password", `{"password": "Admin-chosen-77"}`); r.Status != 204 {
			t.Fatalf("set password: %d %s", r.Status, r.Body)
		}
		if s.anon("GET", "/api/me", "", as).Status != 401 {
			t.Fatal("session survived a password set by an administrator")
		}

		// The last administrator stays.
		if r := s.do("PATCH", "/api/users/"+s.adminID(), `{"active": false}`); r.Status != 409 {
			t.Fatalf("deactivate oneself, the last administrator: %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/users/"+id, "", `If-Match: "9"`); r.Status != 412 {
			t.Fatalf("delete with a stale version: %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/users/"+id, ""); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/users/"+id, ""); r.Status != 404 {
			t.Fatalf("deleted user: %d", r.Status)
		}
	})
}

// Pages of users follow the cursor to the end, each user once.
func TestUserPages(t *testing.T) {
	s := newServer(t, "sqlite")
	for _, e := range []string{"a", "b", "c", "d", "e"} {
		if r := s.do("POST", "/api/users", `{"email": "`+e+`@example.com", "name": "`+e+`"}`); r.Status != 201 {
			t.Fatal(r.Body)
		}
	}
	seen, after := map[string]bool{}, ""
	for pages := 0; ; pages++ {
		r := s.do("GET", "/api/users?limit=2&after="+after, "").JSON(t)
		for _, it := range r["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("user %s twice", id)
			}
			seen[id] = true
		}
		next, _ := r["next"].(string)
		if next == "" {
			break
		}
		after = next
	}
	if len(seen) != 6 {
		t.Fatalf("%d users, want 6", len(seen))
	}
	for _, bad := range []string{"?limit=0", "?after=%%%", "?limt=2"} {
		if r := s.do("GET", "/api/users"+bad, ""); r.Status != 400 {
			t.Fatalf("%s: %d %s", bad, r.Status, r.Body)
		}
	}
}

// Teams form a tree: a parent must exist and not be below the team; a
// manager must be a user; a team with users or sub-teams is not deleted.
func TestTeams(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		mk := func(body string) string {
			r := s.do("POST", "/api/teams", body)
			if r.Status != 201 {
				t.Fatalf("create team %s: %d %s", body, r.Status, r.Body)
			}
			return r.JSON(t)["id"].(string)
		}
		sales := mk(`{"name": "Sales"}`)
		east := mk(`{"name": "East", "parent": "` + sales + `"}`)
		shanghai := mk(`{"name": "Shanghai", "parent": "` + east + `", "manager": "` + s.adminID() + `"}`)

		for _, sc := range []scenario{
			{name: "cycle", method: "PATCH", path: "/api/teams/" + sales, body: `{"parent": "` + shanghai + `"}`, wantStatus: 400,
				want: []string{`"path":"/parent","code":"cycle"`}},
			{name: "own parent", method: "PATCH", path: "/api/teams/" + east, body: `{"parent": "` + east + `"}`, wantStatus: 400,
				want: []string{`"code":"cycle"`}},
			{name: "every problem", method: "POST", path: "/api/teams", body: `{"name": "", "parent": "nosuch", "manager": "nobody", "color": "red"}`,
				wantStatus: 400, want: []string{`"path":"/name"`, `"path":"/parent","code":"unknown_team"`, `"path":"/manager","code":"unknown_user"`, `"path":"/color"`}},
			{name: "duplicate name", method: "POST", path: "/api/teams", body: `{"name": "East"}`, wantStatus: 409, want: []string{`"path":"/name"`}},
			{name: "delete with sub-teams", method: "DELETE", path: "/api/teams/" + sales, wantStatus: 409, want: []string{"sub-team"}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		// Team members: a user sees their team's members, and a manager
		// of a team with sub-teams the whole tree (through the actor).
		ann := s.addUser("ann@example.com")
		if r := s.do("PATCH", "/api/users/"+ann, `{"team": "`+shanghai+`"}`); r.Status != 200 {
			t.Fatal(r.Body)
		}
		if r := s.do("DELETE", "/api/teams/"+shanghai, ""); r.Status != 409 || !strings.Contains(r.Body, "1 user(s)") {
			t.Fatalf("delete a team with users: %d %s", r.Status, r.Body)
		}
		bob := s.addUser("bob@example.com")
		if r := s.do("PATCH", "/api/users/"+bob, `{"team": "`+east+`"}`); r.Status != 200 {
			t.Fatal(r.Body)
		}
		actor, ok, err := s.ids.Actor(t.Context(), bob)
		if err != nil || !ok || actor.Team != east || len(actor.TeamMembers) != 1 || len(actor.TreeMembers) != 2 || actor.TreeMembers[0] != bob {
			t.Fatalf("bob's actor: %+v %v %v", actor, ok, err)
		}
		// Moving ann to East changes bob's team at once (the cache is
		// emptied by the change).
		s.do("PATCH", "/api/users/"+ann, `{"team": "`+east+`"}`)
		if actor, _, _ := s.ids.Actor(t.Context(), bob); len(actor.TeamMembers) != 2 {
			t.Fatalf("bob's team after ann moved: %v", actor.TeamMembers)
		}
		if r := s.do("DELETE", "/api/teams/"+shanghai, ""); r.Status != 204 {
			t.Fatalf("delete an empty team: %d %s", r.Status, r.Body)
		}
		if r := s.anon("GET", "/api/teams", "", bearer(s.tokenOf("bob@example.com"))); r.Status != 200 || !strings.Contains(r.Body, `"name":"East"`) {
			t.Fatalf("teams as a user: %d %s", r.Status, r.Body)
		}
	})
}

// A user's language is the language of the answers to their requests that
// name none in Accept-Language; a request that does name one gets it.
func TestAnswersInTheUsersLanguage(t *testing.T) {
	s := newServer(t, "sqlite", personDef)
	id := s.addUser("lin@example.com", "admin")
	if r := s.do("PATCH", "/api/users/"+id, `{"language": "zh-CN"}`, `If-Match: "1"`); r.Status != 200 {
		t.Fatalf("language: %d %s", r.Status, r.Body)
	}
	lin := "Authorization: Bearer " + s.tokenOf("lin@example.com")
	r := s.anon("GET", "/api/records/person/nosuch", "", lin)
	if r.Status != 404 || r.Header.Get("Content-Language") != "zh-CN" || !strings.Contains(r.Body, "记录不存在") {
		t.Errorf("without Accept-Language: %d %s %s", r.Status, r.Header.Get("Content-Language"), r.Body)
	}
	r = s.anon("GET", "/api/records/person/nosuch", "", lin, "Accept-Language: en")
	if r.Status != 404 || r.Header.Get("Content-Language") != "en" || !strings.Contains(r.Body, "Record not found") {
		t.Errorf("with Accept-Language: en: %d %s %s", r.Status, r.Header.Get("Content-Language"), r.Body)
	}
	// The administrator's language is unset: English.
	if r := s.do("GET", "/api/records/person/nosuch", ""); r.Header.Get("Content-Language") != "en" {
		t.Errorf("a user without a language: %s %s", r.Header.Get("Content-Language"), r.Body)
	}
}
