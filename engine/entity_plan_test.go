package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
)

// A plan says what saving a definition would do — fields added, removed
// and changed with the records holding values, values that would no longer
// fit, indexes, layouts and views touched — and changes nothing.
func TestPlanEntity(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		p, err := eng.PlanEntity(ctx, admin, "member", []byte(memberDef))
		if err != nil || !p.Create || len(p.Added) != 6 || p.Records != 0 || len(p.IndexesAdded) == 0 {
			t.Fatalf("plan of a new entity: %+v %v", p, err)
		}
		if _, _, ok := eng.Catalog().Definition("member"); ok {
			t.Fatal("a plan created the entity")
		}
		put(t, eng, "member", memberDef)
		putLayout(t, eng, "member", "default", memberLayout)
		if _, err := eng.CreateView(ctx, admin, "member", []byte(`{"type": "list", "label": {"en": "All"}, "columns": [{"field": "name"}, {"field": "phone"}]}`)); err != nil {
			t.Fatal(err)
		}
		for i, m := range []map[string]any{
			{"name": "A", "level": "gold", "vip_since": "2026-01-01", "phone": "13800138000"},
			{"name": "B", "level": "gold", "vip_since": "2026-01-02"},
			{"name": "C", "level": "silver", "phone": "13800138001"},
			{"name": "D"},
		} {
			if _, err := eng.Create(ctx, admin, "member", m); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
		}
		// Without phone, gold no longer an option, name unique, a new field.
		changed := strings.Replace(memberDef, `"phone":     {"type": "string", "x-type": "phone"},`, `"email": {"type": "string", "x-type": "email"},`, 1)
		changed = strings.Replace(changed, `"enum": ["silver", "gold"]`, `"enum": ["silver", "platinum"]`, 1)
		changed = strings.Replace(changed, `"name":      {"type": "string",`, `"name":      {"type": "string", "x-unique": true,`, 1)
		before, version, _ := eng.Catalog().Definition("member")
		p, err = eng.PlanEntity(ctx, admin, "member", []byte(changed))
		if err != nil {
			t.Fatal(err)
		}
		summary := func(fcs []engine.FieldChange) string {
			var out []string
			for _, f := range fcs {
				out = append(out, fmt.Sprintf("%s%v:%d/%d", f.Field, f.Changes, f.Holding, f.Incompatible))
			}
			return strings.Join(out, " ")
		}
		if p.Create || p.Version != version || p.Records != 4 {
			t.Errorf("plan header %+v", p)
		}
		if got := summary(p.Added); got != "email[]:0/0" {
			t.Errorf("added %s", got)
		}
		if got := summary(p.Removed); got != "phone[]:2/0" {
			t.Errorf("removed %s", got)
		}
		if got := summary(p.Changed); got != "name[unique]:4/0 level[options_added options_removed]:3/2" {
			t.Errorf("changed %s", got)
		}
		if !p.NeedsForce || fmt.Sprint(p.Layouts) != "[default]" || p.Views != 1 {
			t.Errorf("needs force %v, layouts %v, views %d", p.NeedsForce, p.Layouts, p.Views)
		}
		if fmt.Sprint(p.IndexesAdded) != "[u_name]" || len(p.IndexesDropped) != 0 {
			t.Errorf("indexes +%v -%v", p.IndexesAdded, p.IndexesDropped)
		}
		if after, v, _ := eng.Catalog().Definition("member"); after != before || v != version {
			t.Fatal("a plan changed the definition")
		}

		if _, err := eng.PlanEntity(ctx, engine.Actor{ID: "u", Roles: []string{"nobody"}}, "member", []byte(changed)); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a user plans: %v", err)
		}
		if _, err := eng.PlanEntity(ctx, admin, "member", []byte(`{"type": "object", "properties": {"x": {"type": "strin"}}}`)); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a bad definition: %v", err)
		}
	})
}
