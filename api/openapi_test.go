package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
)

// validOpenAPI checks a document with a standard OpenAPI 3.1 validator.
func validOpenAPI(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	ok, verrs := v.ValidateDocument()
	if !ok {
		for i, e := range verrs {
			if i < 10 {
				t.Errorf("%s: %s", e.Message, e.Reason)
				for j, se := range e.SchemaValidationErrors {
					if j < 5 {
						t.Errorf("  %s at %s", se.Reason, se.FieldPath)
					}
				}
			}
		}
		t.FailNow()
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOpenAPI(t *testing.T) {
	s := newServer(t, "sqlite", companyDef, customerDef)
	r := s.do("GET", "/api/openapi.json", "")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	doc := validOpenAPI(t, []byte(r.Body))
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/api/records/customer", "/api/records/customer/{id}", "/api/records/customer/bulk", "/api/records/company", "/api/entities/{name}", "/healthz"} {
		if paths[p] == nil {
			t.Errorf("no path %s", p)
		}
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	input := schemas["CustomerInput"].(map[string]any)
	if fmt.Sprint(input["required"]) != "[name]" {
		t.Errorf("CustomerInput required %v", input["required"])
	}
	if schemas["Customer"].(map[string]any)["properties"].(map[string]any)["phone"] == nil {
		t.Error("the Customer schema lacks phone")
	}
	ids := map[string]bool{}
	for _, item := range paths {
		for method, op := range item.(map[string]any) {
			if m, ok := op.(map[string]any); ok && method != "parameters" {
				id, _ := m["operationId"].(string)
				if id == "" || ids[id] {
					t.Errorf("operationId %q missing or repeated", id)
				}
				ids[id] = true
			}
		}
	}
	for _, id := range []string{"listCustomer", "createCustomer", "getCustomer", "updateCustomer", "deleteCustomer", "bulkCustomer"} {
		if !ids[id] {
			t.Errorf("no operation %s", id)
		}
	}

	// A definition change shows in the description at once.
	s.do("DELETE", "/api/entities/customer", "")
	r = s.do("GET", "/api/openapi.json", "")
	if strings.Contains(r.Body, "/api/records/customer") {
		t.Error("a deleted entity is still described")
	}
}

func TestOpenAPIOfExample(t *testing.T) {
	s := newServer(t, "sqlite")
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if _, err := s.eng.PutEntity(context.Background(), engine.System, d.Name, d.JSON); err != nil {
			t.Fatal(err)
		}
	}
	doc := validOpenAPI(t, []byte(s.do("GET", "/api/openapi.json", "").Body))
	if n := len(doc["paths"].(map[string]any)); n < 8*3 {
		t.Fatalf("%d paths for 8 entities", n)
	}
}
