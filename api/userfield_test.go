package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// A user field holds an active user. A record given to someone who does
// not exist would drop out of every scope but the administrators', so a
// write by a user that sets the owner (declared or not) or another user
// field to an unknown or deactivated user is refused with 422 at the field
// and changes nothing. A value kept as it was passes even when its user has
// left; the engine's own writes are not checked.
func TestUserFieldsHoldActiveUsers(t *testing.T) {
	const taskDef = `{"$id": "task", "type": "object", "properties": {
		"title": {"type": "string"},
		"owner": {"type": "string", "x-type": "user"},
		"reviewer": {"type": "string", "x-type": "user"}}}`
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, taskDef, personDef)
		ann, bob := s.addUser("ann@example.com"), s.addUser("bob@example.com")
		unprocessable := func(what string, r response, path, id string) {
			t.Helper()
			if r.Status != 422 || !strings.Contains(r.Body, `{"path":"`+path+`","code":"unknown_user"`) || !strings.Contains(r.Body, id) {
				t.Fatalf("%s: %d %s", what, r.Status, r.Body)
			}
		}
		total := func(entity string) float64 {
			return s.do("GET", "/api/records/"+entity+"?count=true&limit=1", "").JSON(t)["total"].(float64)
		}

		unprocessable("create for nobody", s.do("POST", "/api/records/task", `{"title": "t", "owner": "nobody"}`), "/owner", "nobody")
		unprocessable("an undeclared owner", s.do("POST", "/api/records/person", `{"name": "p", "owner": "nobody"}`), "/owner", "nobody")
		unprocessable("another user field", s.do("POST", "/api/records/task", fmt.Sprintf(`{"title": "t", "owner": %q, "reviewer": "ghost"}`, ann)), "/reviewer", "ghost")
		if n := total("task") + total("person"); n != 0 {
			t.Fatalf("%v records stored by refused creates", n)
		}

		task := s.create("task", fmt.Sprintf(`{"title": "t", "owner": %q, "reviewer": %q}`, ann, bob))
		id, v := task["id"].(string), task["version"].(float64)
		person := s.create("person", fmt.Sprintf(`{"name": "p", "owner": %q}`, ann))
		ifMatch := func(v float64) string { return fmt.Sprintf(`If-Match: "%d"`, int(v)) }
		unprocessable("hand over to nobody", s.do("PATCH", "/api/records/task/"+id, `{"owner": "nobody"}`, ifMatch(v)), "/owner", "nobody")
		unprocessable("an undeclared owner handed to nobody",
			s.do("PATCH", "/api/records/person/"+person["id"].(string), `{"owner": "nobody"}`, ifMatch(1)), "/owner", "nobody")

		// Bob leaves: he can no longer be given a record, but the task he
		// reviews can still be changed, his name sent back as it was.
		if r := s.do("PATCH", "/api/users/"+bob, `{"active": false}`); r.Status != 200 {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		unprocessable("hand over to a deactivated user", s.do("PATCH", "/api/records/task/"+id, fmt.Sprintf(`{"owner": %q}`, bob), ifMatch(v)), "/owner", bob)
		r := s.do("PATCH", "/api/records/task/"+id, fmt.Sprintf(`{"title": "t2", "reviewer": %q}`, bob), ifMatch(v))
		if r.Status != 200 {
			t.Fatalf("a kept reviewer who has left: %d %s", r.Status, r.Body)
		}
		v = r.JSON(t)["version"].(float64)
		carl := s.addUser("carl@example.com")
		if r := s.do("PATCH", "/api/records/task/"+id, fmt.Sprintf(`{"owner": %q, "reviewer": %q}`, carl, ann), ifMatch(v)); r.Status != 200 {
			t.Fatalf("hand over to an active user: %d %s", r.Status, r.Body)
		}

		// In a bulk write, the item alone fails.
		r = s.do("POST", "/api/records/task/bulk", fmt.Sprintf(`{"items": [{"title": "b1", "owner": %q}, {"title": "b2", "owner": "nobody"}]}`, ann))
		results, _ := r.JSON(t)["items"].([]any)
		if r.Status != 200 || len(results) != 2 || results[0].(map[string]any)["status"] != 201.0 || results[1].(map[string]any)["status"] != 422.0 {
			t.Fatalf("bulk: %d %s", r.Status, r.Body)
		}
	})
}
