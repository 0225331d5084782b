package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// A formula shows what it is computed from: over a field the caller's roles
// hide it is hidden, a text over a masked one masked, also through another
// formula; a flag over a masked field keeps its own level.
func TestFormulaFollowsItsSources(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		def := strings.Replace(accCustomerDef, `"tags": {`, `"secret_len": {"x-type": "formula", "type": "number", "x-expr": "len(secret)"},
		"secret_twice": {"x-type": "formula", "type": "number", "x-expr": "secret_len * 2"},
		"contact_tag": {"x-type": "formula", "type": "string", "x-expr": "'c:' + contact"},
		"name_tag": {"x-type": "formula", "type": "string", "x-expr": "'n:' + name"},
		"has_contact": {"x-type": "formula", "type": "boolean", "x-expr": "contact != ''"},
		"tags": {`, 1)
		put(t, eng, "customer", def)
		putRole(t, eng, "reader", `{"entities": {"customer": {"read": "all", "fields": {"*": "read", "secret": "hidden", "contact": "masked"}}}}`)
		rep := matU1
		rep.Roles = []string{"reader"}
		c, err := eng.Create(ctx, engine.System, "customer", map[string]any{"owner": "u1", "name": "张三", "contact": "李四光", "secret": "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Data["secret_len"] != 6.0 || c.Data["secret_twice"] != 12.0 || c.Data["contact_tag"] != "c:李四光" {
			t.Fatalf("formulas: %v", c.Data)
		}
		r, err := eng.Get(ctx, rep, "customer", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"secret", "secret_len", "secret_twice"} {
			if v, ok := r.Data[f]; ok {
				t.Errorf("%s computed from a hidden field went out: %v", f, v)
			}
		}
		if v := r.Data["contact_tag"]; v == "c:李四光" || v == nil {
			t.Errorf("a formula over a masked field should go out masked: %v", v)
		}
		if r.Data["has_contact"] != true {
			t.Errorf("a flag over a masked field keeps its own level: %v", r.Data["has_contact"])
		}
		if r.Data["name_tag"] != "n:张三" {
			t.Errorf("a formula over readable fields should go out as it is: %v", r.Data["name_tag"])
		}
		// Nor can it be inferred by filtering or sorting.
		for _, q := range []engine.ListRequest{{Filter: "secret_twice > 10"}, {Sort: "secret_len"}, {Filter: "contact_tag == 'c:李四光'"}} {
			if _, err := eng.List(ctx, rep, "customer", q); morph.ErrorCode(err) != morph.EInvalidFilter {
				t.Errorf("%+v: %v, want a refusal", q, err)
			}
		}
	})
}

// Deleting an entity takes it out of the roles that granted something on
// it: an entity created later under the same name starts with no grants.
func TestDeletedEntityLeavesRoles(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		putRole(t, eng, "reader", `{"entities": {"customer": {"read": "all", "fields": {"*": "read"}}, "deal": {"read": "all", "fields": {"*": "read"}}}}`)
		before, _ := eng.Catalog().Role("reader")
		if err := eng.DeleteEntity(ctx, engine.System, "deal"); err != nil {
			t.Fatal(err)
		}
		after, ok := eng.Catalog().Role("reader")
		if !ok || strings.Contains(after.Doc, `"deal"`) || !strings.Contains(after.Doc, `"customer"`) || after.Version != before.Version+1 {
			t.Fatalf("role after the delete: %+v (before: version %d)", after, before.Version)
		}
		put(t, eng, "deal", accDealDef)
		if _, err := eng.Create(ctx, engine.System, "deal", map[string]any{"title": "d"}); err != nil {
			t.Fatal(err)
		}
		rep := matU1
		rep.Roles = []string{"reader"}
		if res, err := eng.List(ctx, rep, "deal", engine.ListRequest{}); err == nil && len(res.Records) > 0 {
			t.Fatalf("the new entity's records are read through the old entity's grant: %d", len(res.Records))
		}
	})
}
