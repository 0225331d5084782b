package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
)

// Roles are definitions: checked completely on save with errors by JSON
// pointer, versioned with If-Match, listed with the built-in admin role,
// never able to take the admin role's name.
func TestRolesAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		rep := `{"label": {"en": "Sales rep", "zh-CN": "销售代表"}, "entities": {"customer": {"create": true,
			"read": "own", "update": "own", "where": "tier != 'vip'", "fields": {"*": "edit", "phone": "masked"}}}}`
		r := s.do("PUT", "/api/roles/sales_rep", rep)
		if r.Status != 201 || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/roles/sales_rep", rep, `If-Match: "1"`); r.Status != 200 || r.Header.Get("ETag") != `"2"` {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/roles/sales_rep", rep, `If-Match: "1"`); r.Status != 412 {
			t.Fatalf("stale If-Match: %d %s", r.Status, r.Body)
		}
		bad := `{"name": "other", "entities": {"nope": {"read": "own"}, "customer": {"read": "sometimes", "update": "all",
			"where": "tier ==", "fields": {"ghost": "edit"}}}}`
		r = s.do("PUT", "/api/roles/sales_rep", bad)
		if r.Status != 400 {
			t.Fatalf("bad role: %d %s", r.Status, r.Body)
		}
		for _, p := range []string{"/name", "/entities/nope", "/entities/customer/read", "/entities/customer/where", "/entities/customer/fields/ghost"} {
			if !strings.Contains(r.Body, `"path":"`+p+`"`) {
				t.Errorf("no error at %s: %s", p, r.Body)
			}
		}
		if n := strings.Count(r.Body, `"path":`); !strings.Contains(r.Body, fmt.Sprintf("has %d problem(s)", n)) {
			t.Errorf("the message does not count the %d problems: %s", n, r.Body)
		}
		if r := s.do("PUT", "/api/roles/admin", `{"entities": {}}`); r.Status != 403 {
			t.Fatalf("admin saved over: %d %s", r.Status, r.Body)
		}
		r = s.do("GET", "/api/roles", "")
		if r.Status != 200 || !strings.Contains(r.Body, `"name":"admin"`) || !strings.Contains(r.Body, `"name":"sales_rep"`) {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/roles/sales_rep", ""); r.Status != 200 || !strings.Contains(r.Body, "tier != 'vip'") {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		if !s.eng.RoleExists("sales_rep") || !s.eng.RoleExists("admin") || s.eng.RoleExists("ghost") {
			t.Fatal("RoleExists is wrong")
		}
		if r := s.do("DELETE", "/api/roles/sales_rep", "", `If-Match: "2"`); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/roles/sales_rep", ""); r.Status != 404 {
			t.Fatalf("deleted role: %d", r.Status)
		}
	})
}

// A stored role that names a field later removed from its entity keeps
// the rest of what it grants, and grants nothing on the removed field; a
// row rule that no longer compiles takes its entity's grant with it. The
// roles are the same after a restart.
func TestRoleOutlivesFieldRemoval(t *testing.T) {
	s := newServer(t, "sqlite", companyDef, customerDef)
	ctx := context.Background()
	if _, _, err := s.eng.PutRole(ctx, engine.System, "rep", []byte(`{"entities": {
		"customer": {"create": true, "read": "all", "fields": {"*": "read", "visits": "edit", "name": "edit"}},
		"company": {"read": "all", "where": "region == 'east'", "fields": {"*": "read"}}}}`)); err != nil {
		t.Fatal(err)
	}
	customer := strings.Replace(customerDef, `"visits":  {"type": "integer", "minimum": 0, "x-type": "integer"},`, "", 1)
	company := strings.Replace(companyDef, `,
    "region": {"type": "string", "enum": ["east", "south", "north"], "x-type": "select", "x-indexed": true}`, "", 1)
	for name, def := range map[string]string{"customer": customer, "company": company} {
		if _, err := s.eng.PutEntity(ctx, engine.System, name, []byte(def)); err != nil {
			t.Fatal(err)
		}
	}
	rep := engine.Actor{ID: "u1", Roles: []string{"rep"}}
	p := s.eng.Permissions(rep)
	if c, ok := p.Entities["customer"]; !ok || !c.Create || c.Fields["name"] != "edit" || c.Fields["tier"] != "read" {
		t.Fatalf("customer grants lost: %+v", p.Entities["customer"])
	}
	if _, ok := p.Entities["company"]; ok {
		t.Fatalf("company is still granted though its row rule no longer compiles: %+v", p.Entities["company"])
	}
	if err := s.eng.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if p2 := s.eng.Permissions(rep); p2.Entities["customer"].Fields["name"] != "edit" {
		t.Fatalf("after reload: %+v", p2)
	}
}
