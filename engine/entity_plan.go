package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// Plan is what saving a definition would do, worked out without saving it:
// the fields added, removed and changed, how many stored records hold a
// value of each removed or changed field (and how many of those the new
// definition would not accept), the indexes built and dropped, and the
// layouts and views that name removed fields.
type Plan struct {
	Entity         string        `json:"entity"`
	Create         bool          `json:"create"`  // a new entity
	Version        int64         `json:"version"` // the stored definition's version; 0 for a new entity
	Records        int64         `json:"records"` // records of the entity
	Added          []FieldChange `json:"added"`
	Removed        []FieldChange `json:"removed"`
	Changed        []FieldChange `json:"changed"`
	IndexesAdded   []string      `json:"indexesAdded"`
	IndexesDropped []string      `json:"indexesDropped"`
	Layouts        []string      `json:"layouts"` // layouts that place a removed field (they go on without it)
	Views          int64         `json:"views"`   // saved views of the entity (a removed field leaves them)
	// NeedsForce says that stored values do not fit the changed fields: the
	// save is refused unless forced (Incompatible counts them per field).
	NeedsForce bool `json:"needsForce"`
	// Recompute says that the formulas compute differently: saving
	// computes them again over the stored records (before answering up to
	// RecomputeSyncLimit of them, in the background beyond).
	Recompute bool `json:"recompute"`
}

// FieldChange is one field in a plan.
type FieldChange struct {
	Field string     `json:"field"`
	Label morph.Text `json:"label"`
	Type  string     `json:"type"`           // the field's type (of a removed one, the type it had)
	From  string     `json:"from,omitempty"` // a changed field's earlier type, when it changed
	// What changed: type, many, ref, options_added, options_removed,
	// required, not_required, unique, not_unique, indexed, not_indexed,
	// label, default, settings (the rest of the field's JSON Schema).
	Changes []string `json:"changes,omitempty"`
	// Holding counts the stored records holding a value of a removed or
	// changed field; Incompatible those whose value the new definition does
	// not accept (only for changes that can make values unfit).
	Holding      int64 `json:"holding"`
	Incompatible int64 `json:"incompatible"`
}

// PlanEntity checks a definition as PutEntity does and answers what saving
// it would do, changing nothing. A definition that is not sound is the same
// error PutEntity gives.
func (e *Engine) PlanEntity(ctx context.Context, actor Actor, name string, doc []byte) (Plan, error) {
	if !actor.IsAdmin() {
		return Plan{}, errAdminOnly()
	}
	ent, err := schema.ParseNamed(name, doc)
	if err != nil {
		return Plan{}, err
	}
	cur := e.catalog.Load()
	errs := ent.CheckRefs(func(n string) bool { return n == name || cur.entities[n] != nil })
	if errs = append(errs, cur.checkCalendars(ent)...); len(errs) > 0 {
		return Plan{}, morph.Invalid(errs...)
	}
	next := compile(ent, string(ent.JSON()))
	p := Plan{Entity: name, Added: []FieldChange{}, Removed: []FieldChange{}, Changed: []FieldChange{},
		IndexesAdded: []string{}, IndexesDropped: []string{}, Layouts: []string{}}
	stored, found, err := e.storedDefinition(ctx, name)
	if err != nil {
		return Plan{}, err
	}
	if !found {
		p.Create = true
		for _, f := range ent.Fields {
			p.Added = append(p.Added, FieldChange{Field: f.Name, Label: f.Label, Type: f.Type.Name()})
		}
		for _, ix := range next.indexes {
			p.IndexesAdded = append(p.IndexesAdded, ix.Name)
		}
		return p, nil
	}
	prev, err := compiledOf(cur, stored)
	if err != nil {
		return Plan{}, err
	}
	p.Version = stored.Version
	if p.Records, err = e.count(ctx, name, nil); err != nil {
		return Plan{}, err
	}
	p.Recompute = p.Records > 0 && formulaSignature(prev) != formulaSignature(next)
	for _, f := range next.Fields {
		old := prev.Field(f.Name)
		if old == nil {
			p.Added = append(p.Added, FieldChange{Field: f.Name, Label: f.Label, Type: f.Type.Name()})
			continue
		}
		if ch := fieldChanges(old, f); len(ch) > 0 {
			fc := FieldChange{Field: f.Name, Label: f.Label, Type: f.Type.Name(), Changes: ch}
			if old.Type.Name() != f.Type.Name() {
				fc.From = old.Type.Name()
			}
			p.Changed = append(p.Changed, fc)
		}
	}
	for _, f := range prev.Fields {
		if next.Field(f.Name) == nil {
			p.Removed = append(p.Removed, FieldChange{Field: f.Name, Label: f.Label, Type: f.Type.Name()})
		}
	}
	for _, list := range [][]FieldChange{p.Removed, p.Changed} {
		for i := range list {
			if list[i].Holding, err = e.count(ctx, name, query.Cmp{Field: list[i].Field, Op: query.Ne, Value: nil}); err != nil {
				return Plan{}, err
			}
		}
	}
	if reshaped := reshapedFields(prev, next); len(reshaped) > 0 {
		counts, err := e.unfitValues(ctx, next, reshaped)
		if err != nil {
			return Plan{}, err
		}
		for i, f := range reshaped {
			for j := range p.Changed {
				if p.Changed[j].Field == f.Name {
					p.Changed[j].Incompatible = int64(counts[i])
					p.NeedsForce = p.NeedsForce || counts[i] > 0
				}
			}
		}
	}
	names := func(ixs []store.Index) map[string]bool {
		m := map[string]bool{}
		for _, ix := range ixs {
			m[ix.Name] = true
		}
		return m
	}
	before, after := names(prev.indexes), names(next.indexes)
	for n := range after {
		if !before[n] {
			p.IndexesAdded = append(p.IndexesAdded, n)
		}
	}
	for n := range before {
		if !after[n] {
			p.IndexesDropped = append(p.IndexesDropped, n)
		}
	}
	sort.Strings(p.IndexesAdded)
	sort.Strings(p.IndexesDropped)
	for _, ld := range cur.layouts {
		if ld.entity != name {
			continue
		}
		for _, r := range p.Removed {
			if _, placed := ld.layout.Rules[r.Field]; placed {
				p.Layouts = append(p.Layouts, ld.id)
				break
			}
		}
	}
	sort.Strings(p.Layouts)
	if p.Views, err = e.count(ctx, collViews, query.Cmp{Field: "entity", Op: query.Eq, Value: name}); err != nil {
		return Plan{}, err
	}
	return p, nil
}

func (e *Engine) count(ctx context.Context, coll string, f query.Expr) (int64, error) {
	n, err := e.st.Count(ctx, coll, f)
	if errors.Is(err, store.ErrNoCollection) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("engine: count %s: %w", coll, err)
	}
	return n, nil
}

// fieldChanges names what differs between a field's old and new form.
func fieldChanges(old, f *schema.Field) []string {
	var ch []string
	add := func(cond bool, what string) {
		if cond {
			ch = append(ch, what)
		}
	}
	add(old.Type.Name() != f.Type.Name(), "type")
	add(old.Many != f.Many, "many")
	add(old.Ref != f.Ref, "ref")
	add(slices.ContainsFunc(f.Enum, func(v string) bool { return !slices.Contains(old.Enum, v) }), "options_added")
	add(slices.ContainsFunc(old.Enum, func(v string) bool { return !slices.Contains(f.Enum, v) }), "options_removed")
	add(!old.Required && f.Required, "required")
	add(old.Required && !f.Required, "not_required")
	add(!old.Unique && f.Unique, "unique")
	add(old.Unique && !f.Unique, "not_unique")
	add(!old.Indexed && f.Indexed, "indexed")
	add(old.Indexed && !f.Indexed, "not_indexed")
	add(old.Label != f.Label, "label")
	add(!reflect.DeepEqual(old.Default, f.Default), "default")
	if len(ch) == 0 && !reflect.DeepEqual(old.Prop, f.Prop) {
		ch = append(ch, "settings")
	}
	return ch
}
