package workflow_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/workflow"
)

const leadDef = `{"$id": "lead", "type": "object", "properties": {
	"name":   {"type": "string"},
	"source": {"type": "string", "enum": ["web", "fair", "referral"], "x-type": "select"},
	"score":  {"type": "integer"},
	"touches": {"type": "integer"},
	"status": {"type": "string", "enum": ["new", "working", "won", "lost"], "x-type": "select"},
	"rep":    {"type": "string", "x-type": "user"},
	"amount": {"type": "number"}}, "required": ["name"]}`

const taskDef = `{"$id": "task", "type": "object", "properties": {
	"title": {"type": "string"},
	"lead":  {"type": "string", "x-type": "relation", "x-ref": "lead"},
	"due":   {"type": "string", "format": "date", "x-type": "date"}}, "required": ["title"]}`

var admin = engine.Actor{ID: "u-admin", Name: "Ada", Roles: []string{schema.AdminRole}, Via: "session"}

// directory is a fixed set of teams and users.
type directory struct {
	teams map[string]string   // name → id
	users map[string][]string // team id → active users
	roles map[string][]string // role → active users
	// user → the manager above them
	managers map[string]string
}

func (d *directory) Manager(_ context.Context, user string) (string, error) {
	return d.managers[user], nil
}

func (d *directory) User(_ context.Context, id string) (roles []string, team string, found bool, err error) {
	for r, us := range d.roles {
		if slices.Contains(us, id) {
			roles, found = append(roles, r), true
		}
	}
	for t, us := range d.users {
		if slices.Contains(us, id) {
			team, found = t, true
		}
	}
	slices.Sort(roles)
	return roles, team, found, nil
}

func (d *directory) TeamID(_ context.Context, idOrName string) (string, bool, error) {
	if id, ok := d.teams[idOrName]; ok {
		return id, true, nil
	}
	for _, id := range d.teams {
		if id == idOrName {
			return id, true, nil
		}
	}
	return "", false, nil
}

func (d *directory) ActiveUsers(_ context.Context, team, role string) ([]string, error) {
	if role != "" {
		return d.roles[role], nil
	}
	return d.users[team], nil
}

// clock is a controllable clock.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type env struct {
	eng   *engine.Engine
	st    store.Store
	wf    *workflow.Service
	clock *clock
	dir   *directory
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// eachStore runs fn on SQLite and on MongoDB (an embedded FerretDB, or the
// server of MORPH_TEST_MONGO_URI) with the lead and task entities.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		fn(t, open(t, st))
	})
}

func open(t testing.TB, st store.Store) *env {
	ctx := context.Background()
	eng, err := engine.New(ctx, st, engine.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct{ name, def string }{{"lead", leadDef}, {"task", taskDef}} {
		if eng.Catalog().Entity(d.name) == nil {
			if _, err := eng.PutEntity(ctx, engine.System, d.name, []byte(d.def)); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := &clock{}
	dir := &directory{teams: map[string]string{"east": "t-east"}, users: map[string][]string{"t-east": {"u-a", "u-b", "u-c"}},
		roles: map[string][]string{"sales_rep": {"u-a", "u-b"}}}
	wf, err := workflow.New(ctx, eng, workflow.Options{Logger: quiet(), Directory: dir, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{eng: eng, st: st, wf: wf, clock: c, dir: dir}
}

func (e *env) put(t testing.TB, doc string) {
	t.Helper()
	var probe struct {
		Name string `json:"name"`
	}
	json.Unmarshal([]byte(doc), &probe)
	if _, _, err := e.wf.Put(context.Background(), admin, probe.Name, []byte(doc), 0); err != nil {
		t.Fatalf("put %s: %v", probe.Name, morphDetail(err))
	}
}

func morphDetail(err error) string {
	me := morph.AsError(err)
	if me == nil {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString(me.Text.EN)
	for _, f := range me.Fields {
		b.WriteString("; " + f.Path + " " + f.Code + " " + f.Text.EN)
	}
	return b.String()
}

func (e *env) drain(t testing.TB) {
	t.Helper()
	if err := e.wf.Drain(context.Background(), 1000); err != nil {
		t.Fatal(err)
	}
}

func (e *env) create(t testing.TB, entity string, data map[string]any) engine.Record {
	t.Helper()
	r, err := e.eng.Create(context.Background(), admin, entity, data)
	if err != nil {
		t.Fatalf("create %s: %v", entity, morphDetail(err))
	}
	return r
}

func (e *env) get(t testing.TB, entity, id string) engine.Record {
	t.Helper()
	r, err := e.eng.Get(context.Background(), admin, entity, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) find(t testing.TB, coll string, filter query.Expr) []store.Record {
	t.Helper()
	recs, err := e.st.Find(context.Background(), coll, query.Query{Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func eq(f string, v any) query.Expr { return query.Cmp{Field: f, Op: query.Eq, Value: v} }

// A rule document is checked completely on save: every problem at once,
// keyed by JSON pointer, an expression's with the offset inside it.
func TestRuleChecked(t *testing.T) {
	e := open(t, mustSQLite(t))
	ctx := context.Background()
	cases := []struct {
		name, doc string
		want      []string // "path code"
		offset    int      // of the first expected error, -1 to skip
	}{
		{"syntax", `{"entity": "lead", "trigger": {"type": "created"}, "when": "score >", "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/when syntax"}, -1},
		{"unknown field in when", `{"entity": "lead", "trigger": {"type": "created"}, "when": "scor > 1", "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/when unknown_field"}, 0},
		{"wrong type", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "set", "values": {"score": "name"}}]}`,
			[]string{"/actions/0/values/score result_type"}, -1},
		{"unknown value field", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "set", "values": {"nope": "1"}}]}`,
			[]string{"/actions/0/values/nope unknown_field"}, -1},
		{"unknown entity", `{"entity": "leed", "trigger": {"type": "created"}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/entity unknown_entity"}, -1},
		{"create of an unknown entity", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "create", "entity": "nope", "values": {"x": "1"}}]}`,
			[]string{"/actions/0/entity unknown_entity"}, -1},
		{"unknown team", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "assign", "field": "owner", "team": "west"}]}`,
			[]string{"/actions/0/team unknown_team"}, -1},
		{"unknown role", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "assign", "field": "owner", "role": "nobody"}]}`,
			[]string{"/actions/0/role unknown_role"}, -1},
		{"trigger field", `{"entity": "lead", "trigger": {"type": "updated", "fields": ["stage"]}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/trigger/fields/0 unknown_field"}, -1},
		{"to on created", `{"entity": "lead", "trigger": {"type": "created", "to": "status == 'won'"}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/trigger/to trigger"}, -1},
		{"template", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "notify", "to": "[owner]", "message": {"en": "New {{nam}}"}}]}`,
			[]string{"/actions/0/message/en unknown_field"}, -1},
		{"shape", `{"entity": "lead", "trigger": {"type": "sometimes"}, "actions": [], "extra": 1}`,
			[]string{"/actions minItems", "/trigger/type enum", " unknown_key"}, -1},
		{"owner before save", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "set", "values": {"owner": "'u1'"}}]}`,
			[]string{"/actions/0/values/owner after"}, -1},
		{"webhook url", `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "webhook", "url": "ftp://x"}]}`,
			[]string{"/actions/0/url url"}, -1},
		{"reject on delete", `{"entity": "lead", "trigger": {"type": "deleted"}, "actions": [{"type": "reject", "message": {"en": "no"}}]}`,
			[]string{"/actions/0 trigger"}, -1},
		{"several at once", `{"entity": "lead", "trigger": {"type": "created"}, "when": "1 +", "actions": [{"type": "create", "entity": "task", "values": {"title": "1", "nope": "2"}}, {"type": "assign", "field": "name", "team": "east"}]}`,
			[]string{"/actions/0/values/nope unknown_field", "/actions/1/field field", "/actions/0/values/title result_type", "/when syntax"}, -1},
		{"date trigger on a text field", `{"entity": "lead", "trigger": {"type": "date", "field": "name"}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/trigger/field field"}, -1},
		{"date trigger offset", `{"entity": "task", "trigger": {"type": "date", "field": "due", "offset": "3 days"}, "actions": [{"type": "set", "values": {"title": "'x'"}}]}`,
			[]string{"/trigger/offset offset"}, -1},
		{"reject on a date trigger", `{"entity": "task", "trigger": {"type": "date", "field": "due"}, "actions": [{"type": "reject", "message": {"en": "no"}}]}`,
			[]string{"/actions/0 trigger"}, -1},
		{"cron", `{"entity": "lead", "trigger": {"type": "schedule", "cron": "0 25 * * *"}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/trigger/cron cron"}, -1},
		{"cron every second", `{"entity": "lead", "trigger": {"type": "schedule", "cron": "@every 1s"}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/trigger/cron cron"}, -1},
		{"schedule settings", `{"entity": "lead", "trigger": {"type": "schedule", "cron": "0 9 * * 1-5", "timezone": "Mars/Olympus", "filter": "scor > 1", "field": "x"}, "actions": [{"type": "set", "values": {"score": "1"}}]}`,
			[]string{"/trigger/timezone timezone", "/trigger/filter unknown_field", "/trigger/field trigger"}, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := e.wf.Put(ctx, admin, "r1", []byte(c.doc), 0)
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid {
				t.Fatalf("want invalid, got %v", err)
			}
			var got []string
			for _, f := range me.Fields {
				got = append(got, f.Path+" "+f.Code)
			}
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %q in %q", w, got)
				}
			}
			if c.offset >= 0 && me.Fields[0].Offset != c.offset {
				t.Errorf("offset %d, want %d", me.Fields[0].Offset, c.offset)
			}
			if _, err := e.wf.Get(admin, "r1"); morph.ErrorCode(err) != morph.ENotFound {
				t.Errorf("a refused rule was stored: %v", err)
			}
		})
	}
}

func mustSQLite(t *testing.T) store.Store { return mustSQLiteB(t) }

func mustSQLiteB(t testing.TB) store.Store {
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Saving is versioned (If-Match), audited, admins only; the secret of a
// webhook never leaves the server and is kept when sent back redacted.
func TestRuleSaveVersionsAndSecrets(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		doc := `{"entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "webhook", "url": "http://127.0.0.1:1/h", "secret": "s3cret-value"}]}`
		ri, created, err := e.wf.Put(ctx, admin, "hook", []byte(doc), 0)
		if err != nil || !created || ri.Version != 1 {
			t.Fatalf("put: %v %v %+v", err, created, ri)
		}
		if strings.Contains(ri.Doc, "s3cret") {
			t.Fatalf("secret echoed: %s", ri.Doc)
		}
		rep := engine.Actor{ID: "u-rep", Roles: []string{"sales_rep"}}
		if _, _, err := e.wf.Put(ctx, rep, "hook", []byte(doc), 0); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a rep saved a rule: %v", err)
		}
		if _, _, err := e.wf.Put(ctx, admin, "hook", []byte(ri.Doc), 5); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale If-Match: %v", err)
		}
		ri2, _, err := e.wf.Put(ctx, admin, "hook", []byte(ri.Doc), 1)
		if err != nil || ri2.Version != 2 {
			t.Fatalf("put back redacted: %v", morphDetail(err))
		}
		// Redacted for a URL that had no secret: refused, never stored as the secret.
		moved := strings.Replace(ri.Doc, "127.0.0.1:1/h", "127.0.0.1:2/h", 1)
		if _, _, err := e.wf.Put(ctx, admin, "hook", []byte(moved), 2); morph.ErrorCode(err) != morph.EInvalid ||
			!strings.Contains(morphDetail(err), "/actions/0/secret secret") {
			t.Fatalf("redacted secret for another URL: %v", morphDetail(err))
		}
		raw, _ := e.st.Get(ctx, "_workflows", "hook")
		if !strings.Contains(raw.Data["document"].(string), "s3cret-value") {
			t.Fatal("the stored secret was lost")
		}
		entries := e.find(t, store.AuditCollection, eq("kind", "workflow"))
		if len(entries) != 2 {
			t.Fatalf("%d audit entries, want 2", len(entries))
		}
		for _, en := range entries {
			b, _ := json.Marshal(en.Data)
			if strings.Contains(string(b), "s3cret") {
				t.Fatalf("secret in the audit log: %s", b)
			}
		}
		if err := e.wf.Delete(ctx, admin, "hook", 1); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale delete: %v", err)
		}
		if err := e.wf.Delete(ctx, admin, "hook", 2); err != nil {
			t.Fatal(err)
		}
		if _, err := e.wf.Get(admin, "hook"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatal("deleted rule still there")
		}
	})
}

// Before-save rules set fields and reject inside the write: created,
// updated only when given fields change, to a condition that becomes true.
func TestBeforeSave(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.put(t, `{"name": "score_web", "entity": "lead", "trigger": {"type": "created"}, "when": "source == 'web'",
			"actions": [{"type": "set", "values": {"score": "10 + len(name)"}}]}`)
		e.put(t, `{"name": "no_fair_amount", "entity": "lead", "trigger": {"type": "updated", "fields": ["amount"]}, "when": "amount > 1000 && source == 'fair'",
			"actions": [{"type": "reject", "message": {"en": "Fair leads stay under 1000 (was {{old.amount}})", "zh-CN": "展会线索金额不超过 1000（原 {{old.amount}}）"}}]}`)
		e.put(t, `{"name": "won_touch", "entity": "lead", "trigger": {"type": "updated", "to": "status == 'won'"},
			"actions": [{"type": "set", "values": {"touches": "touches + 1"}}]}`)
		web := e.create(t, "lead", map[string]any{"name": "abc", "source": "web"})
		if web.Data["score"] != float64(13) {
			t.Fatalf("score %v, want 13", web.Data["score"])
		}
		fair := e.create(t, "lead", map[string]any{"name": "f", "source": "fair", "amount": 5000})
		if _, ok := fair.Data["score"]; ok {
			t.Fatal("when false but set ran")
		}
		// Not a change of amount: the reject does not run.
		if _, err := e.eng.Update(ctx, admin, "lead", fair.ID, map[string]any{"name": "g"}, 0); err != nil {
			t.Fatal(morphDetail(err))
		}
		_, err := e.eng.Update(ctx, admin, "lead", fair.ID, map[string]any{"amount": 6000}, 0)
		me := morph.AsError(err)
		if me == nil || me.Code != morph.ERule || !strings.Contains(me.Text.ZH, "原 5000") || !strings.Contains(me.Text.EN, "was 5000") {
			t.Fatalf("want the rule's message, got %v", err)
		}
		if got := e.get(t, "lead", fair.ID); got.Data["amount"] != float64(5000) {
			t.Fatal("a rejected write changed the record")
		}
		// to: only the write that makes it true.
		for _, st := range []string{"working", "won", "won"} {
			if _, err := e.eng.Update(ctx, admin, "lead", web.ID, map[string]any{"status": st, "name": "n" + st}, 0); err != nil {
				t.Fatal(morphDetail(err))
			}
		}
		if got := e.get(t, "lead", web.ID); got.Data["touches"] != float64(1) {
			t.Fatalf("touches %v, want 1", got.Data["touches"])
		}
	})
}

// After-save rules run from the durable queue: create, notify, set after
// save; each run is logged; the depth limit stops a rule that sets itself
// off.
func TestAfterSave(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.put(t, `{"name": "follow_up", "entity": "lead", "trigger": {"type": "created"}, "when": "source == 'web'",
			"actions": [{"type": "create", "entity": "task", "values": {"title": "'Call ' + name", "lead": "id", "due": "addDays(today(), 3)"}},
			            {"type": "notify", "to": "[owner, 'u-boss']", "message": {"en": "New lead {{name}}", "zh-CN": "新线索 {{name}}"}},
			            {"type": "set", "after": true, "values": {"status": "'working'"}}]}`)
		e.put(t, `{"name": "loop", "entity": "lead", "trigger": {"type": "updated"}, "when": "source == 'referral'",
			"actions": [{"type": "set", "after": true, "values": {"touches": "touches + 1"}}]}`)
		l := e.create(t, "lead", map[string]any{"name": "Acme", "source": "web"})
		e.create(t, "lead", map[string]any{"name": "Fair", "source": "fair"})
		e.drain(t)
		tasks := e.find(t, "task", eq("lead", l.ID))
		if len(tasks) != 1 || tasks[0].Data["title"] != "Call Acme" {
			t.Fatalf("tasks %+v", tasks)
		}
		if n := len(e.find(t, "task", nil)); n != 1 {
			t.Fatalf("%d tasks, want 1 (the fair lead's condition is false)", n)
		}
		if got := e.get(t, "lead", l.ID); got.Data["status"] != "working" {
			t.Fatalf("status %v", got.Data["status"])
		}
		page, unread, err := e.wf.Notifications(ctx, engine.Actor{ID: "u-boss"}, "", 10, false)
		if err != nil || unread != 1 || len(page.Items) != 1 {
			t.Fatalf("notifications %v %d %+v", err, unread, page)
		}
		if msg := page.Items[0]["message"].(map[string]any); msg["zh-CN"] != "新线索 Acme" {
			t.Fatalf("message %v", msg)
		}
		if err := e.wf.MarkRead(ctx, engine.Actor{ID: "u-other"}, page.Items[0]["id"].(string)); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("another user marked it read: %v", err)
		}
		if err := e.wf.MarkRead(ctx, engine.Actor{ID: "u-boss"}, page.Items[0]["id"].(string)); err != nil {
			t.Fatal(err)
		}
		if _, unread, _ := e.wf.Notifications(ctx, engine.Actor{ID: "u-boss"}, "", 10, false); unread != 0 {
			t.Fatalf("unread %d after marking read", unread)
		}
		runs, err := e.wf.Runs(ctx, admin, "follow_up", "done", "", 10)
		if err != nil || len(runs.Items) != 1 || runs.Items[0]["condition"] != true || runs.Items[0]["record"] != l.ID {
			t.Fatalf("runs %v %+v", err, runs)
		}
		// Draining again does nothing more.
		e.drain(t)
		if n := len(e.find(t, "task", nil)); n != 1 {
			t.Fatalf("%d tasks after a second drain", n)
		}

		// A deleted trigger runs on the record as it was.
		e.put(t, `{"name": "gone", "entity": "lead", "trigger": {"type": "deleted"}, "when": "source == 'fair'",
			"actions": [{"type": "notify", "to": "'u-audit'", "message": {"en": "Deleted {{name}} ({{id}})"}}]}`)
		fair := e.find(t, "lead", eq("source", "fair"))[0]
		if err := e.eng.Delete(ctx, admin, "lead", fair.ID, 0); err != nil {
			t.Fatal(err)
		}
		e.drain(t)
		if page, _, _ := e.wf.Notifications(ctx, engine.Actor{ID: "u-audit"}, "", 10, false); len(page.Items) != 1 ||
			page.Items[0]["message"].(map[string]any)["en"] != "Deleted Fair ("+fair.ID+")" {
			t.Fatalf("deleted: %+v", page.Items)
		}

		// A rule that updates its own record stops at the depth limit.
		r := e.create(t, "lead", map[string]any{"name": "Loop", "source": "referral"})
		if _, err := e.eng.Update(ctx, admin, "lead", r.ID, map[string]any{"name": "Loop2"}, 0); err != nil {
			t.Fatal(err)
		}
		e.drain(t)
		got := e.get(t, "lead", r.ID)
		if got.Data["touches"] != float64(5) {
			t.Fatalf("touches %v, want 5 (the depth limit)", got.Data["touches"])
		}
		runs, _ = e.wf.Runs(ctx, admin, "loop", "", "", 50)
		skipped := 0
		for _, it := range runs.Items {
			if it["status"] == "skipped" {
				skipped++
			}
		}
		if skipped != 1 {
			t.Fatalf("%d skipped runs, want 1: %+v", skipped, runs.Items)
		}
	})
}

// A rule whose trigger a write matches but whose condition is false on the
// written values did nothing, and its run log says so: a condition_false
// run, logged by the queue from the write's audit entry (nothing queued). A
// write that does not match the trigger is no run; reading the audit log
// again, as a restarted process does, logs none twice.
func TestConditionFalseRun(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.put(t, `{"name": "web_only", "entity": "lead", "trigger": {"type": "created"}, "when": "source == 'web'",
			"actions": [{"type": "notify", "to": "'u-a'", "message": {"en": "Web lead {{name}}"}}]}`)
		e.put(t, `{"name": "big_amount", "entity": "lead", "trigger": {"type": "updated", "fields": ["amount"]}, "when": "amount > 1000",
			"actions": [{"type": "notify", "to": "'u-a'", "message": {"en": "Big {{name}}"}}]}`)
		e.put(t, `{"name": "won_big", "entity": "lead", "trigger": {"type": "updated", "to": "status == 'won'"}, "when": "amount > 1000",
			"actions": [{"type": "notify", "to": "'u-a'", "message": {"en": "Won {{name}}"}}]}`)
		fair := e.create(t, "lead", map[string]any{"name": "Fair", "source": "fair", "amount": 10})
		for _, patch := range []map[string]any{
			{"name": "Fair 2"},    // no trigger matched
			{"status": "working"}, // no trigger matched
			{"amount": 20},        // big_amount: condition false
			{"status": "won"},     // won_big: condition false
			{"name": "Fair 3"},    // already won: won_big's to not crossed
		} {
			if _, err := e.eng.Update(ctx, admin, "lead", fair.ID, patch, 0); err != nil {
				t.Fatal(morphDetail(err))
			}
		}
		e.drain(t)
		check := func(t *testing.T, wf *workflow.Service) {
			t.Helper()
			for _, c := range []struct{ rule, trigger string }{{"web_only", "created"}, {"big_amount", "updated"}, {"won_big", "updated"}} {
				runs, err := wf.Runs(ctx, admin, c.rule, "", "", 50)
				if err != nil || len(runs.Items) != 1 {
					t.Fatalf("%s: %v %d runs, want 1: %+v", c.rule, err, len(runs.Items), runs.Items)
				}
				r := runs.Items[0]
				if r["status"] != "condition_false" || r["condition"] != false || r["record"] != fair.ID || r["entity"] != "lead" ||
					r["trigger"] != c.trigger || r["actor"] != admin.ID {
					t.Fatalf("%s: run %+v", c.rule, r)
				}
			}
		}
		check(t, e.wf)
		if items := e.find(t, "_wf_queue", nil); len(items) != 0 {
			t.Fatalf("%d items queued for rules whose condition was false: %+v", len(items), items)
		}
		if page, _, _ := e.wf.Notifications(ctx, engine.Actor{ID: "u-a"}, "", 10, false); len(page.Items) != 0 {
			t.Fatalf("notified: %+v", page.Items)
		}
		// The status filter.
		if p, err := e.wf.Runs(ctx, admin, "web_only", "done", "", 50); err != nil || len(p.Items) != 0 {
			t.Fatalf("done runs: %v %+v", err, p.Items)
		}
		if p, err := e.wf.Runs(ctx, admin, "web_only", "condition_false", "", 50); err != nil || len(p.Items) != 1 {
			t.Fatalf("condition_false runs: %v %+v", err, p.Items)
		}
		if _, err := e.wf.Runs(ctx, admin, "web_only", "nope", "", 50); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("unknown status: %v", err)
		}
		// A restarted process reads the log behind its cursor again.
		again, err := workflow.New(ctx, e.eng, workflow.Options{Logger: quiet(), Directory: e.dir, Now: e.clock.now})
		if err != nil {
			t.Fatal(err)
		}
		if err := again.Drain(ctx, 100); err != nil {
			t.Fatal(err)
		}
		check(t, again)
		if n := len(e.find(t, "_wf_runs", nil)); n != 3 {
			t.Fatalf("%d runs after reading the log again, want 3", n)
		}

		// A condition true at the write and false by the time the item runs:
		// the item is done, its run says the condition did not hold.
		web := e.create(t, "lead", map[string]any{"name": "Web", "source": "web"})
		if _, err := e.eng.Update(ctx, admin, "lead", web.ID, map[string]any{"source": "fair"}, 0); err != nil {
			t.Fatal(morphDetail(err))
		}
		e.drain(t)
		runs, err := e.wf.Runs(ctx, admin, "web_only", "condition_false", "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var late map[string]any
		for _, r := range runs.Items {
			if r["record"] == web.ID {
				late = r
			}
		}
		if late == nil || late["condition"] != false || late["item"] == nil {
			t.Fatalf("the run of a condition false when the item ran: %+v", runs.Items)
		}
		if items := e.find(t, "_wf_queue", eq("record", web.ID)); len(items) != 1 || items[0].Data["status"] != "done" {
			t.Fatalf("its item: %+v", items)
		}
	})
}

// A round-robin assignment spreads 1,000 leads, created in parallel and in
// bulk, evenly (±1) over the team's active users.
func TestAssignRoundRobin(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.put(t, `{"name": "assign", "entity": "lead", "trigger": {"type": "created"}, "actions": [{"type": "assign", "field": "rep", "team": "east"}]}`)
		n := 1000
		if _, isMongo := e.st.(*mongo.Store); isMongo || testing.Short() {
			// The embedded FerretDB scans whole collections: 300 leads
			// there show the same spread in a tenth of the time.
			n = 300
		}
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n/2; i += 8 {
					if _, err := e.eng.Create(ctx, admin, "lead", map[string]any{"name": "p"}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		for b := 0; b < n-n/2; b += 250 {
			items := make([]map[string]any, min(250, n-n/2-b))
			for i := range items {
				items[i] = map[string]any{"name": "b"}
			}
			res, err := e.eng.CreateMany(ctx, admin, "lead", items, engine.BulkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					t.Fatal(r.Err)
				}
			}
		}
		wg.Wait()
		e.drain(t)
		counts := map[string]int{}
		for _, r := range e.find(t, "lead", nil) {
			rep, _ := r.Data["rep"].(string)
			counts[rep]++
		}
		lo, hi := n, 0
		for _, u := range []string{"u-a", "u-b", "u-c"} {
			lo, hi = min(lo, counts[u]), max(hi, counts[u])
		}
		if hi-lo > 1 || counts["u-a"]+counts["u-b"]+counts["u-c"] != n {
			t.Fatalf("spread %v", counts)
		}
	})
}

// The run log keeps runs for KeepRuns, and the runs of writes whose condition
// did not hold for KeepConditionFalse.
func TestRunLogPruned(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		now := e.clock.now()
		day := 24 * time.Hour
		for _, r := range []struct {
			id, status string
			age        time.Duration
		}{
			{"old-done", "done", 91 * day}, {"kept-done", "done", 80 * day},
			{"old-false", "condition_false", 8 * day}, {"kept-false", "condition_false", 6 * day},
			{"kept-failed", "failed", 30 * day},
		} {
			if err := e.st.Insert(ctx, "_wf_runs", store.Record{ID: r.id, Version: 1, Data: map[string]any{
				"rule": "r", "status": r.status, "at": engine.FormatTime(now.Add(-r.age))}}); err != nil {
				t.Fatal(err)
			}
		}
		e.drain(t)
		var left []string
		for _, r := range e.find(t, "_wf_runs", nil) {
			left = append(left, r.ID)
		}
		slices.Sort(left)
		if want := []string{"kept-done", "kept-failed", "kept-false"}; !slices.Equal(left, want) {
			t.Fatalf("runs left %v, want %v", left, want)
		}
	})
}

// A pass of the queue reads up to the newest entry of the audit log, also
// past entries that set nothing off: its cursor ends at the newest entry,
// not at the last that set off a rule (a busy log of quiet writes would
// otherwise be read again from there by every pass).
func TestTailReadsPastQuietEntries(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.put(t, `{"name": "hello", "entity": "lead", "trigger": {"type": "created"},
			"actions": [{"type": "notify", "to": "[owner]", "message": {"en": "New lead {{name}}", "zh-CN": "新线索 {{name}}"}}]}`)
		e.create(t, "lead", map[string]any{"name": "Acme"})
		for i := range 30 {
			e.create(t, "task", map[string]any{"title": "t" + strconv.Itoa(i)})
		}
		e.drain(t)
		newest, err := e.st.Find(ctx, store.AuditCollection, query.Query{Sort: []query.Sort{{Field: "id", Desc: true}}, Limit: 1})
		if err != nil || len(newest) != 1 {
			t.Fatal(newest, err)
		}
		if a := engine.EntryOf(newest[0]); a.Entity != "task" {
			t.Fatalf("the newest entry is of %s %s", a.Kind, a.Entity)
		}
		cur, err := e.st.Get(ctx, "_wf_state", "audit_cursor")
		if err != nil {
			t.Fatal(err)
		}
		if cur.Data["after"] != newest[0].ID {
			t.Fatalf("the cursor is at %v, the newest entry %s", cur.Data["after"], newest[0].ID)
		}
		if n := len(e.find(t, "_notifications", nil)); n != 1 {
			t.Fatalf("%d notifications, want 1", n)
		}
	})
}
