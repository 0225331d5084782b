package engine

import (
	"context"
	"fmt"
)

// collAudit is the append-only audit log.
const collAudit = "_audit"

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
}

// Audit appends a standalone entry (a login, a key's creation) to the
// audit log, filling in its id and time and the actor's details when they
// are empty.
func (e *Engine) Audit(ctx context.Context, actor Actor, entry AuditEntry) error {
	if entry.ID == "" {
		entry.ID = newID()
	}
	if entry.At == "" {
		entry.At = e.now()
	}
	if entry.Actor == "" {
		entry.Actor, entry.Name, entry.Addr, entry.Via = actor.ID, actor.Name, actor.Addr, actor.Via
	}
	if err := e.st.Insert(ctx, collAudit, auditRecord(entry)); err != nil {
		return storeFailure("audit", fmt.Errorf("%w", err))
	}
	return nil
}

// auditRecord is the stored form of an entry.
func auditRecord(a AuditEntry) Record {
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
		fs := make([]any, len(a.Fields))
		for i, f := range a.Fields {
			fs[i] = f
		}
		d["fields"] = fs
	}
	if a.Old != nil {
		d["old"] = a.Old
	}
	if a.New != nil {
		d["new"] = a.New
	}
	return Record{ID: a.ID, Version: 1, Data: d}
}
