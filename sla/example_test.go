package sla_test

import (
	"context"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/sla"
)

// The sme-crm example's ticket SLA saves against the example's entities and
// calendar, and an urgent ticket gets 1 working hour to respond and 8 to
// resolve on cn_office.
func TestExamplePolicy(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: at(t, "2026-12-04 17:00")}
	eng, err := engine.New(ctx, st, engine.Options{Logger: quiet(), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	cals, _ := examples.Calendars("sme-crm")
	for _, cal := range cals {
		if _, _, err := eng.PutCalendar(ctx, engine.System, cal.Name, cal.JSON); err != nil {
			t.Fatal(err)
		}
	}
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if _, err := eng.PutEntity(ctx, engine.System, d.Name, d.JSON); err != nil {
			t.Fatal(d.Name, err)
		}
	}
	svc, err := sla.New(ctx, eng, sla.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	policies, err := examples.SLAs("sme-crm")
	if err != nil || len(policies) == 0 {
		t.Fatalf("policies %v %v", policies, err)
	}
	for _, p := range policies {
		if _, _, err := svc.Put(ctx, engine.System, p.Name, p.JSON, 0); err != nil {
			t.Fatalf("%s: %s", p.Name, detail(err))
		}
	}
	acc, err := eng.Create(ctx, engine.System, "account", map[string]any{"name": "华东机电", "region": "华东"})
	if err != nil {
		t.Fatal(detail(err))
	}
	tk, err := eng.Create(ctx, engine.System, "ticket", map[string]any{"subject": "停机", "account": acc.ID, "priority": "urgent"})
	if err != nil {
		t.Fatal(detail(err))
	}
	expect(t, tk, map[string]any{"response_due": "2026-12-04 18:00", "resolution_due": "2026-12-07 17:30", "sla_breached": false, "resolved_at": ""})
	c.set(at(t, "2026-12-07 10:00"))
	tk, err = eng.Update(ctx, engine.System, "ticket", tk.ID, map[string]any{"status": "waiting_customer", "first_response_at": stored(t, "2026-12-07 08:55")}, 0)
	if err != nil {
		t.Fatal(detail(err))
	}
	expect(t, tk, map[string]any{"response_met_at": "2026-12-07 10:00", "sla_breached": true, "resolution_due": "", "resolution_remaining": 6.0})
}
