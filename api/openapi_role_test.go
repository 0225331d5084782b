package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
)

// A role's description shows only the entities, fields and operations the
// role may see and use.
func TestOpenAPIForRole(t *testing.T) {
	ts := newServer(t, "sqlite", companyDef, customerDef)
	ctx := context.Background()
	if _, _, err := ts.eng.PutRole(ctx, engine.System, "rep", []byte(`{"entities": {"customer": {
		"create": true, "read": "own", "update": "own", "delete": "none",
		"fields": {"*": "edit", "phone": "masked", "amount": "hidden", "email": "read"}}}}`)); err != nil {
		t.Fatal(err)
	}
	rep := engine.Actor{ID: "u1", Roles: []string{"rep"}}
	perms := ts.eng.Permissions(rep)
	doc := api.OpenAPIFor(ts.eng.Catalog(), &perms)
	b, _ := json.Marshal(doc)
	text := string(b)
	paths := doc["paths"].(map[string]any)
	if _, ok := paths["/api/records/company"]; ok {
		t.Error("company, which the role cannot read, is described")
	}
	item := paths["/api/records/customer/{id}"].(map[string]any)
	if _, ok := item["delete"]; ok {
		t.Error("delete is described for a role that may not delete")
	}
	if _, ok := item["patch"]; !ok {
		t.Error("patch is missing for a role that may update")
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	rec := schemas["Customer"].(map[string]any)["properties"].(map[string]any)
	if _, ok := rec["amount"]; ok {
		t.Error("the hidden field amount is described")
	}
	if p, _ := rec["phone"].(map[string]any); p == nil || !strings.Contains(p["description"].(string), "masked") {
		t.Errorf("phone is not described as masked: %v", rec["phone"])
	}
	in := schemas["CustomerInput"].(map[string]any)["properties"].(map[string]any)
	for _, f := range []string{"amount", "email"} {
		if _, ok := in[f]; ok {
			t.Errorf("%s, which the role may not edit, is in the create body", f)
		}
	}
	for _, f := range []string{"name", "phone"} { // phone is masked: the creator's to give
		if _, ok := in[f]; !ok {
			t.Errorf("%s, which the role may give, is missing from the create body", f)
		}
	}
	if _, ok := schemas["CustomerPatch"].(map[string]any)["properties"].(map[string]any)["phone"]; ok {
		t.Error("phone, masked, is in the change body")
	}
	if strings.Contains(text, `"#/components/schemas/Company"`) {
		t.Error("a reference to the company schema is left dangling")
	}
	// The views of only the entities the role may read.
	views := paths["/api/entities/{name}/views"].(map[string]any)["parameters"].([]any)[0].(map[string]any)
	if got := fmt.Sprint(views["schema"].(map[string]any)["enum"]); got != "[customer]" {
		t.Errorf("the views' entities: %s", got)
	}
	none := api.OpenAPIFor(ts.eng.Catalog(), &engine.Permissions{Entities: map[string]engine.EntityPermissions{}})
	if _, ok := none["paths"].(map[string]any)["/api/entities/{name}/views/{id}"]; ok {
		t.Error("views are described to a caller who may read no entity")
	}
	// The administrator's description is the whole one.
	admin := ts.eng.Permissions(engine.Actor{ID: "a", Roles: []string{"admin"}})
	full := api.OpenAPIFor(ts.eng.Catalog(), &admin)
	if _, ok := full["paths"].(map[string]any)["/api/records/company"]; !ok {
		t.Error("the administrator's description lacks company")
	}
}

// A member's description lists exactly what they may call: every operation
// in it answers them with something other than 403 (called with made-up
// ids and empty bodies: 404 and 400 are fine), and every operation of the
// administrator's description that theirs leaves out answers 403. The
// member may do everything with the one entity's records, so what is left
// out is the administrators' alone.
func TestOpenAPIListsWhatTheCallerMayCall(t *testing.T) {
	s := newServer(t, "sqlite", personDef)
	if _, _, err := s.eng.PutRole(context.Background(), engine.System, "member", []byte(`{"entities": {"person": {
		"create": true, "read": "all", "update": "all", "delete": "all", "fields": {"*": "edit"}}}}`)); err != nil {
		t.Fatal(err)
	}
	member := "Authorization: Bearer " + s.userToken("member@example.com", "member")
	operations := func(doc map[string]any) map[string]bool {
		ops := map[string]bool{}
		for p, item := range doc["paths"].(map[string]any) {
			for m := range item.(map[string]any) {
				if m != "parameters" {
					ops[strings.ToUpper(m)+" "+p] = true
				}
			}
		}
		return ops
	}
	all := operations(s.do("GET", "/api/openapi.json", "").JSON(t))
	mine := operations(s.do("GET", "/api/openapi.json", "", member).JSON(t))
	fill := strings.NewReplacer("{name}", "person", "{id}", "nosuch")
	left := 0
	for op := range all {
		method, path, _ := strings.Cut(op, " ")
		if path == "/api/auth/logout" {
			continue // would end the member's session
		}
		body := ""
		if method == "POST" || method == "PUT" || method == "PATCH" {
			body = "{}"
		}
		r := s.send(method, fill.Replace(path), body, member, `If-Match: "1"`)
		switch {
		case mine[op] && r.Status == 403:
			t.Errorf("%s is described to the member, who gets 403: %s", op, r.Body)
		case !mine[op] && r.Status != 403:
			t.Errorf("%s is left out of the member's description, but they get %d", op, r.Status)
		case !mine[op]:
			left++
		}
	}
	if left < 30 {
		t.Errorf("only %d of the administrator's %d operations left out for the member", left, len(all))
	}
}
