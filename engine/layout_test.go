package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
)

const memberDef = `{"$id": "member", "type": "object", "properties": {
	"name":      {"type": "string", "x-label": {"en": "Name", "zh-CN": "姓名"}},
	"level":     {"type": "string", "x-type": "select", "enum": ["silver", "gold"]},
	"vip_since": {"type": "string", "x-type": "date", "x-label": {"en": "VIP since", "zh-CN": "VIP 起始日"}},
	"phone":     {"type": "string", "x-type": "phone"},
	"locked":    {"type": "boolean"},
	"notes":     {"type": "string", "x-type": "textarea"}}, "required": ["name"]}`

// memberLayout shows vip_since only for gold members and requires it then;
// the phone cannot change once a member is locked.
const memberLayout = `{"label": {"en": "Member", "zh-CN": "会员"}, "tabs": [
	{"id": "main", "label": {"en": "Main", "zh-CN": "主要"}, "sections": [
		{"id": "basic", "label": {"en": "Basic", "zh-CN": "基本"}, "rows": [
			{"cols": [{"span": 12, "field": "name"}, {"span": 12, "field": "level"}]},
			{"cols": [{"span": 12, "field": "vip_since", "visibleWhen": "level == 'gold'", "requiredWhen": "true"},
			          {"span": 12, "field": "phone", "readOnlyWhen": "locked == true"}]}]},
		{"id": "more", "label": {"en": "More", "zh-CN": "更多"}, "rows": [
			{"cols": [{"span": 24, "text": {"en": "Internal", "zh-CN": "内部"}}]},
			{"cols": [{"span": 8, "field": "locked"}, {"span": 16, "field": "notes"}]}]}]}]}`

func putLayout(t *testing.T, eng *engine.Engine, entity, id, doc string) engine.LayoutInfo {
	t.Helper()
	l, _, err := eng.PutLayout(context.Background(), engine.System, entity, id, []byte(doc))
	if err != nil {
		t.Fatalf("layout %s/%s: %v", entity, id, err)
	}
	return l
}

// An entity without a saved layout has a generated one with every field;
// saving one replaces it, versioned and audited; deleting it brings the
// generated one back.
func TestLayoutDefaultsAndVersions(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		gen, err := eng.Layout(admin, "member", "default")
		if err != nil || !gen.Generated || gen.Version != 0 {
			t.Fatalf("generated layout %+v, %v", gen, err)
		}
		var fields []string
		for _, m := range strings.Split(gen.Doc, `"field":"`)[1:] {
			fields = append(fields, m[:strings.IndexByte(m, '"')])
		}
		if fmt.Sprint(fields) != "[name level vip_since phone locked notes]" {
			t.Fatalf("generated layout's fields %v: %s", fields, gen.Doc)
		}
		if _, err := eng.Layout(admin, "member", "other"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("unknown layout: %v", err)
		}

		l, created, err := eng.PutLayout(ctx, admin, "member", "default", []byte(memberLayout))
		if err != nil || !created || l.Version != 1 || l.Label.ZH != "会员" {
			t.Fatalf("put: %+v %v %v", l, created, err)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(l.Doc), &doc); err != nil || doc["id"] != "default" || doc["entity"] != "member" {
			t.Fatalf("stored document %s", l.Doc)
		}
		if _, _, err := eng.PutLayout(ctx, admin, "member", "default", []byte(memberLayout), engine.IfVersion(7)); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale If-Match: %v", err)
		}
		if l2, created, err := eng.PutLayout(ctx, admin, "member", "default", []byte(memberLayout), engine.IfVersion(1)); err != nil || created || l2.Version != 2 {
			t.Fatalf("second version: %+v %v %v", l2, created, err)
		}
		if ls, err := eng.Layouts(admin, "member"); err != nil || len(ls) != 1 || ls[0].Generated || ls[0].Version != 2 {
			t.Fatalf("layouts %+v %v", ls, err)
		}
		entries := auditLog(t, eng, engine.AuditQuery{Kind: "layout"})
		if len(entries) != 2 || entries[0].Entity != "member:default" || entries[0].Version != 2 {
			t.Fatalf("audit entries %+v", entries)
		}

		// Another instance over the same store has it.
		other, err := engine.New(ctx, st, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if l, err := other.Layout(admin, "member", "default"); err != nil || l.Version != 2 || l.Generated {
			t.Fatalf("after a restart: %+v %v", l, err)
		}

		if err := eng.DeleteLayout(ctx, admin, "member", "default", engine.IfVersion(1)); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale delete: %v", err)
		}
		if err := eng.DeleteLayout(ctx, admin, "member", "default"); err != nil {
			t.Fatal(err)
		}
		if l, err := eng.Layout(admin, "member", "default"); err != nil || !l.Generated {
			t.Fatalf("after delete: %+v %v", l, err)
		}
	})
}

// Only administrators save layouts; a user who may not read the entity
// does not learn that its layout exists.
func TestLayoutAccess(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		put(t, eng, "contact", contactDef)
		putRole(t, eng, "clerk", `{"entities": {"member": {"create": true, "read": "own", "update": "own", "fields": {"*": "edit"}}}}`)
		clerk := engine.Actor{ID: "u-clerk", Roles: []string{"clerk"}}
		if _, _, err := eng.PutLayout(ctx, clerk, "member", "default", []byte(memberLayout)); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a clerk saves a layout: %v", err)
		}
		if err := eng.DeleteLayout(ctx, clerk, "member", "default"); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a clerk deletes a layout: %v", err)
		}
		if _, err := eng.Layout(clerk, "member", "default"); err != nil {
			t.Fatalf("a clerk reads the member form: %v", err)
		}
		if _, err := eng.Layout(clerk, "contact", "default"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("a clerk reads the form of an entity it may not read: %v", err)
		}
		if _, err := eng.Layouts(clerk, "contact"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("a clerk lists the forms of an entity it may not read: %v", err)
		}
	})
}

// A layout is checked completely on save: every problem at once, keyed by
// its JSON pointer; nothing is stored.
func TestLayoutChecks(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		for _, tc := range []struct {
			name, doc string
			want      []string // "pointer code"
		}{
			{"not json", `{"tabs": [`, []string{" json"}},
			{"no tabs", `{"label": {"en": "x"}}`, []string{"/tabs required"}},
			{"unknown key", `{"tabs": [{"sections": [{"rows": [], "color": "red"}]}], "name": "x"}`, []string{"/name unknown_key", "/tabs/0/sections/0/color unknown_key"}},
			{"wrong shape", `{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 30, "field": "name"}, {"field": "level"}]}]}]}]}`,
				[]string{"/tabs/0/sections/0/rows/0/cols/0/span span", "/tabs/0/sections/0/rows/0/cols/1/span required"}},
			{"meaning", `{"tabs": [{"visibleWhen": "nope == 1", "sections": [{"rows": [
				{"cols": [{"span": 12, "field": "name"}, {"span": 12, "field": "colour"}]},
				{"cols": [{"span": 12, "field": "name"}, {"span": 6, "field": "level"}, {"span": 12, "field": "phone", "requiredWhen": "level == "}]},
				{"cols": [{"span": 6}, {"span": 6, "field": "notes", "text": {"en": "x"}}, {"span": 6, "text": {"en": "y"}, "readOnlyWhen": "true"}]}]}]}]}`,
				[]string{"/tabs/0/sections/0/rows/0/cols/1/field unknown_field", "/tabs/0/sections/0/rows/1 span",
					"/tabs/0/sections/0/rows/1/cols/0/field duplicate", "/tabs/0/sections/0/rows/1/cols/2/requiredWhen syntax",
					"/tabs/0/sections/0/rows/2/cols/0 col", "/tabs/0/sections/0/rows/2/cols/1 col",
					"/tabs/0/sections/0/rows/2/cols/2/readOnlyWhen text_rule", "/tabs/0/visibleWhen unknown_field"}},
			{"required field missing", `{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 12, "field": "level"}]}]}]}]}`,
				[]string{"/tabs required_missing"}},
			{"required field hidden", `{"tabs": [{"sections": [{"visibleWhen": "level == 'gold'", "rows": [{"cols": [{"span": 12, "field": "name"}]}]}]}]}`,
				[]string{"/tabs/0/sections/0/rows/0/cols/0 required_hidden"}},
			{"another id", `{"id": "other", "entity": "contact", "tabs": []}`, []string{"/entity name", "/id name"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := eng.PutLayout(ctx, admin, "member", "default", []byte(tc.doc))
				me := morph.AsError(err)
				if me == nil {
					t.Fatalf("accepted: %v", err)
				}
				var got []string
				for _, fe := range me.Fields {
					got = append(got, fe.Path+" "+fe.Code)
					if fe.Text.EN == "" || fe.Text.ZH == "" || strings.Contains(fe.Text.EN+fe.Text.ZH, "%!") {
						t.Errorf("%s: no text in both languages: %+v", fe.Path, fe.Text)
					}
				}
				if !slices.Equal(got, tc.want) {
					t.Fatalf("problems\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
				}
				if l, err := eng.Layout(admin, "member", "default"); err != nil || !l.Generated {
					t.Fatalf("a refused layout was stored: %+v %v", l, err)
				}
			})
		}
		if _, _, err := eng.PutLayout(ctx, admin, "member", "Bad-Id", []byte(memberLayout)); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("bad id: %v", err)
		}
		if _, _, err := eng.PutLayout(ctx, admin, "nope", "default", []byte(memberLayout)); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("unknown entity: %v", err)
		}
	})
}

// The default layout's rules are enforced on every write: a shown field
// whose requiredWhen holds needs a value; a field whose readOnlyWhen holds
// on the stored record does not change.
func TestLayoutRulesOnWrites(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		putLayout(t, eng, "member", "default", memberLayout)
		fieldErr := func(err error) string {
			me := morph.AsError(err)
			if me == nil || len(me.Fields) != 1 {
				return fmt.Sprint(err)
			}
			return me.Fields[0].Path + " " + me.Fields[0].Code + " " + me.Fields[0].Text.ZH
		}
		// Gold needs vip_since; silver does not show it, so does not need it.
		_, err := eng.Create(ctx, admin, "member", map[string]any{"name": "Li", "level": "gold"})
		if got := fieldErr(err); got != "/vip_since required VIP 起始日 为必填项" {
			t.Fatalf("gold without vip_since: %s", got)
		}
		silver, err := eng.Create(ctx, admin, "member", map[string]any{"name": "Wang", "level": "silver"})
		if err != nil {
			t.Fatal(err)
		}
		// Becoming gold needs it too, and the record is unchanged.
		if _, err := eng.Update(ctx, admin, "member", silver.ID, map[string]any{"level": "gold"}, 0); fieldErr(err) != "/vip_since required VIP 起始日 为必填项" {
			t.Fatalf("to gold without vip_since: %v", err)
		}
		if r, _ := eng.Get(ctx, admin, "member", silver.ID); r.Version != 1 || r.Data["level"] != "silver" {
			t.Fatalf("a refused update changed the record: %+v", r)
		}
		gold, err := eng.Update(ctx, admin, "member", silver.ID, map[string]any{"level": "gold", "vip_since": "2026-01-01"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Bulk items pass the same rules.
		items, err := eng.CreateMany(ctx, admin, "member", []map[string]any{{"name": "A", "level": "gold"}, {"name": "B"}}, engine.BulkOptions{})
		if err != nil || items[0].Status != 400 || items[1].Status != 201 {
			t.Fatalf("bulk %+v %v", items, err)
		}

		// Read-only once locked: the phone cannot change, sending it
		// unchanged is fine, and unlocking in the same write does not help
		// (the rule holds on the stored record).
		if _, err := eng.Update(ctx, admin, "member", gold.ID, map[string]any{"phone": "13800138000", "locked": true}, 0); err != nil {
			t.Fatalf("lock: %v", err)
		}
		if _, err := eng.Update(ctx, admin, "member", gold.ID, map[string]any{"phone": "13900139000", "locked": false}, 0); fieldErr(err) != "/phone read_only phone 当前不可修改" {
			t.Fatalf("change a locked phone: %v", err)
		}
		if _, err := eng.Update(ctx, admin, "member", gold.ID, map[string]any{"phone": "13800138000", "notes": "ok"}, 0); err != nil {
			t.Fatalf("resend a locked phone unchanged: %v", err)
		}
		if _, err := eng.Update(ctx, admin, "member", gold.ID, map[string]any{"locked": false}, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Update(ctx, admin, "member", gold.ID, map[string]any{"phone": "13900139000"}, 0); err != nil {
			t.Fatalf("change an unlocked phone: %v", err)
		}
	})
}

// A layout outlives changes of its entity: a field removed from the
// entity leaves the layout (and its rules) without it, a field the entity
// now requires is added; the layout stored is not rewritten.
func TestLayoutFollowsEntityChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		putLayout(t, eng, "member", "default", memberLayout)
		changed := strings.Replace(memberDef, `"vip_since": {"type": "string", "x-type": "date", "x-label": {"en": "VIP since", "zh-CN": "VIP 起始日"}},`, "", 1)
		changed = strings.Replace(changed, `"required": ["name"]`, `"required": ["name", "notes"]`, 1)
		if _, err := eng.PutEntity(ctx, engine.System, "member", []byte(changed), engine.Force()); err != nil {
			t.Fatal(err)
		}
		l, err := eng.Layout(admin, "member", "default")
		if err != nil || l.Generated || !strings.Contains(l.Doc, "vip_since") {
			t.Fatalf("the stored layout is kept as saved: %+v %v", l, err)
		}
		if _, err := eng.Create(ctx, admin, "member", map[string]any{"name": "Li", "level": "gold", "notes": "n"}); err != nil {
			t.Fatalf("a rule of a removed field still applies: %v", err)
		}
		// Saving it again as it was is refused: it names a removed field.
		if _, _, err := eng.PutLayout(ctx, admin, "member", "default", []byte(memberLayout)); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a layout naming a removed field saved: %v", err)
		}
		// Deleting the entity deletes its layouts and views.
		if _, err := eng.CreateView(ctx, admin, "member", []byte(`{"type": "list", "label": {"en": "Gold"}, "shared": true, "columns": [{"field": "name"}], "filter": "level == 'gold'"}`)); err != nil {
			t.Fatal(err)
		}
		if err := eng.DeleteEntity(ctx, admin, "member"); err != nil {
			t.Fatal(err)
		}
		put(t, eng, "member", memberDef)
		if l, err := eng.Layout(admin, "member", "default"); err != nil || !l.Generated {
			t.Fatalf("a new entity of the old name has the old layout: %+v %v", l, err)
		}
		if vs, err := eng.ListViews(ctx, admin, "member", "en"); err != nil || len(vs) != 2 || !vs[0].Generated || !vs[1].Generated {
			t.Fatalf("a new entity of the old name has the old views: %+v %v", vs, err)
		}
	})
}

// A draft is checked like a layout but binds nothing: the published layout
// (here the generated one) stays in effect until the draft is published;
// publishing checks it again, versions and audits it, and ends the draft.
func TestLayoutDrafts(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		if _, err := eng.LayoutDraft(ctx, admin, "member", "default"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("no draft yet: %v", err)
		}
		if _, _, err := eng.PutLayoutDraft(ctx, admin, "member", "default", []byte(`{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 12, "field": "ghost"}]}]}]}]}`)); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a bad draft: %v", err)
		}
		d, created, err := eng.PutLayoutDraft(ctx, admin, "member", "default", []byte(memberLayout))
		if err != nil || !created || !d.Draft || d.Version != 1 {
			t.Fatalf("draft: %+v %v %v", d, created, err)
		}
		// Not in effect: gold without vip_since is fine, the form is the generated one.
		if _, err := eng.Create(ctx, admin, "member", map[string]any{"name": "Li", "level": "gold"}); err != nil {
			t.Fatalf("a draft's rule applied: %v", err)
		}
		if l, _ := eng.Layout(admin, "member", "default"); !l.Generated {
			t.Fatalf("a draft was published: %+v", l)
		}
		clerk := engine.Actor{ID: "u-clerk", Roles: []string{"nobody"}}
		if _, err := eng.LayoutDraft(ctx, clerk, "member", "default"); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a user reads a draft: %v", err)
		}
		if _, _, err := eng.PutLayoutDraft(ctx, admin, "member", "default", []byte(memberLayout), engine.IfVersion(5)); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale draft: %v", err)
		}
		if d, _, err = eng.PutLayoutDraft(ctx, admin, "member", "default", []byte(memberLayout), engine.IfVersion(1)); err != nil || d.Version != 2 {
			t.Fatalf("second draft: %+v %v", d, err)
		}
		if _, err := eng.PublishLayout(ctx, admin, "member", "default", engine.IfVersion(1)); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("publishing a draft other than the one seen: %v", err)
		}
		l, err := eng.PublishLayout(ctx, admin, "member", "default", engine.IfVersion(2))
		if err != nil || l.Generated || l.Draft || l.Version != 1 {
			t.Fatalf("publish: %+v %v", l, err)
		}
		if _, err := eng.Create(ctx, admin, "member", map[string]any{"name": "Wang", "level": "gold"}); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("the published rule does not apply: %v", err)
		}
		if _, err := eng.LayoutDraft(ctx, admin, "member", "default"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("the draft outlived its publication: %v", err)
		}
		if n := len(auditLog(t, eng, engine.AuditQuery{Kind: "layout"})); n != 1 {
			t.Fatalf("audit entries of the layout: %d", n)
		}
		// A draft may be discarded.
		if _, _, err := eng.PutLayoutDraft(ctx, admin, "member", "default", []byte(memberLayout)); err != nil {
			t.Fatal(err)
		}
		if err := eng.DeleteLayoutDraft(ctx, admin, "member", "default"); err != nil {
			t.Fatal(err)
		}
		if err := eng.DeleteLayoutDraft(ctx, admin, "member", "default"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("discard twice: %v", err)
		}
	})
}

// A condition on the owner sees the owner the record will have: the
// creator (or the owner given) on create, the new owner when a change
// gives the record to someone else.
func TestLayoutConditionsSeeTheNewOwner(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "member", memberDef)
		putLayout(t, eng, "member", "default", strings.Replace(memberLayout,
			`"visibleWhen": "level == 'gold'", "requiredWhen": "true"`, `"requiredWhen": "owner == user.id"`, 1))
		isRequired := func(what string, err error) {
			t.Helper()
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid || len(me.Fields) != 1 || me.Fields[0].Path != "/vip_since" || me.Fields[0].Code != "required" {
				t.Errorf("%s: want vip_since required, got %v", what, err)
			}
		}
		_, err := eng.Create(ctx, admin, "member", map[string]any{"name": "A"})
		isRequired("create owned by the creator", err)
		_, err = eng.Create(ctx, admin, "member", map[string]any{"name": "B", "owner": "u-admin"})
		isRequired("create given to the creator", err)
		other, err := eng.Create(ctx, admin, "member", map[string]any{"name": "C", "owner": "u-2"})
		if err != nil {
			t.Fatalf("create owned by another: %v", err)
		}
		_, err = eng.Update(ctx, admin, "member", other.ID, map[string]any{"owner": "u-admin"}, 0)
		isRequired("change that gives the record to the writer", err)
		if _, err := eng.Update(ctx, admin, "member", other.ID, map[string]any{"owner": "u-admin", "vip_since": "2026-01-01"}, 0); err != nil {
			t.Errorf("change with the field: %v", err)
		}
		if _, err := eng.Update(ctx, admin, "member", other.ID, map[string]any{"owner": "u-3", "vip_since": nil}, 0); err != nil {
			t.Errorf("change that gives the record away without the field: %v", err)
		}
	})
}
