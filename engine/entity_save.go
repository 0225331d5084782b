package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// SaveResult tells what PutEntity did.
type SaveResult struct {
	Entity  *schema.Entity
	Version int64 // the definition's version after the save
	Created bool
}

// PutEntity checks a definition completely and, when it is sound, stores it
// as the current version of the entity named name and swaps in a catalog
// that has it. The collection and its indexes follow the definition. Nothing
// changes when the definition is refused.
func (e *Engine) PutEntity(ctx context.Context, actor Actor, name string, doc []byte) (SaveResult, error) {
	ent, err := schema.Parse(doc)
	if err != nil {
		return SaveResult{}, err
	}
	if ent.Name != name {
		return SaveResult{}, morph.Invalid(morph.FieldError{Path: "/$id", Code: "mismatch",
			Text: morph.T("$id %q does not match the entity name %q in the URL", "$id %q 与 URL 中的实体名 %q 不一致", ent.Name, name)})
	}

	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	if errs := ent.CheckRefs(func(n string) bool { return n == name || cur.entities[n] != nil }); len(errs) > 0 {
		return SaveResult{}, morph.Invalid(errs...)
	}

	def := string(ent.JSON())
	ce := compile(ent, def)
	old := cur.entities[name]
	if err := e.st.EnsureCollection(ctx, name, ce.indexes); err != nil {
		if old != nil {
			// Put the indexes back as they were; the definition did not change.
			if rerr := e.st.EnsureCollection(ctx, name, old.indexes); rerr != nil {
				e.log.Error("restore indexes", "entity", name, "err", rerr)
			}
		}
		var ue *store.UniqueError
		if errors.As(err, &ue) {
			return SaveResult{}, &morph.Error{Code: morph.EDuplicate, Err: err,
				Text: morph.T("Existing records share values of a field made unique; make them distinct first",
					"现有记录中该字段存在重复值，无法设为唯一；请先消除重复"),
				Fields: uniqueFieldErrors(ce, ue, "/properties/%s/x-unique")}
		}
		return SaveResult{}, fmt.Errorf("engine: ensure collection %s: %w", name, err)
	}

	now := e.now()
	res := SaveResult{Entity: ent, Created: old == nil}
	stored, err := e.st.Get(ctx, collEntities, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		res.Version = 1
		err = e.st.Insert(ctx, collEntities, store.Record{ID: name, Version: 1, Data: map[string]any{
			"definition": def, "created_at": now, "created_by": actor.ID, "updated_at": now, "updated_by": actor.ID}})
	case err == nil:
		res.Version = stored.Version + 1
		data := maps.Clone(stored.Data)
		data["definition"], data["updated_at"], data["updated_by"] = def, now, actor.ID
		err = e.st.Update(ctx, collEntities, store.Record{ID: name, Version: res.Version, Data: data})
	}
	if err != nil {
		return SaveResult{}, fmt.Errorf("engine: store definition %s: %w", name, err)
	}
	if err := e.st.Insert(ctx, collDefHistory, store.Record{ID: fmt.Sprintf("%s@%d", name, res.Version), Version: 1,
		Data: map[string]any{"entity": name, "version": float64(res.Version), "definition": def, "saved_at": now, "saved_by": actor.ID}}); err != nil {
		e.log.Error("definition history", "entity", name, "err", err)
	}

	ce.version = res.Version
	next := maps.Clone(cur.entities)
	next[name] = ce
	e.catalog.Store(newCatalog(next))
	return res, nil
}

// DeleteEntity removes an entity's definition and its records. It is refused
// while relation fields of other entities point at it.
func (e *Engine) DeleteEntity(ctx context.Context, actor Actor, name string) error {
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	if cur.entities[name] == nil {
		return errUnknownEntity(name)
	}
	if refs := cur.ReferencesTo(name); len(refs) > 0 {
		err := morph.Errorf(morph.EConflict, "Entity %q is referenced by other entities; remove those relation fields first",
			"实体 %q 仍被其他实体引用；请先删除这些关联字段", name)
		for _, r := range refs {
			err.Fields = append(err.Fields, morph.FieldError{Path: "/" + r.Entity + "/properties/" + r.Field, Code: "referenced",
				Text: morph.T("%s.%s refers to %s", "%s.%s 引用了 %s", r.Entity, r.Field, name)})
		}
		return err
	}
	if err := e.st.Delete(ctx, collEntities, name, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("engine: delete definition %s: %w", name, err)
	}
	next := maps.Clone(cur.entities)
	delete(next, name)
	e.catalog.Store(newCatalog(next))
	if err := e.st.DropCollection(ctx, name); err != nil {
		e.log.Error("drop collection", "entity", name, "err", err)
	}
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
