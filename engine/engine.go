// Package engine is Morph's runtime: the catalog of compiled definitions
// (swapped atomically), the record write and read pipelines, and the events
// that later layers (workflow, audit) subscribe to.
//
// A write: compiled entity from the catalog → access check → defaults and
// default expressions → normalisation → (before-save hook) → formulas →
// JSON Schema validation → validation rules → (after-validate hook) →
// relation targets exist → store write with a version → event.
// The steps in brackets are seams: they plug in through Options.Hooks without
// reshaping the pipeline.
//
// A read: the user's filter (an expression translated by schema/lang) AND the
// access filter → store → field projection and expansion.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema/lang"
)

// Actor is who performs an operation: a signed-in user (resolved by the
// identity layer from a session or an API key) or the engine itself.
//
// Access is decided from Roles (the built-in "admin" role reaches
// everything) and, for the scopes own/team/team_tree, from ID and the
// member lists the identity layer resolves.
type Actor struct {
	ID    string   // user id; "system" for the engine's own work
	Name  string   // display name, kept in audit entries
	Roles []string // role names
	Team  string   // the user's team id; "" when in no team
	// TeamMembers are the ids of the users of the user's team (scope
	// team); TreeMembers those of the team and every team below it (scope
	// team_tree). Both include ID.
	TeamMembers, TreeMembers []string
	Language                 string // the user's language (en, zh-CN; "" when unset): answers' when a request names none
	Addr                     string // the client's address, kept in audit entries
	Via                      string // how the actor was authenticated: "session", "key", "cli"; "" for the engine

	system bool // the engine's own work: no access checks
}

// System is the actor for the engine's own work (loading examples, demo
// data, operator commands): it passes every access check.
var System = Actor{ID: "system", Name: "system", system: true}

// IsSystem reports whether a is the engine itself.
func (a Actor) IsSystem() bool { return a.system }

// EventType names what happened to a record.
type EventType string

const (
	Created EventType = "created"
	Updated EventType = "updated"
	Deleted EventType = "deleted"
)

// Event is published after a record write has been stored.
type Event struct {
	Type   EventType
	Entity string
	Record Record // the record as stored (for Deleted: as it was)
	Old    Record // the previous state for Updated
	Actor  Actor
}

// Hooks are the seams of the write pipeline. Each is optional; a hook that
// returns an error stops the write (a *morph.Error is answered as is).
type Hooks struct {
	// BeforeValidate runs after defaults and normalisation, before the
	// formulas and JSON Schema validation: "before save" rules set fields
	// here, and the formulas see what they set. Old is nil on create.
	BeforeValidate func(ctx context.Context, w *Write) error
	// AfterValidate runs after validation and the entity's validation rules,
	// before the store write: checks on the final values.
	AfterValidate func(ctx context.Context, w *Write) error
}

// Write is the state of one record write as it passes through the pipeline.
type Write struct {
	Entity string
	Actor  Actor
	Data   map[string]any // the new user-facing values (system fields apart from owner excluded)
	Old    *Record        // nil on create

	// Triggers are the names of the after-save workflow rules this write
	// sets off, and Depth how deep in a chain of rules it is (0 for a
	// write of a user): hooks set them, and the engine keeps them in the
	// write's audit entry, so that the rules' run is decided — and kept —
	// exactly when the write is.
	Triggers []string
	Depth    int
	// Skipped are the after-save rules whose trigger the write matched
	// but whose condition was false on its values: kept in the audit
	// entry too, so that the run log can say why they did nothing.
	Skipped []string

	// scope is the scope of the write's final values, made when the
	// formulas are computed (or the validation rules checked) and handed
	// to the AfterValidate hooks by Scope: one scope for the three.
	scope *lang.Scope

	// owner is the owner the write gives the record when Data does not
	// hold it — an entity without an owner field ("" on update: unchanged)
	// — for formulas, rules and the layout's conditions.
	owner string
}

// Owner is the owner the write gives a record of an entity without an
// owner field ("" on an update that keeps the one it has); an entity with
// one has it in Data.
func (w *Write) Owner() string { return w.owner }

// Options configure an Engine.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // the clock; time.Now by default
	Hooks  Hooks
	// MaxRetries bounds how often an update without If-Match is retried
	// after a concurrent change (read, merge, write again). Default 50.
	MaxRetries int
}

// Engine is safe for concurrent use.
type Engine struct {
	st   store.Store
	opts Options
	log  *slog.Logger

	catalog atomic.Pointer[Catalog]
	hooks   atomic.Pointer[Hooks]
	defMu   sync.Mutex // serialises definition changes

	refMu     sync.Mutex
	referrers []ReferrerSource // definitions kept outside the engine that name entities and calendars

	subMu sync.RWMutex
	subs  []func(context.Context, Event)

	// instance identifies this engine in the Idempotency-Key claims it
	// holds; claims are the tokens of those whose request is running.
	instance string
	claimMu  sync.Mutex
	claims   map[string]bool

	space *spaceWatch // notes writes that fail for lack of space

	recomputes recomputes  // the latest recompute of each entity's formulas
	builds     indexBuilds // index builds after saves
	rollups    rollupWork  // the parents whose roll-ups are to be recounted
	entryIDs   entryIDs    // the ids of audit entries
}

// New opens an engine over st: it loads every stored definition, compiles
// them into the first catalog and makes sure their collections and indexes
// exist.
func New(ctx context.Context, st store.Store, opts Options) (*Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxRetries <= 0 {
		opts.MaxRetries = 50
	}
	e := &Engine{opts: opts, log: opts.Logger, instance: newToken(), claims: map[string]bool{}}
	e.space, e.st = watchSpace(st, opts.Now, e.log)
	e.hooks.Store(&opts.Hooks)
	if err := e.ensureSystem(ctx); err != nil {
		return nil, err
	}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// Generations returns the store's write generations when it tracks them (see
// store.Generations).
func (e *Engine) Generations() (store.Generations, bool) {
	g, ok := e.space.Store.(store.Generations)
	return g, ok
}

// AddHooks chains h after the hooks already set: each of h's hooks runs
// after the existing one of its seam, when that one succeeded. Call it
// before the engine serves writes.
func (e *Engine) AddHooks(h Hooks) {
	cur := *e.hooks.Load()
	chain := func(a, b func(context.Context, *Write) error) func(context.Context, *Write) error {
		switch {
		case a == nil:
			return b
		case b == nil:
			return a
		}
		return func(ctx context.Context, w *Write) error {
			if err := a(ctx, w); err != nil {
				return err
			}
			return b(ctx, w)
		}
	}
	next := Hooks{BeforeValidate: chain(cur.BeforeValidate, h.BeforeValidate), AfterValidate: chain(cur.AfterValidate, h.AfterValidate)}
	e.hooks.Store(&next)
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.opts.Now() }

// Store returns the engine's store (for commands that measure it directly).
func (e *Engine) Store() store.Store { return e.st }

// Subscribe registers fn to be called after every stored record write, in
// the writing goroutine. fn must not block for long, and must copy what it
// keeps of the event's records: their maps go on to the caller afterwards.
func (e *Engine) Subscribe(fn func(context.Context, Event)) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	e.subs = append(e.subs, fn)
}

func (e *Engine) publish(ctx context.Context, ev Event) {
	e.noteRollups(ev)
	e.subMu.RLock()
	subs := e.subs
	e.subMu.RUnlock()
	for _, fn := range subs {
		fn(ctx, ev)
	}
}

// now returns the current time as stored: UTC, millisecond precision.
func (e *Engine) now() string { return FormatTime(e.opts.Now()) }

// FormatTime is the stored form of a timestamp: UTC with fixed milliseconds,
// so that timestamps sort as strings.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// newID returns a UUIDv7: time-ordered, so records index and paginate well.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 only fails when the system's randomness source does.
		panic(fmt.Sprintf("engine: cannot make a record id: %v", err))
	}
	return id.String()
}
