package engine

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"sort"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// collLayouts holds the saved form layouts: id = layoutKey(entity, id),
// data: entity, layout id and the document.
const collLayouts = "_layouts"

// layoutKey is the store id of an entity's layout.
func layoutKey(entity, id string) string { return entity + ":" + id }

// layoutDef is a saved layout as the catalog holds it.
type layoutDef struct {
	entity, id string
	layout     *schema.Layout
	doc        string // the document as saved
	version    int64
}

// LayoutCount is the number of saved layouts.
func (c *Catalog) LayoutCount() int { return len(c.layouts) }

// LayoutInfo is a layout as the API answers it.
type LayoutInfo struct {
	ID        string
	Entity    string
	Label     morph.Text
	Version   int64  // 0 for a generated layout
	Generated bool   // made from the entity's fields; never stored
	Draft     bool   // a draft: binds nothing until published
	Doc       string // the document (JSON)
}

// Layout returns entity's layout id as actor may see it: a saved one, or
// for DefaultLayout, when none is saved, the generated one. A caller who may
// not read the entity gets ENotFound, as for its records.
func (e *Engine) Layout(actor Actor, entity, id string) (LayoutInfo, error) {
	cat := e.Catalog()
	ce, err := e.readableEntity(actor, entity)
	if err != nil {
		return LayoutInfo{}, err
	}
	if ld := cat.layouts[layoutKey(entity, id)]; ld != nil {
		return LayoutInfo{ID: id, Entity: entity, Label: ld.layout.Label, Version: ld.version, Doc: ld.doc}, nil
	}
	if id == schema.DefaultLayout {
		return generatedLayout(ce), nil
	}
	return LayoutInfo{}, errUnknownLayout(entity, id)
}

// Layouts lists entity's layouts by id; the generated default is among
// them when no default is saved.
func (e *Engine) Layouts(actor Actor, entity string) ([]LayoutInfo, error) {
	cat := e.Catalog()
	ce, err := e.readableEntity(actor, entity)
	if err != nil {
		return nil, err
	}
	var out []LayoutInfo
	for _, ld := range cat.layouts {
		if ld.entity == entity {
			out = append(out, LayoutInfo{ID: ld.id, Entity: entity, Label: ld.layout.Label, Version: ld.version, Doc: ld.doc})
		}
	}
	if cat.layouts[layoutKey(entity, schema.DefaultLayout)] == nil {
		out = append(out, generatedLayout(ce))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func generatedLayout(ce *compiled) LayoutInfo {
	return LayoutInfo{ID: schema.DefaultLayout, Entity: ce.Name, Label: ce.Label, Generated: true, Doc: string(schema.GenerateLayout(ce.Entity))}
}

// readableEntity returns the entity when actor may read some of its
// records; ENotFound otherwise (as an unknown entity).
func (e *Engine) readableEntity(actor Actor, entity string) (*compiled, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return nil, err
	}
	if !e.CanRead(actor, entity) {
		return nil, errUnknownEntity(entity)
	}
	return ce, nil
}

func errUnknownLayout(entity, id string) error {
	return morph.Errorf(morph.ENotFound, "Entity %s has no layout %q", "实体 %s 没有布局 %q", entity, id)
}

// PutLayout checks a layout document completely against its entity and
// stores it as the current version of the entity's layout id; the
// document's "id" and "entity" may be absent or the same as the URL's,
// "version", "generated" and "draft" are ignored. Only administrators may save
// layouts.
func (e *Engine) PutLayout(ctx context.Context, actor Actor, entity, id string, doc []byte, opts ...SaveOption) (LayoutInfo, bool, error) {
	if !actor.IsAdmin() {
		return LayoutInfo{}, false, errAdminOnly()
	}
	o := saveOpts(opts)
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	ce := cur.entities[entity]
	if ce == nil {
		return LayoutInfo{}, false, errUnknownEntity(entity)
	}
	if !layoutIDRE(id) {
		return LayoutInfo{}, false, errLayoutID()
	}
	doc, err := ownLayout(entity, id, doc)
	if err != nil {
		return LayoutInfo{}, false, err
	}
	l, err := schema.ParseLayout(doc, ce.Entity)
	if err != nil {
		return LayoutInfo{}, false, err
	}
	key := layoutKey(entity, id)
	version, found, err := e.putDocument(ctx, actor, collLayouts, "layout", key, map[string]any{"entity": entity, "layout": id}, string(doc), o.ifVersion)
	if err != nil {
		return LayoutInfo{}, false, err
	}
	docs := cur.docSet()
	docs.layouts[key] = storedDoc{doc: string(doc), version: version}
	e.catalog.Store(e.newCatalog(cur.entities, docs))
	return LayoutInfo{ID: id, Entity: entity, Label: l.Label, Version: version, Doc: string(doc)}, !found, nil
}

// DeleteLayout removes a saved layout; an entity whose default layout is
// removed gets the generated one again.
func (e *Engine) DeleteLayout(ctx context.Context, actor Actor, entity, id string, opts ...SaveOption) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	o := saveOpts(opts)
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	if cur.entities[entity] == nil {
		return errUnknownEntity(entity)
	}
	key := layoutKey(entity, id)
	ld := cur.layouts[key]
	if ld == nil {
		return errUnknownLayout(entity, id)
	}
	err := e.st.Delete(ctx, collLayouts, key, o.ifVersion,
		e.defEntry(actor, AuditUndefine, "layout", key, 0, e.now(), map[string]any{"version": float64(ld.version)}, nil))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound) && o.ifVersion > 0:
		return errDefinitionVersion()
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return storeFailure("delete layout "+key, err)
	}
	docs := cur.docSet()
	delete(docs.layouts, key)
	e.catalog.Store(e.newCatalog(cur.entities, docs))
	return nil
}

// deleteLayoutsOf removes the saved layouts of an entity being deleted
// (the caller holds defMu and swaps in the catalog).
func (e *Engine) deleteLayoutsOf(ctx context.Context, docs docSet, entity string) {
	for key := range docs.layouts {
		if strings.HasPrefix(key, entity+":") {
			if err := e.st.Delete(ctx, collLayouts, key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
				e.log.Error("delete layout of a deleted entity", "layout", key, "err", err)
				continue
			}
			delete(docs.layouts, key)
		}
	}
	drafts, err := e.st.Find(ctx, collLayoutDrafts, query.Query{Filter: query.Cmp{Field: "entity", Op: query.Eq, Value: entity}})
	if err != nil {
		e.log.Error("layout drafts of a deleted entity", "entity", entity, "err", err)
		return
	}
	for _, d := range drafts {
		if err := e.st.Delete(ctx, collLayoutDrafts, d.ID, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			e.log.Error("delete layout draft of a deleted entity", "draft", d.ID, "err", err)
		}
	}
}

// deleteViewsOf removes the saved views of an entity being deleted, each
// with its audit entry.
func (e *Engine) deleteViewsOf(ctx context.Context, actor Actor, entity string) {
	for {
		recs, err := e.st.Find(ctx, collViews, query.Query{Filter: query.Cmp{Field: "entity", Op: query.Eq, Value: entity}, Limit: 500})
		if err != nil {
			e.log.Error("views of a deleted entity", "entity", entity, "err", err)
			return
		}
		if len(recs) == 0 {
			return
		}
		for _, r := range recs {
			v := viewOf(r)
			err := e.st.Delete(ctx, collViews, r.ID, r.Version, e.viewEntry(actor, AuditUndefine, v, e.now(), r.Data, nil))
			if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
				e.log.Error("delete view of a deleted entity", "view", r.ID, "err", err)
				return
			}
		}
	}
}

func errLayoutID() error {
	return morph.Invalid(morph.FieldError{Path: "/id", Code: "name", Offset: -1,
		Text: morph.T("A layout id starts with a lower-case letter and uses only a-z, 0-9 and _ (at most 40)", "布局 ID 以小写字母开头，只含 a-z、0-9 和 _（最多 40 个字符）")})
}

func layoutIDRE(id string) bool {
	if id == "" || len(id) > 40 || id[0] < 'a' || id[0] > 'z' {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// ownLayout returns doc with "id" and "entity" set to the URL's and the
// server's keys (version, generated) removed; an id or entity in the
// document that differs from the URL's is an error.
func ownLayout(entity, id string, doc []byte) ([]byte, error) {
	if err := schema.CheckText(doc); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		return doc, nil // ParseLayout says what is wrong
	}
	var errs []morph.FieldError
	for k, want := range map[string]string{"id": id, "entity": entity} {
		if v, has := m[k]; has && v != want {
			errs = append(errs, morph.FieldError{Path: "/" + k, Code: "name", Offset: -1,
				Text: morph.T("%s must be the one in the URL, %q", "%s 必须与 URL 中的一致：%q", k, want)})
		}
		m[k] = want
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
		return nil, morph.Invalid(errs...)
	}
	delete(m, "version")
	delete(m, "generated")
	delete(m, "draft")
	return json.Marshal(m)
}

// compileLayouts compiles the stored layouts against the catalog's
// entities. A layout of an entity that is gone is dropped; one that no
// longer fits its entity (a field it places was removed, a condition uses
// one) loses the parts that do not fit, and fields the entity now requires
// are added at its end.
func compileLayouts(cat *Catalog, docs map[string]storedDoc, log func(msg string, args ...any)) map[string]*layoutDef {
	out := make(map[string]*layoutDef, len(docs))
	for key, d := range docs {
		entity, id, _ := strings.Cut(key, ":")
		ce := cat.entities[entity]
		if ce == nil {
			continue
		}
		l, err := schema.ParseLayout([]byte(d.doc), ce.Entity)
		if err != nil {
			l, err = schema.ParseLayout(schema.TrimLayout([]byte(d.doc), ce.Entity), ce.Entity)
			if err == nil {
				log("layout no longer fits its entity; the parts that do not fit are left out", "layout", key)
			}
		}
		if err != nil {
			log("layout does not compile; the generated one is used", "layout", key, "err", err)
			continue
		}
		out[key] = &layoutDef{entity: entity, id: id, layout: l, doc: d.doc, version: d.version}
	}
	return out
}

// layoutErrors checks a write against the rules of its entity's default
// layout: a field shown and required (requiredWhen holds on the new
// values) must have a value; a field read-only on the stored record
// (readOnlyWhen holds on it) must not change. Conditions see the record as
// the browser does, system fields included, with user and now() of the
// write.
func (e *Engine) layoutErrors(ce *compiled, w *Write) []morph.FieldError {
	ld := e.Catalog().layouts[layoutKey(ce.Name, schema.DefaultLayout)]
	if ld == nil || len(ld.layout.Rules) == 0 {
		return nil
	}
	env := e.filterEnv(w.Actor)
	holds := func(cond string, doc map[string]any) bool {
		f, err := lang.Filter(cond, ce.Resolve, env)
		if err != nil {
			// Compiled when the layout was saved or loaded; a rule that
			// stopped compiling binds nothing.
			return false
		}
		return query.Match(f, doc)
	}
	newDoc := w.Data
	var oldDoc map[string]any
	if w.Old != nil {
		newDoc = withSystem(w.Data, *w.Old)
		oldDoc = withSystem(w.Old.Data, *w.Old)
	}
	if w.owner != "" && ce.Field("owner") == nil { // the owner the record will have, as the form shows it
		if w.Old == nil {
			newDoc = maps.Clone(w.Data)
		}
		newDoc["owner"] = w.owner
	}
	var errs []morph.FieldError
	for name, r := range ld.layout.Rules {
		if r.ReadOnly != "" && oldDoc != nil && holds(r.ReadOnly, oldDoc) && !reflect.DeepEqual(w.Data[name], w.Old.Data[name]) {
			l := fieldLabel(ce, name)
			errs = append(errs, morph.FieldError{Path: "/" + name, Code: "read_only", Offset: -1,
				Text: morph.Text{EN: l.EN + " cannot be changed now", ZH: l.ZH + " 当前不可修改"}})
			continue
		}
		if r.Required == "" || !isEmpty(w.Data[name]) {
			continue
		}
		shown := true
		for _, v := range r.Visible {
			if !holds(v, newDoc) {
				shown = false
				break
			}
		}
		if shown && holds(r.Required, newDoc) {
			l := fieldLabel(ce, name)
			errs = append(errs, morph.FieldError{Path: "/" + name, Code: "required", Offset: -1,
				Text: morph.Text{EN: l.EN + " is required", ZH: l.ZH + " 为必填项"}})
		}
	}
	return errs
}

// withSystem returns data with the stored record's id, version and system
// fields added where data lacks them.
func withSystem(data map[string]any, old Record) map[string]any {
	doc := make(map[string]any, len(data)+8)
	for _, k := range []string{"created_at", "created_by", "updated_at", "updated_by", "owner"} {
		if v, ok := old.Data[k]; ok {
			doc[k] = v
		}
	}
	for k, v := range data {
		doc[k] = v
	}
	doc["id"], doc["version"] = old.ID, float64(old.Version)
	return doc
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	}
	return false
}

func fieldLabel(ce *compiled, name string) morph.Text {
	if f := ce.Field(name); f != nil {
		return f.Label
	}
	return morph.Text{EN: name, ZH: name}
}

// collLayoutDrafts holds layouts being designed: id = layoutKey(entity,
// id), data: the document and the version of the published layout it
// started from. A draft is checked like a layout but binds nothing until it
// is published.
const collLayoutDrafts = "_layout_drafts"

// LayoutDraft returns the draft of entity's layout id (ENotFound without
// one). Only administrators see drafts.
func (e *Engine) LayoutDraft(ctx context.Context, actor Actor, entity, id string) (LayoutInfo, error) {
	if !actor.IsAdmin() {
		return LayoutInfo{}, errAdminOnly()
	}
	ce, err := e.entity(entity)
	if err != nil {
		return LayoutInfo{}, err
	}
	rec, err := e.st.Get(ctx, collLayoutDrafts, layoutKey(entity, id))
	if errors.Is(err, store.ErrNotFound) {
		return LayoutInfo{}, errNoDraft(entity, id)
	}
	if err != nil {
		return LayoutInfo{}, storeFailure("read layout draft", err)
	}
	return draftInfo(ce, id, rec), nil
}

func draftInfo(ce *compiled, id string, rec Record) LayoutInfo {
	doc, _ := rec.Data["document"].(string)
	label := ce.Label
	if l, err := schema.ParseLayout([]byte(doc), ce.Entity); err == nil {
		label = l.Label
	}
	return LayoutInfo{ID: id, Entity: ce.Name, Label: label, Version: rec.Version, Doc: doc, Draft: true}
}

func errNoDraft(entity, id string) error {
	return morph.Errorf(morph.ENotFound, "Layout %q of %s has no draft", "%[2]s 的布局 %[1]q 没有草稿", id, entity)
}

// PutLayoutDraft checks a layout document completely, as PutLayout does,
// and keeps it as the draft of entity's layout id: the published layout
// (or the generated one) stays in effect until the draft is published.
// IfVersion applies to the draft's own version.
func (e *Engine) PutLayoutDraft(ctx context.Context, actor Actor, entity, id string, doc []byte, opts ...SaveOption) (LayoutInfo, bool, error) {
	if !actor.IsAdmin() {
		return LayoutInfo{}, false, errAdminOnly()
	}
	o := saveOpts(opts)
	ce, err := e.entity(entity)
	if err != nil {
		return LayoutInfo{}, false, err
	}
	if !layoutIDRE(id) {
		return LayoutInfo{}, false, errLayoutID()
	}
	if doc, err = ownLayout(entity, id, doc); err != nil {
		return LayoutInfo{}, false, err
	}
	if _, err := schema.ParseLayout(doc, ce.Entity); err != nil {
		return LayoutInfo{}, false, err
	}
	key := layoutKey(entity, id)
	stored, err := e.st.Get(ctx, collLayoutDrafts, key)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return LayoutInfo{}, false, storeFailure("read layout draft", err)
	}
	if o.ifVersion > 0 && (!found || stored.Version != o.ifVersion) {
		return LayoutInfo{}, false, errDefinitionVersion()
	}
	var base int64
	if ld := e.Catalog().layouts[key]; ld != nil {
		base = ld.version
	}
	now := e.now()
	rec := store.Record{ID: key, Version: 1, Data: map[string]any{"entity": entity, "layout": id, "document": string(doc),
		"base": float64(base), "updated_at": now, "updated_by": actor.ID}}
	if found {
		rec.Version = stored.Version + 1
		err = e.st.Update(ctx, collLayoutDrafts, rec)
	} else {
		err = e.st.Insert(ctx, collLayoutDrafts, rec)
	}
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDuplicateID):
		return LayoutInfo{}, false, errDefinitionVersion()
	case err != nil:
		return LayoutInfo{}, false, storeFailure("store layout draft", err)
	}
	return draftInfo(ce, id, rec), !found, nil
}

// DeleteLayoutDraft discards a draft.
func (e *Engine) DeleteLayoutDraft(ctx context.Context, actor Actor, entity, id string, opts ...SaveOption) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	o := saveOpts(opts)
	if _, err := e.entity(entity); err != nil {
		return err
	}
	err := e.st.Delete(ctx, collLayoutDrafts, layoutKey(entity, id), o.ifVersion)
	switch {
	case errors.Is(err, store.ErrNotFound) && o.ifVersion == 0:
		return errNoDraft(entity, id)
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return errDefinitionVersion()
	case err != nil:
		return storeFailure("delete layout draft", err)
	}
	return nil
}

// PublishLayout makes the draft of entity's layout id the published
// layout (checked again against the entity as it is now, versioned and
// audited as PutLayout) and discards the draft. IfVersion applies to the
// draft's version, so that what is published is what the publisher saw.
func (e *Engine) PublishLayout(ctx context.Context, actor Actor, entity, id string, opts ...SaveOption) (LayoutInfo, error) {
	d, err := e.LayoutDraft(ctx, actor, entity, id)
	if err != nil {
		return LayoutInfo{}, err
	}
	if o := saveOpts(opts); o.ifVersion > 0 && o.ifVersion != d.Version {
		return LayoutInfo{}, errDefinitionVersion()
	}
	l, _, err := e.PutLayout(ctx, actor, entity, id, []byte(d.Doc))
	if err != nil {
		return LayoutInfo{}, err
	}
	if err := e.st.Delete(ctx, collLayoutDrafts, layoutKey(entity, id), d.Version); err != nil && !errors.Is(err, store.ErrNotFound) {
		// Published; the draft changed meanwhile and is kept as it is now.
		e.log.Warn("layout draft kept after publishing", "layout", layoutKey(entity, id), "err", err)
	}
	return l, nil
}
