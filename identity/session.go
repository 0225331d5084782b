package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Credential prefixes: a session token starts with ms_, an API key with
// mk_, so that the kind of a credential shows without a lookup (and a key
// pasted somewhere is recognisable).
const (
	SessionPrefix = "ms_"
	KeyPrefix     = "mk_"
)

// maxCredential bounds a credential's length; longer ones are refused
// without a lookup.
const maxCredential = 128

// seenEvery is how often a session's last use is written: at most once a
// minute, not on every request.
const seenEvery = time.Minute

// Unauthenticated is the answer to missing, wrong, expired or revoked
// credentials. It says no more than that, whatever the reason.
func Unauthenticated() *morph.Error {
	return morph.Errorf(morph.EUnauthenticated, "Sign in first: the credentials are missing, wrong or no longer valid",
		"请先登录：凭据缺失、错误或已失效")
}

// BadLogin is the answer to a wrong e-mail address or password: the same
// for both, so that it does not tell which addresses have accounts.
func BadLogin() *morph.Error {
	return morph.Errorf(morph.EUnauthenticated, "Wrong e-mail address or password", "邮箱或密码错误")
}

// newSecret returns 256 random bits in unpadded base64url.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("identity: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is the stored form of a token or key: SHA-256 in hex. Tokens
// carry 256 random bits, so a fast hash is enough (no guessing to slow down).
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Login checks an e-mail address and password and opens a session. It
// returns the user and the session token, which is not kept anywhere: only
// its hash is stored. Every refusal is BadLogin, verified against a dummy
// hash when there is no such user so that it takes as long; the audit log
// keeps the reason. Rate limiting is the caller's.
func (s *Service) Login(ctx context.Context, email, pw, addr string) (User, string, error) {
	if err := s.Ensure(ctx); err != nil {
		return User{}, "", err
	}
	email = normalEmail(email)
	u, err := s.UserByEmail(ctx, email) // an address longer than any user's is simply not found
	reason := ""
	switch {
	case morph.ErrorCode(err) == morph.ENotFound:
		reason = "unknown e-mail address"
	case err != nil:
		return User{}, "", err
	case !u.HasPassword():
		reason = "no password set"
	}
	hash := u.hash
	if reason != "" {
		hash = s.dummyHash()
	}
	ok, verr := password.Verify(hash, pw)
	switch {
	case reason != "":
	case verr != nil:
		s.log.Error("stored password hash unreadable", "user", u.ID, "err", verr)
		reason = "stored hash unreadable"
	case !ok:
		reason = "wrong password"
	case !u.Active:
		reason = "user deactivated"
	}
	if reason != "" {
		who := engine.Actor{ID: u.ID, Name: u.Name, Addr: addr, Via: ViaSession}
		if u.ID == "" { // the address as typed, as long as an address may be
			who = engine.Actor{ID: "anonymous", Name: strings.ToValidUTF8(email[:min(len(email), 254)], ""), Addr: addr, Via: ViaSession}
		}
		s.audit(ctx, who, engine.AuditEntry{Action: engine.AuditLoginFailed, Kind: "session", Record: u.ID, Note: reason})
		return User{}, "", BadLogin()
	}
	if password.NeedsRehash(u.hash, s.opts.Password) {
		s.rehash(ctx, u, pw)
	}
	token, err := s.openSession(ctx, u.ID, s.eng.AuditRecord(engine.Actor{ID: u.ID, Name: u.Name, Roles: u.Roles, Addr: addr, Via: ViaSession},
		engine.AuditEntry{Action: engine.AuditLogin, Kind: "session", Record: u.ID}))
	if err != nil {
		return User{}, "", err
	}
	return u, token, nil
}

// OpenSession opens a session for a user without a password (for operator
// commands and tests) and returns its token.
func (s *Service) OpenSession(ctx context.Context, userID string) (string, error) {
	if err := s.Ensure(ctx); err != nil {
		return "", err
	}
	return s.openSession(ctx, userID)
}

// openSession stores a new session of userID, with its audit entries
// (a sign-in's) in the same write.
func (s *Service) openSession(ctx context.Context, userID string, audit ...store.Record) (string, error) {
	token := SessionPrefix + newSecret()
	now := s.now()
	rec := store.Record{ID: hashSecret(token), Version: 1, Data: map[string]any{"user": userID, "created_at": now, "last_seen": now}}
	if err := s.st.Insert(ctx, collSessions, rec, audit...); err != nil {
		return "", storeError("open session", err)
	}
	return token, nil
}

// rehash stores the password hashed with the current parameters; a failure
// only keeps the old hash.
func (s *Service) rehash(ctx context.Context, u User, pw string) {
	h, err := password.Hash(pw, s.opts.Password)
	if err != nil {
		return
	}
	r, err := s.st.Get(ctx, collUsers, u.ID)
	if err != nil {
		return
	}
	r.Data["password_hash"] = h
	r.Version++
	if err := s.st.Update(ctx, collUsers, r); err != nil && !errors.Is(err, store.ErrConflict) {
		s.log.Error("rehash password", "user", u.ID, "err", err)
	}
}

// Authenticate resolves a session token or API key into the actor it acts
// as, with addr as the client's address. A logout, a revocation or a
// deactivation holds from the next request on: sessions and keys are read
// from the store on every call, or, on a store that sees all its writes, kept
// until their collection next changes (credCache); a session's last use is
// written at most once a minute. Anything that is not a live credential is Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, credential, addr string) (engine.Actor, error) {
	if len(credential) > maxCredential {
		return engine.Actor{}, Unauthenticated()
	}
	if err := s.Ensure(ctx); err != nil {
		return engine.Actor{}, err
	}
	var userID, via string
	var err error
	switch {
	case strings.HasPrefix(credential, SessionPrefix):
		userID, err = s.session(ctx, credential)
		via = ViaSession
	case strings.HasPrefix(credential, KeyPrefix):
		userID, err = s.key(ctx, credential)
		via = ViaKey
	default:
		return engine.Actor{}, Unauthenticated()
	}
	if err != nil {
		return engine.Actor{}, err
	}
	a, ok, err := s.actor(ctx, userID)
	if err != nil {
		return engine.Actor{}, err
	}
	if !ok {
		return engine.Actor{}, Unauthenticated()
	}
	a.Addr, a.Via = addr, via
	return a, nil
}

// session returns the user of a live session, ending it when it has
// expired, and notes its use.
func (s *Service) session(ctx context.Context, token string) (string, error) {
	hash := hashSecret(token)
	gen, cached := s.creds.generation(collSessions)
	if cached {
		if e, ok := s.creds.get(hash, gen); ok {
			return s.liveSession(ctx, hash, e)
		}
	}
	r, err := s.st.Get(ctx, collSessions, hash)
	if errors.Is(err, store.ErrNotFound) {
		return "", Unauthenticated()
	}
	if err != nil {
		return "", storeError("read session", err)
	}
	user, _ := r.Data["user"].(string)
	e := cachedCred{gen: gen, user: user, created: parseTime(r.Data["created_at"]), seen: parseTime(r.Data["last_seen"])}
	if cached {
		s.creds.put(hash, e)
	}
	return s.liveSession(ctx, hash, e)
}

// liveSession checks a session read from the store or the cache: an expired
// one is ended; a live one's use is noted at most once a minute.
func (s *Service) liveSession(ctx context.Context, hash string, e cachedCred) (string, error) {
	now := s.opts.Now()
	if !now.Before(e.created.Add(s.opts.MaxAge)) || !now.Before(e.seen.Add(s.opts.IdleTimeout)) {
		if err := s.st.Delete(ctx, collSessions, hash, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
			s.log.Error("end expired session", "err", err)
		}
		return "", Unauthenticated()
	}
	if now.Sub(e.seen) >= seenEvery {
		s.noteSessionUse(ctx, hash, now)
	}
	return e.user, nil
}

// noteSessionUse writes the session's last use. Another request of the same
// session may have noted it first, or ended it.
func (s *Service) noteSessionUse(ctx context.Context, hash string, now time.Time) {
	r, err := s.st.Get(ctx, collSessions, hash)
	if err != nil {
		return
	}
	r.Data["last_seen"] = engine.FormatTime(now)
	r.Version++
	if err := s.st.Update(ctx, collSessions, r); err != nil && !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("note session use", "err", err)
	}
}

// Logout ends the session of token. Ending a session that has already
// ended is not an error.
func (s *Service) Logout(ctx context.Context, actor engine.Actor, token string) error {
	if !strings.HasPrefix(token, SessionPrefix) || len(token) > maxCredential {
		return nil
	}
	err := s.st.Delete(ctx, collSessions, hashSecret(token), 0,
		s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditLogout, Kind: "session", Record: actor.ID}))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeError("end session", err)
	}
	return nil
}

// endAccess ends every session of a user but the one whose token hash is
// keep, and, unless keep is given, revokes every key of the user.
func (s *Service) endAccess(ctx context.Context, userID, keep string) error {
	colls := []string{collSessions}
	if keep == "" {
		colls = append(colls, collKeys)
	}
	for _, coll := range colls {
		recs, err := s.st.Find(ctx, coll, query.Query{Filter: query.Cmp{Field: "user", Op: query.Eq, Value: userID}})
		if err != nil {
			return storeError("find credentials", err)
		}
		for _, r := range recs {
			if r.ID == keep {
				continue
			}
			if err := s.st.Delete(ctx, coll, r.ID, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
				return storeError("end credential", err)
			}
		}
	}
	return nil
}

// SessionID is the stored id of a session token (its hash), to name the
// session to keep when a user changes their own password.
func SessionID(token string) string { return hashSecret(token) }

func parseTime(v any) time.Time {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// What a sign-in lock-out locks (LoginLocked).
const (
	LockAccountFromAddress = "account from address" // one account, from one client address
	LockAddress            = "address"              // a client address, whatever the account
	LockAccount            = "account"              // one account, from every address
)

// LoginLocked records that repeated failures have locked signing in (what:
// LockAccountFromAddress, LockAddress or LockAccount) until the given
// time. The attempts refused while the lock lasts are not recorded one by
// one: the lock's entry says they are.
func (s *Service) LoginLocked(ctx context.Context, email, addr, what string, until time.Time) {
	who := engine.Actor{ID: "anonymous", Name: email, Addr: addr, Via: ViaSession}
	var record string
	if what != LockAddress {
		if u, err := s.UserByEmail(ctx, email); err == nil {
			who.ID, who.Name, record = u.ID, u.Name, u.ID
		}
	}
	s.audit(ctx, who, engine.AuditEntry{Action: engine.AuditLoginLocked, Kind: "session", Record: record,
		Note: what + " locked until " + engine.FormatTime(until)})
}
