package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// What definitions name by name: entities and calendars.
const (
	NamedEntity   = "entity"
	NamedCalendar = "calendar"
)

// Kinds of referring definitions besides KindEntity and KindView (the
// names the audit log gives them too). Each, in the plural, is also the
// first segment of the referrer's pointer in an answer (entities, layouts,
// views, roles, workflows, slas).
const (
	KindLayout   = "layout"
	KindRole     = "role"
	KindWorkflow = "workflow"
	KindSLA      = "sla"
)

// Referrer is a place in a definition that names an entity or a calendar by
// its name: the definition (Kind, Name) and where in it (Path, a JSON
// pointer into its document; "" for the whole).
type Referrer struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	// Text says what it is, for people ("Workflow rule won names it at
	// /actions/1/entity").
	Text morph.Text `json:"-"`
}

// Pointer is the referrer's place in an answer: /<kind>s/<name><path>
// (/workflows/deal_won/actions/1/entity, /entities/contact/properties/account).
func (r Referrer) Pointer() string {
	kinds := r.Kind + "s"
	if r.Kind == KindEntity {
		kinds = "entities"
	}
	return "/" + kinds + "/" + escapeKey(r.Name) + r.Path
}

// ReferrerSource lists the referrers of one kind of definition kept outside
// the engine (workflow rules, SLA policies) that name an entity or a
// calendar (named is NamedEntity or NamedCalendar). The engine calls it
// under the lock that serialises definition changes, before it deletes or
// renames what they name; it must not call methods of the engine that take
// that lock. Definitions it answers for must be checked and stored under
// the same lock (Engine.Define), so that none is saved naming what is
// being deleted between the check and the delete.
type ReferrerSource func(ctx context.Context, cat *Catalog, named, name string) ([]Referrer, error)

// AddReferrers adds a source of referrers. Call it before the engine
// serves definition changes.
func (e *Engine) AddReferrers(src ReferrerSource) {
	e.refMu.Lock()
	defer e.refMu.Unlock()
	e.referrers = append(e.referrers, src)
}

// Define runs f under the lock that serialises definition changes, with
// the current catalog. A definition kept outside the engine that names
// entities or calendars is checked against cat and stored inside f: no
// entity or calendar it names is deleted or renamed between the check and
// the store, and a later delete's or rename's ReferrerSource sees it.
func (e *Engine) Define(f func(cat *Catalog) error) error {
	e.defMu.Lock()
	defer e.defMu.Unlock()
	return f(e.catalog.Load())
}

// References lists every definition that names an entity (named
// NamedEntity) or a calendar (NamedCalendar) by its name, in the order of
// a refused change's answer (administrators only; ENotFound when there is
// no such entity or calendar). For an entity: relation and roll-up
// fields of other entities, its saved layouts, layout drafts and views,
// roles granting access to it, and the external referrers (workflow rules,
// SLA policies). For a calendar: the expressions of entities and the
// external referrers.
func (e *Engine) References(ctx context.Context, actor Actor, named, name string) ([]Referrer, error) {
	if !actor.IsAdmin() {
		return nil, errAdminOnly()
	}
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	switch named {
	case NamedEntity:
		if cur.entities[name] == nil {
			return nil, errUnknownEntity(name)
		}
		return e.referrersOf(ctx, cur, named, name, true)
	case NamedCalendar:
		if cur.calendars[name] == nil && name != schema.DefaultCalendar {
			return nil, errUnknownCalendar(name)
		}
		return e.referrersOf(ctx, cur, named, name, true)
	}
	return nil, fmt.Errorf("engine: references to a %q", named)
}

// referrersOf lists what names an entity or a calendar; the caller holds
// defMu. own adds, for an entity, the definitions that belong to it and go
// with it when it is deleted (its layouts, drafts and views) and roles
// granting access to it: a rename must keep none of them naming the old
// name.
func (e *Engine) referrersOf(ctx context.Context, cur *Catalog, named, name string, own bool) ([]Referrer, error) {
	var out []Referrer
	if named == NamedEntity {
		for _, r := range cur.ReferencesTo(name) {
			out = append(out, Referrer{Kind: KindEntity, Name: r.Entity, Path: "/properties/" + escapeKey(r.Field),
				Text: morph.T("%s.%s refers to %s", "%s.%s 引用了 %s", r.Entity, r.Field, name)})
		}
		for _, r := range cur.rolledUpBy(name) {
			out = append(out, Referrer{Kind: KindEntity, Name: r.Entity, Path: "/properties/" + escapeKey(r.Field),
				Text: morph.T("%s.%s rolls up %s", "%s.%s 汇总了 %s", r.Entity, r.Field, name)})
		}
		if own {
			more, err := e.ownedBy(ctx, cur, name)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	} else {
		for _, n := range cur.names {
			for _, ref := range cur.entities[n].Calendars() {
				if ref.Name == name {
					out = append(out, Referrer{Kind: KindEntity, Name: n, Path: ref.Path,
						Text: morph.T("An expression of entity %s names it at %s", "实体 %s 的表达式在 %s 使用了它", n, ref.Path)})
				}
			}
		}
	}
	e.refMu.Lock()
	sources := e.referrers
	e.refMu.Unlock()
	for _, src := range sources {
		refs, err := src(ctx, cur, named, name)
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
	}
	return out, nil
}

// ownedBy lists an entity's saved layouts, layout drafts and views, and the
// roles granting access to it.
func (e *Engine) ownedBy(ctx context.Context, cur *Catalog, name string) ([]Referrer, error) {
	var out []Referrer
	var layouts []string
	for key := range cur.layouts {
		if id, ok := strings.CutPrefix(key, name+":"); ok {
			layouts = append(layouts, id)
		}
	}
	sort.Strings(layouts)
	for _, id := range layouts {
		out = append(out, Referrer{Kind: KindLayout, Name: id, Text: morph.T("Its saved layout %q", "它已保存的布局 %q", id)})
	}
	byEntity := query.Query{Filter: query.Cmp{Field: "entity", Op: query.Eq, Value: name}, Limit: 50}
	drafts, err := e.st.Find(ctx, collLayoutDrafts, byEntity)
	if err != nil && !errors.Is(err, store.ErrNoCollection) {
		return nil, fmt.Errorf("engine: layout drafts of %s: %w", name, err)
	}
	for _, d := range drafts {
		id, _ := d.Data["id"].(string)
		out = append(out, Referrer{Kind: KindLayout, Name: id, Path: "/draft", Text: morph.T("A draft of its layout %q", "它的布局 %q 的草稿", id)})
	}
	views, err := e.st.Find(ctx, collViews, byEntity)
	if err != nil && !errors.Is(err, store.ErrNoCollection) {
		return nil, fmt.Errorf("engine: views of %s: %w", name, err)
	}
	for _, v := range views {
		out = append(out, Referrer{Kind: KindView, Name: v.ID, Text: morph.T("Its saved view %s", "它已保存的视图 %s", v.ID)})
	}
	for _, rn := range cur.RoleNames() {
		if _, ok := cur.roles[rn].role.Entities[name]; ok {
			out = append(out, Referrer{Kind: KindRole, Name: rn, Text: morph.T("Role %q grants access to it", "角色 %q 授予了对它的权限", rn)})
		}
	}
	return out, nil
}

// errInUse refuses a change of what refs name (EInUse), each referrer a
// field error at its pointer (code referenced).
func errInUse(text morph.Text, refs []Referrer) *morph.Error {
	err := &morph.Error{Code: morph.EInUse, Text: text}
	for _, r := range refs {
		err.Fields = append(err.Fields, morph.FieldError{Path: r.Pointer(), Code: "referenced", Offset: -1, Text: r.Text})
	}
	return err
}
