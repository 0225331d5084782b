// Package identity is who uses Morph: users, the tree of teams, sessions
// for the UI and API keys for integrators, and the resolution of a
// credential into the engine.Actor every request acts as.
//
// Everything lives in the engine's store, in system collections (_users,
// _teams, _sessions, _keys), as versioned records written one at a time
// with conditional updates, so that several servers may share a store.
//
// Secrets are never stored or returned twice: passwords as argon2id
// hashes, session tokens and API keys as SHA-256 hashes; a token or key is
// shown once, when it is made.
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/store"
)

// The system collections of identity.
const (
	collUsers    = "_users"
	collTeams    = "_teams"
	collSessions = "_sessions"
	collKeys     = "_keys"
)

// How an actor was authenticated (engine.Actor.Via).
const (
	ViaSession = "session"
	ViaKey     = "key"
	ViaCLI     = "cli"
)

// Defaults of Options.
const (
	DefaultIdleTimeout = 12 * time.Hour
	DefaultMaxAge      = 7 * 24 * time.Hour
	// DefaultActorTTL bounds how long a resolved actor (roles, team, team
	// members) is reused before it is read again. Changes made through this
	// process invalidate it at once; the TTL bounds the staleness of changes
	// made by other servers sharing the store. Sessions and keys themselves
	// are never kept past a change of their collection (see credCache).
	DefaultActorTTL = 10 * time.Second
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time // the clock; time.Now by default
	// IdleTimeout ends a session not used for this long (default 12 h);
	// MaxAge ends any session this long after sign-in (default 7 days).
	IdleTimeout, MaxAge time.Duration
	// ActorTTL: see DefaultActorTTL.
	ActorTTL time.Duration
	// Password are the argon2id parameters of new hashes (password.Default
	// when zero).
	Password password.Params
}

// Service is safe for concurrent use.
type Service struct {
	eng  *engine.Engine
	st   store.Store
	opts Options
	log  *slog.Logger

	readyMu sync.Mutex
	ready   atomic.Bool

	dummyHash func() string // a hash to verify against when no user matches
	cache     actorCache
	creds     credCache
}

// New returns the identity service over eng's store. It does no I/O: the
// collections are made on first use (or by Ensure).
func New(eng *engine.Engine, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	if opts.ActorTTL <= 0 {
		opts.ActorTTL = DefaultActorTTL
	}
	if opts.Password == (password.Params{}) {
		opts.Password = password.Default
	}
	s := &Service{eng: eng, st: eng.Store(), opts: opts, log: opts.Logger}
	if g, ok := eng.Generations(); ok {
		s.creds.gens = g
	}
	s.dummyHash = sync.OnceValue(func() string {
		h, err := password.Hash(newSecret(), opts.Password)
		if err != nil {
			panic(fmt.Sprintf("identity: dummy hash: %v", err))
		}
		return h
	})
	s.cache.init()
	eng.AddHooks(engine.Hooks{AfterValidate: s.checkUserFields})
	return s
}

// Ensure makes the identity collections and their indexes.
func (s *Service) Ensure(ctx context.Context) error {
	if s.ready.Load() {
		return nil
	}
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.ready.Load() {
		return nil
	}
	for _, c := range []struct {
		name string
		idx  []store.Index
	}{
		{collUsers, []store.Index{{Name: "u_email", Fields: []string{"email"}, Unique: true}, {Name: "i_team", Fields: []string{"team"}}}},
		{collTeams, []store.Index{{Name: "u_name", Fields: []string{"name"}, Unique: true}, {Name: "i_parent", Fields: []string{"parent"}}}},
		{collSessions, []store.Index{{Name: "i_user", Fields: []string{"user"}}}},
		{collKeys, []store.Index{{Name: "u_hash", Fields: []string{"hash"}, Unique: true}, {Name: "i_user", Fields: []string{"user"}}}},
	} {
		if err := s.st.EnsureCollection(ctx, c.name, c.idx); err != nil {
			return fmt.Errorf("identity: collection %s: %w", c.name, err)
		}
	}
	s.ready.Store(true)
	return nil
}

// now is the current time as stored.
func (s *Service) now() string { return engine.FormatTime(s.opts.Now()) }

// audit appends an entry to the audit log. A failure is logged: the change
// it describes has been made and stays.
func (s *Service) audit(ctx context.Context, actor engine.Actor, e engine.AuditEntry) {
	if err := s.eng.Audit(ctx, actor, e); err != nil {
		s.log.Error("audit", "action", e.Action, "kind", e.Kind, "err", err)
	}
}

// storeError turns a store failure into an internal error.
func storeError(op string, err error) error {
	if me := morph.AsError(err); me != nil {
		return me
	}
	if errors.Is(err, store.ErrFull) {
		return &morph.Error{Code: morph.EStorageFull, Err: err,
			Text: morph.T("The store has no space left, so nothing was changed; retry once disk space has been freed",
				"存储空间已满，未做任何更改；请释放磁盘空间后重试")}
	}
	return &morph.Error{Code: morph.EInternal, Text: morph.T("Internal error", "内部错误"), Err: fmt.Errorf("identity: %s: %w", op, err)}
}

func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		panic(fmt.Sprintf("identity: cannot make an id: %v", err))
	}
	return id.String()
}

func notFound(what morph.Text) *morph.Error {
	return &morph.Error{Code: morph.ENotFound, Text: what}
}

// MaxAge is how long a session lasts at most after sign-in.
func (s *Service) MaxAge() time.Duration { return s.opts.MaxAge }
