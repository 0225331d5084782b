package workflow

import (
	"context"
	"strconv"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
)

// referrers answers the engine which rules name an entity — as the rule's
// own (/entity) or as the entity a create action makes
// (/actions/<i>/entity) — or a calendar, by a constant in an expression (at
// the expression's pointer). It reads the stored rules, so that a rule
// another instance saved counts too; a rule that no longer compiles still
// names its entities, but only compiled rules tell their calendars.
func (s *Service) referrers(ctx context.Context, cat *engine.Catalog, named, name string) ([]engine.Referrer, error) {
	stored, err := s.docs.ReadAll(ctx, "read rules")
	if err != nil {
		return nil, err
	}
	rs := s.rules.Load()
	var out []engine.Referrer
	add := func(rule, path string) {
		out = append(out, engine.Referrer{Kind: engine.KindWorkflow, Name: rule, Path: path,
			Text: morph.T("Workflow rule %s names it at %s", "工作流规则 %s 在 %s 引用了它", rule, path)})
	}
	for _, rule := range stored.Names() {
		doc := stored[rule].Text
		switch named {
		case engine.NamedEntity:
			m, _ := defdoc.DecodeObject([]byte(doc))
			if m["entity"] == name {
				add(rule, "/entity")
			}
			acts, _ := m["actions"].([]any)
			for i, a := range acts {
				if am, _ := a.(map[string]any); am["type"] == ActCreate && am["entity"] == name {
					add(rule, "/actions/"+strconv.Itoa(i)+"/entity")
				}
			}
		case engine.NamedCalendar:
			r := rs.byName[rule]
			if r == nil || r.version != stored[rule].Version {
				r, _ = parse([]byte(doc), checker{entity: cat.Entity, roleExists: func(string) bool { return true },
					teamExists: func(string) (bool, error) { return true, nil }})
			}
			if r == nil {
				continue
			}
			for _, c := range r.calendars {
				if c.Name == name {
					add(rule, c.Path)
				}
			}
		}
	}
	return out, nil
}
