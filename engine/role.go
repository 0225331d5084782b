package engine

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// collRoles holds the saved roles: id = role name, data: the document.
const collRoles = "_roles"

// roleDef is a saved role as the catalog holds it.
type roleDef struct {
	role    *schema.Role
	doc     string // the document as saved
	version int64
}

// RoleInfo is a saved role as the API lists it.
type RoleInfo struct {
	Name    string
	Label   morph.Text
	Version int64
	Doc     string // the document as saved (JSON)
}

// Role returns a saved role, or false. The built-in admin role is not a
// saved one (see schema.BuiltinAdmin).
func (c *Catalog) Role(name string) (RoleInfo, bool) {
	rd := c.roles[name]
	if rd == nil {
		return RoleInfo{}, false
	}
	return RoleInfo{Name: name, Label: rd.role.Label, Version: rd.version, Doc: rd.doc}, true
}

// RoleNames lists the saved roles' names in alphabetical order.
func (c *Catalog) RoleNames() []string {
	names := make([]string, 0, len(c.roles))
	for n := range c.roles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// RoleExists reports whether a role of that name can be given to a user:
// the built-in admin role or a saved one.
func (e *Engine) RoleExists(name string) bool {
	_, ok := e.Catalog().roles[name]
	return ok || name == schema.AdminRole
}

// errAdminOnly refuses what only administrators may do.
func errAdminOnly() error {
	return morph.Errorf(morph.EForbidden, "Only administrators may do this", "只有管理员可以执行此操作")
}

// PutRole checks a role document completely and stores it as the current
// version of the role named name; the document's "name" may be absent or
// the same. Only administrators may save roles; the built-in admin role
// cannot be saved over.
func (e *Engine) PutRole(ctx context.Context, actor Actor, name string, doc []byte, opts ...SaveOption) (RoleInfo, bool, error) {
	if !actor.IsAdmin() {
		return RoleInfo{}, false, errAdminOnly()
	}
	o := saveOpts(opts)
	doc, nameErr, err := namedRole(name, doc)
	if err != nil {
		return RoleInfo{}, false, err
	}
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	role, err := schema.ParseRole(doc, cur.Entity)
	if nameErr != nil { // reported with the document's other problems
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalid {
			return RoleInfo{}, false, morph.Invalid(*nameErr)
		}
		fields := append([]morph.FieldError{*nameErr}, me.Fields...)
		return RoleInfo{}, false, &morph.Error{Code: morph.EInvalid, Fields: fields,
			Text: morph.T("The role has %d problem(s)", "角色有 %d 处问题", len(fields))}
	}
	if err != nil {
		return RoleInfo{}, false, err
	}
	version, found, err := e.putDocument(ctx, actor, collRoles, "role", name, nil, string(doc), o.ifVersion)
	if err != nil {
		return RoleInfo{}, false, err
	}
	docs := cur.docSet()
	docs.roles[name] = storedDoc{doc: string(doc), version: version}
	e.catalog.Store(e.newCatalog(cur.entities, docs))
	return RoleInfo{Name: name, Label: role.Label, Version: version, Doc: string(doc)}, !found, nil
}

// putDocument stores doc as the next version of the definition document
// key of a system collection, with its audit entry (kind) in the same
// write: version 1 when there is none, and ifVersion (when not 0) must be
// the stored version. fields are further data kept beside the document.
// The audit entry of a change holds the previous document beside the new
// one, so that the log alone shows what a save changed. The caller holds
// defMu.
func (e *Engine) putDocument(ctx context.Context, actor Actor, coll, kind, key string, fields map[string]any, doc string, ifVersion int64) (version int64, found bool, err error) {
	docs := defdoc.Collection{Store: e.st, Name: coll, Noun: kind, KeepOld: true, ErrVersion: errDefinitionVersion, Failure: storeFailure}
	return docs.Put(ctx, defdoc.Save{Name: key, Doc: doc, Fields: fields, IfVersion: ifVersion, ActorID: actor.ID, At: e.now(),
		Audit: func(c defdoc.Change) store.Record {
			return e.defEntry(actor, c.Action, kind, key, c.Version, c.At, c.Old, c.New)
		}})
}

// DeleteRole removes a saved role; users who hold it lose what it granted.
func (e *Engine) DeleteRole(ctx context.Context, actor Actor, name string, opts ...SaveOption) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	o := saveOpts(opts)
	e.defMu.Lock()
	defer e.defMu.Unlock()
	cur := e.catalog.Load()
	if cur.roles[name] == nil {
		return errUnknownRole(name)
	}
	err := e.st.Delete(ctx, collRoles, name, o.ifVersion, e.defEntry(actor, AuditUndefine, "role", name, 0, e.now(),
		map[string]any{"version": float64(cur.roles[name].version), "document": cur.roles[name].doc}, nil))
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound) && o.ifVersion > 0:
		return errDefinitionVersion()
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return storeFailure("delete role "+name, err)
	}
	docs := cur.docSet()
	delete(docs.roles, name)
	e.catalog.Store(e.newCatalog(cur.entities, docs))
	return nil
}

// defEntry is the stored audit entry of the save or deletion of a role or
// a layout, handed to the store with the write itself: the change is made
// exactly when its entry is kept.
func (e *Engine) defEntry(actor Actor, action, kind, name string, version int64, at string, old, new map[string]any) store.Record {
	a := AuditEntry{At: at, Action: action, Kind: kind, Entity: name, Version: version, Old: old, New: new}
	a.Actor, a.Name, a.Addr, a.Via = actor.ID, actor.Name, actor.Addr, actor.Via
	return e.auditRecord(a)
}

func errUnknownRole(name string) error {
	return morph.Errorf(morph.ENotFound, "Unknown role %q", "未知的角色 %q", name)
}

// namedRole returns doc with its name checked against the URL's: absent
// (then set), or the same; nameErr says when it is another.
func namedRole(name string, doc []byte) (out []byte, nameErr *morph.FieldError, err error) {
	if name == schema.AdminRole {
		return nil, nil, &morph.Error{Code: morph.EForbidden,
			Text: morph.T("admin is the built-in role that has everything; it cannot be changed", "admin 是内置的全权角色，不能修改")}
	}
	if err := schema.CheckText(doc); err != nil {
		return nil, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		return doc, nil, nil // ParseRole says what is wrong
	}
	switch n, has := m["name"]; {
	case !has:
		m["name"] = name
		out, err := json.Marshal(m)
		return out, nil, err
	case n != name:
		return doc, &morph.FieldError{Path: "/name", Code: "name",
			Text: morph.T("The role's name must be the one in the URL, %q", "角色名称必须与 URL 中的一致：%q", name)}, nil
	}
	return doc, nil, nil
}

// compileRoles compiles the stored roles against the catalog's entities.
// A role that no longer fits them (an entity or field it names was removed,
// a row rule uses a removed field) loses the parts that do not fit: it never
// grants more than it did, and a row rule that cannot be used takes its
// entity's grant with it.
func compileRoles(cat *Catalog, docs map[string]storedDoc, log func(msg string, args ...any)) map[string]*roleDef {
	out := make(map[string]*roleDef, len(docs))
	for name, d := range docs {
		role, err := schema.ParseRole([]byte(d.doc), cat.Entity)
		if err != nil {
			role, err = parseTrimmed([]byte(d.doc), cat.Entity, err)
		}
		if err != nil {
			log("role does not compile; it grants nothing", "role", name, "err", err)
			role = &schema.Role{Name: name, Label: morph.Text{EN: name, ZH: name}}
		}
		out[name] = &roleDef{role: role, doc: d.doc, version: d.version}
	}
	return out
}

// parseTrimmed parses a stored role without the parts its problems (err)
// point at.
func parseTrimmed(doc []byte, entity func(string) *schema.Entity, err error) (*schema.Role, error) {
	me := morph.AsError(err)
	var m map[string]any
	if me == nil || json.Unmarshal(doc, &m) != nil {
		return nil, err
	}
	ents, _ := m["entities"].(map[string]any)
	for _, fe := range me.Fields {
		parts := strings.Split(strings.TrimPrefix(fe.Path, "/"), "/")
		if len(parts) < 2 || parts[0] != "entities" {
			return nil, err
		}
		ent := unescapePointer(parts[1])
		if len(parts) == 4 && parts[2] == "fields" {
			if a, ok := ents[ent].(map[string]any); ok {
				if fs, ok := a["fields"].(map[string]any); ok {
					delete(fs, unescapePointer(parts[3]))
					continue
				}
			}
		}
		delete(ents, ent)
	}
	trimmed, _ := json.Marshal(m)
	return schema.ParseRole(trimmed, entity)
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
