package sla_test

import (
	"context"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/sla"
	"github.com/morphcrm/morph/workflow"
)

// The deadlines are computed after the workflow's before-save rules, so a
// rule that raises the priority in the write gets the urgent target.
func TestAfterWorkflowRules(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	open(t, st) // saves the entity and the calendar
	c := &clock{t: at(t, "2026-12-01 10:00")}
	eng, err := engine.New(ctx, st, engine.Options{Logger: quiet(), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflow.New(ctx, eng, workflow.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	rule := `{"name": "outage_is_urgent", "entity": "ticket", "trigger": {"type": "created"}, "when": "subject contains 'outage'",
		"actions": [{"type": "set", "values": {"priority": "'urgent'"}}]}`
	if _, _, err := wf.Put(ctx, admin, "outage_is_urgent", []byte(rule), 0); err != nil {
		t.Fatal(detail(err))
	}
	svc, err := sla.New(ctx, eng, sla.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Put(ctx, admin, "ticket_sla", []byte(policy), 0); err != nil {
		t.Fatal(detail(err))
	}
	r, err := eng.Create(ctx, admin, "ticket", map[string]any{"subject": "network outage", "priority": "normal"})
	if err != nil {
		t.Fatal(detail(err))
	}
	if r.Data["priority"] != "urgent" {
		t.Fatalf("the rule did not run: %v", r.Data)
	}
	expect(t, r, map[string]any{"response_due": "2026-12-01 11:00", "resolution_due": "2026-12-02 10:30"})
}

// Every item of a bulk create gets its deadlines.
func TestBulkCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.clock.set(at(t, "2026-12-01 10:00"))
		items, err := e.eng.CreateMany(context.Background(), admin, "ticket", []map[string]any{
			{"subject": "a", "priority": "urgent"}, {"subject": "b", "priority": "high"}, {"subject": "c", "status": "waiting_customer"}}, engine.BulkOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Err != nil {
				t.Fatal(detail(it.Err))
			}
		}
		expect(t, items[0].Record, map[string]any{"response_due": "2026-12-01 11:00"})
		expect(t, items[1].Record, map[string]any{"response_due": "2026-12-01 12:00", "resolution_due": "2026-12-03 11:00"})
		expect(t, items[2].Record, map[string]any{"response_due": "", "response_remaining": 2.0})
	})
}

// Another instance sharing the store applies a policy saved elsewhere once
// it has compared the stored versions (at most every 5 s, from its writes).
func TestOtherInstance(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	one := open(t, st)
	c := one.clock
	c.set(at(t, "2026-12-01 10:00"))
	eng2, err := engine.New(ctx, st, engine.Options{Logger: quiet(), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sla.New(ctx, eng2, sla.Options{Logger: quiet()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := one.svc.Put(ctx, admin, "ticket_sla", []byte(policy), 0); err != nil {
		t.Fatal(detail(err))
	}
	r, err := eng2.Create(ctx, admin, "ticket", map[string]any{"subject": "a"})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, r, map[string]any{"response_due": ""})
	c.set(at(t, "2026-12-01 10:00").Add(6 * time.Second))
	r, err = eng2.Create(ctx, admin, "ticket", map[string]any{"subject": "b", "priority": "urgent"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Data["response_due"] == nil {
		t.Fatal("the other instance did not pick the policy up")
	}
}

// A policy without a priority field has the "*" target for every record;
// one whose options all have targets and no "*" leaves a record without a
// priority without deadlines.
func TestTargetChoice(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		flat := `{"entity": "ticket", "calendar": "cn_office", "targets": {"*": {"response": 3, "resolution": 9}},
			"responded_when": "first_response_at != nil", "resolved_when": "status == 'resolved'",
			"fields": {"response_due": "response_due", "resolution_due": "resolution_due", "response_met_at": "response_met_at", "resolution_met_at": "resolution_met_at"}}`
		if _, _, err := e.svc.Put(ctx, admin, "ticket_sla", []byte(flat), 0); err != nil {
			t.Fatal(detail(err))
		}
		r := e.create(t, "2026-12-01 10:00", map[string]any{"priority": "urgent"})
		expect(t, r, map[string]any{"response_due": "2026-12-01 14:30", "resolution_due": "2026-12-02 11:30"})

		each := `{"entity": "ticket", "priority": "priority", "responded_when": "first_response_at != nil", "resolved_when": "status == 'resolved'",
			"targets": {"low": {"response": 8, "resolution": 40}, "normal": {"response": 4, "resolution": 24}, "high": {"response": 2, "resolution": 8}, "urgent": {"response": 1, "resolution": 4}},
			"fields": {"response_due": "response_due", "resolution_due": "resolution_due", "response_met_at": "response_met_at", "resolution_met_at": "resolution_met_at"}}`
		if _, _, err := e.svc.Put(ctx, admin, "ticket_sla", []byte(each), 0); err != nil {
			t.Fatal(detail(err))
		}
		// No calendar named: the default one, Monday to Friday 09:00–18:00
		// in the zone of the engine's clock (+08:00 here).
		r = e.create(t, "2026-12-01 17:00", map[string]any{"priority": "urgent"})
		if r.Data["response_due"] != "2026-12-01T10:00:00.000Z" {
			t.Fatalf("response_due %v", r.Data["response_due"])
		}
		r = e.patch(t, "2026-12-01 17:30", r.ID, map[string]any{"priority": nil})
		expect(t, r, map[string]any{"response_due": "", "resolution_due": ""})
	})
}
