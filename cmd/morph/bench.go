package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/examples/demo"
	"github.com/morphcrm/morph/identity"
)

// benchAdmin is the administrator whose pages the bench measures.
var benchAdmin = engine.Actor{ID: "bench", Roles: []string{"admin"}}

// benchUsers are the owners of the generated accounts: a sales team.
func benchUsers() []string {
	users := make([]string, 50)
	for i := range users {
		users[i] = fmt.Sprintf("rep%02d", i+1)
	}
	return users
}

// benchUser is the administrator the measurements act as. It has no
// password: nobody can sign in as it; the measurements open a session for
// it directly and end it when they finish.
const benchUser = "bench@localhost"

func benchSession(ctx context.Context, ids *identity.Service) (string, func(), error) {
	u, err := ids.UserByEmail(ctx, benchUser)
	if err != nil {
		if u, err = ids.CreateUser(ctx, engine.System, map[string]any{"email": benchUser, "name": "morph bench",
			"roles": []any{"admin"}}); err != nil {
			return "", nil, err
		}
	}
	token, err := ids.OpenSession(ctx, u.ID)
	if err != nil {
		return "", nil, err
	}
	return token, func() {
		if a, ok, _ := ids.Actor(ctx, u.ID); ok {
			ids.Logout(context.WithoutCancel(ctx), a, token)
		}
	}, nil
}

// benchOwners returns the users the bench's creates give their accounts
// to, one per name of benchUsers (made on first use, without a password
// or a role): an owner must be an active user.
func benchOwners(ctx context.Context, ids *identity.Service) ([]string, error) {
	names := benchUsers()
	out := make([]string, len(names))
	for i, name := range names {
		email := "bench-" + name + "@morph.invalid"
		u, err := ids.UserByEmail(ctx, email)
		if err != nil {
			if u, err = ids.CreateUser(ctx, engine.System, map[string]any{"email": email, "name": "bench " + name}); err != nil {
				return nil, err
			}
		}
		out[i] = u.ID
	}
	return out, nil
}

// benchRepUser is the sales rep whose pages the bench measures; like the
// administrator it has no password.
const benchRepUser = "bench-rep@morph.invalid"

// benchRep returns the bench's sales rep (made on first use), a session
// for it, and gives it the accounts of owner from (the generator's owners
// are names, not users), so that its pages hold what an owner's do.
func benchRep(ctx context.Context, eng *engine.Engine, ids *identity.Service, from string) (engine.Actor, string, error) {
	u, err := ids.UserByEmail(ctx, benchRepUser)
	if err != nil {
		if u, err = ids.CreateUser(ctx, engine.System, map[string]any{"email": benchRepUser, "name": "morph bench rep",
			"roles": []any{"sales_rep"}}); err != nil {
			return engine.Actor{}, "", err
		}
	}
	for {
		recs, err := eng.Store().Find(ctx, "account", query.Query{Filter: query.Cmp{Field: "owner", Op: query.Eq, Value: from}, Limit: 500})
		if err != nil {
			return engine.Actor{}, "", err
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if _, err := eng.Update(ctx, engine.System, "account", r.ID, map[string]any{"owner": u.ID}, 0); err != nil {
				return engine.Actor{}, "", err
			}
		}
	}
	actor, ok, err := ids.Actor(ctx, u.ID)
	if err != nil || !ok {
		return engine.Actor{}, "", fmt.Errorf("bench rep: %v", err)
	}
	token, err := ids.OpenSession(ctx, u.ID)
	return actor, token, err
}

// benchClient sends requests with a Bearer token, straight through an
// http.Transport: a wrapping RoundTripper would make http.Client cancel
// timed-out requests the legacy way, with two goroutines per request, and
// the client shares the server's cores.
type benchClient struct {
	c    *http.Client
	auth string
}

func newBenchClient(token string, conns int) benchClient {
	return benchClient{c: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
		Timeout: 30 * time.Second}, auth: "Bearer " + token}
}

func (b benchClient) do(method, url, contentType string, body io.Reader) (*http.Response, error) {
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", b.auth)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return b.c.Do(r)
}

// withoutAuditEntries wraps the embedded store for --no-audit-entries: the
// accounts the bench creates are stored without the audit entries the
// engine hands over with them, so that runs by turns with and without the
// flag show what the entry costs (its row and indexes in the write's
// transaction, and the workflow's reading of it). Every other write keeps
// its entries; the store's other capabilities are passed on.
func withoutAuditEntries(st store.Store) (store.Store, error) {
	rf, ok1 := st.(store.RawFinder)
	g, ok2 := st.(store.Generations)
	if !ok1 || !ok2 {
		return nil, errors.New("--no-audit-entries measures the embedded store (sqlite:PATH)")
	}
	return noEntryStore{st, rf, g}, nil
}

type noEntryStore struct {
	store.Store
	store.RawFinder
	store.Generations
}

func (s noEntryStore) Insert(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	if coll == "account" {
		audit = nil
	}
	return s.Store.Insert(ctx, coll, rec, audit...)
}

// benchCmd measures the server on loopback: an indexed, filtered, sorted
// page of accounts with and without the total, the same page sorted by a
// non-time field (annual revenue, largest first: served by the example's
// x-indexes), a validated create (with its audit entry, stored with it), and the store's own time for the same page
// queries, so the engine's overhead shows.
func benchCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c common
	c.register(fs)
	records := fs.Int("records", 100000, "accounts in the store; missing ones are generated first")
	duration := fs.Duration("duration", 10*time.Second, "how long each measurement runs")
	conc := fs.Int("concurrency", 8, "parallel clients")
	only := fs.String("only", "", "run only the measurements whose name contains this")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measurements to this file")
	traceFile := fs.String("trace", "", "write an execution trace of the measurements to this file (go tool trace)")
	noEntries := fs.Bool("no-audit-entries", false, "store the measured creates without their audit entries (embedded store only), to measure by turns what the entry costs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	createRow := "http: create with audit"
	if *noEntries {
		c.wrap = withoutAuditEntries
		createRow = "http: create, no entry"
	}
	log := c.logger()
	eng, closeStore, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	filled, err := benchFill(ctx, eng, log, *records)
	if err != nil {
		return err
	}
	if filled {
		// Measure the store as a server finds it after a restart, not with
		// the bulk load still in its write-ahead log.
		closeStore()
		if eng, closeStore, err = c.open(ctx, log); err != nil {
			return err
		}
	}
	defer closeStore()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ids := identity.New(eng, identity.Options{Logger: log})
	token, endSession, err := benchSession(ctx, ids)
	if err != nil {
		return err
	}
	defer endSession()
	// The workflow and SLA services run as in a server (and with the
	// example's rules, on a store it was loaded into): every create's
	// entry is read by the queue, and the deadlines are planned.
	wfCtx, stopServices := context.WithCancel(ctx)
	defer stopServices()
	wf, slas, err := c.services(wfCtx, eng, ids, log, "", 0)
	if err != nil {
		return err
	}
	app := api.New(eng, api.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Identity: ids, Workflow: wf, SLA: slas})
	go app.Listener(ln)
	defer api.Shutdown(app, 5*time.Second)
	base := "http://" + ln.Addr().String()
	client := newBenchClient(token, *conc*2)

	users := benchUsers()
	rep, repToken, err := benchRep(ctx, eng, ids, users[0])
	if err != nil {
		return err
	}
	owners, err := benchOwners(ctx, ids)
	if err != nil {
		return err
	}
	repClient := newBenchClient(repToken, *conc*2)
	// "My accounts, newest first" and "my accounts by revenue, largest first".
	const newest, byRevenue = "-created_at", "-annual_revenue"
	storeSorts := map[string][]query.Sort{
		newest:    {{Field: "created_at", Desc: true}, {Field: "id", Desc: true}},
		byRevenue: {{Field: "annual_revenue.amount", Desc: true}, {Field: "id", Desc: true}},
	}
	page := func(i int, total bool, sort string) string {
		q := url.Values{"filter": {fmt.Sprintf("owner == %q", users[i%len(users)])}, "sort": {sort}, "limit": {"20"}}
		if total {
			q.Set("count", "true")
		}
		return base + "/api/records/account?" + q.Encode()
	}
	getAs := func(c benchClient, u string) error {
		res, err := c.do(http.MethodGet, u, "", nil)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return err
		}
		if res.StatusCode != 200 {
			return fmt.Errorf("GET %s: status %d", u, res.StatusCode)
		}
		return nil
	}
	get := func(u string) error { return getAs(client, u) }
	var created atomic.Int64
	create := func(i int) error {
		n := created.Add(1)
		body := fmt.Sprintf(`{"name": "压测客户%d-%d", "region": "华东", "tier": "normal", "phone": "138 %04d %04d", "owner": %q}`,
			time.Now().UnixNano(), n, n%10000, (n/10000)%10000, owners[i%len(owners)])
		res, err := client.do(http.MethodPost, base+"/api/records/account", "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 201 {
			return fmt.Errorf("POST account: status %d: %s", res.StatusCode, b)
		}
		return nil
	}
	st := eng.Store()
	enginePage := func(i int, total bool, sort string) error {
		_, err := eng.List(ctx, benchAdmin, "account", engine.ListRequest{
			Filter: fmt.Sprintf("owner == %q", users[i%len(users)]), Sort: sort, Limit: 20, Count: total})
		return err
	}
	// A sales rep's page: the role's own scope selects the records (no
	// filter given), customers' phones and e-mails are masked and the annual
	// revenue left out; and the administrator's page of the same records.
	repPage := func(i int) error {
		_, err := eng.List(ctx, rep, "account", engine.ListRequest{Sort: newest, Limit: 20})
		return err
	}
	repAdminPage := func(i int) error {
		_, err := eng.List(ctx, benchAdmin, "account", engine.ListRequest{Filter: fmt.Sprintf("owner == %q", rep.ID), Sort: newest, Limit: 20})
		return err
	}
	repURL := base + "/api/records/account?" + url.Values{"sort": {newest}, "limit": {"20"}}.Encode()
	repAdminURL := base + "/api/records/account?" + url.Values{"filter": {fmt.Sprintf("owner == %q", rep.ID)}, "sort": {newest}, "limit": {"20"}}.Encode()
	storePage := func(i int, total bool, sort string) error {
		f := query.Cmp{Field: "owner", Op: query.Eq, Value: users[i%len(users)]}
		q := query.Query{Filter: f, Sort: storeSorts[sort], Limit: 21}
		var err error
		if rf, ok := st.(store.RawFinder); ok {
			_, err = rf.FindRaw(ctx, "account", q) // what the engine asks of such a store
		} else {
			_, err = st.Find(ctx, "account", q)
		}
		if err == nil && total {
			_, err = st.Count(ctx, "account", f)
		}
		return err
	}

	runs := []struct {
		name string
		fn   func(i int) error
	}{
		{"store: page of 20 + total", func(i int) error { return storePage(i, true, newest) }},
		{"engine: page of 20 + total", func(i int) error { return enginePage(i, true, newest) }},
		{"http: page of 20 + total", func(i int) error { return get(page(i, true, newest)) }},
		{"store: page of 20", func(i int) error { return storePage(i, false, newest) }},
		{"engine: page of 20", func(i int) error { return enginePage(i, false, newest) }},
		{"http: page of 20", func(i int) error { return get(page(i, false, newest)) }},
		{"store: 20 by revenue", func(i int) error { return storePage(i, false, byRevenue) }},
		{"engine: 20 by revenue", func(i int) error { return enginePage(i, false, byRevenue) }},
		{"http: 20 by revenue", func(i int) error { return get(page(i, false, byRevenue)) }},
		{"engine: a rep's accounts", repAdminPage},
		{"engine: rep's page of 20", repPage},
		{"http: a rep's accounts", func(int) error { return getAs(client, repAdminURL) }},
		{"http: rep's page of 20", func(int) error { return getAs(repClient, repURL) }},
		{"http: rep/admin alternating", func(i int) error { return alternate.run(i) }},
		{createRow, create},
	}
	// The rep's page and the administrator's page of the same accounts,
	// one after the other from the same clients, so that both meet the same
	// load: their mean latencies are compared after the run.
	alternate.fns = [2]func() error{func() error { return getAs(repClient, repURL) }, func() error { return getAs(client, repAdminURL) }}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			return err
		}
		defer trace.Stop()
	}
	// Fixed widths rather than a tabwriter: each row shows as soon as it is measured.
	const row = "%-28s %8s %7s %7s %7s\n"
	fmt.Printf(row, "measurement", "ops/s", "p50 ms", "p99 ms", "errors")
	for _, r := range runs {
		if !strings.Contains(r.name, *only) {
			continue
		}
		res, err := measure(ctx, *duration, *conc, r.fn)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		fmt.Printf(row, r.name, fmt.Sprintf("%.0f", res.rate), fmt.Sprintf("%.2f", res.p50), fmt.Sprintf("%.2f", res.p99), fmt.Sprint(res.errors))
		if r.name == "http: rep/admin alternating" {
			rep, adm := alternate.mean(0), alternate.mean(1)
			fmt.Printf("  rep's page %.2f ms, admin's page %.2f ms on average: %.2f×\n", rep, adm, rep/adm)
		}
	}
	fmt.Printf("\nstore %s, %d accounts, %d clients, %s each, GOMAXPROCS from %d CPUs\n", c.store, *records, *conc, *duration, numCPU())
	return nil
}

// alternate runs two requests by turns and keeps the time each took.
var alternate alternating

type alternating struct {
	fns   [2]func() error
	mu    sync.Mutex
	total [2]time.Duration
	n     [2]int
}

func (a *alternating) run(i int) error {
	k := (i / 8) % 2 // each client does both kinds by turns
	t0 := time.Now()
	err := a.fns[k]()
	d := time.Since(t0)
	a.mu.Lock()
	a.total[k] += d
	a.n[k]++
	a.mu.Unlock()
	return err
}

func (a *alternating) mean(k int) float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n[k] == 0 {
		return 0
	}
	return float64(a.total[k].Microseconds()) / float64(a.n[k]) / 1000
}

type benchResult struct {
	rate, p50, p99 float64
	errors         int64
}

// measure calls fn from conc goroutines for d and reports the rate and
// latencies, after a warm-up of a fifth of d that is not counted.
func measure(ctx context.Context, d time.Duration, conc int, fn func(i int) error) (benchResult, error) {
	warm, cancelWarm := context.WithTimeout(ctx, d/5)
	var wwg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for i := w; warm.Err() == nil; i += conc {
				fn(i)
			}
		}()
	}
	wwg.Wait()
	cancelWarm()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for i := w; ctx.Err() == nil; i += conc {
				t0 := time.Now()
				if err := fn(i); err != nil {
					if errs.Add(1) == 1 {
						firstErr.Store(err)
					}
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		if e, ok := firstErr.Load().(error); ok {
			return benchResult{}, e
		}
		return benchResult{}, errors.New("no request completed")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	return benchResult{rate: float64(len(lat)) / elapsed.Seconds(), p50: ms(0.50), p99: ms(0.99), errors: errs.Load()}, nil
}

// benchFill generates accounts until the store has n of them, and reports
// whether it added any.
func benchFill(ctx context.Context, eng *engine.Engine, log *slog.Logger, n int) (bool, error) {
	have, err := eng.Store().Count(ctx, "account", nil)
	if err != nil {
		return false, err
	}
	if int(have) >= n {
		return false, nil
	}
	log.Info("generating accounts", "have", have, "want", n)
	start := time.Now()
	var batch []map[string]any
	flush := func() error {
		res, err := eng.CreateMany(ctx, engine.System, "account", batch, engine.BulkOptions{})
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil && r.Status != 409 {
				return fmt.Errorf("account %d: %w", r.Index, r.Err)
			}
		}
		batch = batch[:0]
		return nil
	}
	errStop := errors.New("enough")
	count := int(have)
	err = demo.Generate(demo.Options{Seed: 42 + have, Accounts: n - int(have), Ref: demo.DefaultRef, Users: benchUsers()},
		func(entity string, data map[string]any) error {
			if entity != "account" {
				return nil
			}
			batch = append(batch, data)
			count++
			if len(batch) == engine.MaxBulk {
				if err := flush(); err != nil {
					return err
				}
			}
			if count >= n {
				return errStop
			}
			return nil
		})
	if err != nil && !errors.Is(err, errStop) {
		return false, err
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return false, err
		}
	}
	log.Info("accounts generated", "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

func numCPU() int { return runtime.NumCPU() }
