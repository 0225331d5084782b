package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// RenameEntity gives an entity that holds no records yet another name, in
// one step under the lock that serialises definition changes: its definition
// is saved under the new name (relations of the entity to itself follow) and
// the old one is deleted. IfVersion applies to the old definition.
//
// It is refused, changing nothing, with
//   - ENotFound when there is no entity from;
//   - EInvalid when to is not a valid entity name (path /name);
//   - EConflict when an entity named to exists (/name), or when the entity
//     holds records (/name, code has_records: its name is fixed from then
//     on);
//   - EInUse while anything refers to it by name: relation or roll-up
//     fields of other entities, its saved layouts and layout drafts, its
//     saved views, roles that grant access to it, workflow rules and SLA
//     policies (each at /<kinds>/<name>[<path>], code referenced: see
//     Referrer.Pointer) — those are changed or removed first.
func (e *Engine) RenameEntity(ctx context.Context, actor Actor, from, to string, opts ...SaveOption) (SaveResult, error) {
	if !actor.IsAdmin() {
		return SaveResult{}, errAdminOnly()
	}
	o := saveOpts(opts)
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	ce := cur.entities[from]
	if ce == nil {
		return SaveResult{}, errUnknownEntity(from)
	}
	if !schema.ValidEntityName(to) {
		return SaveResult{}, morph.Invalid(morph.FieldError{Path: "/name", Code: "name", Offset: -1,
			Text: morph.T("An entity name starts with a lower-case letter and uses only a-z, 0-9 and _", "实体名以小写字母开头，只含 a-z、0-9 和 _")})
	}
	if to == from || cur.entities[to] != nil {
		return SaveResult{}, &morph.Error{Code: morph.EConflict,
			Text:   morph.T("An entity named %q exists already", "已存在名为 %q 的实体", to),
			Fields: []morph.FieldError{{Path: "/name", Code: "exists", Offset: -1, Text: morph.T("Taken", "已被使用")}}}
	}
	if o.ifVersion > 0 && ce.version != o.ifVersion {
		return SaveResult{}, errDefinitionVersion()
	}
	n, err := e.st.Count(ctx, from, nil)
	if err != nil && !errors.Is(err, store.ErrNoCollection) {
		return SaveResult{}, fmt.Errorf("engine: count records of %s: %w", from, err)
	}
	if n > 0 {
		return SaveResult{}, &morph.Error{Code: morph.EConflict,
			Text: morph.T("%q holds %d records: its name is fixed once it has records", "%q 已有 %d 条记录：实体有记录后名称不能再改", from, n),
			Fields: []morph.FieldError{{Path: "/name", Code: "has_records", Offset: -1,
				Text: morph.T("The entity holds records", "实体已有记录")}}}
	}
	refs, err := e.referrersOf(ctx, cur, NamedEntity, from, true)
	if err != nil {
		return SaveResult{}, err
	}
	if len(refs) > 0 {
		return SaveResult{}, errInUse(morph.T("Other definitions name %q; change or remove them before renaming it",
			"其他定义按名称引用了 %q；请先修改或删除它们再改名", from), refs)
	}

	doc, err := renamedDefinition(ce.def, from, to)
	if err != nil {
		return SaveResult{}, err
	}
	ent, err := schema.ParseNamed(to, doc)
	if err != nil {
		return SaveResult{}, err
	}
	res, err := e.putEntityLocked(ctx, actor, to, ent, saveOptions{})
	if err != nil {
		return SaveResult{}, err
	}
	if err := e.deleteEntityLocked(ctx, actor, from, saveOptions{}); err != nil {
		if rerr := e.deleteEntityLocked(ctx, actor, to, saveOptions{}); rerr != nil {
			e.log.Error("undo a rename", "from", from, "to", to, "err", rerr)
		}
		return SaveResult{}, err
	}
	return res, nil
}

// renamedDefinition is a stored definition under a new name: its $id, and
// relations of the entity to itself, name to.
func renamedDefinition(def, from, to string) ([]byte, error) {
	var root map[string]any
	if err := json.Unmarshal([]byte(def), &root); err != nil {
		return nil, fmt.Errorf("engine: stored definition %q: %w", from, err)
	}
	root["$id"] = to
	props, _ := root["properties"].(map[string]any)
	for _, p := range props {
		pm, _ := p.(map[string]any)
		if pm == nil {
			continue
		}
		if pm["x-ref"] == from {
			pm["x-ref"] = to
		}
		if items, _ := pm["items"].(map[string]any); items != nil && items["x-ref"] == from {
			items["x-ref"] = to
		}
	}
	return json.Marshal(root)
}
