package engine_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
)

// leadExprDef has formulas that read one another (declared out of their
// order), a default expression and a validation rule.
const leadExprDef = `{"$id": "lead", "type": "object", "properties": {
	"name":   {"type": "string"},
	"visits": {"type": "number"},
	"tier":   {"type": "string", "enum": ["vip", "key", "normal"]},
	"phone":  {"type": "string", "x-type": "phone"},
	"grade":  {"type": "string", "x-type": "formula", "x-expr": "score >= 50 ? 'A' : 'B'", "x-indexed": true},
	"score":  {"type": "number", "x-type": "formula", "x-expr": "min(100, visits * 10 + bonus)"},
	"bonus":  {"type": "number", "x-type": "formula", "x-expr": "tier == 'vip' ? 30 : 0"},
	"ratio":  {"type": "number", "x-type": "formula", "x-expr": "visits == -1 ? 1 / (visits + 1) : 0"},
	"due":    {"type": "string", "format": "date", "x-default-expr": "addDays(today(), 7)"}
},
"x-rules": [{"name": "vip_needs_phone", "when": "tier == 'vip' && phone == ''", "fields": ["phone"],
             "message": {"en": "VIP customers need a phone number", "zh-CN": "VIP 客户必须填写电话"}},
            {"name": "few_visits", "when": "visits > 1000",
             "message": {"en": "Too many visits", "zh-CN": "拜访次数过多"}}]}`

func TestFormulasStoredAndFilterable(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "lead", leadExprDef)
		a, err := eng.Create(ctx, admin, "lead", map[string]any{"name": "a", "visits": 3.0, "tier": "vip", "phone": "13800138000"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Data["bonus"] != 30.0 || a.Data["score"] != 60.0 || a.Data["grade"] != "A" || a.Data["ratio"] != 0.0 {
			t.Fatalf("formulas in dependency order: %v", a.Data)
		}
		b, err := eng.Create(ctx, admin, "lead", map[string]any{"name": "b", "visits": 1.0})
		if err != nil {
			t.Fatal(err)
		}
		if b.Data["score"] != 10.0 || b.Data["grade"] != "B" {
			t.Fatalf("b: %v", b.Data)
		}
		// Stored: the store filters and sorts by them.
		page, err := eng.List(ctx, admin, "lead", engine.ListRequest{Filter: "grade == 'A' && score > 50", Sort: "-score"})
		if ids := pageIDs(page); err != nil || !reflect.DeepEqual(ids, []string{a.ID}) {
			t.Fatalf("filter on a formula: %v %v", ids, err)
		}
		got, err := st.Get(ctx, "lead", b.ID)
		if err != nil || got.Data["score"] != 10.0 {
			t.Fatalf("stored: %v %v", got.Data, err)
		}
		// An update computes them again from the merged record.
		b2, err := eng.Update(ctx, admin, "lead", b.ID, map[string]any{"visits": 5.0}, 0)
		if err != nil || b2.Data["score"] != 50.0 || b2.Data["grade"] != "A" {
			t.Fatalf("after update: %v %v", b2.Data, err)
		}
		// Clients never write them: refused like a read-only field, nothing changes.
		for _, in := range []map[string]any{{"name": "c", "score": 99.0}, {"name": "c", "grade": "A"}} {
			_, err := eng.Create(ctx, admin, "lead", in)
			if me := morph.AsError(err); me == nil || me.Code != morph.EInvalid || me.Fields[0].Code != "read_only" {
				t.Fatalf("a formula value sent: %v", err)
			}
		}
		if _, err := eng.Update(ctx, admin, "lead", b.ID, map[string]any{"score": 1.0}, 0); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a formula value patched: %v", err)
		}
		if n, _ := st.Count(ctx, "lead", nil); n != 2 {
			t.Fatalf("%d records, want 2", n)
		}
		// A formula that fails on a record is the record's problem, named: 422, not 500.
		_, err = eng.Create(ctx, admin, "lead", map[string]any{"name": "d", "visits": -1.0})
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EExpression || me.Code.Status() != 422 || me.Fields[0].Path != "/ratio" ||
			!strings.Contains(me.Text.EN, "formula ratio") || !strings.Contains(me.Text.ZH, "公式 ratio") {
			t.Fatalf("a failing formula: %v", err)
		}
		if n, _ := st.Count(ctx, "lead", nil); n != 2 {
			t.Fatalf("%d records after a failed create, want 2", n)
		}
	})
}

func TestDefaultExpressions(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, _ store.Store) {
		ctx := context.Background()
		put(t, eng, "lead", leadExprDef)
		r, err := eng.Create(ctx, admin, "lead", map[string]any{"name": "a"})
		if err != nil || r.Data["due"] != "2026-05-08" {
			t.Fatalf("default expression: %v %v", r.Data["due"], err)
		}
		r, err = eng.Create(ctx, admin, "lead", map[string]any{"name": "b", "due": "2026-06-01"})
		if err != nil || r.Data["due"] != "2026-06-01" {
			t.Fatalf("a value given wins: %v %v", r.Data["due"], err)
		}
		// Only on create: an update leaves an absent field absent.
		r, err = eng.Update(ctx, admin, "lead", r.ID, map[string]any{"due": nil}, 0)
		if _, has := r.Data["due"]; err != nil || has {
			t.Fatalf("after removing it: %v %v", r.Data, err)
		}
	})
}

func TestValidationRules(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "lead", leadExprDef)
		_, err := eng.Create(ctx, admin, "lead", map[string]any{"name": "a", "tier": "vip", "visits": 2000.0})
		me := morph.AsError(err)
		if me == nil || me.Code != morph.ERule || me.Code.Status() != 422 {
			t.Fatalf("a broken rule: %v", err)
		}
		if me.Text.EN != "VIP customers need a phone number; Too many visits" || me.Text.ZH != "VIP 客户必须填写电话；拜访次数过多" {
			t.Fatalf("messages: %+v", me.Text)
		}
		want := []morph.FieldError{
			{Path: "/phone", Code: "rule:vip_needs_phone", Text: morph.T("VIP customers need a phone number", "VIP 客户必须填写电话"), Offset: -1},
			{Path: "", Code: "rule:few_visits", Text: morph.T("Too many visits", "拜访次数过多"), Offset: -1},
		}
		if !reflect.DeepEqual(me.Fields, want) {
			t.Fatalf("fields: %+v", me.Fields)
		}
		if n, _ := st.Count(ctx, "lead", nil); n != 0 {
			t.Fatalf("a refused create stored %d records", n)
		}
		r, err := eng.Create(ctx, admin, "lead", map[string]any{"name": "a", "tier": "vip", "phone": "13800138000"})
		if err != nil {
			t.Fatal(err)
		}
		// An update that makes the record wrong is refused and changes nothing.
		if _, err := eng.Update(ctx, admin, "lead", r.ID, map[string]any{"phone": nil}, 0); morph.ErrorCode(err) != morph.ERule {
			t.Fatalf("update breaking a rule: %v", err)
		}
		got, err := st.Get(ctx, "lead", r.ID)
		if err != nil || got.Version != 1 || got.Data["phone"] != "+8613800138000" {
			t.Fatalf("after a refused update: %v %v", got, err)
		}
		// Rules see the computed formulas and the previous values.
		put(t, eng, "lead", strings.Replace(leadExprDef, `"when": "visits > 1000"`, `"when": "score < old.score && !('manager' in user.roles)"`, 1))
		if _, err := eng.Update(ctx, admin, "lead", r.ID, map[string]any{"tier": "key"}, 0); morph.ErrorCode(err) != morph.ERule {
			t.Fatalf("a lower score: %v", err)
		}
		manager := admin
		manager.Roles = append([]string{"manager"}, admin.Roles...)
		if _, err := eng.Update(ctx, manager, "lead", r.ID, map[string]any{"tier": "key"}, 0); err != nil {
			t.Fatalf("a manager may lower it: %v", err)
		}
	})
}

func TestFormulaCycleRefusedOnSave(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, _ store.Store) {
		put(t, eng, "lead", leadExprDef)
		bad := strings.Replace(leadExprDef, `"tier == 'vip' ? 30 : 0"`, `"grade == 'A' ? 30 : 0"`, 1)
		_, err := eng.PutEntity(context.Background(), engine.System, "lead", []byte(bad))
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalid || len(me.Fields) != 1 || me.Fields[0].Code != "cycle" ||
			!strings.HasPrefix(me.Fields[0].Path, "/properties/") || !strings.Contains(me.Fields[0].Text.EN, "→") {
			t.Fatalf("a cycle: %v", err)
		}
		if _, v, _ := eng.Catalog().Definition("lead"); v != 1 {
			t.Fatalf("the refused definition was saved: version %d", v)
		}
	})
}

func pageIDs(p engine.ListResult) []string {
	var ids []string
	for _, r := range p.Records {
		ids = append(ids, r.ID)
	}
	for _, r := range p.Raw {
		ids = append(ids, r.ID)
	}
	return ids
}

// A save that changes a formula recomputes the stored records (few: before
// it answers), each written as an update with its audit entry.
func TestChangedFormulaRecomputesRecords(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "lead", leadExprDef)
		var ids []string
		for i, visits := range []float64{1, 2, 9} {
			r, err := eng.Create(ctx, admin, "lead", map[string]any{"name": string(rune('a' + i)), "visits": visits})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		// Only the formula's text changes: score is now visits * 20 (capped at 100).
		changed := strings.Replace(leadExprDef, "visits * 10", "visits * 20", 1)
		if plan, err := eng.PlanEntity(ctx, admin, "lead", []byte(changed)); err != nil || !plan.Recompute || plan.Records != 3 {
			t.Fatalf("plan: %+v %v", plan, err)
		}
		if plan, err := eng.PlanEntity(ctx, admin, "lead", []byte(leadExprDef)); err != nil || plan.Recompute {
			t.Fatalf("plan without a change: %+v %v", plan, err)
		}
		put(t, eng, "lead", changed)
		p, ok, err := eng.RecomputeStatus(admin, "lead")
		if err != nil || !ok || p.State != engine.RecomputeDone || p.Done != 3 || p.Changed != 3 || p.Total != 3 {
			t.Fatalf("progress %+v %v %v", p, ok, err)
		}
		for i, want := range []float64{20, 40, 100} {
			r, err := st.Get(ctx, "lead", ids[i])
			if err != nil || r.Data["score"] != want || r.Version != 2 {
				t.Fatalf("record %d: %v %v", i, r, err)
			}
			wantGrade := "B"
			if want >= 50 {
				wantGrade = "A"
			}
			if r.Data["grade"] != wantGrade {
				t.Fatalf("dependent formula of record %d: %v", i, r.Data)
			}
		}
		h, err := eng.History(ctx, admin, "lead", ids[0], engine.PageRequest{})
		if err != nil || len(h.Entries) != 2 || h.Entries[0].Action != engine.AuditUpdate || h.Entries[0].Actor != "system" {
			t.Fatalf("history: %+v %v", h.Entries, err)
		}
		// A save that changes no formula writes nothing.
		put(t, eng, "lead", strings.Replace(leadExprDef, "visits * 10", "visits * 20", 1))
		if r, _ := st.Get(ctx, "lead", ids[0]); r.Version != 2 {
			t.Fatalf("rewritten without a change: version %d", r.Version)
		}
		// On demand, and only for administrators.
		if _, err := eng.Recompute(ctx, engine.Actor{ID: "u1", Roles: []string{"sales"}}, "lead"); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a non-administrator: %v", err)
		}
		p, err = eng.Recompute(ctx, admin, "lead")
		if err != nil || p.State != engine.RecomputeDone || p.Changed != 0 || p.Done != 3 {
			t.Fatalf("on demand: %+v %v", p, err)
		}
	})
}

// Erasing a record's personal data erases what its formulas derived from it.
func TestErasureRecomputesFormulas(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "person", `{"$id": "person", "type": "object", "properties": {
			"name": {"type": "string", "x-personal": true},
			"city": {"type": "string"},
			"label": {"type": "string", "x-type": "formula", "x-expr": "concat(coalesce(name, 'someone'), ' of ', city)"}}}`)
		r, err := eng.Create(ctx, admin, "person", map[string]any{"name": "Li Lei", "city": "Hangzhou"})
		if err != nil || r.Data["label"] != "Li Lei of Hangzhou" {
			t.Fatalf("%v %v", r.Data, err)
		}
		if _, err := eng.Erase(ctx, admin, "person", r.ID); err != nil {
			t.Fatal(err)
		}
		got, err := st.Get(ctx, "person", r.ID)
		if err != nil || got.Data["label"] != "someone of Hangzhou" {
			t.Fatalf("after erasure: %v %v", got.Data, err)
		}
	})
}

// Expressions see the system fields the record will have: its owner (the
// one given, or the creator) and its creation time.
func TestExpressionsSeeSystemFields(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, _ store.Store) {
		ctx := context.Background()
		put(t, eng, "note", `{"$id": "note", "type": "object", "properties": {
			"text": {"type": "string"},
			"mine": {"type": "boolean", "x-type": "formula", "x-expr": "owner == user.id"},
			"day":  {"type": "string", "format": "date", "x-type": "formula", "x-expr": "created_at"}}}`)
		r, err := eng.Create(ctx, admin, "note", map[string]any{"text": "a"})
		if err != nil || r.Data["mine"] != true || r.Data["day"] != "2026-05-01" {
			t.Fatalf("own: %v %v", r.Data, err)
		}
		r, err = eng.Create(ctx, admin, "note", map[string]any{"text": "b", "owner": "u2"})
		if err != nil || r.Data["mine"] != false {
			t.Fatalf("another's: %v %v", r.Data, err)
		}
		r, err = eng.Update(ctx, admin, "note", r.ID, map[string]any{"owner": admin.ID}, 0)
		if err != nil || r.Data["mine"] != true {
			t.Fatalf("after a change of owner: %v %v", r.Data, err)
		}
	})
}
