// Command morph runs the Morph server and its operator commands.
//
//	morph serve   run the HTTP server (the default command)
//	morph demo    fill the example CRM with generated data
//	morph bench   measure the server under load
//	morph backup  copy the embedded store, also while the server runs
//	morph user    create, list and disable users, set passwords
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/morphcrm/morph/api"
	builderui "github.com/morphcrm/morph/builder-ui"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/identity"
	"github.com/morphcrm/morph/sla"
	"github.com/morphcrm/morph/workflow"
)

const usage = `Morph — a configurable CRM engine.

Usage:
  morph serve [--addr 127.0.0.1:8080] [--store sqlite:./morph-data/morph.db] [--example sme-crm|none]
  morph demo  [--store URL] [--records N] [--seed S]
  morph bench [--store URL] [--records N] [--duration 10s] [--concurrency N]
  morph backup [--store sqlite:PATH] [--to FILE]
  morph user create  --email E --name N [--roles a,b] [--team T] [--password-stdin]
  morph user passwd  --email E [--password-stdin]
  morph user disable --email E
  morph user list

Environment: MORPH_ADDR and MORPH_STORE stand for --addr and --store.
The first start on a store without users creates an administrator: with
MORPH_ADMIN_EMAIL and MORPH_ADMIN_PASSWORD when set, otherwise as
admin@localhost (or MORPH_ADMIN_EMAIL) with a generated password that is
logged once. Sign in with POST /api/auth/login.
`

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args)
	case "demo":
		err = demoCmd(ctx, args)
	case "bench":
		err = benchCmd(ctx, args)
	case "backup":
		err = backupCmd(ctx, args)
	case "user":
		err = userCmd(ctx, args, os.Stdin, os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "morph: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "morph %s: %v\n", cmd, err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// common are the flags every command that opens a store has.
// defaultStore is the store of every command without --store or MORPH_STORE.
const defaultStore = "sqlite:./morph-data/morph.db"

type common struct {
	store    string
	example  string
	logJSON  bool
	logLevel string

	installed bool // open loaded the example into an empty store
	// wrap, when set, stands between the store and the engine (the bench's
	// --no-audit-entries).
	wrap func(store.Store) (store.Store, error)
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.store, "store", envOr("MORPH_STORE", defaultStore), "store URL: sqlite:PATH or mongodb://HOST:PORT/DB")
	fs.StringVar(&c.example, "example", "sme-crm", "example app loaded into an empty store, or none")
	fs.BoolVar(&c.logJSON, "log-json", false, "log as JSON lines instead of text")
	fs.StringVar(&c.logLevel, "log-level", envOr("MORPH_LOG_LEVEL", "info"), "debug (every request), info, warn or error")
}

func (c *common) logger() *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if c.logJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// open opens the store and the engine, loading the example into an empty store.
func (c *common) open(ctx context.Context, log *slog.Logger) (*engine.Engine, func(), error) {
	st, err := openStore(ctx, c.store)
	if err != nil {
		return nil, nil, err
	}
	es := st
	if c.wrap != nil {
		if es, err = c.wrap(st); err != nil {
			st.Close()
			return nil, nil, err
		}
	}
	eng, err := engine.New(ctx, es, engine.Options{Logger: log})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	if c.example != "none" && len(eng.Catalog().Names()) == 0 {
		if err := installExample(ctx, eng, c.example); err != nil {
			st.Close()
			return nil, nil, err
		}
		c.installed = true
		log.Info("example loaded", "example", c.example, "entities", len(eng.Catalog().Names()))
	} else if c.example != "none" && len(eng.Catalog().RoleNames()) == 0 {
		// A store made before roles existed gets the example's roles.
		if err := installRoles(ctx, eng, c.example); err != nil {
			log.Warn("example roles not installed", "example", c.example, "err", err)
		}
	}
	if c.example != "none" && !c.installed && eng.Catalog().SavedCalendars() == 0 {
		// A store made before calendars existed gets the example's calendars.
		if err := installCalendars(ctx, eng, c.example); err != nil {
			log.Warn("example calendars not installed", "example", c.example, "err", err)
		}
	}
	if c.example != "none" && !c.installed && eng.Catalog().LayoutCount() == 0 {
		// A store made before layouts existed gets the example's layouts.
		if err := installLayouts(ctx, eng, c.example); err != nil {
			log.Warn("example layouts not installed", "example", c.example, "err", err)
		}
	}
	return eng, func() {
		if err := st.Close(); err != nil {
			log.Error("close store", "err", err)
		}
	}, nil
}

func serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs)
	addr := fs.String("addr", envOr("MORPH_ADDR", "127.0.0.1:8080"), "address to listen on")
	timeout := fs.Duration("request-timeout", 15*time.Second, "bound on the store work of one request")
	idle := fs.Duration("session-idle", identity.DefaultIdleTimeout, "a session not used for this long ends")
	maxAge := fs.Duration("session-max-age", identity.DefaultMaxAge, "a session ends this long after sign-in, used or not")
	wfInterval := fs.Duration("workflow-interval", time.Second, "how often the workflow queue is read for work of other processes, retries and deliveries (at once for this process's writes)")
	proxies := fs.String("trusted-proxies", envOr("MORPH_TRUSTED_PROXIES", ""), "reverse proxies (addresses and CIDR networks, comma-separated) whose X-Forwarded-For names the client; none by default")
	demoAccounts := fs.Int("demo", 0, "accounts of demo data (with their people, contacts, deals …) to generate when the sme-crm example is loaded into an empty store; 0 for none")
	if err := fs.Parse(args); err != nil {
		return err
	}
	trusted, err := api.ParseProxies(*proxies)
	if err != nil {
		return err
	}
	log := c.logger()
	slog.SetDefault(log)
	eng, closeStore, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer closeStore()

	ids := identity.New(eng, identity.Options{Logger: log, IdleTimeout: *idle, MaxAge: *maxAge})
	if err := firstAdmin(ctx, ids, log); err != nil {
		return err
	}
	if c.installed && c.example == "sme-crm" && *demoAccounts > 0 {
		if err := demoData(ctx, eng, ids, log, *demoAccounts, 1); err != nil {
			return err
		}
	}
	go maintain(ctx, eng, log)
	smtpURL := os.Getenv("MORPH_SMTP_URL")
	if err := workflow.CheckSMTPURL(smtpURL); err != nil {
		return err
	}
	wf, slas, err := c.services(ctx, eng, ids, log, smtpURL, *wfInterval)
	if err != nil {
		return err
	}
	app := api.New(eng, api.Options{Logger: log, UI: builderui.FS(), Timeout: *timeout, Identity: ids, Workflow: wf, SLA: slas,
		TrustedProxies: trusted})
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(*addr) }()
	log.Info("morph listening", "addr", "http://"+*addr, "store", c.store)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	if err := api.Shutdown(app, 30*time.Second); err != nil {
		return err
	}
	return <-errc
}

// services starts the workflow queue (pumping at least every interval
// until ctx ends) and the SLA service, with the example's rules and
// policies when open has just loaded it. The SLA service comes after the
// workflow service: its before-save rules run first, and the deadlines see
// what they set.
func (c *common) services(ctx context.Context, eng *engine.Engine, ids *identity.Service, log *slog.Logger, smtpURL string, interval time.Duration) (*workflow.Service, *sla.Service, error) {
	wf, err := workflow.New(ctx, eng, workflow.Options{Logger: log, Directory: ids, SMTPURL: smtpURL})
	if err != nil {
		return nil, nil, err
	}
	if c.installed {
		if err := installWorkflows(ctx, wf, c.example); err != nil {
			return nil, nil, err
		}
	}
	wf.Start(ctx, interval)
	slas, err := sla.New(ctx, eng, sla.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	if c.installed {
		if err := installSLAs(ctx, slas, c.example); err != nil {
			return nil, nil, err
		}
	}
	return wf, slas, nil
}

// firstAdmin creates the first administrator when the store has no users:
// from MORPH_ADMIN_EMAIL and MORPH_ADMIN_PASSWORD, or with a generated
// password logged this once.
func firstAdmin(ctx context.Context, ids *identity.Service, log *slog.Logger) error {
	if err := ids.Ensure(ctx); err != nil {
		return err
	}
	u, generated, err := ids.Bootstrap(ctx, os.Getenv("MORPH_ADMIN_EMAIL"), os.Getenv("MORPH_ADMIN_PASSWORD"))
	switch {
	case err != nil:
		return fmt.Errorf("%w (set MORPH_ADMIN_PASSWORD to a stronger password, or leave it unset to have one generated)", err)
	case u.ID == "":
	case generated != "":
		log.Warn("first administrator created: sign in with this e-mail and password, shown only this once, and change the password",
			"email", u.Email, "password", generated)
	default:
		log.Info("first administrator created from MORPH_ADMIN_EMAIL and MORPH_ADMIN_PASSWORD", "email", u.Email)
	}
	return nil
}

// maintain does the server's periodic housekeeping until ctx ends: it picks
// up definition changes made by other instances sharing the store, and
// forgets responses kept for Idempotency-Keys after a day.
func maintain(ctx context.Context, eng *engine.Engine, log *slog.Logger) {
	refresh := time.NewTicker(5 * time.Second)
	defer refresh.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	pruneKeys := func() {
		if n, err := eng.PruneIdempotency(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
			log.Error("prune idempotency keys", "err", err)
		} else if n > 0 {
			log.Info("idempotency keys pruned", "count", n)
		}
	}
	pruneKeys()
	// Roll-ups whose children were written just before a crash are repaired.
	go eng.RecountRollups(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-prune.C:
			pruneKeys()
		case <-refresh.C:
			if changed, err := eng.Refresh(ctx); err != nil && ctx.Err() == nil {
				log.Error("refresh definitions", "err", err)
			} else if changed {
				log.Info("definitions changed by another instance: catalog reloaded")
			}
		}
	}
}
