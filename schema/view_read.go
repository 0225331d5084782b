package schema

import (
	"slices"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// The ids of the generated views.
const (
	DefaultListView   = "default"
	DefaultKanbanView = "default_kanban"
)

// Shown returns the view as a user who may read the fields readable admits
// (nil: every field) sees it, against the entity as it is now: columns,
// card fields, sort keys and the group-by field that no longer exist or
// that the user may not read are left out (with the hidden groups when the
// group-by field goes); the filter is kept as it is (a list asked with it
// says which field is wrong, rather than showing records it was meant to
// leave out). The label is completed in both languages. v is not changed.
func (v View) Shown(ent *Entity, vc ViewCheck) View {
	exists := func(name string) bool { return ent.Field(name) != nil || slices.Contains(SystemFields, name) }
	shows := func(name string) bool { return exists(name) && vc.visible(name) }
	ok := func(name string) bool { return exists(name) && vc.readable(name) }
	out := v
	out.Label = completeLabel(v.Label)
	out.Columns = nil
	for _, c := range v.Columns {
		if shows(c.Field) {
			out.Columns = append(out.Columns, c)
		}
	}
	out.CardFields = nil
	for _, f := range v.CardFields {
		if shows(f) {
			out.CardFields = append(out.CardFields, f)
		}
	}
	if v.GroupBy != "" {
		gf := ent.Field(v.GroupBy)
		if !ok(v.GroupBy) || gf != nil && gf.Type.Name() != "select" && gf.Type.Name() != "user" || gf == nil && v.GroupBy != "owner" {
			out.GroupBy, out.HiddenGroups = "", nil
		} else if gf != nil && gf.Type.Name() == "select" {
			out.HiddenGroups = nil
			for _, g := range v.HiddenGroups {
				if slices.Contains(gf.Enum, g) {
					out.HiddenGroups = append(out.HiddenGroups, g)
				}
			}
		}
	}
	if v.Sort != "" {
		var keep []string
		for _, part := range strings.Split(v.Sort, ",") {
			name, _, _ := strings.Cut(strings.TrimLeft(strings.TrimSpace(part), "+-"), ".")
			if _, err := lang.SortSpec(part, ent.Resolve); err == nil && ok(name) {
				keep = append(keep, strings.TrimSpace(part))
			}
		}
		out.Sort = strings.Join(keep, ",")
	}
	return out
}

// completeLabel gives a label both languages: the one missing takes the
// other's text.
func completeLabel(t morph.Text) morph.Text {
	if t.EN == "" {
		t.EN = t.ZH
	}
	if t.ZH == "" {
		t.ZH = t.EN
	}
	return t
}

// goodColumn reports whether a field makes a good column or card field:
// not long text, a JSON value or a list of options.
func goodColumn(f *Field) bool {
	switch f.Type.Name() {
	case "textarea", "json", "multiselect":
		return false
	}
	return true
}

// DefaultViews are the views generated for an entity, as a user who may
// read the fields readable admits (nil: every field) sees them: a list
// (DefaultListView) of the first six fields that make good columns, newest
// first; and, when the entity has a select field, a kanban
// (DefaultKanbanView) grouped by the first one with the first three other
// fields on its cards, the title field (the card's heading) apart (nil
// without one).
func DefaultViews(ent *Entity, vc ViewCheck) (list, kanban *View) {
	can := vc.readable
	shows := vc.visible
	entLabel := completeLabel(ent.Label)
	list = &View{ID: DefaultListView, Entity: ent.Name, Type: ViewList, Shared: true, Generated: true,
		Label: morph.Text{EN: entLabel.EN + ": all", ZH: "全部" + entLabel.ZH}}
	for _, f := range ent.Fields {
		if len(list.Columns) < 6 && goodColumn(f) && shows(f.Name) {
			list.Columns = append(list.Columns, ViewColumn{Field: f.Name})
		}
	}
	if len(list.Columns) == 0 && can("created_at") {
		list.Columns = []ViewColumn{{Field: "created_at"}}
	}
	if can("created_at") {
		list.Sort = "-created_at"
	}
	var group *Field
	for _, f := range ent.Fields {
		if f.Type.Name() == "select" && can(f.Name) {
			group = f
			break
		}
	}
	if group == nil {
		return list, nil
	}
	gl := completeLabel(group.Label)
	kanban = &View{ID: DefaultKanbanView, Entity: ent.Name, Type: ViewKanban, Shared: true, Generated: true,
		Label:   morph.Text{EN: entLabel.EN + " by " + gl.EN, ZH: entLabel.ZH + "（按" + gl.ZH + "）"},
		GroupBy: group.Name}
	title := ent.TitleField // a card shows it as its heading
	if title == "" && len(ent.Fields) > 0 {
		title = ent.Fields[0].Name
	}
	for _, f := range ent.Fields {
		if len(kanban.CardFields) < 3 && f != group && f.Name != title && goodColumn(f) && shows(f.Name) {
			kanban.CardFields = append(kanban.CardFields, f.Name)
		}
	}
	return list, kanban
}
