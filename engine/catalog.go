package engine

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// Catalog is an immutable set of compiled entity definitions. The engine
// swaps a whole new catalog in when a definition changes, so a reader holds a
// consistent view for as long as it keeps the pointer.
type Catalog struct {
	entities map[string]*compiled
	names    []string
	roles    map[string]*roleDef
	layouts  map[string]*layoutDef // by layoutKey(entity, id)
	// rollupsOf are the roll-up fields of each entity; rollupsFrom those
	// over each entity's records (by the child's name).
	rollupsOf, rollupsFrom map[string][]*rollup
	// calendars are the saved business calendars by name; calendarFn is
	// lookupCalendar bound once, for the expressions of every write.
	calendars  map[string]*calendarDef
	calendarFn func(name string) *lang.Calendar
	zone       *time.Location // the business time zone
	// grants caches what a set of roles grants on an entity (*grants by
	// roleKey and entity name); it lives as long as the catalog.
	grants sync.Map
}

// compiled is an entity with what the engine derives from it once.
type compiled struct {
	*schema.Entity
	indexes   []store.Index
	uniqueIdx map[string]string // index name → field name, to name the field of a unique violation
	relations []*schema.Field   // relation fields, for target checks and expansion
	autonums  []*schema.Field
	def       string // the definition as stored (JSON text)
	version   int64  // the definition's version
}

// Entity returns the named entity, or nil.
func (c *Catalog) Entity(name string) *schema.Entity {
	if ce := c.entities[name]; ce != nil {
		return ce.Entity
	}
	return nil
}

// Names lists the entity names in alphabetical order.
func (c *Catalog) Names() []string { return c.names }

// Definition returns the stored definition document of an entity and its version.
func (c *Catalog) Definition(name string) (def string, version int64, ok bool) {
	ce := c.entities[name]
	if ce == nil {
		return "", 0, false
	}
	return ce.def, ce.version, true
}

// Reference is a relation field that points at an entity.
type Reference struct {
	Entity string `json:"entity"`
	Field  string `json:"field"`
}

// ReferencesTo lists the relation fields of other entities that point at name.
func (c *Catalog) ReferencesTo(name string) []Reference {
	var refs []Reference
	for _, n := range c.names {
		if n == name {
			continue
		}
		for _, f := range c.entities[n].relations {
			if f.Ref == name {
				refs = append(refs, Reference{Entity: n, Field: f.Name})
			}
		}
	}
	return refs
}

// Catalog returns the current catalog.
func (e *Engine) Catalog() *Catalog { return e.catalog.Load() }

func (e *Engine) entity(name string) (*compiled, error) {
	ce := e.catalog.Load().entities[name]
	if ce == nil {
		return nil, errUnknownEntity(name)
	}
	return ce, nil
}

func errUnknownEntity(name string) error {
	return morph.Errorf(morph.ENotFound, "Unknown entity %q", "未知的实体 %q", name)
}

func compile(ent *schema.Entity, def string) *compiled {
	ce := &compiled{Entity: ent, def: def, uniqueIdx: map[string]string{}}
	for _, ix := range ent.Indexes() {
		ce.indexes = append(ce.indexes, store.Index{Name: ix.Name, Fields: ix.Fields, Desc: ix.Desc, Unique: ix.Unique, Multi: ix.Multi})
	}
	for _, f := range ent.Fields {
		switch f.Type.Name() {
		case "relation":
			ce.relations = append(ce.relations, f)
		case "autonumber":
			ce.autonums = append(ce.autonums, f)
		}
	}
	for _, ix := range ent.Indexes() {
		if !ix.Unique || len(ix.Fields) != 1 {
			continue
		}
		for _, f := range ent.Fields {
			if f.Type.StorePath(f.Name) == ix.Fields[0] {
				ce.uniqueIdx[ix.Name] = f.Name
			}
		}
	}
	return ce
}

// storedDoc is a stored definition document (a role, a layout) and its
// version.
type storedDoc struct {
	doc     string
	version int64
}

// docSet holds the stored documents a catalog compiles against its
// entities: roles by name, layouts by layoutKey.
type docSet struct {
	roles, layouts, calendars map[string]storedDoc
}

// docSet returns copies of the catalog's stored documents, for a new
// catalog that changes some of them.
func (c *Catalog) docSet() docSet {
	d := docSet{roles: make(map[string]storedDoc, len(c.roles)), layouts: make(map[string]storedDoc, len(c.layouts)),
		calendars: make(map[string]storedDoc, len(c.calendars))}
	for n, cd := range c.calendars {
		d.calendars[n] = storedDoc{doc: cd.doc, version: cd.version}
	}
	for n, rd := range c.roles {
		d.roles[n] = storedDoc{doc: rd.doc, version: rd.version}
	}
	for k, ld := range c.layouts {
		d.layouts[k] = storedDoc{doc: ld.doc, version: ld.version}
	}
	return d
}

// newCatalog makes a catalog of compiled entities and stored documents,
// the documents compiled against the entities.
func (e *Engine) newCatalog(entities map[string]*compiled, docs docSet) *Catalog {
	c := &Catalog{entities: entities}
	for n := range entities {
		c.names = append(c.names, n)
	}
	sort.Strings(c.names)
	c.rollupsOf, c.rollupsFrom = compileRollups(entities, e.log.Warn)
	c.roles = compileRoles(c, docs.roles, e.log.Warn)
	c.layouts = compileLayouts(c, docs.layouts, e.log.Warn)
	c.calendars = compileCalendars(e.catalog.Load(), docs.calendars, e.log.Warn)
	c.calendarFn = c.lookupCalendar
	c.zone = e.businessZone()
	return c
}

// Reload reads every definition from the store and swaps in a new catalog.
// Instances sharing a store call it to pick up each other's changes.
func (e *Engine) Reload(ctx context.Context) error {
	e.defMu.Lock()
	defer e.defMu.Unlock()
	recs, err := e.st.Find(ctx, collEntities, queryAll())
	if err != nil {
		return fmt.Errorf("engine: load definitions: %w", err)
	}
	roles, err := e.st.Find(ctx, collRoles, queryAll())
	if err != nil {
		return fmt.Errorf("engine: load roles: %w", err)
	}
	layouts, err := e.st.Find(ctx, collLayouts, queryAll())
	if err != nil {
		return fmt.Errorf("engine: load layouts: %w", err)
	}
	calendars, err := e.st.Find(ctx, collCalendars, queryAll())
	if err != nil {
		return fmt.Errorf("engine: load calendars: %w", err)
	}
	return e.load(ctx, stored{recs, roles, layouts, calendars})
}

// stored are the definitions as read from the store.
type stored struct{ entities, roles, layouts, calendars []store.Record }

// load swaps in a catalog of the stored definitions recs. An entity whose
// definition is the catalog's version is kept as compiled; only the others
// are compiled and have their collections made to follow them. The caller
// holds defMu.
func (e *Engine) load(ctx context.Context, st stored) error {
	cur := e.catalog.Load()
	entities := make(map[string]*compiled, len(st.entities))
	for _, r := range st.entities {
		def, _ := r.Data["definition"].(string)
		if cur != nil {
			if ce := cur.entities[r.ID]; ce != nil && ce.version == r.Version && ce.def == def {
				entities[r.ID] = ce
				continue
			}
		}
		ent, err := schema.ParseStored([]byte(def))
		if err != nil {
			return fmt.Errorf("engine: stored definition %q does not compile: %w", r.ID, err)
		}
		ce := compile(ent, def)
		ce.version = r.Version
		if err := e.st.EnsureCollection(ctx, ent.Name, ce.indexes); err != nil {
			return fmt.Errorf("engine: collection of %q: %w", r.ID, err)
		}
		entities[ent.Name] = ce
	}
	docs := docSet{roles: map[string]storedDoc{}, layouts: map[string]storedDoc{}, calendars: map[string]storedDoc{}}
	for _, r := range st.roles {
		doc, _ := r.Data["document"].(string)
		docs.roles[r.ID] = storedDoc{doc: doc, version: r.Version}
	}
	for _, r := range st.layouts {
		doc, _ := r.Data["document"].(string)
		docs.layouts[r.ID] = storedDoc{doc: doc, version: r.Version}
	}
	for _, r := range st.calendars {
		doc, _ := r.Data["document"].(string)
		docs.calendars[r.ID] = storedDoc{doc: doc, version: r.Version}
	}
	e.catalog.Store(e.newCatalog(entities, docs))
	return nil
}

// Refresh reloads the catalog when the stored definitions differ from it —
// changed, added or removed by another instance sharing the store — and
// reports whether it did. Servers call it periodically. The comparison that
// decides is made under the lock of definition changes, so a save of this
// instance under way is never taken for another's.
func (e *Engine) Refresh(ctx context.Context) (bool, error) {
	read := func() (st stored, err error) {
		if st.entities, err = e.st.Find(ctx, collEntities, queryAll()); err != nil {
			return st, fmt.Errorf("engine: read definitions: %w", err)
		}
		if st.roles, err = e.st.Find(ctx, collRoles, queryAll()); err != nil {
			return st, fmt.Errorf("engine: read roles: %w", err)
		}
		if st.layouts, err = e.st.Find(ctx, collLayouts, queryAll()); err != nil {
			return st, fmt.Errorf("engine: read layouts: %w", err)
		}
		if st.calendars, err = e.st.Find(ctx, collCalendars, queryAll()); err != nil {
			return st, fmt.Errorf("engine: read calendars: %w", err)
		}
		return st, nil
	}
	st, err := read()
	if err != nil {
		return false, err
	}
	if e.catalog.Load().matches(st) {
		return false, nil
	}
	e.defMu.Lock()
	defer e.defMu.Unlock()
	if st, err = read(); err != nil {
		return false, err
	}
	if e.catalog.Load().matches(st) {
		return false, nil
	}
	return true, e.load(ctx, st)
}

// matches reports whether the catalog holds exactly the stored
// definitions, at their versions.
func (c *Catalog) matches(st stored) bool {
	if len(st.entities) != len(c.entities) || len(st.roles) != len(c.roles) || len(st.layouts) != len(c.layouts) ||
		len(st.calendars) != len(c.calendars) {
		return false
	}
	for _, r := range st.calendars {
		if cd := c.calendars[r.ID]; cd == nil || cd.version != r.Version {
			return false
		}
	}
	for _, r := range st.layouts {
		if ld := c.layouts[r.ID]; ld == nil || ld.version != r.Version {
			return false
		}
	}
	for _, r := range st.entities {
		if ce := c.entities[r.ID]; ce == nil || ce.version != r.Version {
			return false
		}
	}
	for _, r := range st.roles {
		if rd := c.roles[r.ID]; rd == nil || rd.version != r.Version {
			return false
		}
	}
	return true
}
