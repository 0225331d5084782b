package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/workflow"
)

// The sme-crm example's rules save against its entities and do what they
// say: new leads go round-robin to the active sales reps; a deal moved to
// won gets probability 100, a draft contract and a notification.
func TestExampleRules(t *testing.T) {
	ctx := context.Background()
	dir := &directory{roles: map[string][]string{"sales_rep": {"u-li", "u-zhang", "u-chen"}}}
	e := exampleEnv(t, dir, nil)
	eng, wf := e.eng, e.wf
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

// exampleEnv is the sme-crm example's entities, roles, calendars and rules
// on SQLite, with the workflow on clock c (the real one when nil).
func exampleEnv(t *testing.T, dir *directory, c *clock) *env {
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
	cals, _ := examples.Calendars("sme-crm")
	for _, cal := range cals {
		if _, _, err := eng.PutCalendar(ctx, engine.System, cal.Name, cal.JSON); err != nil {
			t.Fatal(err)
		}
	}
	if c == nil {
		c = &clock{}
	}
	wf, err := workflow.New(ctx, eng, workflow.Options{Logger: quiet(), Directory: dir, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	rules, _ := examples.Workflows("sme-crm")
	if len(rules) < 6 {
		t.Fatalf("%d rules in the example", len(rules))
	}
	for _, r := range rules {
		if _, _, err := wf.Put(ctx, engine.System, r.Name, r.JSON, 0); err != nil {
			t.Fatalf("%s: %s", r.Name, morphDetail(err))
		}
	}
	return &env{eng: eng, st: eng.Store(), wf: wf, clock: c, dir: dir}
}

// The example's timed rules: a quiet open opportunity gets a follow-up call
// after 3 days; a contract's payment is reminded 7 days before it is due;
// an account's tier follows its won revenue; a former high spender silent
// for 90 days is reported to the owner and the owner's manager.
func TestExampleTimedRules(t *testing.T) {
	ctx := context.Background()
	dir := &directory{roles: map[string][]string{"sales_rep": {"u-li"}}, managers: map[string]string{"u-li": "u-boss"}}
	e := exampleEnv(t, dir, nil)
	settle := func() {
		t.Helper()
		for range 3 {
			if err := e.eng.SettleRollups(ctx); err != nil {
				t.Fatal(err)
			}
			e.drain(t)
		}
	}
	acc := e.create(t, "account", map[string]any{"name": "华为", "region": "华南", "owner": "u-li", "phone": "13800138000"})
	quiet := e.create(t, "opportunity", map[string]any{"name": "静默商机", "account": acc.ID, "stage": "proposal", "owner": "u-li",
		"amount": map[string]any{"amount": 50000, "currency": "CNY"}})
	visitTime := e.clock.now()
	visitAt := engine.FormatTime(visitTime)
	e.create(t, "activity", map[string]any{"type": "visit", "subject": "拜访", "at": visitAt, "opportunity": quiet.ID, "owner": "u-li"})
	won := e.create(t, "opportunity", map[string]any{"name": "大单", "account": acc.ID, "stage": "proposal", "owner": "u-li",
		"amount": map[string]any{"amount": 600000, "currency": "CNY"}})
	if _, err := e.eng.Update(ctx, admin, "opportunity", won.ID, map[string]any{"stage": "won"}, 0); err != nil {
		t.Fatal(morphDetail(err))
	}
	settle()
	if got := e.get(t, "account", acc.ID).Data["tier"]; got != "key" {
		t.Fatalf("tier %v after 600,000 won, want key", got)
	}
	contract := e.find(t, "contract", eq("opportunity", won.ID))[0]
	due := e.day(10) // the day the payment is due (days 3 and 7 later may fall on other dates near midnight)
	if _, err := e.eng.Update(ctx, admin, "contract", contract.ID, map[string]any{"signed_on": e.day(0), "payment_due": due, "status": "active"}, 0); err != nil {
		t.Fatal(morphDetail(err))
	}
	settle()
	if n := len(e.notes(t, "u-boss")); n != 0 {
		t.Fatalf("%d notes for the manager before anything was due", n)
	}
	// Day 3 and a bit: the quiet opportunity gets its follow-up; the won one
	// does not (its condition).
	e.clock.advance(3*24*time.Hour + time.Hour)
	settle()
	calls := e.find(t, "activity", eq("owner", "u-li"))
	follow := 0
	var planned string
	for _, c := range calls {
		if c.Data["subject"] == "跟进：静默商机" {
			follow++
			planned = c.ID
			if c.Data["done"] != false {
				t.Fatalf("the follow-up call is planned, not done: %+v", c.Data)
			}
		}
		if c.Data["opportunity"] == won.ID {
			t.Fatalf("a won opportunity got a follow-up: %+v", c.Data)
		}
	}
	if follow != 1 {
		t.Fatalf("%d follow-ups, want 1: %+v", follow, calls)
	}
	// The planned call, an hour of work ahead, is not the opportunity's
	// last activity; once done, it is.
	if got := e.get(t, "opportunity", quiet.ID).Data["last_activity_at"]; got != visitAt {
		t.Fatalf("last activity %v with a call planned, want the visit's %s", got, visitAt)
	}
	// An activity logged late, more than 3 days old itself, moves the last
	// activity but plans no second call while one is pending; one with no
	// done value counts as done.
	lateAt := engine.FormatTime(visitTime.Add(30 * time.Minute))
	e.create(t, "activity", map[string]any{"type": "note", "subject": "补记", "at": lateAt, "done": nil, "opportunity": quiet.ID, "owner": "u-li"})
	settle()
	if got := e.get(t, "opportunity", quiet.ID).Data["last_activity_at"]; got != lateAt {
		t.Fatalf("last activity %v after a late note, want %s", got, lateAt)
	}
	follow = 0
	for _, c := range e.find(t, "activity", eq("opportunity", quiet.ID)) {
		if c.Data["done"] == false {
			follow++
		}
	}
	if follow != 1 {
		t.Fatalf("%d planned calls after a late note, want still 1", follow)
	}
	doneAt := engine.FormatTime(e.clock.now())
	if _, err := e.eng.Update(ctx, admin, "activity", planned, map[string]any{"done": true, "at": doneAt}, 0); err != nil {
		t.Fatal(morphDetail(err))
	}
	settle()
	if got := e.get(t, "opportunity", quiet.ID).Data["last_activity_at"]; got != doneAt {
		t.Fatalf("last activity %v after the call was made, want %s", got, doneAt)
	}
	// Day 3 is also 7 days before the payment is due (the reminder fires
	// at the start of that day, which the hour past day 3 has passed).
	hasNote := func(user, part string) bool {
		for _, n := range e.notes(t, user) {
			if strings.Contains(n, part) {
				return true
			}
		}
		return false
	}
	if !hasNote("u-li", "is due on "+due) {
		t.Fatalf("no payment reminder: %v", e.notes(t, "u-li"))
	}
	// Day 90: silent for 90 days since the purchase.
	e.clock.advance(87 * 24 * time.Hour)
	settle()
	if !hasNote("u-boss", "has bought nothing for 90 days") || !hasNote("u-li", "has bought nothing for 90 days") {
		t.Fatalf("no silent-customer note: %v / %v", e.notes(t, "u-li"), e.notes(t, "u-boss"))
	}
}
