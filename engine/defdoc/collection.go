package defdoc

import (
	"context"
	"errors"
	"maps"
	"sort"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Audit actions of a save and a delete (the engine's AuditDefine and
// AuditUndefine).
const (
	Define   = "define"
	Undefine = "undefine"
)

// Change is what the audit entry of a save or a delete records: the
// action, the document's version after it (the deleted version for a
// delete) and the old and new values.
type Change struct {
	Action   string
	Version  int64
	At       string
	Old, New map[string]any
}

// Audit builds the audit entry of a change (bound to the actor and the
// document by the caller), written in the same store call as the change.
type Audit func(Change) store.Record

// Collection is a system collection of versioned definition documents:
// id the name; data the document as text ("document"), the fields the
// caller keeps beside it, and created/updated at/by. The store's record
// version is the document's version.
type Collection struct {
	Store store.Store
	Name  string // the collection
	Noun  string // what a document is, in the failures' wording ("rule": "read rule r1: …")
	// KeepOld puts the stored document into a save's audit entry beside
	// the new one, so that the log alone shows what a save changed.
	KeepOld bool
	// ErrVersion is the answer to a stale or lost version (EVersion).
	ErrVersion func() error
	// Failure wraps an error of the store ("read rule r1", err).
	Failure func(what string, err error) error
}

// Get reads one stored document; false when there is none.
func (c Collection) Get(ctx context.Context, name string) (store.Record, bool, error) {
	rec, err := c.Store.Get(ctx, c.Name, name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Record{}, false, nil
	case err != nil:
		return store.Record{}, false, c.Failure("read "+c.Noun+" "+name, err)
	}
	return rec, true, nil
}

// Save is one save of a document.
type Save struct {
	Name string
	Doc  string
	// AuditDoc is the document as the audit entry holds it (secrets
	// redacted); "" for Doc.
	AuditDoc string
	// Fields are kept beside the document (the entity it is of …).
	Fields map[string]any
	// IfVersion, when not 0, must be the stored version.
	IfVersion int64
	ActorID   string
	At        string // the time of the save, as the engine formats times
	Audit     Audit
}

// Put stores s.Doc as the next version of the document s.Name (version 1
// when there is none) with its audit entry in the same write. A stale
// IfVersion, or a concurrent save or delete of the same document, is
// ErrVersion. It returns the new version and whether one was stored
// before.
func (c Collection) Put(ctx context.Context, s Save) (version int64, found bool, err error) {
	stored, found, err := c.Get(ctx, s.Name)
	if err != nil {
		return 0, false, err
	}
	if s.IfVersion > 0 && (!found || stored.Version != s.IfVersion) {
		return 0, false, c.ErrVersion()
	}
	rec := store.Record{ID: s.Name, Version: 1, Data: map[string]any{"document": s.Doc,
		"created_at": s.At, "created_by": s.ActorID, "updated_at": s.At, "updated_by": s.ActorID}}
	maps.Copy(rec.Data, s.Fields)
	var old map[string]any
	if found {
		rec.Version = stored.Version + 1
		rec.Data["created_at"], rec.Data["created_by"] = stored.Data["created_at"], stored.Data["created_by"]
		old = map[string]any{"version": float64(stored.Version)}
		if c.KeepOld {
			old["document"] = stored.Data["document"]
		}
	}
	auditDoc := s.AuditDoc
	if auditDoc == "" {
		auditDoc = s.Doc
	}
	entry := s.Audit(Change{Action: Define, Version: rec.Version, At: s.At, Old: old,
		New: map[string]any{"version": float64(rec.Version), "document": auditDoc}})
	if found {
		err = c.Store.Update(ctx, c.Name, rec, entry)
	} else {
		err = c.Store.Insert(ctx, c.Name, rec, entry)
	}
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDuplicateID):
		return 0, false, c.ErrVersion()
	case err != nil:
		return 0, false, c.Failure("store "+c.Noun+" "+s.Name, err)
	}
	return rec.Version, found, nil
}

// Delete removes the document name at its stored version (ifVersion, when
// not 0, must be it), with its audit entry in the same write; false when
// there is none. A concurrent save or delete is ErrVersion.
func (c Collection) Delete(ctx context.Context, name string, ifVersion int64, at string, audit Audit) (bool, error) {
	stored, found, err := c.Get(ctx, name)
	if err != nil || !found {
		return false, err
	}
	if ifVersion > 0 && stored.Version != ifVersion {
		return true, c.ErrVersion()
	}
	entry := audit(Change{Action: Undefine, Version: stored.Version, At: at, Old: map[string]any{"version": float64(stored.Version)}})
	err = c.Store.Delete(ctx, c.Name, name, stored.Version, entry)
	switch {
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
		return true, c.ErrVersion()
	case err != nil:
		return true, c.Failure("delete "+c.Noun+" "+name, err)
	}
	return true, nil
}

// Doc is a stored document and its version.
type Doc struct {
	Text    string
	Version int64
}

// Docs are the stored documents by name. A Docs value is never changed
// once made: With and Without return new ones.
type Docs map[string]Doc

// ReadAll reads every stored document. what names them in a failure
// ("read rules").
func (c Collection) ReadAll(ctx context.Context, what string) (Docs, error) {
	recs, err := c.Store.Find(ctx, c.Name, query.Query{Sort: []query.Sort{{Field: "id"}}})
	if err != nil {
		return nil, c.Failure(what, err)
	}
	out := make(Docs, len(recs))
	for _, r := range recs {
		doc, _ := r.Data["document"].(string)
		out[r.ID] = Doc{Text: doc, Version: r.Version}
	}
	return out, nil
}

// Same reports whether d and o hold the same names at the same versions.
func (d Docs) Same(o Docs) bool {
	if len(d) != len(o) {
		return false
	}
	for n, doc := range o {
		if mine, ok := d[n]; !ok || mine.Version != doc.Version {
			return false
		}
	}
	return true
}

// With returns d with the document name set to doc.
func (d Docs) With(name string, doc Doc) Docs {
	out := make(Docs, len(d)+1)
	maps.Copy(out, d)
	out[name] = doc
	return out
}

// Without returns d without the document name.
func (d Docs) Without(name string) Docs {
	out := make(Docs, len(d))
	for k, v := range d {
		if k != name {
			out[k] = v
		}
	}
	return out
}

// Names returns the names in order.
func (d Docs) Names() []string {
	names := make([]string, 0, len(d))
	for n := range d {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
