package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
	"github.com/morphcrm/morph/schema/mask"
)

// Access is one seam: every read and write of records asks it what the
// actor may do (grants), which records that reaches (a store filter AND-ed
// with the caller's, so pages, cursors and totals stay right; for one
// record the same filter with its id), and what of each record the actor
// sees (view). A record the actor may not read is "not found", never
// "forbidden", so that its existence is not confirmed.

// IsAdmin reports whether the actor holds the built-in admin role (or is
// the engine itself).
func (a Actor) IsAdmin() bool { return a.system || slices.Contains(a.Roles, schema.AdminRole) }

// grants is what a set of roles grants on one entity, worked out once per
// catalog and role set.
type grants struct {
	everything           bool // admin: every record, every field, no checks
	create               bool
	read, update, delete []schema.Grant
	rest                 schema.FieldAccess            // the level of a field not in levels ("*")
	levels               map[string]schema.FieldAccess // per field of the entity and system field
	open                 bool                          // records go out as stored (everything alone)
	masks                map[string]mask.Masker        // the masks of masked fields
	labels               map[string]morph.Text         // the entity's fields' labels, for the refusals that name them
	defOnce              sync.Once                     // the definition as these grants show it (DefinitionFor)
	def                  string
}

// seen is the level at which a top-level key of a stored record goes out.
// A key that is neither a field of the entity nor a system field holds
// data of a field since removed from the definition (kept, never taken
// with the change): the roles lost their entries for it with the field, so
// it goes out to no restricted caller, whatever "*" says.
func (g *grants) seen(key string) schema.FieldAccess {
	if g.everything || key == "id" || key == "version" {
		return schema.FieldEdit
	}
	if l, ok := g.levels[key]; ok {
		return l
	}
	return schema.FieldHidden
}

// level is the access to a field (a top-level key of a record's data).
func (g *grants) level(field string) schema.FieldAccess {
	if g.everything || field == "id" || field == "version" {
		return schema.FieldEdit
	}
	if l, ok := g.levels[field]; ok {
		return l
	}
	return g.rest
}

var adminRole = schema.BuiltinAdmin()

// grantsFor returns what actor's roles grant on the entity.
func (c *Catalog) grantsFor(actor Actor, ce *compiled) *grants {
	if actor.IsAdmin() {
		return everything
	}
	key := roleKey(actor.Roles) + "\x01" + ce.Name
	if g, ok := c.grants.Load(key); ok {
		return g.(*grants)
	}
	var roles []*schema.Role
	for _, n := range actor.Roles {
		if rd := c.roles[n]; rd != nil {
			roles = append(roles, rd.role)
		}
	}
	u := schema.Union(ce.Name, roles...)
	g := &grants{create: u.Create, read: u.Read, update: u.Update, delete: u.Delete,
		rest: u.Field(schema.AllFields), levels: map[string]schema.FieldAccess{}, masks: map[string]mask.Masker{},
		labels: make(map[string]morph.Text, len(ce.Fields))}
	for _, f := range ce.Fields {
		g.labels[f.Name] = f.Label
	}
	// Never open: a stored record may hold a removed field's data (seen).
	note := func(name string, l schema.FieldAccess, m mask.Masker) {
		g.levels[name] = l
		if l == schema.FieldMasked {
			g.masks[name] = m
		}
	}
	for _, f := range ce.Fields {
		note(f.Name, u.Field(f.Name), f.Mask)
	}
	// A formula shows what it is computed from: one that reads a field
	// these roles hide is hidden; a text formula that reads a masked field
	// (which could carry the value whole: name + ' ' + phone) is masked.
	// A number, flag or date over a masked field (a lead's score from
	// whether it has a mobile number) keeps its own level. Formulas come in
	// dependency order, so a formula over such a formula follows it too.
	for _, f := range ce.Formulas() {
		l := g.levels[f.Name]
		for _, r := range f.Expr.Refs {
			src, ok := g.levels[r]
			if !ok {
				continue
			}
			if src == schema.FieldHidden {
				l = schema.FieldHidden
				break
			}
			if src == schema.FieldMasked && l > schema.FieldMasked && f.Kind() == lang.KindString {
				l = schema.FieldMasked
			}
		}
		note(f.Name, l, f.Mask)
	}
	for _, n := range schema.SystemFields {
		if _, declared := g.levels[n]; !declared {
			note(n, u.Field(n), mask.Text)
		}
	}
	c.grants.Store(key, g)
	return g
}

var everything = &grants{everything: true, create: true, open: true, rest: schema.FieldEdit}

// roleKey is a set of role names as one string, the same in any order.
func roleKey(roles []string) string {
	if len(roles) <= 1 {
		return strings.Join(roles, "\x00")
	}
	s := slices.Clone(roles)
	sort.Strings(s)
	return strings.Join(slices.Compact(s), "\x00")
}

// scopeFilter is the store filter of the records gs reach for actor: the
// union of each grant's scope AND its row rule. all reports that it reaches
// every record (the filter is then nil); a filter that reaches none is an
// empty Or.
func (e *Engine) scopeFilter(actor Actor, ce *compiled, g *grants, gs []schema.Grant) (f query.Expr, all bool, err error) {
	if g.everything {
		return nil, true, nil
	}
	var union query.Or
	for _, gr := range gs {
		var part query.And
		switch gr.Scope {
		case schema.ScopeOwn:
			part = append(part, query.Cmp{Field: "owner", Op: query.Eq, Value: actor.ID})
		case schema.ScopeTeam:
			part = append(part, ownerIn(actor, actor.TeamMembers))
		case schema.ScopeTeamTree:
			part = append(part, ownerIn(actor, actor.TreeMembers))
		}
		if strings.TrimSpace(gr.Where) != "" {
			w, err := lang.Filter(gr.Where, ce.Resolve, e.filterEnv(actor))
			if err != nil {
				// Checked when the role was saved; the definition changed
				// since in a way the role's compilation did not catch.
				return nil, false, errors.Join(errors.New("engine: row rule of a role no longer compiles"), err)
			}
			part = append(part, w)
		}
		if len(part) == 0 {
			return nil, true, nil
		}
		union = append(union, part)
	}
	if len(union) == 1 {
		return union[0], false, nil
	}
	return union, false, nil
}

func ownerIn(actor Actor, members []string) query.Expr {
	vals := make([]any, 0, len(members)+1)
	for _, m := range members {
		vals = append(vals, m)
	}
	if !slices.Contains(members, actor.ID) {
		vals = append(vals, actor.ID)
	}
	return query.Cmp{Field: "owner", Op: query.In, Value: vals}
}

func (e *Engine) filterEnv(actor Actor) lang.Env {
	return lang.Env{Now: e.opts.Now(), User: lang.User{ID: actor.ID, Roles: actor.Roles, Team: actor.Team},
		Calendar: e.catalog.Load().calendarFn}
}

// getIn reads one record when filter (nil: any) admits it; ErrNotFound
// otherwise.
func (e *Engine) getIn(ctx context.Context, ce *compiled, id string, filter query.Expr, all bool) (Record, error) {
	if all {
		return e.st.Get(ctx, ce.Name, id)
	}
	recs, err := e.st.Find(ctx, ce.Name, query.Query{Filter: query.AndOf(query.Cmp{Field: "id", Op: query.Eq, Value: id}, filter), Limit: 1})
	if err != nil {
		return Record{}, err
	}
	if len(recs) == 0 {
		return Record{}, store.ErrNotFound
	}
	return recs[0], nil
}

// getManyIn reads the records with the given ids that filter admits.
func (e *Engine) getManyIn(ctx context.Context, entity string, ids []string, filter query.Expr, all bool) ([]Record, error) {
	if all {
		return e.st.GetMany(ctx, entity, ids)
	}
	vals := make([]any, len(ids))
	for i, id := range ids {
		vals[i] = id
	}
	return e.st.Find(ctx, entity, query.Query{Filter: query.AndOf(query.Cmp{Field: "id", Op: query.In, Value: vals}, filter)})
}

// readable is what the actor may read of an entity: the grants and the
// filter of the records it reaches.
type readable struct {
	g      *grants
	filter query.Expr
	all    bool
}

func (e *Engine) readableOf(actor Actor, ce *compiled) (readable, error) {
	g := e.Catalog().grantsFor(actor, ce)
	f, all, err := e.scopeFilter(actor, ce, g, g.read)
	return readable{g: g, filter: f, all: all}, err
}

var opZH = map[string]string{"read": "查看", "create": "创建", "change": "修改", "delete": "删除"}

func errForbidden(op string, ce *compiled) error {
	label := ce.Label
	return &morph.Error{Code: morph.EForbidden,
		Text: morph.Text{EN: "You may not " + op + " " + label.EN + " records", ZH: "您无权" + opZH[op] + label.ZH + "记录"}}
}

func errRecordForbidden(op string) error {
	return &morph.Error{Code: morph.EForbidden,
		Text: morph.Text{EN: "You may see this record but not " + op + " it", ZH: "您可以查看此记录，但无权" + opZH[op]}}
}

// checkEditable refuses input keys the actor may not edit (old is nil on
// create). A masked field may be given on create: its value is the
// creator's to give, and nothing stored shows through it; afterwards it
// cannot be changed. A value sent back as it was shown — a read-only
// field's stored value, a masked field's mask of it — is not an edit and is
// dropped from in, so that a record read and sent back whole can be
// changed. (A hidden field's value is refused even when it is the stored
// one: accepting it would confirm a guess.)
func checkEditable(g *grants, in map[string]any, old map[string]any) error {
	if g.everything {
		return nil
	}
	var errs []morph.FieldError
	for k, v := range in {
		if k == "id" || readOnly[k] {
			continue // refused as read-only, or taken as the new record's id
		}
		switch l := g.level(k); {
		case l == schema.FieldEdit:
		case l == schema.FieldMasked && old == nil:
		case l == schema.FieldMasked && v == maskValue(g, k, old[k]):
			delete(in, k)
		case l == schema.FieldRead && old != nil && sameJSON(v, old[k]):
			delete(in, k)
		default:
			name := g.fieldName(k)
			errs = append(errs, morph.FieldError{Path: "/" + escapeKey(k), Code: "not_editable",
				Text: morph.Text{EN: "You may not change " + name.EN, ZH: "您无权修改" + name.ZH}})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	return &morph.Error{Code: morph.EForbidden, Fields: errs,
		Text: morph.T("The request changes fields you may not change", "请求修改了您无权修改的字段")}
}

// sameJSON reports whether a and b are the same JSON value (a request's
// numbers and a stored document's may differ in Go type).
func sameJSON(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true
	}
	ja, err := json.Marshal(a)
	if err != nil {
		return false
	}
	jb, err := json.Marshal(b)
	return err == nil && bytes.Equal(ja, jb)
}

// fieldName names a field in a refusal as its users know it, by its label,
// with its key for integrators: "Phone (phone)", "公司电话（phone）"; a
// field without a label, a system field, or one hidden from the caller
// (whose label the definition they see leaves out) by its key.
func (g *grants) fieldName(key string) morph.Text {
	l, ok := g.labels[key]
	ok = ok && g.level(key) >= schema.FieldMasked
	name := morph.Text{EN: key, ZH: " " + key} // a Latin key set off from the Chinese before it
	if ok && l.EN != "" && l.EN != key {
		name.EN = l.EN + " (" + key + ")"
	}
	if ok && l.ZH != "" && l.ZH != key {
		name.ZH = l.ZH + "（" + key + "）"
	}
	return name
}

func escapeKey(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// masked stands for a masked value that is not text: nothing of it shows.
const masked = "***"

// maskValue is the masked form of a stored value.
func maskValue(g *grants, field string, v any) any {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return masked
	}
	return maskString(g, field, s)
}

// maskString is the masked form of a stored text value.
func maskString(g *grants, field, s string) string {
	if m := g.masks[field]; m != nil {
		return m(s)
	}
	return mask.Text(s)
}

// out changes data (a record's, the caller's own) into what the grants let
// the actor see: hidden fields removed, masked ones masked.
func (g *grants) out(data map[string]any) map[string]any {
	if g.open || data == nil {
		return data
	}
	for k, v := range data {
		switch g.seen(k) {
		case schema.FieldHidden:
			delete(data, k)
		case schema.FieldMasked:
			data[k] = maskValue(g, k, v)
		}
	}
	return data
}

// checkReadable refuses a filter, sort, projection or expansion that uses
// a field the actor may not read (hidden or masked), so that nothing about
// its values can be inferred from which records come back in which order.
func checkReadable(g *grants, param string, paths []string) error {
	if g.everything {
		return nil
	}
	for _, p := range paths {
		field, _, _ := strings.Cut(p, ".")
		if !g.readableField(field) {
			name := g.fieldName(field)
			return &morph.Error{Code: morph.EInvalidFilter,
				Text: morph.Text{EN: fmt.Sprintf("%s uses %s, which you may not read", param, name.EN),
					ZH: fmt.Sprintf("%s 使用了您无权查看的字段%s", param, name.ZH)},
				Fields: []morph.FieldError{{Path: param, Code: "not_readable", Offset: -1,
					Text: morph.Text{EN: "You may not read " + name.EN, ZH: "您无权查看" + name.ZH}}}}
		}
	}
	return nil
}

// readingResolver resolves a filter's fields as ce does and notes the first
// one the grants do not let their holder read. A filter naming such a field
// is refused as not readable whether or not it compiles, so that the
// compiler's own errors (a comparison of a number with text) never tell
// the type of a field the caller may not read.
func readingResolver(ce *compiled, g *grants) (lang.Resolver, *string) {
	var unreadable string
	if g.everything {
		return ce.Resolve, &unreadable
	}
	return func(name string) (lang.Field, bool) {
		f, ok := ce.Resolve(name)
		if head, _, _ := strings.Cut(name, "."); ok && unreadable == "" && !g.readableField(head) {
			unreadable = name
		}
		return f, ok
	}, &unreadable
}

// parseFilter compiles a filter of the actor's (a list's, a check's),
// refusing one that names a field they may not read.
func (e *Engine) parseFilter(ce *compiled, g *grants, actor Actor, src string) (query.Expr, error) {
	resolve, unreadable := readingResolver(ce, g)
	f, err := lang.Filter(src, resolve, e.filterEnv(actor))
	if *unreadable != "" {
		return nil, checkReadable(g, "filter", []string{*unreadable})
	}
	return f, err
}

// view is what an actor sees of one entity's records.
type view struct{ g *grants }

// view returns what actor sees of entity's records: of an entity that no
// longer exists (its records' audit entries outlive it), everything for an
// administrator and nothing for anyone else.
func (e *Engine) view(actor Actor, entity string) *view {
	ce := e.Catalog().entities[entity]
	if ce == nil {
		if actor.IsAdmin() {
			return &view{g: everything}
		}
		return &view{g: &grants{rest: schema.FieldHidden}}
	}
	return &view{g: e.Catalog().grantsFor(actor, ce)}
}

// out returns data as the viewer may see it: hidden fields left out,
// masked ones masked. data is changed in place.
func (v *view) out(data map[string]any) map[string]any { return v.g.out(data) }

// EntityPermissions is what an actor may do with one entity: the widest
// scope of each operation and the level of every field.
type EntityPermissions struct {
	Create bool              `json:"create"`
	Read   string            `json:"read"`   // none, own, team, team_tree, all
	Update string            `json:"update"` // likewise
	Delete string            `json:"delete"` // likewise
	Fields map[string]string `json:"fields"` // field → hidden, masked, read, edit
}

// Permissions is what an actor may do, for the UI to show or hide
// controls; the engine decides each request itself.
type Permissions struct {
	Admin    bool                         `json:"admin"`
	Entities map[string]EntityPermissions `json:"entities"` // the entities the actor may read or create
}

// Permissions summarises what actor may do with every entity.
func (e *Engine) Permissions(actor Actor) Permissions {
	p := Permissions{Admin: actor.IsAdmin(), Entities: map[string]EntityPermissions{}}
	cat := e.Catalog()
	widest := func(gs []schema.Grant) string {
		s := schema.ScopeNone
		for _, g := range gs {
			s = s.Max(g.Scope)
		}
		return s.String()
	}
	for _, n := range cat.Names() {
		ce := cat.entities[n]
		g := cat.grantsFor(actor, ce)
		ep := EntityPermissions{Create: g.create, Read: widest(g.read), Update: widest(g.update), Delete: widest(g.delete),
			Fields: map[string]string{}}
		if g.everything {
			ep.Read, ep.Update, ep.Delete = "all", "all", "all"
		}
		if !ep.Create && ep.Read == "none" {
			continue
		}
		for _, f := range ce.Fields {
			ep.Fields[f.Name] = g.level(f.Name).String()
		}
		for _, f := range schema.SystemFields {
			if _, ok := ep.Fields[f]; !ok {
				ep.Fields[f] = g.level(f).String()
			}
		}
		p.Entities[n] = ep
	}
	return p
}

// CanRead reports whether actor may read some records of the entity (for
// the listings of definitions).
func (e *Engine) CanRead(actor Actor, entity string) bool {
	cat := e.Catalog()
	ce := cat.entities[entity]
	if ce == nil {
		return false
	}
	g := cat.grantsFor(actor, ce)
	return g.everything || len(g.read) > 0 || g.create
}

// FieldView tells how actor sees the fields of entity's records, for what
// leaves the server outside the record routes (a notification's text): nil
// when actor sees every field as stored; otherwise a function giving a
// field's value as actor sees it — masked, or ok false when hidden.
func (e *Engine) FieldView(actor Actor, entity string) func(field string, v any) (shown any, ok bool) {
	ce, err := e.entity(entity)
	if err != nil {
		return func(string, any) (any, bool) { return nil, false }
	}
	g := e.Catalog().grantsFor(actor, ce)
	if g.open {
		return nil
	}
	return func(field string, v any) (any, bool) {
		switch g.seen(field) {
		case schema.FieldHidden:
			return nil, false
		case schema.FieldMasked:
			return maskValue(g, field, v), true
		}
		return v, true
	}
}
