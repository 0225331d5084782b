package sla

import (
	"context"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/schema"
)

// referrers answers the engine which policies name an entity (/entity) or
// a calendar (/calendar, or by a constant in an expression, at its
// pointer; "default" is never in use: deleting a saved default brings back
// the built-in one). It reads the stored policies, so that a policy
// another instance saved counts too; a policy that no longer compiles
// still names its entity and calendar, but only compiled policies tell the
// calendars of their expressions.
func (s *Service) referrers(ctx context.Context, cat *engine.Catalog, named, name string) ([]engine.Referrer, error) {
	stored, err := s.readStored(ctx)
	if err != nil {
		return nil, err
	}
	ps := s.policies.Load()
	var out []engine.Referrer
	add := func(policy, path string) {
		out = append(out, engine.Referrer{Kind: engine.KindSLA, Name: policy, Path: path,
			Text: morph.T("SLA policy %s names it at %s", "SLA 策略 %s 在 %s 引用了它", policy, path)})
	}
	for _, n := range stored.Names() {
		d := stored[n]
		m, _ := defdoc.DecodeObject([]byte(d.Text))
		switch {
		case named == engine.NamedEntity:
			if m["entity"] == name {
				add(n, "/entity")
			}
		case named == engine.NamedCalendar && name != schema.DefaultCalendar:
			if m["calendar"] == name {
				add(n, "/calendar")
			}
			p := ps.byName[n]
			if p == nil || p.version != d.Version {
				p, _ = parse([]byte(d.Text), s.checker(cat))
			}
			if p == nil {
				continue
			}
			for _, c := range p.calendars {
				if c.Name == name {
					add(n, c.Path)
				}
			}
		}
	}
	return out, nil
}
