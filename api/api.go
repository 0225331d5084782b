// Package api is Morph's HTTP interface: one table of routes, handlers that
// return errors, one error handler that shapes every failure, the OpenAPI
// description generated from the definitions, and the builder UI.
package api

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/api/throttle"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/identity"
	"github.com/morphcrm/morph/sla"
	"github.com/morphcrm/morph/workflow"
)

// Body limits.
const (
	MaxRecordBody     = 1 << 20   // one record
	MaxDefinitionBody = 256 << 10 // one entity definition
	MaxBulkBody       = 16 << 20  // a bulk request
)

// Options configure the HTTP server.
type Options struct {
	Logger *slog.Logger
	// UI is the built builder-ui (index.html at its root). Nil serves a page
	// that says how to build it.
	UI fs.FS
	// Timeout bounds the store work of one request. Default 15 s.
	Timeout time.Duration
	// ReadTimeout bounds the reading of one request, from its first byte (or
	// the connection's opening) to the end of its body. Default 30 s.
	ReadTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its next
	// request before it is closed (without a response). Default 120 s.
	IdleTimeout time.Duration
	// Identity resolves credentials and keeps users, teams, sessions and
	// keys. Nil: one over the engine's store with default settings.
	Identity *identity.Service
	// Now is the clock of the login throttle; time.Now by default.
	Now func() time.Time
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (clientAddr). None: every request comes from its peer.
	TrustedProxies []netip.Prefix
	// Workflow keeps and runs the workflow rules. Nil: one over the
	// engine, with the identity service as its directory, whose queue the
	// caller runs (workflow.Service.Start or Pump).
	Workflow *workflow.Service
	// SLA keeps the SLA policies and sets their deadlines in writes. Nil:
	// one over the engine.
	SLA *sla.Service
}

// maxHeaders bounds a request's line and headers: room for a filter of
// 4 KiB, URL-encoded.
const maxHeaders = 16 << 10

// Server holds what the handlers share.
type Server struct {
	eng  *engine.Engine
	ids  *identity.Service
	wf   *workflow.Service
	sla  *sla.Service
	log  *slog.Logger
	opts Options

	// failed sign-ins: of an account from one address, from one address,
	// and of an account from anywhere
	pairLimit, addressLimit, accountLimit *throttle.Limiter
}

type route struct {
	method, path string
	handler      fiber.Handler
}

// New returns the Fiber app that serves the API and the UI.
func New(eng *engine.Engine, opts Options) *fiber.App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 30 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 120 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Identity == nil {
		opts.Identity = identity.New(eng, identity.Options{Logger: opts.Logger})
	}
	if opts.Workflow == nil {
		wf, err := workflow.New(context.Background(), eng, workflow.Options{Logger: opts.Logger, Directory: opts.Identity})
		if err != nil {
			// Only a store failure; the workflow routes then answer 503.
			opts.Logger.Error("workflow", "err", err)
		}
		opts.Workflow = wf
	}
	if opts.SLA == nil {
		svc, err := sla.New(context.Background(), eng, sla.Options{Logger: opts.Logger})
		if err != nil {
			// Only a store failure; the SLA routes then answer 503.
			opts.Logger.Error("sla", "err", err)
		}
		opts.SLA = svc
	}
	s := &Server{eng: eng, ids: opts.Identity, wf: opts.Workflow, sla: opts.SLA, log: opts.Logger, opts: opts,
		pairLimit: throttle.New(pairLimits, opts.Now), addressLimit: throttle.New(addressLimits, opts.Now),
		accountLimit: throttle.New(accountLimits, opts.Now)}
	app := fiber.New(fiber.Config{
		AppName:               "Morph",
		BodyLimit:             MaxBulkBody,
		ReadBufferSize:        maxHeaders,
		ErrorHandler:          s.handleError,
		DisableStartupMessage: true,
		ReadTimeout:           opts.ReadTimeout,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           opts.IdleTimeout,
	})
	app.Use(securityHeaders)
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: func(c *fiber.Ctx, e any) {
		s.log.Error("panic", "method", c.Method(), "path", c.Path(), "panic", e)
	}}))
	app.Use(s.logRequests)
	table := s.routes()
	for _, r := range table {
		app.Add(r.method, r.path, s.guard(r))
		if r.method == fiber.MethodGet { // HEAD is GET without the body (RFC 9110)
			app.Add(fiber.MethodHead, r.path, s.guard(r))
		}
	}
	app.Use(unrouted(table))
	s.mountUI(app)
	return app
}

// slowRequest is how long a request may take before it is logged as slow.
const slowRequest = time.Second

// logRequests logs every request at debug level, slow ones as warnings.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	took := time.Since(start)
	level := slog.LevelDebug
	if took > slowRequest {
		level = slog.LevelWarn
	}
	if s.log.Enabled(c.UserContext(), level) {
		status := c.Response().StatusCode()
		if err != nil {
			status = morph.ErrorCode(err).Status()
			if fe := (*fiber.Error)(nil); errors.As(err, &fe) {
				status = fe.Code
			}
		}
		s.log.Log(c.UserContext(), level, "request", "method", c.Method(), "path", c.Path(), "status", status,
			"took", took.Round(time.Microsecond), "ip", s.clientAddr(c))
	}
	return err
}

// routes is every route of the server, in one table. Every route under
// /api needs a signed-in caller but signing in and the OpenAPI description
// (authOf).
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", s.healthz},
		{"GET", "/api/openapi.json", s.openAPI},

		{"POST", "/api/auth/login", s.login},
		{"POST", "/api/auth/logout", s.logout},
		{"GET", "/api/me", s.getMe},
		{"PATCH", "/api/me", s.updateMe},
		{"POST", "/api/me/password", s.changeMyPassword},

		{"GET", "/api/users", s.listUsers},
		{"POST", "/api/users", s.createUser},
		{"GET", "/api/users/:id", s.getUser},
		{"PATCH", "/api/users/:id", s.updateUser},
		{"DELETE", "/api/users/:id", s.deleteUser},
		{"PUT", "/api/users/:id/password", s.setUserPassword},

		{"GET", "/api/teams", s.listTeams},
		{"POST", "/api/teams", s.createTeam},
		{"GET", "/api/teams/:id", s.getTeam},
		{"PATCH", "/api/teams/:id", s.updateTeam},
		{"DELETE", "/api/teams/:id", s.deleteTeam},

		{"GET", "/api/keys", s.listKeys},
		{"POST", "/api/keys", s.createKey},
		{"DELETE", "/api/keys/:id", s.revokeKey},

		{"GET", "/api/entities", s.listEntities},
		{"GET", "/api/entities/:name", s.getEntity},
		{"PUT", "/api/entities/:name", s.putEntity},
		{"DELETE", "/api/entities/:name", s.deleteEntity},
		{"POST", "/api/entities/:name/rename", s.renameEntity},
		{"GET", "/api/entities/:name/references", s.entityReferences},
		{"POST", "/api/entities/:name/plan", s.planEntity},
		{"POST", "/api/entities/:name/indexes/advice", s.adviseIndex},
		{"GET", "/api/entities/:name/recompute", s.recomputeStatus},
		{"POST", "/api/entities/:name/recompute", s.recompute},
		{"GET", "/api/entities/:name/layouts", s.listLayouts},
		{"GET", "/api/entities/:name/layouts/:id", s.getLayout},
		{"PUT", "/api/entities/:name/layouts/:id", s.putLayout},
		{"DELETE", "/api/entities/:name/layouts/:id", s.deleteLayout},
		{"GET", "/api/entities/:name/layouts/:id/draft", s.getLayoutDraft},
		{"PUT", "/api/entities/:name/layouts/:id/draft", s.putLayoutDraft},
		{"DELETE", "/api/entities/:name/layouts/:id/draft", s.deleteLayoutDraft},
		{"POST", "/api/entities/:name/layouts/:id/publish", s.publishLayout},
		{"GET", "/api/entities/:name/views", s.listViews},
		{"POST", "/api/entities/:name/views", s.createView},
		{"GET", "/api/entities/:name/views/:id", s.getView},
		{"PUT", "/api/entities/:name/views/:id", s.putView},
		{"DELETE", "/api/entities/:name/views/:id", s.deleteView},

		{"GET", "/api/roles", s.listRoles},
		{"GET", "/api/roles/:name", s.getRole},
		{"PUT", "/api/roles/:name", s.putRole},
		{"DELETE", "/api/roles/:name", s.deleteRole},

		{"GET", "/api/calendars", s.listCalendars},
		{"GET", "/api/calendars/:name", s.getCalendar},
		{"PUT", "/api/calendars/:name", s.putCalendar},
		{"DELETE", "/api/calendars/:name", s.deleteCalendar},
		{"GET", "/api/calendars/:name/references", s.calendarReferences},

		{"GET", "/api/records/:entity", s.listRecords},
		{"POST", "/api/records/:entity", s.createRecord},
		{"POST", "/api/records/:entity/bulk", s.bulkRecords},
		{"GET", "/api/records/:entity/:id", s.getRecord},
		{"PATCH", "/api/records/:entity/:id", s.updateRecord},
		{"DELETE", "/api/records/:entity/:id", s.deleteRecord},
		{"GET", "/api/records/:entity/:id/history", s.recordHistory},
		{"GET", "/api/records/:entity/:id/export", s.exportRecord},
		{"POST", "/api/records/:entity/:id/erase", s.eraseRecord},

		{"POST", "/api/expressions/check", s.checkExpression},

		{"GET", "/api/workflows", s.withWorkflow(s.listWorkflows)},
		{"GET", "/api/workflows/:name", s.withWorkflow(s.getWorkflow)},
		{"PUT", "/api/workflows/:name", s.withWorkflow(s.putWorkflow)},
		{"DELETE", "/api/workflows/:name", s.withWorkflow(s.deleteWorkflow)},
		{"GET", "/api/workflows/:name/runs", s.withWorkflow(s.workflowRuns)},
		{"POST", "/api/workflows/:name/test", s.withWorkflow(s.testWorkflow)},
		{"GET", "/api/workflows/:name/deliveries", s.withWorkflow(s.workflowDeliveries)},
		{"POST", "/api/workflows/:name/deliveries/:id/redeliver", s.withWorkflow(s.redeliver)},
		{"GET", "/api/notifications", s.withWorkflow(s.listNotifications)},
		{"POST", "/api/notifications/:id/read", s.withWorkflow(s.readNotification)},

		{"GET", "/api/slas", s.withSLA(s.listSLAs)},
		{"GET", "/api/slas/:name", s.withSLA(s.getSLA)},
		{"PUT", "/api/slas/:name", s.withSLA(s.putSLA)},
		{"DELETE", "/api/slas/:name", s.withSLA(s.deleteSLA)},

		{"GET", "/api/audit", s.auditLog},
	}
}

func (s *Server) healthz(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.eng.Health(ctx); err != nil {
		s.log.Error("health check", "err", err)
		body := fiber.Map{"status": "unavailable"}
		if me := morph.AsError(err); me != nil {
			body["message"] = me.Text.In(lang(c))
			if me.Code == morph.EStorageFull {
				body["status"] = "storage_full"
			}
		}
		return c.Status(http.StatusServiceUnavailable).JSON(body)
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

// ctx bounds the store work of a request: Fiber does not cancel a request's
// context when the client goes away.
func (s *Server) ctx(c *fiber.Ctx) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.UserContext(), s.opts.Timeout)
}

// lang picks the response language from Accept-Language: zh-CN when Chinese
// is preferred over English, English otherwise; without the header, the
// signed-in user's language.
func lang(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAcceptLanguage)
	if h == "" {
		// The signed-in user's own language, when the request names none.
		if a, _ := c.Locals(localActor).(engine.Actor); a.Language == "zh-CN" {
			return "zh-CN"
		}
		return "en"
	}
	best, bestQ := "en", -1.0
	for _, part := range strings.Split(h, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if i := strings.IndexByte(tag, ';'); i >= 0 {
			params := tag[i+1:]
			tag = strings.TrimSpace(tag[:i])
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				q = parseQ(v)
			}
		}
		tag = strings.ToLower(tag)
		var l string
		switch {
		case strings.HasPrefix(tag, "zh"):
			l = "zh-CN"
		case strings.HasPrefix(tag, "en"):
			l = "en"
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

func parseQ(v string) float64 {
	q := 0.0
	seenDot, scale := false, 1.0
	for _, r := range v {
		switch {
		case r == '.' && !seenDot:
			seenDot = true
		case r >= '0' && r <= '9':
			if seenDot {
				scale /= 10
				q += float64(r-'0') * scale
			} else {
				q = q*10 + float64(r-'0')
			}
		default:
			return 0
		}
	}
	return q
}

// Shutdown stops the server, letting in-flight requests finish within timeout.
func Shutdown(app *fiber.App, timeout time.Duration) error {
	err := app.ShutdownWithTimeout(timeout)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}
