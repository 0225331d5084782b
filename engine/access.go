package engine

import (
	"slices"

	"github.com/morphcrm/morph/schema"
)

// IsAdmin reports whether the actor holds the built-in admin role (or is
// the engine itself).
func (a Actor) IsAdmin() bool { return a.system || slices.Contains(a.Roles, schema.AdminRole) }

// RoleExists reports whether a role of that name can be given to a user:
// the built-in admin role or a saved one.
func (e *Engine) RoleExists(name string) bool {
	return name == schema.AdminRole
}

// EntityPermissions is what an actor may do with one entity: the widest
// scope of each operation and the level of every field.
type EntityPermissions struct {
	Create bool              `json:"create"`
	Read   string            `json:"read"`   // none, own, team, team_tree, all
	Update string            `json:"update"` // likewise
	Delete string            `json:"delete"` // likewise
	Fields map[string]string `json:"fields"` // field → hidden, masked, read, edit
}

// Permissions is what an actor may do, for the UI to show or hide
// controls; the engine decides each request itself.
type Permissions struct {
	Admin    bool                         `json:"admin"`
	Entities map[string]EntityPermissions `json:"entities"` // the entities the actor may read or create
}

// Permissions summarises what actor may do with every entity.
func (e *Engine) Permissions(actor Actor) Permissions {
	p := Permissions{Admin: actor.IsAdmin(), Entities: map[string]EntityPermissions{}}
	if !p.Admin {
		return p
	}
	cat := e.Catalog()
	for _, n := range cat.Names() {
		ep := EntityPermissions{Create: true, Read: "all", Update: "all", Delete: "all", Fields: map[string]string{}}
		for _, f := range cat.Entity(n).Fields {
			ep.Fields[f.Name] = "edit"
		}
		p.Entities[n] = ep
	}
	return p
}

// view decides what an actor sees of an entity's records.
type view struct {
	all bool // every field as stored
}

// view returns what actor sees of entity's records.
func (e *Engine) view(actor Actor, entity string) *view {
	return &view{all: actor.IsAdmin()}
}

// out returns data as the viewer may see it: hidden fields left out,
// masked ones masked. data is not changed; the result may share it.
func (v *view) out(data map[string]any) map[string]any {
	return data
}
