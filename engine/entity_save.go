package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// SaveResult tells what PutEntity did.
type SaveResult struct {
	Entity  *schema.Entity
	Version int64 // the definition's version after the save
	Created bool
}

// A SaveOption qualifies a change of a definition (PutEntity, DeleteEntity).
type SaveOption func(*saveOptions)

type saveOptions struct {
	ifVersion int64
	force     bool
}

// IfVersion makes the change conditional: it is refused with EVersion
// unless the stored definition's version is v (as a client read it). The
// comparison is made under the lock that serialises definition changes, so
// of concurrent changes naming one version exactly one succeeds.
func IfVersion(v int64) SaveOption { return func(o *saveOptions) { o.ifVersion = v } }

// Force saves a definition although stored values do not fit a changed
// field (see PutEntity). Such values stay as they are.
func Force() SaveOption { return func(o *saveOptions) { o.force = true } }

func saveOpts(opts []SaveOption) saveOptions {
	var o saveOptions
	for _, fn := range opts {
		fn(&o)
	}
	return o
}

func errDefinitionVersion() error {
	return morph.Errorf(morph.EVersion, "The definition was changed by someone else; reload it and try again",
		"定义已被他人修改，请刷新后重试")
}

// PutEntity checks a definition completely and, when it is sound, stores it
// as the current version of the entity named name and swaps in a catalog
// that has it. name names the entity; the document's $id may be absent, the
// same name or a URI (schema.ParseNamed). The collection and its indexes
// follow the definition.
//
// A change of a field's type, x-many or x-ref, or a select losing options,
// is refused with EIncompatible when stored records hold values of the field
// that the new definition does not accept, counted per field — unless Force
// is given. Nothing changes when the definition is refused; a new entity
// whose save fails leaves no collection behind.
func (e *Engine) PutEntity(ctx context.Context, actor Actor, name string, doc []byte, opts ...SaveOption) (SaveResult, error) {
	if !actor.IsAdmin() {
		return SaveResult{}, errAdminOnly()
	}
	o := saveOpts(opts)
	ent, err := schema.ParseNamed(name, doc)
	if err != nil {
		return SaveResult{}, err
	}

	e.defMu.Lock()
	defer e.defMu.Unlock()
	return e.putEntityLocked(ctx, actor, name, ent, o)
}

// putEntityLocked is PutEntity of a parsed definition; the caller holds defMu.
func (e *Engine) putEntityLocked(ctx context.Context, actor Actor, name string, ent *schema.Entity, o saveOptions) (SaveResult, error) {
	cur := e.catalog.Load()
	errs := ent.CheckRefs(func(n string) bool { return n == name || cur.entities[n] != nil })
	if errs = append(errs, cur.checkCalendars(ent)...); len(errs) > 0 {
		return SaveResult{}, morph.Invalid(errs...)
	}
	if errs := checkRollups(cur, ent); len(errs) > 0 {
		return SaveResult{}, morph.Invalid(errs...)
	}
	stored, found, err := e.storedDefinition(ctx, name)
	if err != nil {
		return SaveResult{}, err
	}
	if o.ifVersion > 0 && (!found || stored.Version != o.ifVersion) {
		return SaveResult{}, errDefinitionVersion()
	}

	ce := compile(ent, string(ent.JSON()))
	var prev *compiled
	if found {
		if prev, err = compiledOf(cur, stored); err != nil {
			return SaveResult{}, err
		}
		if !o.force {
			if err := e.checkStoredValues(ctx, prev, ce); err != nil {
				return SaveResult{}, err
			}
		}
	} else if err := e.dropLeftovers(ctx, name); err != nil {
		return SaveResult{}, err
	}
	indexes, later, err := e.splitIndexes(ctx, ce, prev)
	if err != nil {
		return SaveResult{}, fmt.Errorf("engine: count records of %s: %w", name, err)
	}
	if err := e.ensureCollection(ctx, ce, prev, indexes); err != nil {
		return SaveResult{}, err
	}
	version, err := e.storeDefinition(ctx, actor, name, ce.def, stored, found)
	if err != nil {
		if !found && morph.ErrorCode(err) != morph.EVersion { // not created by someone else meanwhile
			e.dropCollection(ctx, name)
		}
		return SaveResult{}, err
	}

	ce.version = version
	next := maps.Clone(cur.entities)
	next[name] = ce
	e.catalog.Store(e.newCatalog(next, cur.docSet()))
	if later {
		e.buildIndexes(ce)
	}
	e.afterFormulaChange(ctx, prev, ce)
	return SaveResult{Entity: ent, Version: version, Created: !found}, nil
}

// storedDefinition reads the stored definition of an entity.
func (e *Engine) storedDefinition(ctx context.Context, name string) (store.Record, bool, error) {
	stored, err := e.st.Get(ctx, collEntities, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Record{}, false, nil
	case err != nil:
		return store.Record{}, false, fmt.Errorf("engine: read definition %s: %w", name, err)
	}
	return stored, true, nil
}

// compiledOf returns the compiled form of a stored definition: the
// catalog's when it has that version, compiled afresh otherwise (another
// instance saved it since the last refresh).
func compiledOf(cur *Catalog, stored store.Record) (*compiled, error) {
	def, _ := stored.Data["definition"].(string)
	if ce := cur.entities[stored.ID]; ce != nil && ce.version == stored.Version && ce.def == def {
		return ce, nil
	}
	ent, err := schema.ParseStored([]byte(def))
	if err != nil {
		return nil, fmt.Errorf("engine: stored definition %q does not compile: %w", stored.ID, err)
	}
	ce := compile(ent, def)
	ce.version = stored.Version
	return ce, nil
}

// dropLeftovers removes what is left of an earlier entity of the same name
// before a new one is created: records written into its collection while it
// was being deleted (stores that create collections on a write, MongoDB,
// keep them). An empty collection is left alone: it may be another
// instance's new entity, whose definition is not stored yet.
func (e *Engine) dropLeftovers(ctx context.Context, name string) error {
	n, err := e.st.Count(ctx, name, nil)
	if errors.Is(err, store.ErrNoCollection) || err == nil && n == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("engine: count records of %s: %w", name, err)
	}
	if err := e.st.DropCollection(ctx, name); err != nil {
		return fmt.Errorf("engine: drop collection %s: %w", name, err)
	}
	return nil
}

// ensureCollection makes the entity's collection have the indexes given
// (the definition's, or those of them made before the save answers). When
// that fails the indexes are put back as prev had them, or a new entity's
// collection is dropped.
func (e *Engine) ensureCollection(ctx context.Context, ce, prev *compiled, indexes []store.Index) error {
	err := e.st.EnsureCollection(ctx, ce.Name, indexes)
	if err == nil {
		return nil
	}
	if prev == nil {
		e.dropCollection(ctx, ce.Name)
	} else if rerr := e.st.EnsureCollection(ctx, ce.Name, prev.indexes); rerr != nil {
		e.log.Error("restore indexes", "entity", ce.Name, "err", rerr)
	}
	var ue *store.UniqueError
	if errors.As(err, &ue) {
		return &morph.Error{Code: morph.EDuplicate, Err: err,
			Text: morph.T("Existing records share values of a field made unique; make them distinct first",
				"现有记录中该字段存在重复值，无法设为唯一；请先消除重复"),
			Fields: uniqueFieldErrors(ce, ue, "/properties/%s/x-unique")}
	}
	return fmt.Errorf("engine: ensure collection %s: %w", ce.Name, err)
}

func (e *Engine) dropCollection(ctx context.Context, name string) {
	if err := e.st.DropCollection(ctx, name); err != nil {
		e.log.Error("drop collection", "entity", name, "err", err)
	}
}

// storeDefinition writes def as the next version of the entity's definition
// and keeps it in the history. A new entity's versions continue after the
// last one kept of an earlier entity of the same name, so every version
// stays in the history. A concurrent change by another instance is EVersion.
func (e *Engine) storeDefinition(ctx context.Context, actor Actor, name, def string, stored store.Record, found bool) (int64, error) {
	now := e.now()
	var version int64
	var err error
	if found {
		version = stored.Version + 1
		data := maps.Clone(stored.Data)
		data["definition"], data["updated_at"], data["updated_by"] = def, now, actor.ID
		err = e.st.Update(ctx, collEntities, store.Record{ID: name, Version: version, Data: data},
			e.definitionEntry(actor, AuditDefine, name, stored.Version, version))
	} else {
		if version, err = e.lastHistoryVersion(ctx, name); err != nil {
			return 0, err
		}
		version++
		err = e.st.Insert(ctx, collEntities, store.Record{ID: name, Version: version, Data: map[string]any{
			"definition": def, "created_at": now, "created_by": actor.ID, "updated_at": now, "updated_by": actor.ID}},
			e.definitionEntry(actor, AuditDefine, name, 0, version))
	}
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDuplicateID):
		return 0, errDefinitionVersion()
	case err != nil:
		return 0, fmt.Errorf("engine: store definition %s: %w", name, err)
	}
	if err := e.st.Insert(ctx, collDefHistory, store.Record{ID: historyID(name, version), Version: 1,
		Data: map[string]any{"entity": name, "version": float64(version), "definition": def, "saved_at": now, "saved_by": actor.ID}}); err != nil {
		e.log.Error("definition history", "entity", name, "version", version, "err", err)
	}
	return version, nil
}

// lastHistoryVersion returns the highest version kept in the history of an
// entity name, 0 when there is none. (The history's "version" field cannot
// be sorted on: the name is the records' own version's.) Versions are kept
// one after another, so it is their count, unless a gap was left: then the
// versions above the count are looked up one by one.
func (e *Engine) lastHistoryVersion(ctx context.Context, name string) (int64, error) {
	n, err := e.st.Count(ctx, collDefHistory, query.Cmp{Field: "entity", Op: query.Eq, Value: name})
	for err == nil {
		if _, err = e.st.Get(ctx, collDefHistory, historyID(name, n+1)); err == nil {
			n++
		}
	}
	if !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("engine: read definition history %s: %w", name, err)
	}
	return n, nil
}

func historyID(name string, version int64) string { return fmt.Sprintf("%s@%d", name, version) }

// DeleteEntity removes an entity's definition, its records, layouts and
// views. It is refused with EInUse, changing nothing, while other
// definitions name it: relation and roll-up fields of other entities, and
// the external referrers (workflow rules, SLA policies), each a field error
// at its pointer (/entities/<name>/properties/<field>,
// /workflows/<name>/entity …, code referenced). IfVersion applies; Force
// does not.
func (e *Engine) DeleteEntity(ctx context.Context, actor Actor, name string, opts ...SaveOption) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	o := saveOpts(opts)
	e.defMu.Lock()
	defer e.defMu.Unlock()
	return e.deleteEntityLocked(ctx, actor, name, o)
}

// deleteEntityLocked is DeleteEntity; the caller holds defMu.
func (e *Engine) deleteEntityLocked(ctx context.Context, actor Actor, name string, o saveOptions) error {
	cur := e.catalog.Load()
	if cur.entities[name] == nil {
		return errUnknownEntity(name)
	}
	refs, err := e.referrersOf(ctx, cur, NamedEntity, name, false)
	if err != nil {
		return err
	}
	if len(refs) > 0 {
		return errInUse(morph.T("Other definitions name %q; change or remove them before deleting it",
			"其他定义引用了 %q；请先修改或删除它们再删除该实体", name), refs)
	}
	err = e.st.Delete(ctx, collEntities, name, o.ifVersion, e.definitionEntry(actor, AuditUndefine, name, cur.entities[name].version, 0))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound) && o.ifVersion > 0:
		return errDefinitionVersion()
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("engine: delete definition %s: %w", name, err)
	}
	next := maps.Clone(cur.entities)
	delete(next, name)
	docs := cur.docSet()
	e.deleteLayoutsOf(ctx, docs, name)
	e.deleteViewsOf(ctx, actor, name)
	e.dropGrantsOf(ctx, actor, docs, name)
	e.catalog.Store(e.newCatalog(next, docs))
	e.dropCollection(ctx, name)
	return nil
}

// uniqueFieldErrors names the fields of a violated unique index; format has
// one %s for the field name.
func uniqueFieldErrors(ce *compiled, ue *store.UniqueError, format string) []morph.FieldError {
	field := ce.uniqueIdx[ue.Index]
	if field == "" && len(ue.Fields) == 1 {
		for _, f := range ce.Fields {
			if f.Type.StorePath(f.Name) == ue.Fields[0] {
				field = f.Name
			}
		}
	}
	if field == "" {
		return nil
	}
	return []morph.FieldError{{Path: fmt.Sprintf(format, field), Code: "unique",
		Text: morph.T("This value is already used by another record", "该值已被其他记录使用")}}
}

// dropGrantsOf removes a deleted entity from every role that grants
// something on it (each change a saved, audited version of the role), so
// that an entity created later under the same name starts with no grants
// rather than with those of the one deleted.
func (e *Engine) dropGrantsOf(ctx context.Context, actor Actor, docs docSet, entity string) {
	for name, rd := range docs.roles {
		m, ok := defdoc.DecodeObject([]byte(rd.doc))
		if !ok {
			continue
		}
		ents, _ := m["entities"].(map[string]any)
		if _, ok := ents[entity]; !ok {
			continue
		}
		delete(ents, entity)
		doc := string(defdoc.Encode(m, nil))
		if doc == "" {
			continue
		}
		version, _, err := e.putDocument(ctx, actor, collRoles, "role", name, nil, doc, rd.version)
		if err != nil {
			e.log.Error("remove a deleted entity from a role", "role", name, "entity", entity, "err", err)
			continue
		}
		docs.roles[name] = storedDoc{doc: doc, version: version}
	}
}
