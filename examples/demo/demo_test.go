package demo_test

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/examples/demo"
	"github.com/morphcrm/morph/schema"
)

type rec struct {
	entity string
	data   map[string]any
}

func generate(t *testing.T, seed int64, accounts int) []rec {
	t.Helper()
	var out []rec
	err := demo.Generate(demo.Options{Seed: seed, Accounts: accounts, Ref: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)},
		func(entity string, data map[string]any) error {
			out = append(out, rec{entity, data})
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a, b := generate(t, 7, 100), generate(t, 7, 100)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different data")
	}
	c := generate(t, 8, 100)
	ja, _ := json.Marshal(a[len(a)-1].data)
	jc, _ := json.Marshal(c[len(c)-1].data)
	if string(ja) == string(jc) {
		t.Fatal("different seeds gave the same data")
	}
}

// Every generated record passes its entity's validation, refers only to
// records emitted before it, and has a valid mainland mobile.
func TestRecordsValidate(t *testing.T) {
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	ents := map[string]*schema.Entity{}
	for _, d := range defs {
		if ents[d.Name], err = schema.Parse(d.JSON); err != nil {
			t.Fatal(err)
		}
	}
	emitted := map[string]bool{}
	counts := map[string]int{}
	for _, r := range generate(t, 1, 300) {
		ent := ents[r.entity]
		if ent == nil {
			t.Fatalf("unknown entity %s", r.entity)
		}
		data := maps.Clone(r.data)
		id, _ := data["id"].(string)
		if id == "" || emitted[id] {
			t.Fatalf("%s: missing or repeated id %q", r.entity, id)
		}
		delete(data, "id")
		if o, _ := data["owner"].(string); o == "" {
			t.Fatalf("%s has no owner", r.entity)
		}
		delete(data, "owner")
		if errs := ent.Normalize(data); len(errs) > 0 {
			t.Fatalf("%s %v: %v", r.entity, r.data, errs)
		}
		if errs := ent.Validate(data); len(errs) > 0 {
			t.Fatalf("%s %v: %v", r.entity, r.data, errs)
		}
		for _, f := range ent.Fields {
			var ids []any
			switch v := data[f.Name].(type) {
			case string:
				if f.Ref != "" {
					ids = []any{v}
				}
			case []any:
				if f.Ref != "" {
					ids = v
				}
			}
			for _, ref := range ids {
				if !emitted[ref.(string)] {
					t.Fatalf("%s.%s refers to %v, not emitted before it", r.entity, f.Name, ref)
				}
			}
			if f.Type.Name() == "phone" {
				if p, ok := data[f.Name].(string); ok && !strings.HasPrefix(p, "+861") || ok && len(p) != 14 {
					t.Fatalf("%s.%s = %q is not a mainland mobile", r.entity, f.Name, p)
				}
			}
		}
		emitted[id] = true
		counts[r.entity]++
	}
	for _, e := range []string{"product", "account", "contact", "lead", "opportunity", "contract", "ticket", "activity"} {
		if counts[e] == 0 {
			t.Errorf("no %s generated", e)
		}
	}
	if counts["contact"] < counts["account"] {
		t.Errorf("%d contacts for %d accounts", counts["contact"], counts["account"])
	}
}

func TestAccountNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	credit := map[string]bool{}
	for _, r := range generate(t, 3, 5000) {
		if r.entity != "account" {
			continue
		}
		n, c := r.data["name"].(string), r.data["credit_code"].(string)
		if seen[n] || credit[c] {
			t.Fatalf("repeated account name %q or credit code %q", n, c)
		}
		seen[n], credit[c] = true, true
	}
}
