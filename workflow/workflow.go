// Package workflow runs the rules analysts define: triggers on record
// writes, conditions as expressions, and actions.
//
// Rules are JSON documents (RuleSchema) kept in _workflows, checked
// completely on save against the entities, versioned and audited. A rule's
// before-save actions (set, reject) run inside the write through the
// engine's BeforeValidate hook; its after-save actions run from a durable
// queue: the AfterValidate hook names the rules a write sets off in the
// write's own audit entry (engine.Write.Triggers), which the store keeps
// exactly when it keeps the write, and Pump turns those entries into items
// of _wf_queue, claims them with version-checked updates and runs them.
//
// The engine never imports this package: it plugs in through
// engine.Engine.AddHooks.
package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/store"
)

// The system collections of workflow.
const (
	collRules         = "_workflows"     // rule documents: id = rule name
	collState         = "_wf_state"      // the audit cursor
	collQueue         = "_wf_queue"      // after-save runs: id = audit entry id + "-" + rule
	collRuns          = "_wf_runs"       // the run log
	collOutbox        = "_wf_outbox"     // webhook calls and e-mails to deliver
	collNotifications = "_notifications" // in-app notifications
)

// Options configure a Service.
type Options struct {
	Logger *slog.Logger
	// Directory resolves teams and their active users for assign.
	Directory Directory
	// Now is the clock of the queue (due times, leases, back-off); the
	// engine's by default.
	Now func() time.Time
	// SMTPURL is where e-mails go: smtp://user:pass@host:port?from=addr
	// (MORPH_SMTP_URL). Empty: e-mails wait in the outbox and fail.
	SMTPURL string
	// HTTPClient calls webhooks; one with a 10 s timeout by default.
	HTTPClient *http.Client
	// MaxDepth bounds a chain of rules whose actions set off rules
	// (default 5): a write at that depth sets off nothing more.
	MaxDepth int
	// MaxAttempts is how often an item or a delivery is tried before it is
	// dead (default 8).
	MaxAttempts int
	// Lease is how long a claimed item or delivery is its claimer's
	// (default 30 s: longer than an item's run or a delivery's call): one
	// that a process claimed and then died with is run by another (or the
	// restarted one) when it ends.
	Lease time.Duration
	// Grace is how far behind the last entry seen the audit log is read
	// again, for entries of writes committed out of id order (default 30 s).
	Grace time.Duration
	// Workers run queue items in parallel (default 4).
	Workers int
	// KeepRuns is how long the run log keeps a run (default 90 days);
	// KeepConditionFalse how long it keeps the runs of writes whose
	// condition did not hold (default 7 days: there are many of them, and
	// they answer "why did it not act" about recent writes).
	KeepRuns, KeepConditionFalse time.Duration
}

// Service holds the rules and runs them.
type Service struct {
	eng  *engine.Engine
	st   store.Store
	docs defdoc.Collection // the rule documents
	opts Options
	log  *slog.Logger

	instance string
	mu       sync.Mutex // serialises rule saves and recompiles
	rules    atomic.Pointer[ruleSet]
	checked  atomic.Int64 // unix ms of the last comparison with the stored rules
	started  atomic.Bool  // the tail read the startup window
	tailMu   sync.Mutex   // one tail at a time in a process
	high     string       // the highest audit id this process has read
	cursorAt time.Time    // when the tail last wrote its cursor
	windowAt time.Time    // when the tail last read the grace window
	prunedAt time.Time    // when finished items were last pruned
	wake     chan struct{}
	// plannedFor is the rule set whose timed rules are planned.
	plannedFor atomic.Pointer[ruleSet]
}

// ruleSet is the compiled rules, for one engine catalog.
type ruleSet struct {
	cat      *engine.Catalog
	stored   defdoc.Docs
	byName   map[string]*Rule
	byEntity map[string][]*Rule
}

// New makes the workflow service of eng, creates its collections, loads
// the stored rules and plugs the before-save hooks into the engine.
func New(ctx context.Context, eng *engine.Engine, opts Options) (*Service, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = eng.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 5
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Lease <= 0 {
		opts.Lease = 30 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = 30 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.KeepRuns <= 0 {
		opts.KeepRuns = 90 * 24 * time.Hour
	}
	if opts.KeepConditionFalse <= 0 {
		opts.KeepConditionFalse = 7 * 24 * time.Hour
	}
	s := &Service{eng: eng, st: eng.Store(), opts: opts, log: opts.Logger, instance: uuid.NewString(), wake: make(chan struct{}, 1)}
	s.docs = defdoc.Collection{Store: s.st, Name: collRules, Noun: "rule", ErrVersion: errVersion, Failure: internal}
	for _, c := range []struct {
		name string
		idx  []store.Index
	}{
		{collRules, nil},
		{collState, nil},
		{collQueue, []store.Index{{Name: "i_due", Fields: []string{"status", "next_at"}}}},
		{collRuns, []store.Index{{Name: "i_rule", Fields: []string{"rule", "at"}}, {Name: "i_at", Fields: []string{"at"}}}},
		{collOutbox, []store.Index{{Name: "i_due", Fields: []string{"status", "next_at"}}, {Name: "i_rule", Fields: []string{"rule", "status"}}}},
		{collNotifications, []store.Index{{Name: "i_user", Fields: []string{"user", "at"}}, {Name: "i_unread", Fields: []string{"user", "read"}}}},
	} {
		if err := s.st.EnsureCollection(ctx, c.name, c.idx); err != nil {
			return nil, fmt.Errorf("workflow: system collection %s: %w", c.name, err)
		}
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	eng.AddHooks(engine.Hooks{BeforeValidate: s.beforeSave, AfterValidate: s.afterValidate})
	eng.AddReferrers(s.referrers)
	eng.Subscribe(func(context.Context, engine.Event) { s.poke() })
	return s, nil
}

// poke wakes the background loop: a write may have set off rules.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Start runs the queue in the background until ctx ends: it pumps when a
// write was published in this process (at most once per pokeGap), and at
// least every interval for the writes of other processes, retries and
// deliveries.
func (s *Service) Start(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			passed := time.Now()
			for {
				n, err := s.Pump(ctx)
				if err != nil && ctx.Err() == nil {
					s.log.Warn("workflow: pump", "err", err)
				}
				if n == 0 || err != nil {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-s.wake:
				// Writes arriving one after another wake the loop once per
				// pokeGap: each pass reads all that is new, and a pass costs
				// a few reads whether one write is new or a hundred.
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(passed.Add(pokeGap))):
				}
			}
		}
	}()
}

// pokeGap is the least time between the starts of two passes that writes
// set off.
const pokeGap = 50 * time.Millisecond

// current returns the rules compiled against the engine's current catalog,
// compiling them again when the catalog changed.
func (s *Service) current() *ruleSet {
	rs := s.rules.Load()
	if cat := s.eng.Catalog(); rs.cat != cat {
		s.mu.Lock()
		defer s.mu.Unlock()
		rs = s.rules.Load()
		if rs.cat != cat {
			rs = s.compileAll(rs.stored)
			s.rules.Store(rs)
		}
	}
	return rs
}

// load reads the stored rules and compiles them.
func (s *Service) load(ctx context.Context) error {
	stored, err := s.docs.ReadAll(ctx, "read rules")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.Store(s.compileAll(stored))
	s.checked.Store(s.opts.Now().UnixMilli())
	return nil
}

// refresh loads the stored rules again when another instance changed them
// (checked at most every 5 s).
func (s *Service) refresh(ctx context.Context) error {
	now := s.opts.Now().UnixMilli()
	if last := s.checked.Load(); now-last < 5000 && now >= last {
		return nil
	}
	s.checked.Store(now)
	stored, err := s.docs.ReadAll(ctx, "read rules")
	if err != nil {
		return err
	}
	if s.rules.Load().stored.Same(stored) {
		return nil
	}
	return s.load(ctx)
}

// compileAll compiles stored rules against the engine's catalog; a rule
// that no longer compiles (an entity or field it names was removed) is
// kept as stored but does nothing, and is logged.
func (s *Service) compileAll(stored defdoc.Docs) *ruleSet {
	cat := s.eng.Catalog()
	rs := &ruleSet{cat: cat, stored: stored, byName: map[string]*Rule{}, byEntity: map[string][]*Rule{}}
	c := checker{entity: cat.Entity, roleExists: s.eng.RoleExists, teamExists: func(string) (bool, error) { return true, nil }}
	for name, d := range stored {
		r, err := parse([]byte(d.Text), c)
		if err != nil {
			s.log.Warn("workflow rule does not compile; it does nothing", "rule", name, "err", err)
			continue
		}
		r.version = d.Version
		rs.byName[name] = r
		rs.byEntity[r.Entity] = append(rs.byEntity[r.Entity], r)
	}
	for _, rules := range rs.byEntity {
		sort.Slice(rules, func(i, j int) bool { return rules[i].Name < rules[j].Name })
	}
	return rs
}

// RuleInfo is a saved rule as the API lists it.
type RuleInfo struct {
	Name    string
	Label   morph.Text
	Entity  string
	Active  bool
	Version int64
	Doc     string // the document as saved, secrets redacted
	Valid   bool   // it compiles against the entities as they are
}

// List returns every saved rule in name order (administrators only).
func (s *Service) List(actor engine.Actor) ([]RuleInfo, error) {
	if !actor.IsAdmin() {
		return nil, errAdminOnly()
	}
	rs := s.current()
	names := rs.stored.Names()
	out := make([]RuleInfo, 0, len(names))
	for _, n := range names {
		out = append(out, info(rs, n))
	}
	return out, nil
}

func info(rs *ruleSet, name string) RuleInfo {
	d := rs.stored[name]
	ri := RuleInfo{Name: name, Version: d.Version, Doc: redact(d.Text), Label: morph.Text{EN: name, ZH: name}}
	if r := rs.byName[name]; r != nil {
		ri.Label, ri.Entity, ri.Active, ri.Valid = r.Label, r.Entity, r.Active, true
	}
	return ri
}

// Get returns a saved rule (administrators only).
func (s *Service) Get(actor engine.Actor, name string) (RuleInfo, error) {
	if !actor.IsAdmin() {
		return RuleInfo{}, errAdminOnly()
	}
	rs := s.current()
	if _, ok := rs.stored[name]; !ok {
		return RuleInfo{}, errUnknownRule(name)
	}
	return info(rs, name), nil
}

// Put checks a rule document completely and stores it as the next version
// of the rule named name (ifVersion, when not 0, must be the stored
// version), with its audit entry in the same write. The document's name
// may be absent (then the URL's) or the same. It returns whether the rule
// was created.
func (s *Service) Put(ctx context.Context, actor engine.Actor, name string, doc []byte, ifVersion int64) (RuleInfo, bool, error) {
	if !actor.IsAdmin() {
		return RuleInfo{}, false, errAdminOnly()
	}
	doc, nameErr := named(name, doc)
	var (
		out     RuleInfo
		created bool
	)
	// Checked and stored under the engine's lock of definition changes: no
	// entity or calendar the rule names is deleted or renamed meanwhile.
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
func (s *Service) putLocked(ctx context.Context, cat *engine.Catalog, actor engine.Actor, name string, doc []byte, nameErr *morph.FieldError, ifVersion int64) (RuleInfo, bool, error) {
	rs := s.rules.Load()
	if old, ok := rs.stored[name]; ok {
		doc = keepSecrets(doc, old.Text)
	}
	c := checker{entity: cat.Entity, roleExists: s.eng.RoleExists, teamExists: func(t string) (bool, error) {
		if s.opts.Directory == nil {
			return false, nil
		}
		_, ok, err := s.opts.Directory.TeamID(ctx, t)
		return ok, err
	}, calendarExists: func(n string) bool { _, ok := cat.WorkCalendar(n); return ok }}
	r, err := parse(doc, c)
	if nameErr != nil {
		me := morph.AsError(err)
		if err == nil || me != nil && me.Code == morph.EInvalid {
			if me == nil {
				me = morph.Invalid()
			}
			me.Fields = append([]morph.FieldError{*nameErr}, me.Fields...)
			return RuleInfo{}, false, me
		}
	}
	if err != nil {
		return RuleInfo{}, false, err
	}
	if _, exists := rs.stored[name]; !exists && len(rs.stored) >= MaxRules {
		return RuleInfo{}, false, morph.Errorf(morph.EConflict, "There may be at most %d workflow rules", "工作流规则最多 %d 条", MaxRules)
	}
	for _, a := range r.Actions {
		if a.Type == ActWebhook && a.Secret == redacted {
			return RuleInfo{}, false, morph.Invalid(defdoc.FieldErr("/actions", "secret", morph.T("A webhook's secret was sent redacted for a URL that has no stored secret; send the secret", "webhook 的密钥以隐藏形式发送，但该地址没有已保存的密钥；请发送密钥")))
		}
	}
	version, found, err := s.docs.Put(ctx, defdoc.Save{Name: name, Doc: string(doc), AuditDoc: redact(string(doc)),
		Fields: map[string]any{"entity": r.Entity}, IfVersion: ifVersion, ActorID: actor.ID, At: engine.FormatTime(s.eng.Now()),
		Audit: s.audit(actor, name)})
	if err != nil {
		return RuleInfo{}, false, err
	}
	next := rs.stored.With(name, defdoc.Doc{Text: string(doc), Version: version})
	nrs := s.compileAll(next)
	s.rules.Store(nrs)
	return info(nrs, name), !found, nil
}

// audit builds the audit entries of a rule's save or delete.
func (s *Service) audit(actor engine.Actor, name string) defdoc.Audit {
	return func(c defdoc.Change) store.Record {
		return s.eng.AuditRecord(actor, engine.AuditEntry{Action: c.Action, Kind: "workflow", Entity: name, Version: c.Version,
			Old: c.Old, New: c.New})
	}
}

// Delete removes a rule (ifVersion, when not 0, must be the stored
// version). Items of it still queued are skipped when they come up.
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
		return errUnknownRule(name)
	}
	next := s.rules.Load().stored.Without(name)
	s.rules.Store(s.compileAll(next))
	return nil
}

// named returns doc with its name checked against the URL's. A name the
// document gives itself must also be a rule name (one it takes from the
// URL is checked by the schema).
func named(name string, doc []byte) ([]byte, *morph.FieldError) {
	m, _ := defdoc.DecodeObject(doc)
	_, had := m["name"]
	doc, fe := defdoc.Named(name, doc, morph.T("The rule's name must be the one in the URL, %q", "规则名称必须与 URL 中的一致：%q", name))
	if fe == nil && had && !nameRE.MatchString(name) {
		e := defdoc.FieldErr("/name", "name", morph.T("A rule name starts with a lower-case letter and uses only a-z, 0-9 and _", "规则名称以小写字母开头，只含 a-z、0-9 和 _"))
		return doc, &e
	}
	return doc, fe
}

func errAdminOnly() error {
	return morph.Errorf(morph.EForbidden, "Only administrators may do this", "只有管理员可以执行此操作")
}

func errUnknownRule(name string) error {
	return morph.Errorf(morph.ENotFound, "Unknown workflow rule %q", "未知的工作流规则 %q", name)
}

func errVersion() error {
	return morph.Errorf(morph.EVersion, "The workflow rule was changed by someone else; reload it and try again", "工作流规则已被他人修改，请刷新后重试")
}

func internal(what string, err error) error {
	return fmt.Errorf("workflow: %s: %w", what, err)
}
