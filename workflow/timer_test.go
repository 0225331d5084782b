package workflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema"
)

func (e *env) notes(t testing.TB, user string) []string {
	t.Helper()
	page, _, err := e.wf.Notifications(context.Background(), engine.Actor{ID: user}, "", 200, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range page.Items {
		out = append(out, it["message"].(map[string]any)["en"].(string))
	}
	return out
}

func (e *env) day(d int) string {
	return e.clock.now().AddDate(0, 0, d).Format("2006-01-02")
}

// (Notifications go to u-n, a user the test directory does not know: they
// read as stored, not masked for a role.)

// A date rule fires once per record at the field's value plus the offset:
// a changed date re-plans it, a cleared one cancels it, the condition is
// decided when it fires, and a rule saved later plans the stored records
// whose time is still ahead.
func TestDateTrigger(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		old := e.create(t, "task", map[string]any{"title": "Old", "due": e.day(-10)})
		ahead := e.create(t, "task", map[string]any{"title": "Ahead", "due": e.day(4)})
		e.put(t, `{"name": "remind", "entity": "task", "trigger": {"type": "date", "field": "due", "offset": "-1d"}, "when": "title != 'Skip'",
			"actions": [{"type": "notify", "to": "'u-n'", "message": {"en": "Due tomorrow: {{title}}"}}]}`)
		moved := e.create(t, "task", map[string]any{"title": "Moved", "due": e.day(3)})
		cleared := e.create(t, "task", map[string]any{"title": "Cleared", "due": e.day(3)})
		e.create(t, "task", map[string]any{"title": "Skip", "due": e.day(3)})
		e.create(t, "task", map[string]any{"title": "Undated"})
		e.drain(t)
		if got := e.notes(t, "u-n"); len(got) != 0 {
			t.Fatalf("fired before the time: %v", got)
		}
		if _, err := e.eng.Update(ctx, admin, "task", moved.ID, map[string]any{"due": e.day(6)}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := e.eng.Update(ctx, admin, "task", cleared.ID, map[string]any{"due": nil}, 0); err != nil {
			t.Fatal(err)
		}
		e.drain(t)

		// Day 2 (the day before the 3rd): the unchanged ones fire, Skip's
		// condition is false.
		e.clock.advance(2*24*time.Hour + time.Minute)
		e.drain(t)
		if got := e.notes(t, "u-n"); len(got) != 0 {
			t.Fatalf("fired before the time: %v", got)
		}
		e.clock.advance(24 * time.Hour)
		e.drain(t)
		e.drain(t)
		if got := e.notes(t, "u-n"); len(got) != 1 || got[0] != "Due tomorrow: Ahead" {
			t.Fatalf("on day 3: %v, want only Ahead (the 4th)", got)
		}
		runs, err := e.wf.Runs(ctx, admin, "remind", "", "", 50)
		if err != nil {
			t.Fatal(err)
		}
		skipped := false
		for _, r := range runs.Items {
			if r["condition"] == false {
				skipped = true
			}
		}
		if !skipped {
			t.Fatalf("no run logged with a false condition for Skip: %+v", runs.Items)
		}
		// Day 6: Moved fires at its new date, once; Old and Cleared never.
		e.clock.advance(3 * 24 * time.Hour)
		e.drain(t)
		e.drain(t)
		got := e.notes(t, "u-n")
		if strings.Join(got, "|") != "Due tomorrow: Moved|Due tomorrow: Ahead" {
			t.Fatalf("by day 6: %v", got)
		}
		for _, id := range []string{old.ID, cleared.ID} {
			if n := len(e.find(t, "_wf_runs", eq("record", id))); n != 0 {
				t.Fatalf("%d runs for a task whose time never came", n)
			}
		}
		// Planned again by a new date: it fires again.
		if _, err := e.eng.Update(ctx, admin, "task", ahead.ID, map[string]any{"due": e.day(2)}, 0); err != nil {
			t.Fatal(err)
		}
		e.drain(t)
		e.clock.advance(24*time.Hour + time.Minute)
		e.drain(t)
		if got := e.notes(t, "u-n"); len(got) != 3 || got[0] != "Due tomorrow: Ahead" {
			t.Fatalf("after re-planning Ahead: %v", got)
		}
	})
}

// A schedule rule fires at its cron times in its time zone, once for each
// record its filter selects, and plans the next firing.
func TestScheduleTrigger(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		var leads []engine.Record
		for _, st := range []string{"new", "new", "new", "won"} {
			leads = append(leads, e.create(t, "lead", map[string]any{"name": "L " + st, "status": st, "touches": 0}))
		}
		e.put(t, `{"name": "nudge", "entity": "lead", "trigger": {"type": "schedule", "cron": "0 9 * * *", "timezone": "Asia/Shanghai", "filter": "status == 'new'"},
			"actions": [{"type": "set", "values": {"touches": "touches + 1"}}]}`)
		e.drain(t)
		touches := func() []any {
			var out []any
			for _, l := range leads {
				out = append(out, e.get(t, "lead", l.ID).Data["touches"])
			}
			return out
		}
		sh, _ := time.LoadLocation("Asia/Shanghai")
		now := e.clock.now().In(sh)
		next := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, sh)
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
		e.clock.advance(next.Sub(now) - time.Minute)
		e.drain(t)
		if got := touches(); got[0] != float64(0) {
			t.Fatalf("fired before 09:00 Shanghai: %v", got)
		}
		e.clock.advance(2 * time.Minute)
		e.drain(t)
		if got := touches(); got[0] != float64(1) || got[1] != float64(1) || got[2] != float64(1) || got[3] != float64(0) {
			t.Fatalf("after the first firing: %v", got)
		}
		e.clock.advance(24 * time.Hour)
		e.drain(t)
		e.drain(t)
		if got := touches(); got[0] != float64(2) || got[3] != float64(0) {
			t.Fatalf("after the second firing: %v", got)
		}
		runs, err := e.wf.Runs(ctx, admin, "nudge", "", "", 50)
		if err != nil {
			t.Fatal(err)
		}
		fired := 0
		for _, r := range runs.Items {
			if r["record"] == "" && strings.Contains(r["note"].(string), "3 record") {
				fired++
			}
		}
		if fired != 2 {
			t.Fatalf("%d firings logged, want 2: %+v", fired, runs.Items)
		}
	})
}

// managerOf in an action names the manager of the user's team, or of the
// team above when the user manages it.
func TestManagerOf(t *testing.T) {
	e := open(t, mustSQLite(t))
	e.dir.managers = map[string]string{"u-a": "u-lead", "u-lead": "u-head"}
	e.put(t, `{"name": "escalate", "entity": "lead", "trigger": {"type": "created"},
		"actions": [{"type": "notify", "to": "[managerOf(rep), managerOf(managerOf(rep))]", "message": {"en": "Escalated {{name}}"}}]}`)
	e.create(t, "lead", map[string]any{"name": "Acme", "rep": "u-a"})
	e.drain(t)
	for _, u := range []string{"u-lead", "u-head"} {
		if got := e.notes(t, u); len(got) != 1 || got[0] != "Escalated Acme" {
			t.Fatalf("%s: %v", u, got)
		}
	}
}

// A roll-up's system update sets off rules like any write: here a date rule
// on the latest due date of a lead's tasks.
func TestRollupSetsOffRules(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		withRollup := strings.Replace(leadDef, `"amount": {"type": "number"}}`,
			`"amount": {"type": "number"}, "last_due": {"type": "string", "format": "date", "x-type": "rollup", "x-rollup": {"from": "task", "via": "lead", "agg": "max", "field": "due"}}}`, 1)
		if _, err := e.eng.PutEntity(ctx, engine.System, "lead", []byte(withRollup)); err != nil {
			t.Fatal(morphDetail(err))
		}
		e.put(t, `{"name": "after_last", "entity": "lead", "trigger": {"type": "date", "field": "last_due", "offset": "1d"},
			"actions": [{"type": "notify", "to": "'u-n'", "message": {"en": "All tasks of {{name}} are past"}}]}`)
		e.drain(t) // the rule is planned before the records exist
		l := e.create(t, "lead", map[string]any{"name": "Acme"})
		e.create(t, "task", map[string]any{"title": "Call", "lead": l.ID, "due": e.day(1)})
		if err := e.eng.SettleRollups(ctx); err != nil {
			t.Fatal(err)
		}
		if got := e.get(t, "lead", l.ID).Data["last_due"]; got != e.day(1) {
			t.Fatalf("last_due %v", got)
		}
		e.drain(t)
		e.clock.advance(3 * 24 * time.Hour)
		e.drain(t)
		if got := e.notes(t, "u-n"); len(got) != 1 || got[0] != "All tasks of Acme are past" {
			t.Fatalf("notes %v", got)
		}
	})
}

// `user` in an after-save run is the writer with their roles and team, as
// the directory knows them now.
func TestAfterSaveUser(t *testing.T) {
	e := open(t, mustSQLite(t))
	e.put(t, `{"name": "by_rep", "entity": "lead", "trigger": {"type": "created"},
		"actions": [{"type": "notify", "to": "'u-boss'", "message": {"en": "{{name}} by {{user.id}} of {{user.team}}, rep: {{'sales_rep' in user.roles}}"}}]}`)
	writer := engine.Actor{ID: "u-a", Roles: []string{schema.AdminRole}}
	if _, err := e.eng.Create(context.Background(), writer, "lead", map[string]any{"name": "Acme"}); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	if got := e.notes(t, "u-boss"); len(got) != 1 || got[0] != "Acme by u-a of t-east, rep: true" {
		t.Fatalf("notes %v", got)
	}
}

// A notification reads as its recipient may see the record: a field masked
// for them shows masked, one hidden from them is left out.
func TestNotificationMasked(t *testing.T) {
	ctx := context.Background()
	e := open(t, mustSQLite(t))
	role := `{"name": "sales_rep", "entities": {"lead": {"create": true, "read": "all", "update": "all", "delete": "none",
		"fields": {"*": "edit", "name": "masked", "amount": "hidden"}}}}`
	if _, _, err := e.eng.PutRole(ctx, engine.System, "sales_rep", []byte(role)); err != nil {
		t.Fatal(morphDetail(err))
	}
	e.put(t, `{"name": "tell", "entity": "lead", "trigger": {"type": "created"},
		"actions": [{"type": "notify", "to": "['u-a', 'u-boss']", "message": {"en": "{{name}} / {{name + '!'}} / {{amount}} / {{score}}"}}]}`)
	e.create(t, "lead", map[string]any{"name": "Acme Trading", "amount": 5000, "score": 7})
	e.drain(t)
	if got := e.notes(t, "u-boss"); len(got) != 1 || got[0] != "Acme Trading / Acme Trading! / 5000 / 7" {
		t.Fatalf("u-boss (not a user the directory knows): %v", got)
	}
	got := e.notes(t, "u-a") // a sales rep
	if len(got) != 1 || strings.Contains(got[0], "Acme Trading") || strings.Contains(got[0], "5000") || !strings.HasSuffix(got[0], " / *** /  / 7") {
		t.Fatalf("u-a (a sales rep): %v", got)
	}
}
