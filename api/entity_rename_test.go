package api_test

import (
	"strings"
	"testing"
)

// memberDef is an entity that refers to itself (a member's referrer).
const memberDef = `{
  "$id": "member", "title": "Member", "x-label": {"en": "Member", "zh-CN": "会员"}, "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 100, "x-type": "text"},
    "referrer": {"type": "string", "x-type": "relation", "x-ref": "member"}
  },
  "required": ["name"]
}`

// Renaming an entity: allowed while it holds no records and nothing refers to it by name, refused with a 409 that
// says why (and changes nothing) otherwise.
func TestRenameEntity(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef, memberDef)
		rename := func(name, body string, wantStatus int, want ...string) response {
			t.Helper()
			return scenario{name: name, method: "POST", path: "/api/entities/" + name + "/rename", body: body, wantStatus: wantStatus, want: want}.run(t, s)
		}
		stale := s.do("POST", "/api/entities/member/rename", `{"name": "club_member"}`, `If-Match: "7"`)
		if stale.Status != 412 {
			t.Fatalf("stale: %d %s", stale.Status, stale.Body)
		}
		r := rename("member", `{"name": "club_member"}`, 200, `"$id":"club_member"`, `"x-ref":"club_member"`)
		if r.Header.Get("ETag") == "" {
			t.Error("no ETag")
		}
		if r := s.do("GET", "/api/entities/member", ""); r.Status != 404 {
			t.Fatalf("the old name is gone: %d", r.Status)
		}
		s.create("club_member", `{"name": "Wang"}`)
		// Once it has records, its name is fixed.
		rename("club_member", `{"name": "vip"}`, 409, `"code":"has_records"`, `"path":"/name"`)
		if r := s.do("GET", "/api/entities/club_member", ""); r.Status != 200 {
			t.Fatalf("refused renames change nothing: %d", r.Status)
		}
		// Bad input.
		rename("company", `{"name": "Bad Name"}`, 400, `"path":"/name"`)
		rename("company", `{}`, 400, `"path":"/name"`, `"code":"required"`)
		rename("company", `{"name":`, 400)
		rename("company", `{"name": "customer"}`, 409, `"code":"exists"`)
		rename("nosuch", `{"name": "other"}`, 404)
		// Other entities' relations name it.
		rename("company", `{"name": "firm"}`, 409, `"path":"/entities/customer/properties/company"`, `"code":"referenced"`)

		// A new entity that a saved layout, a view and a role name: refused while they do, allowed once they are gone.
		if r := s.do("PUT", "/api/entities/lead", strings.Replace(strings.Replace(memberDef, `"member"`, `"lead"`, -1), `"x-ref": "member"`, `"x-ref": "lead"`, 1)); r.Status != 201 {
			t.Fatalf("lead: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/entities/lead/layouts/default", `{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 24, "field": "name"}]}]}]}]}`); r.Status != 201 {
			t.Fatalf("layout: %d %s", r.Status, r.Body)
		}
		v := s.do("POST", "/api/entities/lead/views", `{"type": "list", "label": {"en": "Mine"}, "columns": [{"field": "name"}]}`)
		if v.Status != 201 {
			t.Fatalf("view: %d %s", v.Status, v.Body)
		}
		if r := s.do("PUT", "/api/roles/lead_reader", `{"entities": {"lead": {"read": "all", "fields": {"*": "read"}}}}`); r.Status != 201 {
			t.Fatalf("role: %d %s", r.Status, r.Body)
		}
		viewID := v.JSON(t)["id"].(string)
		rename("lead", `{"name": "prospect"}`, 409, `"path":"/layouts/default"`, `"path":"/views/`+viewID+`"`, `"path":"/roles/lead_reader"`)
		s.do("DELETE", "/api/entities/lead/layouts/default", "", `If-Match: "1"`)
		s.do("DELETE", "/api/entities/lead/views/"+viewID, "", `If-Match: "1"`)
		s.do("DELETE", "/api/roles/lead_reader", "", `If-Match: "1"`)
		rename("lead", `{"name": "prospect"}`, 200, `"$id":"prospect"`)

		// Only administrators.
		rep := "Authorization: Bearer " + s.userToken("rep@test.local")
		if r := s.send("POST", "/api/entities/prospect/rename", `{"name": "lead"}`, rep); r.Status != 403 {
			t.Fatalf("non-admin: %d %s", r.Status, r.Body)
		}
	})
}
