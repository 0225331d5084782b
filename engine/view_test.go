package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

const opportunityDef = `{"$id": "opportunity", "title": "Opportunity", "x-label": {"zh-CN": "商机"}, "type": "object", "properties": {
	"name":   {"type": "string", "x-label": {"en": "Name", "zh-CN": "名称"}},
	"notes":  {"type": "string", "x-type": "textarea"},
	"amount": {"type": "number"},
	"stage":  {"type": "string", "enum": ["new", "won", "lost"], "x-label": {"en": "Stage", "zh-CN": "阶段"}},
	"margin": {"type": "number"},
	"region": {"type": "string"}}}`

const repRole = `{"entities": {"opportunity": {"create": true, "read": "own", "update": "own",
	"fields": {"*": "edit", "margin": "hidden", "amount": "masked"}}}}`

var (
	rep1 = engine.Actor{ID: "u-rep1", Name: "Rep One", Roles: []string{"rep"}}
	rep2 = engine.Actor{ID: "u-rep2", Name: "Rep Two", Roles: []string{"rep"}}
)

func viewSetup(t *testing.T, eng *engine.Engine) {
	t.Helper()
	put(t, eng, "opportunity", opportunityDef)
	put(t, eng, "contact", contactDef)
	if _, _, err := eng.PutRole(context.Background(), engine.System, "rep", []byte(repRole)); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code morph.Code) {
	t.Helper()
	if morph.ErrorCode(err) != code {
		t.Fatalf("err %v, want %s", err, code)
	}
}

func viewIDs(vs []schema.View) string {
	var ids []string
	for _, v := range vs {
		if v.Generated {
			ids = append(ids, v.ID)
		} else {
			ids = append(ids, v.Label.EN)
		}
	}
	return strings.Join(ids, ",")
}

// Views are saved, read, changed and deleted; a private view is its
// owner's alone, a shared one everyone's who may read the entity; only
// administrators share; If-Match guards changes; every change is audited.
func TestViews(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		viewSetup(t, eng)

		mine, err := eng.CreateView(ctx, rep1, "opportunity", []byte(`{"id": "ignored", "owner": "someone", "version": 9, "generated": true,
			"type": "list", "label": {"en": "my open deals"}, "columns": [{"field": "name", "width": 240}, {"field": "stage"}],
			"filter": "stage != 'lost' && owner == user.id", "sort": "-created_at,name", "pageSize": 50}`))
		if err != nil {
			t.Fatal(err)
		}
		if mine.ID == "ignored" || len(mine.ID) != 36 || mine.Owner != rep1.ID || mine.Version != 1 || mine.Generated || mine.Shared ||
			mine.Label.ZH != "my open deals" || mine.PageSize != 50 {
			t.Fatalf("created %+v", mine)
		}
		// Sharing is for administrators.
		_, err = eng.CreateView(ctx, rep1, "opportunity", []byte(`{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "shared": true}`))
		wantCode(t, err, morph.EForbidden)
		board, err := eng.CreateView(ctx, admin, "opportunity", []byte(`{"type": "kanban", "label": {"en": "Pipeline", "zh-CN": "销售管道"}, "shared": true,
			"groupBy": "stage", "cardFields": ["name", "amount", "margin"], "hiddenGroups": ["lost"], "columns": [{"field": "margin"}, {"field": "region"}]}`))
		if err != nil {
			t.Fatal(err)
		}
		// Fields the caller may not read are refused.
		_, err = eng.CreateView(ctx, rep1, "opportunity", []byte(`{"type": "list", "label": {"en": "x"}, "columns": [{"field": "margin"}], "sort": "amount"}`))
		if me := morph.AsError(err); me == nil || me.Code != morph.EInvalid || len(me.Fields) != 2 ||
			me.Fields[0].Path != "/columns/0/field" || me.Fields[1].Path != "/sort" {
			t.Fatalf("unreadable fields: %v", err)
		}
		// A field the caller sees masked may be a column, not a sort.
		if v, err := eng.CreateView(ctx, rep1, "opportunity", []byte(`{"type": "list", "label": {"en": "masked"}, "columns": [{"field": "amount"}]}`)); err != nil {
			t.Fatalf("a masked column: %v", err)
		} else if err := eng.DeleteView(ctx, rep1, "opportunity", v.ID); err != nil {
			t.Fatal(err)
		}

		// Visibility: rep1 sees their own and the shared one, rep2 only the
		// shared one, plus the generated list where they have none.
		l1, err := eng.ListViews(ctx, rep1, "opportunity", "en")
		if err != nil {
			t.Fatal(err)
		}
		if got := viewIDs(l1); got != "default,my open deals,Pipeline" { // "all" stays beside saved lists
			t.Errorf("rep1 sees %s", got)
		}
		l2, err := eng.ListViews(ctx, rep2, "opportunity", "en")
		if err != nil {
			t.Fatal(err)
		}
		if got := viewIDs(l2); got != "default,Pipeline" {
			t.Errorf("rep2 sees %s", got)
		}
		// The shared view as a rep may use it: no hidden field; a masked one
		// is shown (masked in the records).
		shared := l2[1]
		if fmt.Sprint(shared.CardFields) != "[name amount]" || fmt.Sprint(shared.Columns) != "[{region 0}]" || shared.GroupBy != "stage" {
			t.Errorf("shared view as rep2 sees it: %+v", shared)
		}
		if _, err := eng.GetView(ctx, rep2, "opportunity", mine.ID); morph.ErrorCode(err) != morph.ENotFound {
			t.Errorf("another's private view: %v", err)
		}
		if v, err := eng.GetView(ctx, admin, "opportunity", mine.ID); err != nil || v.ID != mine.ID {
			t.Errorf("the administrator reads a private view: %v", err)
		}
		if _, err := eng.GetView(ctx, rep1, "contact", mine.ID); morph.ErrorCode(err) != morph.ENotFound {
			t.Errorf("a view under another entity: %v", err)
		}
		// Sorted by the label in the caller's language.
		if zh, _ := eng.ListViews(ctx, admin, "opportunity", "zh-CN"); viewIDs(zh) != "default,Pipeline" {
			t.Errorf("admin sees %s", viewIDs(zh))
		}

		// Changes: the owner or an administrator; If-Match; sharing.
		upd := `{"type": "list", "label": {"en": "my deals"}, "columns": [{"field": "name"}]}`
		_, err = eng.PutView(ctx, rep2, "opportunity", mine.ID, []byte(upd))
		wantCode(t, err, morph.ENotFound)
		_, err = eng.PutView(ctx, rep2, "opportunity", board.ID, []byte(upd))
		wantCode(t, err, morph.EForbidden)
		_, err = eng.PutView(ctx, rep1, "opportunity", mine.ID, []byte(`{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "shared": true}`))
		wantCode(t, err, morph.EForbidden)
		_, err = eng.PutView(ctx, rep1, "opportunity", mine.ID, []byte(upd), engine.IfVersion(2))
		wantCode(t, err, morph.EVersion)
		v2, err := eng.PutView(ctx, rep1, "opportunity", mine.ID, []byte(upd), engine.IfVersion(1))
		if err != nil || v2.Version != 2 || v2.Label.EN != "my deals" || v2.Filter != "" || v2.Owner != rep1.ID {
			t.Fatalf("put: %+v %v", v2, err)
		}
		v3, err := eng.PutView(ctx, admin, "opportunity", mine.ID, []byte(`{"type": "list", "label": {"en": "team deals"}, "columns": [{"field": "name"}], "shared": true}`))
		if err != nil || v3.Version != 3 || !v3.Shared || v3.Owner != rep1.ID {
			t.Fatalf("admin shares: %+v %v", v3, err)
		}
		if got := viewIDs(must(eng.ListViews(ctx, rep2, "opportunity", "en"))); got != "default,Pipeline,team deals" {
			t.Errorf("after sharing rep2 sees %s", got)
		}
		// Bad input changes nothing.
		_, err = eng.PutView(ctx, rep1, "opportunity", mine.ID, []byte(`{"type": "list", "label": {"en": "x"}}`))
		wantCode(t, err, morph.EInvalid)
		if v, _ := eng.GetView(ctx, rep1, "opportunity", mine.ID); v.Version != 3 || v.Label.EN != "team deals" {
			t.Errorf("a refused change changed the view: %+v", v)
		}

		// Deletion.
		wantCode(t, eng.DeleteView(ctx, rep2, "opportunity", mine.ID), morph.EForbidden)
		wantCode(t, eng.DeleteView(ctx, rep1, "opportunity", mine.ID, engine.IfVersion(1)), morph.EVersion)
		if err := eng.DeleteView(ctx, rep1, "opportunity", mine.ID, engine.IfVersion(3)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, eng.DeleteView(ctx, rep1, "opportunity", mine.ID), morph.ENotFound)
		_, err = eng.GetView(ctx, admin, "opportunity", mine.ID)
		wantCode(t, err, morph.ENotFound)

		// The audit log has every change, with what changed.
		p, err := eng.AuditLog(ctx, admin, engine.AuditQuery{Kind: engine.KindView, Record: mine.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range p.Entries {
			got = append(got, fmt.Sprintf("%s %s v%d %s %v", e.Action, e.Actor, e.Version, e.Entity, e.Fields))
		}
		want := []string{
			"undefine u-rep1 v3 opportunity [columns entity label owner shared type]",
			"define u-admin v3 opportunity [label shared]",
			"define u-rep1 v2 opportunity [columns filter label pageSize sort]",
			"define u-rep1 v1 opportunity [columns entity filter label owner pageSize shared sort type]",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("audit:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A caller who may not read an entity does not learn of its views.
func TestViewsOfUnreadableEntity(t *testing.T) {
	eng, _ := open(t, t.TempDir()+"/m.db")
	ctx := context.Background()
	viewSetup(t, eng)
	for _, err := range []error{
		second(eng.ListViews(ctx, rep1, "contact", "en")),
		second(eng.GetView(ctx, rep1, "contact", schema.DefaultListView)),
		second(eng.CreateView(ctx, rep1, "contact", []byte(`{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}]}`))),
		second(eng.ListViews(ctx, rep1, "ghost", "en")),
	} {
		wantCode(t, err, morph.ENotFound)
	}
}

func second[T any](_ T, err error) error { return err }

// Generated views: a list always, a kanban only for an entity with a
// select field, each only while no view of its type is in the answer.
func TestGeneratedViews(t *testing.T) {
	eng, _ := open(t, t.TempDir()+"/m.db")
	ctx := context.Background()
	viewSetup(t, eng)
	put(t, eng, "note", `{"$id": "note", "type": "object", "properties": {"title": {"type": "string"}, "body": {"type": "string", "x-type": "textarea"}}}`)
	vs := must(eng.ListViews(ctx, admin, "opportunity", "en"))
	if got := viewIDs(vs); got != "default,default_kanban" {
		t.Fatalf("generated %s", got)
	}
	if fmt.Sprint(vs[0].Columns) != "[{name 0} {amount 0} {stage 0} {margin 0} {region 0}]" || vs[0].Sort != "-created_at" || vs[0].PageSize != engine.DefaultLimit {
		t.Errorf("list %+v", vs[0])
	}
	if vs[1].GroupBy != "stage" || fmt.Sprint(vs[1].CardFields) != "[amount margin region]" || vs[1].Label.EN != "Opportunity by Stage" {
		t.Errorf("kanban %+v", vs[1])
	}
	// As a rep sees them: no hidden field; a masked one shows masked.
	rv := must(eng.ListViews(ctx, rep1, "opportunity", "en"))
	if fmt.Sprint(rv[0].Columns) != "[{name 0} {amount 0} {stage 0} {region 0}]" || fmt.Sprint(rv[1].CardFields) != "[amount region]" {
		t.Errorf("as a rep: %+v %+v", rv[0], rv[1])
	}
	if v, err := eng.GetView(ctx, rep1, "opportunity", schema.DefaultKanbanView); err != nil || !v.Generated || v.GroupBy != "stage" {
		t.Errorf("get default_kanban: %+v %v", v, err)
	}
	notes := must(eng.ListViews(ctx, admin, "note", "en"))
	if got := viewIDs(notes); got != "default" || fmt.Sprint(notes[0].Columns) != "[{title 0}]" {
		t.Errorf("note views %s %+v", got, notes)
	}
	_, err := eng.GetView(ctx, admin, "note", schema.DefaultKanbanView)
	wantCode(t, err, morph.ENotFound)
	// A saved kanban replaces the generated one, not the generated list.
	if _, err := eng.CreateView(ctx, rep1, "opportunity", []byte(`{"type": "kanban", "label": {"en": "Mine"}, "groupBy": "stage"}`)); err != nil {
		t.Fatal(err)
	}
	if got := viewIDs(must(eng.ListViews(ctx, rep1, "opportunity", "en"))); got != "default,Mine" {
		t.Errorf("with a saved kanban: %s", got)
	}
}

// A view whose fields were removed from the entity later is read without
// them; a view of a removed entity is no longer listed and may be deleted.
func TestViewOutlivesFieldRemoval(t *testing.T) {
	eng, st := open(t, t.TempDir()+"/m.db")
	ctx := context.Background()
	viewSetup(t, eng)
	v, err := eng.CreateView(ctx, admin, "opportunity", []byte(`{"type": "kanban", "label": {"en": "Board"},
		"columns": [{"field": "name"}, {"field": "region", "width": 90}], "cardFields": ["region", "name"], "groupBy": "stage",
		"hiddenGroups": ["lost", "won"], "sort": "region,-name", "filter": "region == 'east'"}`))
	if err != nil {
		t.Fatal(err)
	}
	put(t, eng, "opportunity", strings.Replace(strings.Replace(opportunityDef, `,
	"region": {"type": "string"}`, "", 1), `"enum": ["new", "won", "lost"]`, `"enum": ["new", "won"]`, 1))
	got := must(eng.GetView(ctx, admin, "opportunity", v.ID))
	if fmt.Sprint(got.Columns) != "[{name 0}]" || fmt.Sprint(got.CardFields) != "[name]" || got.Sort != "-name" ||
		fmt.Sprint(got.HiddenGroups) != "[won]" || got.Filter != "region == 'east'" {
		t.Errorf("after the removal: %+v", got)
	}
	// Saving it again as it is now read is strict: the filter names a removed field.
	_, err = eng.PutView(ctx, admin, "opportunity", v.ID, []byte(`{"type": "kanban", "label": {"en": "Board"}, "groupBy": "stage", "filter": "region == 'east'"}`))
	if me := morph.AsError(err); me == nil || len(me.Fields) != 1 || me.Fields[0].Path != "/filter" {
		t.Errorf("strict on save: %v", err)
	}
	if err := eng.DeleteEntity(ctx, engine.System, "opportunity"); err != nil {
		t.Fatal(err)
	}
	_, err = eng.ListViews(ctx, admin, "opportunity", "en")
	wantCode(t, err, morph.ENotFound)
	// Its views went with it.
	if n, err := st.Count(ctx, "_views", nil); err != nil || n != 0 {
		t.Fatalf("views of a deleted entity left: %d %v", n, err)
	}
}
