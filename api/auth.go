package api

import (
	"context"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/api/throttle"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/identity"
)

// SessionCookie is the cookie that carries a browser's session token.
const SessionCookie = "morph_session"

// CSRFHeader must accompany every change (POST, PUT, PATCH, DELETE)
// authenticated by the session cookie, with the value "1". A page of
// another site cannot send a custom header without a CORS preflight, which
// Morph never grants.
const CSRFHeader = "X-Morph-CSRF"

// ViewAsHeader lets an administrator read as another user sees: a GET with
// it acts as the user it names (by id), with that user's roles, team and
// field levels. Only administrators may send it, and only on reads.
const ViewAsHeader = "X-Morph-View-As"

// Locals keys of the authenticated request.
const (
	localActor      = "morph.actor"
	localCredential = "morph.credential"
)

// Sign-in throttling: failures in a sliding window lock a key out for a
// while. An account from one client address is locked after a few
// failures, so a guesser is stopped early without locking the account's
// owner out from elsewhere; one address after more, whatever the
// accounts it tries; and an account from every address together only
// after many, so guessing spread over many addresses is slowed down too
// but one guesser cannot lock anyone out.
var (
	pairLimits    = throttle.Config{Max: 5, Window: 15 * time.Minute, Lockout: 15 * time.Minute, MaxKeys: 100_000}
	addressLimits = throttle.Config{Max: 20, Window: 15 * time.Minute, Lockout: 15 * time.Minute, MaxKeys: 100_000}
	accountLimits = throttle.Config{Max: 50, Window: 15 * time.Minute, Lockout: 15 * time.Minute, MaxKeys: 100_000}
)

// signInKey is one count a sign-in is throttled by.
type signInKey struct {
	lim  *throttle.Limiter
	key  string
	what string // what a lock of it locks, for the audit log (identity.LoginLocked)
}

// signInKeys are the counts of a sign-in to account email from addr; with
// address false, the address's own count is left out (a wrong current
// password of a signed-in user counts against the account, from that
// address and overall, not against the address).
func (s *Server) signInKeys(email, addr string, address bool) []signInKey {
	email = strings.ToLower(strings.TrimSpace(email))
	from := throttledAddr(addr)
	keys := []signInKey{{s.pairLimit, email + "\x00" + from, identity.LockAccountFromAddress},
		{s.accountLimit, email, identity.LockAccount}}
	if address {
		keys = append(keys, signInKey{s.addressLimit, from, identity.LockAddress})
	}
	return keys
}

// throttledAddr is what sign-ins from addr are counted by: the address, or
// for IPv6 its /64 network, which one subscriber usually holds whole, so
// that changing addresses within it does not give a guesser more tries.
func throttledAddr(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() || a.Is4In6() {
		return addr
	}
	return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
}

// signInAttempt is a sign-in (or a password check) under way, counted
// against each of its keys as a failure until it is known not to be one.
type signInAttempt struct {
	keys  []signInKey
	taken []throttle.Attempt
}

// takeSignIn counts an attempt against each of keys before the password
// is checked, so that attempts sent at once cannot all be let through
// while the first are being checked; while any key is locked it takes
// nothing and answers 429 with Retry-After.
func takeSignIn(c *fiber.Ctx, keys []signInKey) (*signInAttempt, error) {
	at := &signInAttempt{keys: keys}
	for _, k := range keys {
		a, ok, wait := k.lim.Take(k.key)
		if !ok {
			at.refund()
			return nil, rateLimited(c, wait)
		}
		at.taken = append(at.taken, a)
	}
	return at, nil
}

// refund gives the attempt back: it was no failure (it succeeded, or
// failed for another reason than the credentials).
func (at *signInAttempt) refund() {
	for i, a := range at.taken {
		at.keys[i].lim.Refund(a)
	}
}

// failed keeps the attempt as a failure. The one that locked a key — let
// through, so the lock is new — is audited once; the attempts the lock
// refuses are not.
func (s *Server) failed(ctx context.Context, at *signInAttempt, email, addr string) {
	for i, a := range at.taken {
		if a.Locked() {
			s.ids.LoginLocked(context.WithoutCancel(ctx), email, addr, at.keys[i].what, s.opts.Now().Add(at.keys[i].lim.Lockout()))
		}
	}
}

// authLevel is what a route asks of the caller.
type authLevel int

const (
	authRequired authLevel = iota // a valid session or key; 401 otherwise
	authOptional                  // the actor is set when valid credentials come; anonymous otherwise
	authNone                      // credentials are not looked at
)

// authOf is what a route of the table asks: every /api route needs a
// signed-in caller except signing in and the OpenAPI description.
func authOf(r route) authLevel {
	switch {
	case r.method == "POST" && r.path == "/api/auth/login":
		return authNone
	case r.method == "GET" && r.path == "/api/openapi.json":
		return authOptional
	case !strings.HasPrefix(r.path, "/api/"):
		return authNone
	}
	return authRequired
}

// guard wraps a route's handler in the authentication the route asks for.
// Wrapping the handlers themselves, rather than matching paths in a
// middleware, keeps every way the router matches a path (letter case, a
// trailing slash) behind the same check.
func (s *Server) guard(r route) fiber.Handler {
	switch authOf(r) {
	case authNone:
		return r.handler
	case authOptional:
		// What the answer holds depends on the caller (the OpenAPI
		// description shows what they may see and do): personal too.
		return func(c *fiber.Ctx) error {
			personal(c)
			if err := s.authenticate(c); err != nil && morph.ErrorCode(err) != morph.EUnauthenticated {
				return err
			}
			return r.handler(c)
		}
	}
	return func(c *fiber.Ctx) error {
		personal(c)
		if err := s.authenticate(c); err != nil {
			return err
		}
		return r.handler(c)
	}
}

// personal marks an answer as made for its caller: what a record shows
// depends on who reads it (masked and hidden fields) and on whom an
// administrator views as, while its ETag is the record's version for every
// reader. No shared cache may keep it, a browser must ask again each time,
// and it varies with the credentials and the view-as header. (A browser
// may still revalidate what it kept for one reader on behalf of another and
// take the 304: builder-ui therefore reads with cache: no-store.)
func personal(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Set(fiber.HeaderVary, "Cookie, Authorization, "+ViewAsHeader)
}

// authenticate resolves the request's credentials — a Bearer token (a
// session token or an API key) or else the session cookie — into the actor
// of the request, kept in the context's locals. A change authenticated by
// the cookie must pass the CSRF check.
func (s *Server) authenticate(c *fiber.Ctx) error {
	cred, cookie, err := credential(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	actor, err := s.ids.Authenticate(ctx, cred, s.clientAddr(c))
	if err != nil {
		return err
	}
	if cookie && unsafeMethod(c.Method()) {
		if err := checkCSRF(c); err != nil {
			return err
		}
	}
	if as := c.Get(ViewAsHeader); as != "" {
		if actor, err = s.viewAs(c, actor, as); err != nil {
			return err
		}
	}
	c.Locals(localActor, actor)
	c.Locals(localCredential, cred)
	return nil
}

// viewAs returns the actor of the user id names, for an administrator's
// read; the address and the way of signing in stay the administrator's.
func (s *Server) viewAs(c *fiber.Ctx, admin engine.Actor, id string) (engine.Actor, error) {
	if !admin.IsAdmin() {
		return engine.Actor{}, morph.Errorf(morph.EForbidden, "Only an administrator may view as another user",
			"只有管理员可以以其他用户的身份查看")
	}
	if unsafeMethod(c.Method()) {
		return engine.Actor{}, morph.Errorf(morph.EForbidden, "Viewing as another user is for reading only; %s is not allowed with %s",
			"以其他用户的身份只能查看；%s 请求不能带 %s", c.Method(), ViewAsHeader)
	}
	bad := func() error {
		return &morph.Error{Code: morph.EInvalid, Text: morph.T("%s must name an active user by id", "%s 必须是一个有效用户的 ID", ViewAsHeader),
			Fields: []morph.FieldError{{Path: ViewAsHeader, Code: "user", Offset: -1,
				Text: morph.T("There is no active user with this id", "没有此 ID 的有效用户")}}}
	}
	if len(id) > 128 {
		return engine.Actor{}, bad()
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	other, ok, err := s.ids.Actor(ctx, strings.Clone(id))
	if err != nil {
		return engine.Actor{}, err
	}
	if !ok {
		return engine.Actor{}, bad()
	}
	other.Addr, other.Via = admin.Addr, admin.Via
	return other, nil
}

// credential returns the request's credential and whether it came in the
// cookie. An Authorization header of another scheme than Bearer is refused.
func credential(c *fiber.Ctx) (string, bool, error) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			return "", false, identity.Unauthenticated()
		}
		return strings.Clone(token), false, nil
	}
	if v := c.Cookies(SessionCookie); v != "" {
		return strings.Clone(v), true, nil
	}
	return "", false, identity.Unauthenticated()
}

func unsafeMethod(m string) bool { return m != "GET" && m != "HEAD" && m != "OPTIONS" }

// checkCSRF refuses a cookie-authenticated change without the CSRF header,
// or whose Origin, when the browser sends one, is not the server's own.
func checkCSRF(c *fiber.Ctx) error {
	if c.Get(CSRFHeader) != "1" {
		return morph.Errorf(morph.ECSRF, "A change made with the session cookie needs the header %s: 1",
			"使用会话 Cookie 的修改请求必须带有请求头 %s: 1", CSRFHeader)
	}
	return checkOrigin(c)
}

// checkOrigin refuses a request whose Origin header names another origin
// than the one the request was sent to.
func checkOrigin(c *fiber.Ctx) error {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && strings.EqualFold(u.Scheme, c.Protocol()) && strings.EqualFold(u.Host, string(c.Request().Host())) {
		return nil
	}
	return morph.Errorf(morph.ECSRF, "Requests from another site (%s) are not accepted", "不接受来自其他站点（%s）的请求", truncate(origin, 100))
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// actor is who makes the request: the authenticated user, or nobody (no
// id, no roles) on the routes that do not ask for credentials.
func (s *Server) actor(c *fiber.Ctx) engine.Actor {
	a, _ := c.Locals(localActor).(engine.Actor)
	return a
}

// requireAdmin refuses a caller without the admin role.
func (s *Server) requireAdmin(c *fiber.Ctx) error {
	if !s.actor(c).IsAdmin() {
		return forbidden()
	}
	return nil
}

func forbidden() *morph.Error {
	return morph.Errorf(morph.EForbidden, "Only an administrator may do this", "只有管理员可以执行此操作")
}

// maxAuthBody bounds the bodies of the sign-in, password and profile routes.
const maxAuthBody = 8 << 10

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// login checks an e-mail address and password and opens a session: the
// token comes in the body (for API clients) and in an HttpOnly cookie (for
// the browser). Failures count per account and per client address; past
// the limit the answer is 429 with Retry-After until the lock-out ends.
func (s *Server) login(c *fiber.Ctx) error {
	if err := checkOrigin(c); err != nil {
		return err
	}
	b, err := body(c, maxAuthBody)
	if err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSON(b, &req); err != nil {
		return err
	}
	var missing []morph.FieldError
	if strings.TrimSpace(req.Email) == "" {
		missing = append(missing, morph.FieldError{Path: "/email", Code: "required", Offset: -1, Text: morph.T("email is required", "必须填写 email")})
	}
	if req.Password == "" {
		missing = append(missing, morph.FieldError{Path: "/password", Code: "required", Offset: -1, Text: morph.T("password is required", "必须填写 password")})
	}
	if missing != nil {
		return morph.Invalid(missing...)
	}
	addr := s.clientAddr(c)
	keys := s.signInKeys(req.Email, addr, true)
	at, err := takeSignIn(c, keys)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	user, token, err := s.ids.Login(ctx, req.Email, req.Password, addr)
	if morph.ErrorCode(err) == morph.EUnauthenticated {
		s.failed(ctx, at, req.Email, addr)
		return err
	}
	at.refund()
	if err != nil {
		return err
	}
	// Only the account's counts start afresh: a guesser who also holds an
	// account of their own must not clear their address's count by
	// signing in.
	s.pairLimit.Succeed(keys[0].key)
	s.accountLimit.Succeed(keys[1].key)
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: c.Protocol() == "https", MaxAge: int(s.ids.MaxAge().Seconds())})
	return writeJSON(c, fiber.StatusOK, fiber.Map{"user": user, "token": token})
}

func rateLimited(c *fiber.Ctx, wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return morph.Errorf(morph.ERateLimited, "Too many failed attempts; try again in %d seconds", "失败次数过多；请在 %d 秒后重试", secs)
}

// logout ends the session of the request (a Bearer session token or the
// cookie) and clears the cookie. With an API key it ends nothing: keys are
// revoked with DELETE /api/keys/{id}.
func (s *Server) logout(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	cred, _ := c.Locals(localCredential).(string)
	if err := s.ids.Logout(ctx, s.actor(c), cred); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: SessionCookie, Value: "", Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: c.Protocol() == "https", MaxAge: -1, Expires: time.Unix(0, 0)})
	return c.SendStatus(fiber.StatusNoContent)
}

// sessionID is the stored id of the request's session ("" when it was
// authenticated by a key).
func sessionID(c *fiber.Ctx) string {
	cred, _ := c.Locals(localCredential).(string)
	if strings.HasPrefix(cred, identity.SessionPrefix) {
		return identity.SessionID(cred)
	}
	return ""
}
