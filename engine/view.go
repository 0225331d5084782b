package engine

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// collViews holds the saved list and kanban views of every entity: id a
// UUIDv7, data the view's document (entity, type, label, shared, owner,
// columns, filter, sort, pageSize, groupBy, cardFields, hiddenGroups) and
// created/updated at/by. Index i_entity serves the listing of an entity's
// views.
const collViews = "_views"

// KindView is the kind of the audit entries of views (define, undefine):
// Entity is the view's entity, Record its id.
const KindView = "view"

// MaxViewsPerUser bounds the views one user keeps of one entity.
const MaxViewsPerUser = 200

// A view's page is a list's page.
var _ = [1]struct{}{}[schema.MaxViewPageSize-MaxLimit]

// readableField reports whether the grants let their holder read a field
// (an entity or system field): the seam through which a view's fields are
// checked and trimmed.
func (g *grants) readableField(field string) bool {
	return g.everything || g.level(field) >= schema.FieldRead
}

// sight is what the grants let their holder do with a view's fields: show
// those they see, masked included, in columns and on cards; filter, sort and
// group by those they read.
func (g *grants) sight() schema.ViewCheck {
	return schema.ViewCheck{Readable: g.readableField, Visible: func(field string) bool {
		return g.everything || g.level(field) >= schema.FieldMasked
	}}
}

// viewEntity returns the entity of a view request and what the actor may
// read of it. An entity the actor may not read is unknown, as for its
// records.
func (e *Engine) viewEntity(actor Actor, entity string) (*compiled, *grants, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return nil, nil, err
	}
	g := e.Catalog().grantsFor(actor, ce)
	if !g.everything && len(g.read) == 0 {
		return nil, nil, errUnknownEntity(entity)
	}
	return ce, g, nil
}

// ListViews returns the views of an entity that actor sees: the shared
// ones and their own private ones (one indexed query), sorted by label in
// the language lang (en or zh-CN), each as actor may use it
// (schema.View.Shown). Generated views (schema.DefaultViews) come first:
// the list of every record always (a saved list view, filtered as it
// usually is, does not take "all" away), the kanban while the answer has
// no kanban.
func (e *Engine) ListViews(ctx context.Context, actor Actor, entity, lang string) ([]schema.View, error) {
	ce, g, err := e.viewEntity(actor, entity)
	if err != nil {
		return nil, err
	}
	recs, err := e.st.Find(ctx, collViews, query.Query{
		Filter: query.And{query.Cmp{Field: "entity", Op: query.Eq, Value: entity},
			query.Or{query.Cmp{Field: "shared", Op: query.Eq, Value: true}, query.Cmp{Field: "owner", Op: query.Eq, Value: actor.ID}}},
		Sort: []query.Sort{{Field: "id"}},
	})
	if err != nil {
		return nil, storeFailure("list views", err)
	}
	views := make([]schema.View, 0, len(recs)+2)
	has := map[string]bool{}
	for _, r := range recs {
		v := viewOf(r).Shown(ce.Entity, g.sight())
		has[v.Type] = true
		views = append(views, v)
	}
	sort.SliceStable(views, func(i, j int) bool {
		a, b := views[i].Label.In(lang), views[j].Label.In(lang)
		if la, lb := strings.ToLower(a), strings.ToLower(b); la != lb {
			return la < lb
		}
		return a < b
	})
	list, kanban := defaultViews(ce, g)
	var gen []schema.View
	gen = append(gen, *list)
	if kanban != nil && !has[schema.ViewKanban] {
		gen = append(gen, *kanban)
	}
	return append(gen, views...), nil
}

// GetView returns one view of an entity as actor may use it: a shared one,
// their own, or (for administrators) anyone's; the generated ones by their
// ids. Another user's private view is ENotFound, like one that does not
// exist.
func (e *Engine) GetView(ctx context.Context, actor Actor, entity, id string) (schema.View, error) {
	ce, g, err := e.viewEntity(actor, entity)
	if err != nil {
		return schema.View{}, err
	}
	if id == schema.DefaultListView || id == schema.DefaultKanbanView {
		list, kanban := defaultViews(ce, g)
		if id == schema.DefaultListView {
			return *list, nil
		}
		if kanban != nil {
			return *kanban, nil
		}
		return schema.View{}, errUnknownView(id)
	}
	rec, err := e.storedView(ctx, actor, entity, id)
	if err != nil {
		return schema.View{}, err
	}
	return viewOf(rec).Shown(ce.Entity, g.sight()), nil
}

// defaultViews are the generated views of an entity as g's holder sees
// them, with the list's default page size.
func defaultViews(ce *compiled, g *grants) (list, kanban *schema.View) {
	list, kanban = schema.DefaultViews(ce.Entity, g.sight())
	list.PageSize = DefaultLimit
	return list, kanban
}

// storedView reads a stored view of entity that actor may see.
func (e *Engine) storedView(ctx context.Context, actor Actor, entity, id string) (Record, error) {
	if _, err := uuid.Parse(id); err != nil {
		return Record{}, errUnknownView(id)
	}
	rec, err := e.st.Get(ctx, collViews, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Record{}, errUnknownView(id)
	case err != nil:
		return Record{}, storeFailure("read view", err)
	}
	v := viewOf(rec)
	if v.Entity != entity || !v.Shared && v.Owner != actor.ID && !actor.IsAdmin() {
		return Record{}, errUnknownView(id)
	}
	return rec, nil
}

// CreateView checks a view document (schema.ParseView, with the fields
// actor may read) and stores it as a new view of entity owned by actor.
// Only administrators share views (EForbidden).
func (e *Engine) CreateView(ctx context.Context, actor Actor, entity string, doc []byte) (schema.View, error) {
	ce, g, err := e.viewEntity(actor, entity)
	if err != nil {
		return schema.View{}, err
	}
	v, err := schema.ParseView(doc, ce.Entity, g.sight())
	if err != nil {
		return schema.View{}, err
	}
	if v.Shared && !actor.IsAdmin() {
		return schema.View{}, errShareAdminOnly()
	}
	n, err := e.st.Count(ctx, collViews, query.And{query.Cmp{Field: "entity", Op: query.Eq, Value: entity},
		query.Cmp{Field: "owner", Op: query.Eq, Value: actor.ID}})
	if err != nil {
		return schema.View{}, storeFailure("count views", err)
	}
	if n >= MaxViewsPerUser {
		return schema.View{}, morph.Errorf(morph.EConflict, "You have %d views of %s, the most one user may keep; delete one first",
			"您已有 %d 个 %s 视图，已达上限；请先删除一个", n, entity)
	}
	now := e.now()
	v.ID, v.Entity, v.Owner, v.Version, v.Generated = newID(), entity, actor.ID, 1, false
	data := viewData(v)
	data["created_at"], data["created_by"], data["updated_at"], data["updated_by"] = now, actor.ID, now, actor.ID
	rec := Record{ID: v.ID, Version: 1, Data: data}
	if err := e.st.Insert(ctx, collViews, rec, e.viewEntry(actor, AuditDefine, *v, now, nil, data)); err != nil {
		return schema.View{}, storeFailure("store view", err)
	}
	return v.Shown(ce.Entity, g.sight()), nil
}

// PutView replaces a stored view with a checked document. The owner and
// administrators may change a view (EForbidden for others; ENotFound for
// another user's private view); only administrators make a view shared.
// With IfVersion a stale version is EVersion.
func (e *Engine) PutView(ctx context.Context, actor Actor, entity, id string, doc []byte, opts ...SaveOption) (schema.View, error) {
	o := saveOpts(opts)
	ce, g, err := e.viewEntity(actor, entity)
	if err != nil {
		return schema.View{}, err
	}
	old, err := e.storedView(ctx, actor, entity, id)
	if err != nil {
		return schema.View{}, err
	}
	prev := viewOf(old)
	if prev.Owner != actor.ID && !actor.IsAdmin() {
		return schema.View{}, errViewOwnerOnly()
	}
	v, err := schema.ParseView(doc, ce.Entity, g.sight())
	if err != nil {
		return schema.View{}, err
	}
	if v.Shared && !prev.Shared && !actor.IsAdmin() {
		return schema.View{}, errShareAdminOnly()
	}
	if o.ifVersion > 0 && o.ifVersion != old.Version {
		return schema.View{}, errViewVersion()
	}
	now := e.now()
	v.ID, v.Entity, v.Owner, v.Version, v.Generated = id, entity, prev.Owner, old.Version+1, false
	data := viewData(v)
	data["created_at"], data["created_by"] = old.Data["created_at"], old.Data["created_by"]
	data["updated_at"], data["updated_by"] = now, actor.ID
	err = e.st.Update(ctx, collViews, Record{ID: id, Version: v.Version, Data: data}, e.viewEntry(actor, AuditDefine, *v, now, old.Data, data))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return schema.View{}, errViewVersion()
	case err != nil:
		return schema.View{}, storeFailure("store view", err)
	}
	return v.Shown(ce.Entity, g.sight()), nil
}

// DeleteView removes a stored view: its owner or an administrator may. The
// views of an entity that has been deleted may be deleted too.
func (e *Engine) DeleteView(ctx context.Context, actor Actor, entity, id string, opts ...SaveOption) error {
	o := saveOpts(opts)
	if _, err := e.entity(entity); err == nil {
		if _, _, err := e.viewEntity(actor, entity); err != nil {
			return err
		}
	}
	old, err := e.storedView(ctx, actor, entity, id)
	if err != nil {
		return err
	}
	v := viewOf(old)
	if v.Owner != actor.ID && !actor.IsAdmin() {
		return errViewOwnerOnly()
	}
	if o.ifVersion > 0 && o.ifVersion != old.Version {
		return errViewVersion()
	}
	v.Version = old.Version
	err = e.st.Delete(ctx, collViews, id, old.Version, e.viewEntry(actor, AuditUndefine, v, e.now(), old.Data, nil))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return errViewVersion()
	case err != nil:
		return storeFailure("delete view", err)
	}
	return nil
}

// viewEntry is the audit entry of a view's save or deletion, stored with
// the write: the parts of the document that changed.
func (e *Engine) viewEntry(actor Actor, action string, v schema.View, at string, old, new map[string]any) store.Record {
	a := AuditEntry{At: at, Action: action, Kind: KindView, Entity: v.Entity, Record: v.ID, Version: v.Version}
	a.Actor, a.Name, a.Addr, a.Via = actor.ID, actor.Name, actor.Addr, actor.Via
	a.Fields, a.Old, a.New = changes(old, new)
	return e.auditRecord(a)
}

// viewData is the stored form of a view (without the timestamps).
func viewData(v *schema.View) map[string]any {
	label := map[string]any{}
	if v.Label.EN != "" {
		label["en"] = v.Label.EN
	}
	if v.Label.ZH != "" {
		label["zh-CN"] = v.Label.ZH
	}
	d := map[string]any{"entity": v.Entity, "type": v.Type, "label": label, "shared": v.Shared, "owner": v.Owner}
	if len(v.Columns) > 0 {
		cols := make([]any, len(v.Columns))
		for i, c := range v.Columns {
			cm := map[string]any{"field": c.Field}
			if c.Width > 0 {
				cm["width"] = float64(c.Width)
			}
			cols[i] = cm
		}
		d["columns"] = cols
	}
	set := func(k, s string) {
		if s != "" {
			d[k] = s
		}
	}
	set("filter", v.Filter)
	set("sort", v.Sort)
	set("groupBy", v.GroupBy)
	if v.PageSize > 0 {
		d["pageSize"] = float64(v.PageSize)
	}
	list := func(k string, ss []string) {
		if len(ss) > 0 {
			l := make([]any, len(ss))
			for i, s := range ss {
				l[i] = s
			}
			d[k] = l
		}
	}
	list("cardFields", v.CardFields)
	list("hiddenGroups", v.HiddenGroups)
	return d
}

// viewOf reads a stored view.
func viewOf(r Record) schema.View {
	d := r.Data
	str := func(k string) string { s, _ := d[k].(string); return s }
	strs := func(k string) []string {
		l, _ := d[k].([]any)
		var out []string
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	v := schema.View{ID: r.ID, Version: r.Version, Entity: str("entity"), Type: str("type"), Owner: str("owner"),
		Filter: str("filter"), Sort: str("sort"), GroupBy: str("groupBy"),
		CardFields: strs("cardFields"), HiddenGroups: strs("hiddenGroups")}
	v.Shared, _ = d["shared"].(bool)
	if lm, ok := d["label"].(map[string]any); ok {
		v.Label.EN, _ = lm["en"].(string)
		v.Label.ZH, _ = lm["zh-CN"].(string)
	}
	if n, ok := d["pageSize"].(float64); ok {
		v.PageSize = int(n)
	}
	cols, _ := d["columns"].([]any)
	for _, c := range cols {
		cm, _ := c.(map[string]any)
		col := schema.ViewColumn{}
		col.Field, _ = cm["field"].(string)
		if w, ok := cm["width"].(float64); ok {
			col.Width = int(w)
		}
		v.Columns = append(v.Columns, col)
	}
	return v
}

func errUnknownView(string) error {
	return morph.Errorf(morph.ENotFound, "There is no such view", "视图不存在")
}

func errShareAdminOnly() error {
	return morph.Errorf(morph.EForbidden, "Only administrators may share views", "只有管理员可以共享视图")
}

func errViewOwnerOnly() error {
	return morph.Errorf(morph.EForbidden, "Only the view's owner or an administrator may change it", "只有视图的所有者或管理员可以修改它")
}

func errViewVersion() error {
	return morph.Errorf(morph.EVersion, "The view was changed by someone else; reload it and try again", "视图已被他人修改，请刷新后重试")
}
