package examples_test

import (
	"testing"

	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/schema"
)

func TestSMECRMDefinitions(t *testing.T) {
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"account": true, "contact": true, "lead": true, "opportunity": true, "contract": true, "product": true, "ticket": true, "activity": true}
	seen := map[string]bool{}
	for _, d := range defs {
		ent, err := schema.Parse(d.JSON)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if ent.Name != d.Name {
			t.Errorf("%s: $id %s", d.Name, ent.Name)
		}
		if ent.Label.ZH == ent.Label.EN {
			t.Errorf("%s has no Chinese label", d.Name)
		}
		for _, f := range ent.Fields {
			if f.Label.ZH == "" || f.Label.ZH == f.Label.EN && f.Label.EN != "VIP" {
				t.Errorf("%s.%s has no Chinese label", d.Name, f.Name)
			}
		}
		// Relation targets come first in the order Load gives.
		if errs := ent.CheckRefs(func(n string) bool { return seen[n] || n == d.Name }); len(errs) > 0 {
			t.Errorf("%s refers to an entity that is not loaded before it: %v", d.Name, errs)
		}
		seen[d.Name] = true
	}
	for n := range want {
		if !seen[n] {
			t.Errorf("sme-crm lacks %s", n)
		}
	}
	if _, err := examples.Load("nosuch"); err == nil {
		t.Error("an unknown example loaded")
	}
}
