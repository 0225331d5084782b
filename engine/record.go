package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Record is a stored record: id and version apart, every other field
// (system fields created_at, created_by, updated_at, updated_by and owner
// included) in Data.
type Record = store.Record

// Fields set by the engine alone; a request that sets one is refused.
var readOnly = map[string]bool{"version": true, "created_at": true, "created_by": true, "updated_at": true, "updated_by": true}

// isSystem reports whether name is a system field kept in Data by the engine.
func isSystem(name string) bool {
	switch name {
	case "created_at", "created_by", "updated_at", "updated_by", "owner":
		return true
	}
	return false
}

// Get returns one record.
func (e *Engine) Get(ctx context.Context, actor Actor, entity, id string) (Record, error) {
	rec, _, _, err := e.GetShaped(ctx, actor, entity, id, "", nil)
	return rec, err
}

// GetShaped is Get with the projection (fields: "name,phone"; "" for all)
// and the expansions of a list: the record, the fields it is projected to
// (nil for all) and its expanded relations (nil without expand). Fields and
// expansions are refused as in lists: unknown, or not readable by the actor.
func (e *Engine) GetShaped(ctx context.Context, actor Actor, entity, id, fields string, expand []string) (Record, map[string]bool, map[string]any, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return Record{}, nil, nil, err
	}
	r, err := e.readableOf(actor, ce)
	if err != nil {
		return Record{}, nil, nil, err
	}
	shown, err := parseShape(ce, fields, expand)
	if err != nil {
		return Record{}, nil, nil, err
	}
	if err := checkShape(r.g, shown, expand); err != nil {
		return Record{}, nil, nil, err
	}
	rec, err := e.getIn(ctx, ce, id, r.filter, r.all)
	if err != nil {
		return Record{}, nil, nil, storeError(ce, err)
	}
	r.g.out(rec.Data)
	if len(expand) == 0 {
		return rec, shown, nil, nil
	}
	exp, err := e.expand(ctx, actor, ce, []Record{rec}, expand)
	if err != nil {
		return Record{}, nil, nil, err
	}
	return rec, shown, exp[0], nil
}

// userData splits a stored record's fields into those validation sees (the
// entity's own fields; owner only when the entity declares it) and those the
// current definition no longer has. The latter are kept as they are on
// write: a field removed from a definition never takes stored data with it.
func userData(ce *compiled, data map[string]any) (fields, retired map[string]any) {
	fields = make(map[string]any, len(data))
	for k, v := range data {
		switch {
		case isSystem(k) && (k != "owner" || ce.Field("owner") == nil):
		case ce.Field(k) == nil:
			if retired == nil {
				retired = map[string]any{}
			}
			retired[k] = v
		default:
			fields[k] = v
		}
	}
	return fields, retired
}

// takeInput checks the request's keys that are not plain field values: id
// (allowed on create as a UUID), read-only system fields and the fields the
// engine sets (autonumbers, formulas)
// (refused), owner (kept apart unless the entity declares it).
func takeInput(ce *compiled, in map[string]any, create bool) (id string, owner any, errs []morph.FieldError) {
	for k, v := range in {
		switch {
		case k == "id":
			s, ok := v.(string)
			if create && ok {
				if u, err := uuid.Parse(s); err == nil && u.String() == s {
					id = s
					delete(in, k)
					continue
				}
				errs = append(errs, morph.FieldError{Path: "/id", Code: "format",
					Text: morph.T("id must be a UUID in lower-case canonical form", "id 必须是小写规范格式的 UUID")})
				continue
			}
			errs = append(errs, readOnlyError(k))
		case readOnly[k]:
			errs = append(errs, readOnlyError(k))
		case k == "owner" && ce.Field("owner") == nil:
			owner = v
			delete(in, k)
		default:
			if f := ce.Field(k); f != nil && f.EngineSet() {
				errs = append(errs, readOnlyError(k))
			}
		}
	}
	return id, owner, errs
}

func readOnlyError(field string) morph.FieldError {
	return morph.FieldError{Path: "/" + field, Code: "read_only",
		Text: morph.T("%s is set by the system and cannot be written", "%s 由系统设置，不能写入", field)}
}

func checkOwner(v any) (string, *morph.FieldError) {
	s, ok := v.(string)
	if !ok || s == "" || len(s) > 128 {
		return "", &morph.FieldError{Path: "/owner", Code: "type",
			Text: morph.T("owner must be a user id", "owner 必须是用户 ID")}
	}
	return s, nil
}

// dropNulls removes null values: null means "no value" and is never stored.
func dropNulls(data map[string]any) {
	for k, v := range data {
		if v == nil {
			delete(data, k)
		}
	}
}

// prepare runs the shared part of the write pipeline on data (user fields
// only): normalisation, the BeforeValidate hook, formulas, validation,
// validation rules, the AfterValidate hook. Defaults are the caller's
// (create only).
func (e *Engine) prepare(ctx context.Context, ce *compiled, w *Write, pre []morph.FieldError) error {
	errs := append(pre, ce.Normalize(w.Data)...)
	if h := e.hooks.Load().BeforeValidate; h != nil && len(errs) == 0 {
		if err := h(ctx, w); err != nil {
			return err
		}
	}
	if len(errs) == 0 {
		// After the hook, so that values a "before save" rule sets count.
		if err := e.computeFormulas(ce, w); err != nil {
			return err
		}
	}
	dropNulls(w.Data)
	// Validation runs even when earlier steps failed, so that one response
	// names every wrong field; a field already reported is not reported twice.
	errs = addNew(errs, ce.Validate(w.Data))
	errs = addNew(errs, e.layoutErrors(ce, w))
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b morph.FieldError) int { return strings.Compare(a.Path, b.Path) })
		return morph.Invalid(errs...)
	}
	if err := e.checkRules(ce, w); err != nil {
		return err
	}
	if h := e.hooks.Load().AfterValidate; h != nil {
		return h(ctx, w)
	}
	return nil
}

// addNew appends to errs those of more whose path is neither one of errs'
// paths nor inside one ("/amount/currency" is inside "/amount").
func addNew(errs, more []morph.FieldError) []morph.FieldError {
	n := len(errs)
next:
	for _, fe := range more {
		for _, have := range errs[:n] {
			if fe.Path == have.Path || strings.HasPrefix(fe.Path, have.Path+"/") {
				continue next
			}
		}
		errs = append(errs, fe)
	}
	return errs
}

// storeError turns a store error into a *morph.Error when it is one the
// caller caused; others are wrapped as internal.
func storeError(ce *compiled, err error) error {
	var ue *store.UniqueError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return morph.Errorf(morph.ENotFound, "Record not found", "记录不存在")
	case errors.Is(err, store.ErrNoCollection) && ce != nil:
		return errUnknownEntity(ce.Name) // deleted while the request was under way
	case errors.Is(err, store.ErrConflict):
		return morph.Errorf(morph.EVersion, "The record was changed by someone else; reload it and try again",
			"记录已被他人修改，请刷新后重试")
	case errors.Is(err, store.ErrDuplicateID):
		return &morph.Error{Code: morph.EDuplicate, Text: morph.T("A record with this id exists", "该 ID 的记录已存在"),
			Fields: []morph.FieldError{{Path: "/id", Code: "unique", Text: morph.T("This id is already used", "该 ID 已被使用")}}}
	case errors.As(err, &ue):
		me := &morph.Error{Code: morph.EDuplicate, Err: err,
			Text: morph.T("A unique field's value is already used by another record", "唯一字段的值已被其他记录使用")}
		if ce != nil {
			me.Fields = uniqueFieldErrors(ce, ue, "/%s")
		}
		return me
	case errors.Is(err, context.DeadlineExceeded):
		return &morph.Error{Code: morph.EUnavailable, Err: err, Text: morph.T("The store did not answer in time", "存储未能及时响应")}
	}
	return storeFailure("store", err)
}

// storeFailure wraps a store failure the caller did not cause: lack of
// space is EStorageFull (the write changed nothing and can be retried once
// space is freed), anything else internal.
func storeFailure(what string, err error) error {
	if errors.Is(err, store.ErrFull) {
		return &morph.Error{Code: morph.EStorageFull, Err: err,
			Text: morph.T("The store has no space left, so nothing was changed; retry once disk space has been freed",
				"存储空间已满，未做任何更改；请释放磁盘空间后重试")}
	}
	return fmt.Errorf("engine: %s: %w", what, err)
}

// checkRelations verifies that every relation value in the given records
// points at an existing record: one batched read per target entity, never one
// per value. errs is indexed like datas; a record without problems gets nil.
//
// A target the actor may not read counts as missing: a relation may only
// point at a record its writer can see.
func (e *Engine) checkRelations(ctx context.Context, actor Actor, ce *compiled, datas []map[string]any, only map[string]bool) ([][]morph.FieldError, error) {
	if len(ce.relations) == 0 {
		return nil, nil
	}
	byTarget := map[string]map[string]bool{}
	for _, d := range datas {
		for _, f := range ce.relations {
			if only != nil && !only[f.Name] {
				continue
			}
			for _, id := range relationIDs(d[f.Name]) {
				if byTarget[f.Ref] == nil {
					byTarget[f.Ref] = map[string]bool{}
				}
				byTarget[f.Ref][id] = false
			}
		}
	}
	for target, ids := range byTarget {
		list := make([]string, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		var filter query.Expr
		all := true
		if tce := e.Catalog().entities[target]; tce != nil {
			r, err := e.readableOf(actor, tce)
			if err != nil {
				return nil, err
			}
			filter, all = r.filter, r.all
		}
		recs, err := e.getManyIn(ctx, target, list, filter, all)
		if err != nil {
			return nil, fmt.Errorf("engine: relation check %s: %w", target, err)
		}
		for _, r := range recs {
			ids[r.ID] = true
		}
	}
	var errs [][]morph.FieldError
	for i, d := range datas {
		for _, f := range ce.relations {
			if only != nil && !only[f.Name] {
				continue
			}
			for j, id := range relationIDs(d[f.Name]) {
				if byTarget[f.Ref][id] {
					continue
				}
				if errs == nil {
					errs = make([][]morph.FieldError, len(datas))
				}
				path := "/" + f.Name
				if f.Many {
					path = fmt.Sprintf("/%s/%d", f.Name, j)
				}
				label := morph.Text{EN: f.Ref, ZH: f.Ref}
				if t := e.Catalog().Entity(f.Ref); t != nil && t.Label.ZH != "" {
					label.ZH = t.Label.ZH
				}
				errs[i] = append(errs[i], morph.FieldError{Path: path, Code: "missing_relation",
					Text: morph.Text{EN: fmt.Sprintf("No %s record with id %q exists", label.EN, id),
						ZH: fmt.Sprintf("不存在 ID 为 %q 的%s记录", id, label.ZH)}})
			}
		}
	}
	return errs, nil
}

func relationError(errs []morph.FieldError) error {
	return &morph.Error{Code: morph.EUnprocessable, Fields: errs,
		Text: morph.T("A related record does not exist", "关联的记录不存在")}
}

// relationIDs returns the ids a relation value holds (one or many).
func relationIDs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		ids := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				ids = append(ids, s)
			}
		}
		return ids
	}
	return nil
}
