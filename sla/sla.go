// Package sla keeps service-level agreement policies and the deadlines
// they set on records: response and resolution targets in working hours on
// a business calendar, per option of a priority field.
//
// Policies are JSON documents (PolicySchema) kept in _slas, checked
// completely on save against the entity and the calendars, versioned and
// audited. The deadlines are computed inside the write, through the
// engine's BeforeValidate hook (chained after the hooks already there, so
// after the workflow's before-save rules): a create answers with them, a
// change of the priority moves them, a pause clears them and keeps the
// working time left, a resume sets them from that, and a met target keeps
// its deadline and records when it was met. What happens when a deadline
// passes — the breach flag, an escalation — is a workflow rule with a date
// trigger on the deadline field.
//
// The engine never imports this package: it plugs in through
// engine.Engine.AddHooks.
package sla

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema/calendar"
)

// collPolicies holds the policy documents: id = policy name.
const collPolicies = "_slas"

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Now is the clock of the deadlines; the engine's by default.
	Now func() time.Time
}

// Service holds the policies and applies them to writes.
type Service struct {
	eng  *engine.Engine
	st   store.Store
	docs defdoc.Collection // the policy documents
	opts Options
	log  *slog.Logger

	mu       sync.Mutex // serialises saves and recompiles
	policies atomic.Pointer[policySet]
	checked  atomic.Int64 // unix ms of the last comparison with the stored policies
}

// policySet is the compiled policies, for one engine catalog.
type policySet struct {
	cat      *engine.Catalog
	stored   defdoc.Docs
	byName   map[string]*Policy
	byEntity map[string]*Policy // the active policy of an entity
}

// New makes the SLA service of eng, creates its collection, loads the
// stored policies and plugs the deadline computation into the engine's
// writes (after the hooks already set).
func New(ctx context.Context, eng *engine.Engine, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = eng.Now
	}
	s := &Service{eng: eng, st: eng.Store(), opts: opts, log: opts.Logger}
	s.docs = defdoc.Collection{Store: s.st, Name: collPolicies, Noun: "policy", ErrVersion: errVersion,
		Failure: func(what string, err error) error { return fmt.Errorf("sla: %s: %w", what, err) }}
	if err := s.st.EnsureCollection(ctx, collPolicies, nil); err != nil {
		return nil, fmt.Errorf("sla: system collection %s: %w", collPolicies, err)
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	eng.AddHooks(engine.Hooks{BeforeValidate: s.beforeSave})
	eng.AddReferrers(s.referrers)
	return s, nil
}

// current returns the policies compiled against the engine's current
// catalog, compiling them again when the catalog changed.
func (s *Service) current() *policySet {
	ps := s.policies.Load()
	if cat := s.eng.Catalog(); ps.cat != cat {
		s.mu.Lock()
		defer s.mu.Unlock()
		ps = s.policies.Load()
		if ps.cat != cat {
			ps = s.compileAll(ps.stored)
			s.policies.Store(ps)
		}
	}
	return ps
}

func (s *Service) readStored(ctx context.Context) (defdoc.Docs, error) {
	return s.docs.ReadAll(ctx, "read policies")
}

// load reads the stored policies and compiles them.
func (s *Service) load(ctx context.Context) error {
	stored, err := s.readStored(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies.Store(s.compileAll(stored))
	s.checked.Store(s.opts.Now().UnixMilli())
	return nil
}

// Refresh loads the stored policies again when another instance changed
// them; it compares at most every 5 s (writes call it, so a change made
// elsewhere applies here within that).
func (s *Service) Refresh(ctx context.Context) error {
	now := s.opts.Now().UnixMilli()
	last := s.checked.Load()
	if now-last < 5000 && now >= last || !s.checked.CompareAndSwap(last, now) {
		return nil
	}
	stored, err := s.readStored(ctx)
	if err != nil {
		return err
	}
	if s.policies.Load().stored.Same(stored) {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies.Store(s.compileAll(stored))
	return nil
}

func (s *Service) checker(cat *engine.Catalog) checker {
	return checker{entity: cat.Entity, calendar: func(name string) (*calendar.Calendar, bool) { return cat.WorkCalendar(name) }}
}

// compileAll compiles stored policies against the engine's catalog; a
// policy that no longer compiles (its entity, a field or its calendar was
// removed) is kept as stored but does nothing, and is logged.
func (s *Service) compileAll(stored defdoc.Docs) *policySet {
	cat := s.eng.Catalog()
	ps := &policySet{cat: cat, stored: stored, byName: map[string]*Policy{}, byEntity: map[string]*Policy{}}
	c := s.checker(cat)
	for _, name := range stored.Names() {
		d := stored[name]
		p, err := parse([]byte(d.Text), c)
		if err != nil {
			s.log.Warn("SLA policy does not compile; it does nothing", "policy", name, "err", err)
			continue
		}
		p.version = d.Version
		ps.byName[name] = p
		if p.Active && ps.byEntity[p.Entity] == nil {
			ps.byEntity[p.Entity] = p
		}
	}
	return ps
}

// Info is a saved policy as the API lists it.
type Info struct {
	Name    string
	Label   morph.Text
	Entity  string
	Active  bool
	Version int64
	Doc     string // the document as saved
	Valid   bool   // it compiles against the entities and calendars as they are
}

func info(ps *policySet, name string) Info {
	d := ps.stored[name]
	in := Info{Name: name, Version: d.Version, Doc: d.Text, Label: morph.Text{EN: name, ZH: name}}
	if p := ps.byName[name]; p != nil {
		in.Label, in.Entity, in.Active, in.Valid = p.Label, p.Entity, p.Active, true
	}
	return in
}

// visible reports whether actor may see a policy: administrators see
// every one, others those of entities they may read (the deadlines of a
// record are no secret to whoever reads it).
func (s *Service) visible(actor engine.Actor, ps *policySet, name string) bool {
	if actor.IsAdmin() {
		return true
	}
	p := ps.byName[name]
	return p != nil && s.eng.CanRead(actor, p.Entity)
}

// List returns the saved policies actor may see, in name order.
func (s *Service) List(actor engine.Actor) []Info {
	ps := s.current()
	names := make([]string, 0, len(ps.stored))
	for n := range ps.stored {
		if s.visible(actor, ps, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]Info, 0, len(names))
	for _, n := range names {
		out = append(out, info(ps, n))
	}
	return out
}

// Get returns a saved policy (404 when actor may not see it).
func (s *Service) Get(actor engine.Actor, name string) (Info, error) {
	ps := s.current()
	if _, ok := ps.stored[name]; !ok || !s.visible(actor, ps, name) {
		return Info{}, errUnknown(name)
	}
	return info(ps, name), nil
}

// Put checks a policy document completely and stores it as the next
// version of the policy named name (ifVersion, when not 0, must be the
// stored version), with its audit entry in the same write. The document's
// name may be absent (then the URL's) or the same. An entity has at most
// one active policy. It returns whether the policy was created.
func (s *Service) Put(ctx context.Context, actor engine.Actor, name string, doc []byte, ifVersion int64) (Info, bool, error) {
	if !actor.IsAdmin() {
		return Info{}, false, errAdminOnly()
	}
	doc, nameErr := named(name, doc)
	var (
		out     Info
		created bool
	)
	// Checked and stored under the engine's lock of definition changes: the
	// entity and the calendars the policy names are not deleted or renamed
	// meanwhile.
	err := s.eng.Define(func(cat *engine.Catalog) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		var err error
		out, created, err = s.putLocked(ctx, cat, actor, name, doc, nameErr, ifVersion)
		return err
	})
	return out, created, err
}

// putLocked is Put under the engine's definitions lock and s.mu.
func (s *Service) putLocked(ctx context.Context, cat *engine.Catalog, actor engine.Actor, name string, doc []byte, nameErr *morph.FieldError, ifVersion int64) (Info, bool, error) {
	ps := s.policies.Load()
	c := s.checker(cat)
	c.checkExprCalendars = true
	p, err := parse(doc, c)
	if nameErr != nil {
		me := morph.AsError(err)
		if err == nil || me != nil && me.Code == morph.EInvalid {
			if me == nil {
				me = morph.Invalid()
			}
			me.Fields = append([]morph.FieldError{*nameErr}, me.Fields...)
			return Info{}, false, me
		}
	}
	if err != nil {
		return Info{}, false, err
	}
	if p.Active {
		for n, other := range ps.byName {
			if n != name && other.Active && other.Entity == p.Entity {
				return Info{}, false, morph.Invalid(defdoc.FieldErr("/active", "conflict",
					morph.T("Entity %s already has the active SLA policy %s; deactivate one of them", "实体 %s 已有生效的 SLA 策略 %s；请停用其中一个", p.Entity, n)))
			}
		}
	}
	if _, exists := ps.stored[name]; !exists && len(ps.stored) >= MaxPolicies {
		return Info{}, false, morph.Errorf(morph.EConflict, "There may be at most %d SLA policies", "SLA 策略最多 %d 个", MaxPolicies)
	}
	version, found, err := s.docs.Put(ctx, defdoc.Save{Name: name, Doc: string(doc), Fields: map[string]any{"entity": p.Entity},
		IfVersion: ifVersion, ActorID: actor.ID, At: engine.FormatTime(s.eng.Now()), Audit: s.audit(actor, name)})
	if err != nil {
		return Info{}, false, err
	}
	next := ps.stored.With(name, defdoc.Doc{Text: string(doc), Version: version})
	nps := s.compileAll(next)
	s.policies.Store(nps)
	return info(nps, name), !found, nil
}

// audit builds the audit entries of a policy's save or delete.
func (s *Service) audit(actor engine.Actor, name string) defdoc.Audit {
	return func(c defdoc.Change) store.Record {
		return s.eng.AuditRecord(actor, engine.AuditEntry{Action: c.Action, Kind: "sla", Entity: name, Version: c.Version,
			Old: c.Old, New: c.New})
	}
}

// Delete removes a policy (ifVersion, when not 0, must be the stored
// version). The records keep the deadlines it set.
func (s *Service) Delete(ctx context.Context, actor engine.Actor, name string, ifVersion int64) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found, err := s.docs.Delete(ctx, name, ifVersion, "", s.audit(actor, name))
	if err != nil {
		return err
	}
	if !found {
		return errUnknown(name)
	}
	next := s.policies.Load().stored.Without(name)
	s.policies.Store(s.compileAll(next))
	return nil
}

// named returns doc with its name checked against the URL's.
func named(name string, doc []byte) ([]byte, *morph.FieldError) {
	return defdoc.Named(name, doc, morph.T("The policy's name must be the one in the URL, %q", "策略名称必须与 URL 中的一致：%q", name))
}

func errAdminOnly() error {
	return morph.Errorf(morph.EForbidden, "Only administrators may do this", "只有管理员可以执行此操作")
}

func errUnknown(name string) error {
	return morph.Errorf(morph.ENotFound, "Unknown SLA policy %q", "未知的 SLA 策略 %q", name)
}

func errVersion() error {
	return morph.Errorf(morph.EVersion, "The SLA policy was changed by someone else; reload it and try again", "SLA 策略已被他人修改，请刷新后重试")
}
