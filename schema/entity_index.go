package schema

import (
	"strings"

	"github.com/morphcrm/morph/schema/lang"
)

// Indexes lists the store indexes the entity needs: one per unique field
// ("u_email"), per x-indexed field and per field indexed by its type
// (relation, one or many, and user: "i_account"), plus the system ones lists
// filter and sort by most: created_at, and owner with created_at ("my
// records, newest first"; it serves filters on owner alone too, so owner
// needs no index of its own). Fields are store paths ("amount.amount"); the
// index of a relation with x-many is Multi.
func (e *Entity) Indexes() []IndexSpec {
	out := make([]IndexSpec, 0, len(e.Fields)/2+2)
	for _, f := range e.Fields {
		path := f.Type.StorePath(f.Name)
		switch {
		case f.Unique:
			out = append(out, IndexSpec{Name: "u_" + f.Name, Fields: []string{path}, Unique: true})
		case f.Indexed && f.Name != "owner":
			out = append(out, IndexSpec{Name: "i_" + f.Name, Fields: []string{path}, Multi: f.Many})
		}
	}
	return append(out,
		IndexSpec{Name: "i_created_at", Fields: []string{"created_at"}},
		IndexSpec{Name: "i_owner_created_at", Fields: []string{"owner", "created_at"}},
	)
}

var systemKinds = map[string]lang.Kind{
	"id": lang.KindString, "version": lang.KindNumber,
	"created_at": lang.KindDateTime, "updated_at": lang.KindDateTime,
	"created_by": lang.KindString, "updated_by": lang.KindString, "owner": lang.KindString,
}

// Resolve looks a field up for the expression language: every field by name,
// the system fields, and dotted paths into json fields ("address.city").
func (e *Entity) Resolve(name string) (lang.Field, bool) {
	if f := e.byName[name]; f != nil {
		kind := f.Type.Kind()
		if f.Many {
			kind = lang.KindStrings
		}
		return lang.Field{Kind: kind, Path: f.Type.StorePath(f.Name)}, true
	}
	if k, ok := systemKinds[name]; ok {
		return lang.Field{Kind: k, Path: name}, true
	}
	if head, _, ok := strings.Cut(name, "."); ok {
		if f := e.byName[head]; f != nil && f.Type.Kind() == lang.KindObject {
			return lang.Field{Kind: lang.KindString, Path: name}, true
		}
	}
	return lang.Field{}, false
}
