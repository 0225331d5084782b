package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

const dealDef = `{
  "$id": "deal", "title": "Deal", "x-label": {"zh-CN": "商机"}, "type": "object",
  "properties": {
    "name":   {"type": "string", "x-type": "text", "x-label": {"en": "Name", "zh-CN": "名称"}},
    "notes":  {"type": "string", "x-type": "textarea"},
    "amount": {"type": "object", "x-type": "currency"},
    "stage":  {"type": "string", "enum": ["new", "won", "lost"], "x-type": "select", "x-label": {"en": "Stage", "zh-CN": "阶段"}},
    "rep":    {"type": "string", "x-type": "user"},
    "extra":  {"type": "object", "x-type": "json"},
    "labels": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "x-type": "multiselect"},
    "salary": {"type": "number", "x-type": "number"},
    "close":  {"type": "string", "format": "date", "x-type": "date"},
    "city":   {"type": "string", "x-type": "text"}
  }
}`

func deal(t *testing.T) *schema.Entity {
	t.Helper()
	ent, err := schema.Parse([]byte(dealDef))
	if err != nil {
		t.Fatal(err)
	}
	return ent
}

// A sound view is read as given; the server's keys are ignored.
func TestParseView(t *testing.T) {
	ent := deal(t)
	v, err := schema.ParseView([]byte(`{"id": "x", "entity": "other", "owner": "u9", "version": 7, "generated": true,
		"type": "kanban", "label": {"zh-CN": "我的商机"}, "shared": true,
		"columns": [{"field": "name", "width": 240}, {"field": "created_at"}], "filter": "stage != 'lost' && owner == user.id",
		"sort": "-amount, name", "pageSize": 50, "groupBy": "stage", "cardFields": ["name", "amount", "owner"], "hiddenGroups": ["lost"]}`),
		ent, schema.ViewCheck{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s|%s|%+v|%v|%v|%s|%s|%d|%s|%v|%v|%d|%v", v.ID, v.Entity, v.Label, v.Shared, v.Columns, v.Filter, v.Sort,
		v.PageSize, v.GroupBy, v.CardFields, v.HiddenGroups, v.Version, v.Generated)
	want := "||{EN: ZH:我的商机}|true|[{name 240} {created_at 0}]|stage != 'lost' && owner == user.id|-amount, name|50|stage|[name amount owner]|[lost]|0|false"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, ok := range []string{
		`{"type": "kanban", "label": {"en": "By rep"}, "groupBy": "rep"}`,
		`{"type": "kanban", "label": {"en": "By owner"}, "groupBy": "owner", "hiddenGroups": ["any-user-id"]}`,
		`{"type": "list", "label": {"en": "Cities"}, "columns": [{"field": "city"}], "sort": "extra.level"}`,
	} {
		if _, err := schema.ParseView([]byte(ok), ent, schema.ViewCheck{}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// Every problem of a view comes back at once, each at its JSON pointer,
// with its code (and for expressions the offset).
func TestParseViewErrors(t *testing.T) {
	ent := deal(t)
	noSalary := schema.ViewCheck{Readable: func(f string) bool { return f != "salary" }}
	tests := []struct {
		name  string
		doc   string
		check schema.ViewCheck
		want  []string // path code[@offset]
	}{
		{"required", `{}`, schema.ViewCheck{}, []string{"/label required", "/type required"}},
		{"unknown keys", `{"type": "list", "label": {"en": "x", "fr": "y"}, "columns": [{"field": "name", "size": 3}], "colour": 1}`,
			schema.ViewCheck{}, []string{"/colour unknown_key", "/columns/0/size unknown_key", "/label/fr unknown_key"}},
		{"shapes", `{"type": "table", "label": {}, "shared": "yes", "columns": [], "filter": 3, "pageSize": 0, "cardFields": ["name", "name"], "hiddenGroups": "lost"}`,
			schema.ViewCheck{}, []string{"/cardFields duplicate", "/columns too_few", "/filter type", "/hiddenGroups type", "/label required",
				"/pageSize range", "/shared type", "/type enum"}},
		{"bounds", `{"type": "list", "label": {"en": ""}, "columns": [{"field": "name", "width": 39}, {"field": "Name", "width": 2001}], "pageSize": 501,
			"cardFields": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]}`, schema.ViewCheck{},
			[]string{"/cardFields too_many", "/columns/0/width range", "/columns/1/field name", "/columns/1/width range", "/label/en required", "/pageSize range"}},
		{"too many columns", `{"type": "list", "label": {"en": "x"}, "columns": [` + strings.Repeat(`{"field": "name"},`, 50) + `{"field": "name"}]}`,
			schema.ViewCheck{}, []string{"/columns too_many"}},
		{"fields", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}, {"field": "ghost"}, {"field": "name"}, {"field": "salary"}],
			"cardFields": ["owner", "nope", "salary"]}`, noSalary,
			[]string{"/cardFields/1 unknown_field", "/cardFields/2 not_readable", "/columns/1/field unknown_field", "/columns/2/field duplicate", "/columns/3/field not_readable"}},
		{"list needs columns", `{"type": "list", "label": {"en": "x"}}`, schema.ViewCheck{}, []string{"/columns required"}},
		{"kanban needs groupBy", `{"type": "kanban", "label": {"en": "x"}, "hiddenGroups": ["won"]}`, schema.ViewCheck{}, []string{"/groupBy required"}},
		{"groupBy not a select", `{"type": "kanban", "label": {"en": "x"}, "groupBy": "city"}`, schema.ViewCheck{}, []string{"/groupBy not_groupable"}},
		{"groupBy unknown", `{"type": "kanban", "label": {"en": "x"}, "groupBy": "ghost"}`, schema.ViewCheck{}, []string{"/groupBy unknown_field"}},
		{"groupBy unreadable", `{"type": "kanban", "label": {"en": "x"}, "groupBy": "stage"}`,
			schema.ViewCheck{Readable: func(f string) bool { return f != "stage" }}, []string{"/groupBy not_readable"}},
		{"hidden groups", `{"type": "kanban", "label": {"en": "x"}, "groupBy": "stage", "hiddenGroups": ["won", "gone", "lost", "maybe"]}`,
			schema.ViewCheck{}, []string{"/hiddenGroups/1 not_option", "/hiddenGroups/3 not_option"}},
		{"hidden groups without groupBy", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "hiddenGroups": ["won"]}`,
			schema.ViewCheck{}, []string{"/hiddenGroups no_group"}},
		{"filter syntax", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "filter": "stage =="}`,
			schema.ViewCheck{}, []string{"/filter syntax@8"}},
		{"filter unknown field", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "filter": "name == 'a' && colour == 'red'"}`,
			schema.ViewCheck{}, []string{"/filter unknown_field@15"}},
		{"filter unreadable", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "filter": "salary > 10"}`,
			noSalary, []string{"/filter not_readable"}},
		{"filter unreadable, of the wrong type", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "filter": "salary == 'high'"}`,
			noSalary, []string{"/filter not_readable"}},
		{"sort", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "sort": "name,-labels"}`,
			schema.ViewCheck{}, []string{"/sort not_sortable@6"}},
		{"sort unknown", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "sort": "-ghost"}`,
			schema.ViewCheck{}, []string{"/sort unknown_field@1"}},
		{"sort unreadable", `{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "sort": "name,-salary"}`,
			noSalary, []string{"/sort not_readable"}},
		{"everything at once", `{"type": "kanban", "label": {"en": "x"}, "columns": [{"field": "ghost"}], "filter": "(", "sort": "+", "groupBy": "notes", "cardFields": ["nope"]}`,
			schema.ViewCheck{}, []string{"/cardFields/0 unknown_field", "/columns/0/field unknown_field", "/filter syntax@1", "/groupBy not_groupable", "/sort syntax@1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schema.ParseView([]byte(tt.doc), ent, tt.check)
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid {
				t.Fatalf("err %v", err)
			}
			var got []string
			for _, fe := range me.Fields {
				s := fe.Path + " " + fe.Code
				if fe.Offset >= 0 {
					s += fmt.Sprintf("@%d", fe.Offset)
				}
				if fe.Text.EN == "" || fe.Text.ZH == "" {
					t.Errorf("%s: a message is missing: %+v", s, fe.Text)
				}
				got = append(got, s)
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("got  %s\nwant %s", strings.Join(got, "; "), strings.Join(tt.want, "; "))
			}
		})
	}
}

func TestParseViewBadText(t *testing.T) {
	ent := deal(t)
	for doc, code := range map[string]morph.Code{
		`{"type": `:                   morph.EInvalidJSON,
		`[1]`:                         morph.EInvalid,
		`"view"`:                      morph.EInvalid,
		strings.Repeat(" ", 70<<10):   morph.ETooLarge,
		`{"label": {"en": "\ud800"}}`: morph.EInvalidJSON,
	} {
		if _, err := schema.ParseView([]byte(doc), ent, schema.ViewCheck{}); morph.ErrorCode(err) != code {
			t.Errorf("%.30q: %v, want %s", doc, err, code)
		}
	}
}

// A view read after its entity changed, or by a user who may read less
// than its maker, leaves out what is gone or hidden; the filter stays.
func TestViewShown(t *testing.T) {
	ent := deal(t)
	v := schema.View{Type: "kanban", Label: schema.View{}.Label, Columns: []schema.ViewColumn{{Field: "name", Width: 100}, {Field: "gone"}, {Field: "salary"}},
		Sort: "-salary,gone,name", Filter: "gone == 1", GroupBy: "stage", HiddenGroups: []string{"lost", "old"}, CardFields: []string{"gone", "city", "salary"}}
	v.Label.ZH = "看板"
	s := v.Shown(ent, schema.ViewCheck{Readable: func(f string) bool { return f != "salary" }})
	got := fmt.Sprintf("%+v|%v|%s|%s|%s|%v|%v", s.Label, s.Columns, s.Sort, s.Filter, s.GroupBy, s.HiddenGroups, s.CardFields)
	if want := "{EN:看板 ZH:看板}|[{name 100}]|name|gone == 1|stage|[lost]|[city]"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if s := v.Shown(ent, schema.ViewCheck{Readable: func(f string) bool { return f != "stage" }}); s.GroupBy != "" || s.HiddenGroups != nil {
		t.Errorf("an unreadable group-by is kept: %+v", s)
	}
	// A field the user sees masked stays a column and a card field (shown
	// masked), but cannot group the board.
	masked := schema.ViewCheck{Readable: func(f string) bool { return f != "salary" && f != "stage" }, Visible: func(string) bool { return true }}
	s = v.Shown(ent, masked)
	if fmt.Sprint(s.Columns) != "[{name 100} {salary 0}]" || fmt.Sprint(s.CardFields) != "[city salary]" || s.GroupBy != "" {
		t.Errorf("masked fields: columns %v cards %v group %q", s.Columns, s.CardFields, s.GroupBy)
	}
}

func TestDefaultViews(t *testing.T) {
	ent := deal(t)
	list, kanban := schema.DefaultViews(ent, schema.ViewCheck{Readable: func(f string) bool { return f != "amount" }})
	cols := fmt.Sprint(list.Columns)
	if cols != "[{name 0} {stage 0} {rep 0} {salary 0} {close 0} {city 0}]" || list.Sort != "-created_at" || !list.Generated || list.ID != "default" {
		t.Errorf("list %+v", list)
	}
	if kanban == nil || kanban.GroupBy != "stage" || fmt.Sprint(kanban.CardFields) != "[rep salary close]" || kanban.ID != "default_kanban" ||
		kanban.Label.ZH != "商机（按阶段）" || kanban.Label.EN != "Deal by Stage" {
		t.Errorf("kanban %+v", kanban)
	}
	plain, err := schema.Parse([]byte(`{"$id": "note", "type": "object", "properties": {"body": {"type": "string", "x-type": "textarea"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	list, kanban = schema.DefaultViews(plain, schema.ViewCheck{})
	if kanban != nil || fmt.Sprint(list.Columns) != "[{created_at 0}]" {
		t.Errorf("without a select field: %+v %+v", list, kanban)
	}
}
