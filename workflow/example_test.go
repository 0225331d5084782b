package workflow_test

import (
	"context"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/workflow"
)

// The sme-crm example's rules save against its entities and do what they
// say: new leads go round-robin to the active sales reps; a deal moved to
// won gets probability 100, a draft contract and a notification.
func TestExampleRules(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, mustSQLite(t), engine.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if _, err := eng.PutEntity(ctx, engine.System, d.Name, d.JSON); err != nil {
			t.Fatal(err)
		}
	}
	roles, _ := examples.Roles("sme-crm")
	for _, r := range roles {
		if _, _, err := eng.PutRole(ctx, engine.System, r.Name, r.JSON); err != nil {
			t.Fatal(err)
		}
	}
	dir := &directory{roles: map[string][]string{"sales_rep": {"u-li", "u-zhang", "u-chen"}}}
	wf, err := workflow.New(ctx, eng, workflow.Options{Logger: quiet(), Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := examples.Workflows("sme-crm")
	if len(rules) < 2 {
		t.Fatalf("%d rules in the example", len(rules))
	}
	for _, r := range rules {
		if _, _, err := wf.Put(ctx, engine.System, r.Name, r.JSON, 0); err != nil {
			t.Fatalf("%s: %s", r.Name, morphDetail(err))
		}
	}
	e := &env{eng: eng, st: eng.Store(), wf: wf}
	for i := range 7 {
		e.create(t, "lead", map[string]any{"name": "线索" + string(rune('A'+i)), "company_name": "公司"})
	}
	e.drain(t)
	counts := map[string]int{}
	for _, l := range e.find(t, "lead", nil) {
		counts[l.Data["owner"].(string)]++
	}
	if counts["u-li"] != 3 || counts["u-zhang"] != 2 || counts["u-chen"] != 2 {
		t.Fatalf("owners %v", counts)
	}
	acc := e.create(t, "account", map[string]any{"name": "华为", "region": "华南"})
	opp := e.create(t, "opportunity", map[string]any{"name": "大单", "account": acc.ID, "stage": "proposal", "probability": 40,
		"amount": map[string]any{"amount": 50000, "currency": "CNY"}, "owner": "u-li"})
	if _, err := eng.Update(ctx, admin, "opportunity", opp.ID, map[string]any{"stage": "won"}, 0); err != nil {
		t.Fatal(morphDetail(err))
	}
	if got := e.get(t, "opportunity", opp.ID); got.Data["probability"] != float64(100) {
		t.Fatalf("probability %v", got.Data["probability"])
	}
	e.drain(t)
	contracts := e.find(t, "contract", eq("opportunity", opp.ID))
	if len(contracts) != 1 || contracts[0].Data["status"] != "draft" || contracts[0].Data["owner"] != "u-li" || contracts[0].Data["title"] != "大单" {
		t.Fatalf("contracts %+v", contracts)
	}
	page, unread, err := wf.Notifications(ctx, engine.Actor{ID: "u-li"}, "", 50, true)
	if err != nil || unread != 4 { // three leads and the won deal
		t.Fatalf("notifications %v %d %+v", err, unread, page)
	}
}
