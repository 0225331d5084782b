package engine

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	"github.com/morphcrm/morph/engine/store"
)

// collAudit is the append-only audit log. Record and definition writes
// carry their entries to the store, which keeps them durably with the
// write (see store.Store); nothing but the engine's erasure of personal
// data ever changes an entry.
const collAudit = store.AuditCollection

// Audit actions. Record and definition writes are logged by the engine
// itself; the identity layer logs the rest through Audit.
const (
	AuditCreate      = "create"       // a record was created
	AuditUpdate      = "update"       // a record was changed
	AuditDelete      = "delete"       // a record was deleted
	AuditDefine      = "define"       // a definition (entity, role, user, team) was saved
	AuditUndefine    = "undefine"     // a definition was deleted
	AuditLogin       = "login"        // a user signed in
	AuditLoginFailed = "login_failed" // a sign-in was refused
	AuditLoginLocked = "login_locked" // repeated failures locked an account or an address out of signing in
	AuditLogout      = "logout"
	AuditKeyCreate   = "key_create"
	AuditKeyRevoke   = "key_revoke"
	AuditExport      = "export" // personal data was exported
	AuditErase       = "erase"  // personal data was erased
)

// AuditEntry is one entry of the audit log: who did what to which record
// or definition, when and from where, with the changed fields' old and new
// values (for an erasure: the fields only).
type AuditEntry struct {
	ID      string         `json:"id"`
	At      string         `json:"at"` // FormatTime
	Actor   string         `json:"actor"`
	Name    string         `json:"actor_name,omitempty"`
	Addr    string         `json:"addr,omitempty"`
	Via     string         `json:"via,omitempty"`
	Action  string         `json:"action"`
	Kind    string         `json:"kind,omitempty"`   // what Entity names: "record" (an entity's record), "entity", "role", "user", "team", "key", "session"
	Entity  string         `json:"entity,omitempty"` // the entity of a record; the name of a definition
	Record  string         `json:"record,omitempty"` // the record's (user's, key's) id
	Version int64          `json:"version,omitempty"`
	Fields  []string       `json:"fields,omitempty"` // the fields that changed
	Old     map[string]any `json:"old,omitempty"`    // their previous values
	New     map[string]any `json:"new,omitempty"`    // their new values
	Note    string         `json:"note,omitempty"`   // e.g. why a login failed
	// Triggers are the after-save workflow rules a record write set off,
	// Depth its place in a chain of rules (Write.Triggers, Write.Depth).
	Triggers []string `json:"triggers,omitempty"`
	Depth    int      `json:"depth,omitempty"`
	// Skipped are the after-save rules whose trigger the write matched
	// and whose condition was false (Write.Skipped).
	Skipped []string `json:"skipped,omitempty"`
}

// Audit appends a standalone entry (a login, a key's creation) to the
// audit log, filling in its id and time and the actor's details when they
// are empty.
func (e *Engine) Audit(ctx context.Context, actor Actor, entry AuditEntry) error {
	if err := e.st.Insert(ctx, collAudit, e.AuditRecord(actor, entry)); err != nil {
		return storeFailure("audit", fmt.Errorf("%w", err))
	}
	return nil
}

// AuditRecord is the stored form of an entry, with its id, time and the
// actor's details filled in where they are empty: what a write of another
// package hands to the store with the write itself (store.Store's trailing
// audit argument), so that the entry is kept exactly when the write is.
func (e *Engine) AuditRecord(actor Actor, entry AuditEntry) store.Record {
	if entry.At == "" {
		entry.At = e.now()
	}
	if entry.Actor == "" {
		entry.Actor, entry.Name, entry.Addr, entry.Via = actor.ID, actor.Name, actor.Addr, actor.Via
	}
	return e.auditRecord(entry)
}

// auditRecord is the stored form of an entry, with a new id (entryIDs) when
// it has none.
func (e *Engine) auditRecord(a AuditEntry) Record {
	if a.ID == "" {
		a.ID = e.entryIDs.next(a.At)
	}
	d := map[string]any{"at": a.At, "actor": a.Actor, "action": a.Action}
	set := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	set("actor_name", a.Name)
	set("addr", a.Addr)
	set("via", a.Via)
	set("kind", a.Kind)
	set("entity", a.Entity)
	set("record", a.Record)
	set("note", a.Note)
	if a.Version != 0 {
		d["version"] = float64(a.Version)
	}
	if len(a.Fields) > 0 {
		d["fields"] = anys(a.Fields)
	}
	if a.Old != nil {
		d["old"] = a.Old
	}
	if len(a.Triggers) > 0 {
		d["triggers"] = anys(a.Triggers)
	}
	if len(a.Skipped) > 0 {
		d["skipped"] = anys(a.Skipped)
	}
	if a.Depth != 0 {
		d["depth"] = float64(a.Depth)
	}
	if a.New != nil {
		d["new"] = a.New
	}
	return Record{ID: a.ID, Version: 1, Data: d}
}

// anys is a list of texts as stored.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// texts reads a stored list of texts back.
func texts(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, e := range l {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Kinds of audit entries written by the engine.
const (
	KindRecord = "record" // an entity's record
	KindEntity = "entity" // an entity definition
)

// untracked are the system fields an entry leaves out: they change with
// every write and the entry says who and when itself.
func untracked(k string) bool {
	switch k {
	case "created_at", "created_by", "updated_at", "updated_by", "version", "id":
		return true
	}
	return false
}

// changes compares a record's data before (nil on create) and after (nil
// on delete) a write: the fields that differ, in name order, with their
// previous and new values (a field set or removed has no value on one side).
func changes(old, new map[string]any) (fields []string, o, n map[string]any) {
	seen := map[string]bool{}
	for _, side := range []map[string]any{old, new} {
		for k := range side {
			if untracked(k) || seen[k] {
				continue
			}
			seen[k] = true
			ov, inOld := old[k]
			nv, inNew := new[k]
			if inOld == inNew && reflect.DeepEqual(ov, nv) {
				continue
			}
			fields = append(fields, k)
			if inOld {
				if o == nil {
					o = map[string]any{}
				}
				o[k] = ov
			}
			if inNew {
				if n == nil {
					n = map[string]any{}
				}
				n[k] = nv
			}
		}
	}
	slices.Sort(fields)
	return fields, o, n
}

// recordEntry is the stored audit entry of a record write: the change from
// old to new (nil on create and on delete respectively).
func (e *Engine) recordEntry(actor Actor, action, entity string, id string, version int64, at string, old, new map[string]any, w ...*Write) store.Record {
	a := AuditEntry{At: at, Action: action, Kind: KindRecord, Entity: entity, Record: id, Version: version}
	if len(w) > 0 && w[0] != nil {
		a.Triggers, a.Depth, a.Skipped = w[0].Triggers, w[0].Depth, w[0].Skipped
	}
	a.Actor, a.Name, a.Addr, a.Via = actor.ID, actor.Name, actor.Addr, actor.Via
	a.Fields, a.Old, a.New = changes(old, new)
	return e.auditRecord(a)
}

// definitionEntry is the stored audit entry of a definition write.
func (e *Engine) definitionEntry(actor Actor, action, name string, from, to int64) store.Record {
	a := AuditEntry{At: e.now(), Action: action, Kind: KindEntity, Entity: name, Version: max(from, to)}
	a.Actor, a.Name, a.Addr, a.Via = actor.ID, actor.Name, actor.Addr, actor.Via
	if from > 0 {
		a.Old = map[string]any{"version": float64(from)}
	}
	if to > 0 {
		a.New = map[string]any{"version": float64(to)}
	}
	return e.auditRecord(a)
}

// EntryOf reads a stored audit entry back.
func EntryOf(r store.Record) AuditEntry { return entryOf(r) }

// entryOf reads a stored entry back.
func entryOf(r store.Record) AuditEntry {
	d := r.Data
	str := func(k string) string { s, _ := d[k].(string); return s }
	a := AuditEntry{ID: r.ID, At: str("at"), Actor: str("actor"), Name: str("actor_name"), Addr: str("addr"), Via: str("via"),
		Action: str("action"), Kind: str("kind"), Entity: str("entity"), Record: str("record"), Note: str("note")}
	if v, ok := d["version"].(float64); ok {
		a.Version = int64(v)
	}
	a.Fields = texts(d["fields"])
	a.Old, _ = d["old"].(map[string]any)
	a.New, _ = d["new"].(map[string]any)
	a.Triggers = texts(d["triggers"])
	a.Skipped = texts(d["skipped"])
	if v, ok := d["depth"].(float64); ok {
		a.Depth = int(v)
	}
	return a
}
