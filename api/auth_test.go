package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/identity"
)

const userPassword = "Plum-orchard-71"

// addUser creates a user with userPassword and the given roles and returns
// their id.
func (s *testServer) addUser(email string, roles ...string) string {
	s.t.Helper()
	rs := []string{}
	for _, r := range roles {
		rs = append(rs, fmt.Sprintf("%q", r))
	}
	r := s.do("POST", "/api/users", fmt.Sprintf(`{"email": %q, "name": "User %s", "password": %q, "roles": [%s]}`,
		email, strings.Split(email, "@")[0], userPassword, strings.Join(rs, ",")))
	if r.Status != 201 {
		s.t.Fatalf("create user %s: %d %s", email, r.Status, r.Body)
	}
	return r.JSON(s.t)["id"].(string)
}

// login signs in through the API and returns the response.
func (s *testServer) login(email, pw string, headers ...string) response {
	s.t.Helper()
	return s.anon("POST", "/api/auth/login", fmt.Sprintf(`{"email": %q, "password": %q}`, email, pw), headers...)
}

// token signs in and returns the session token, failing unless it works.
func (s *testServer) tokenOf(email string) string {
	s.t.Helper()
	r := s.login(email, userPassword)
	if r.Status != 200 {
		s.t.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	return r.JSON(s.t)["token"].(string)
}

func bearer(token string) string { return "Authorization: Bearer " + token }

// Signing in: the right password opens a session (token and cookie); a
// wrong password and an unknown address get the same answer; nothing
// secret comes back or goes into the audit log.
func TestLogin(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		id := s.addUser("Ann@Example.com")

		r := s.login("ann@example.COM", userPassword)
		if r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		body := r.JSON(t)
		token, _ := body["token"].(string)
		if !strings.HasPrefix(token, identity.SessionPrefix) || body["user"].(map[string]any)["id"] != id {
			t.Fatalf("login body: %s", r.Body)
		}
		if strings.Contains(r.Body, "argon2") || strings.Contains(r.Body, "password") {
			t.Fatalf("login answer shows the password or its hash: %s", r.Body)
		}
		cookie := r.Header.Get("Set-Cookie")
		for _, want := range []string{api.SessionCookie + "=" + token, "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(strings.ToLower(cookie), strings.ToLower(want)) {
				t.Errorf("cookie %q lacks %q", cookie, want)
			}
		}
		if strings.Contains(strings.ToLower(cookie), "secure") {
			t.Errorf("cookie over plain HTTP is Secure: %q", cookie)
		}
		if me := s.anon("GET", "/api/me", "", bearer(token)); me.Status != 200 || me.JSON(t)["email"] != "ann@example.com" {
			t.Fatalf("me with the token: %d %s", me.Status, me.Body)
		}
		if tls := s.login("ann@example.com", userPassword, "X-Forwarded-Proto: https"); !strings.Contains(tls.Header.Get("Set-Cookie"), "secure") {
			t.Errorf("cookie over TLS is not Secure: %q", tls.Header.Get("Set-Cookie"))
		}

		wrong := s.login("ann@example.com", "Plum-orchard-72")
		unknown := s.login("nobody@example.com", userPassword)
		if wrong.Status != 401 || unknown.Status != 401 || wrong.Body != unknown.Body || wrong.JSON(t)["code"] != "unauthenticated" {
			t.Fatalf("wrong password %d %s; unknown e-mail %d %s", wrong.Status, wrong.Body, unknown.Status, unknown.Body)
		}
		if r := s.anon("POST", "/api/auth/login", `{"email": ""}`); r.Status != 400 || !strings.Contains(r.Body, "/password") {
			t.Fatalf("empty login: %d %s", r.Status, r.Body)
		}

		audit, err := s.st.Find(context.Background(), "_audit", query.Query{Filter: query.Cmp{Field: "kind", Op: query.Eq, Value: "session"}})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, a := range audit {
			actions[a.Data["action"].(string)]++
			b, _ := json.Marshal(a.Data)
			if strings.Contains(string(b), "Plum-orchard") {
				t.Fatalf("audit entry holds a password: %s", b)
			}
		}
		if actions["login"] != 2 || actions["login_failed"] != 2 {
			t.Fatalf("audit actions %v, want 2 logins and 2 failures", actions)
		}
	})
}

// Failed sign-ins lock an account from one address after 5, an address
// after 20 whatever the accounts, and an account from every address after
// 50: 429 with Retry-After, even for the right password, until the lock
// ends. A guesser's lock does not lock the account's owner out from
// elsewhere. The server sits behind a proxy it trusts, which names the
// client in X-Forwarded-For.
func TestLoginLockout(t *testing.T) {
	s := newServer(t, "sqlite")
	var now atomic.Int64
	now.Store(time.Now().Unix())
	proxy, err := api.ParseProxies("0.0.0.0") // the test connection's peer
	if err != nil {
		t.Fatal(err)
	}
	s.app = api.New(s.eng, api.Options{Identity: s.ids, TrustedProxies: proxy,
		Now: func() time.Time { return time.Unix(now.Load(), 0) }})
	from := func(addr string) string { return "X-Forwarded-For: " + addr }
	s.addUser("bob@example.com")
	const guesser, owner = "203.0.113.7", "198.51.100.2"
	for i := 0; i < 6; i++ {
		if r := s.login("bob@example.com", "wrong-password-1", from(guesser)); r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := s.login("bob@example.com", userPassword, from(guesser))
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || r.JSON(t)["code"] != "rate_limited" {
		t.Fatalf("locked account at the guesser's address: %d %v %s", r.Status, r.Header, r.Body)
	}
	// An address the guesser makes up, left of the one the proxy adds,
	// changes nothing.
	if r := s.login("bob@example.com", userPassword, from("192.0.2.99, "+guesser)); r.Status != 429 {
		t.Fatalf("made-up X-Forwarded-For: %d %s", r.Status, r.Body)
	}
	if r := s.login("bob@example.com", userPassword, from(owner)); r.Status != 200 {
		t.Fatalf("the owner at their own address: %d %s", r.Status, r.Body)
	}
	// The lock is audited once, naming the account and the address; the
	// attempts it refuses are not audited one by one.
	for range 3 {
		s.login("bob@example.com", userPassword, from(guesser))
	}
	locks := s.entries("/api/audit?action=login_locked").Items
	if len(locks) != 1 || locks[0].Record == "" || locks[0].Actor != locks[0].Record || locks[0].Addr != guesser ||
		!strings.HasPrefix(locks[0].Note, "account from address locked until ") {
		t.Fatalf("the lock in the audit log: %+v", locks)
	}
	failed := s.entries("/api/audit?action=login_failed&limit=500").Items
	if len(failed) != 6 || failed[0].Addr != guesser {
		t.Fatalf("%d failed sign-ins audited, want the 6 allowed, from %s: %+v", len(failed), guesser, failed)
	}
	now.Add(16 * 60)
	if r := s.login("bob@example.com", userPassword, from(guesser)); r.Status != 200 {
		t.Fatalf("after the lock-out: %d %s", r.Status, r.Body)
	}

	// One address guessing many accounts is locked, for every account.
	for i := 0; i < 21; i++ {
		s.login(fmt.Sprintf("guess%d@example.com", i), "wrong-password-1", from(guesser))
	}
	if r := s.login("bob@example.com", userPassword, from(guesser)); r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Fatalf("locked address: %d %s", r.Status, r.Body)
	}
	if r := s.login("bob@example.com", userPassword, from(owner)); r.Status != 200 {
		t.Fatalf("another address while one is locked: %d %s", r.Status, r.Body)
	}
	if locks := s.entries("/api/audit?action=login_locked").Items; len(locks) != 2 || locks[0].Actor != "anonymous" ||
		locks[0].Record != "" || !strings.HasPrefix(locks[0].Note, "address locked until ") {
		t.Fatalf("the address's lock in the audit log: %+v", locks)
	}

	// The addresses of one IPv6 /64 network count as one.
	now.Add(16 * 60)
	for i := 0; i < 21; i++ {
		s.login(fmt.Sprintf("guess%d@example.com", i), "wrong-password-1", from(fmt.Sprintf("2001:db8:1:2::%x", i+1)))
	}
	if r := s.login("bob@example.com", userPassword, from("2001:db8:1:2:ffff::1")); r.Status != 429 {
		t.Fatalf("another address of a locked /64: %d %s", r.Status, r.Body)
	}
	if r := s.login("bob@example.com", userPassword, from("2001:db8:1:3::1")); r.Status != 200 {
		t.Fatalf("an address of the next /64: %d %s", r.Status, r.Body)
	}

	// Guessing spread over many addresses, none of them locked, locks the
	// account everywhere once 50 have failed.
	now.Add(16 * 60)
	for i := 0; i < 51; i++ {
		addr := fmt.Sprintf("192.0.2.%d", i%25+1)
		if r := s.login("bob@example.com", "wrong-password-1", from(addr)); r.Status != 401 {
			t.Fatalf("spread attempt %d from %s: %d %s", i, addr, r.Status, r.Body)
		}
	}
	if r := s.login("bob@example.com", userPassword, from(owner)); r.Status != 429 {
		t.Fatalf("an account guessed from many addresses: %d %s", r.Status, r.Body)
	}
	if locks := s.entries("/api/audit?action=login_locked").Items; len(locks) != 4 || locks[0].Record == "" ||
		!strings.HasPrefix(locks[0].Note, "account locked until ") {
		t.Fatalf("the account's lock in the audit log: %+v", locks)
	}
}

// Sign-ins sent at once are counted as they start, not as their
// passwords are found wrong: a burst from one address gets no more tries
// than one at a time, does not lock the owner out elsewhere, and its lock
// is audited once.
func TestLoginBurst(t *testing.T) {
	s := newServer(t, "sqlite")
	proxy, _ := api.ParseProxies("0.0.0.0")
	s.app = api.New(s.eng, api.Options{Identity: s.ids, TrustedProxies: proxy})
	s.addUser("bob@example.com")
	statuses := make(chan int, 60)
	var wg sync.WaitGroup
	for range 60 {
		wg.Go(func() {
			statuses <- s.login("bob@example.com", "wrong-password-1", "X-Forwarded-For: 203.0.113.9").Status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[401] != 6 || count[429] != 54 {
		t.Fatalf("a burst of 60 wrong sign-ins: %v, want 6 tried (401) and 54 refused (429)", count)
	}
	if r := s.login("bob@example.com", userPassword, "X-Forwarded-For: 198.51.100.2"); r.Status != 200 {
		t.Fatalf("the owner elsewhere after a burst: %d %s", r.Status, r.Body)
	}
	if locks := s.entries("/api/audit?action=login_locked").Items; len(locks) != 1 {
		t.Fatalf("%d lock-outs audited for one lock: %+v", len(locks), locks)
	}
	// A sign-in that fails for another reason than the password is given
	// back: it does not count.
	for range 10 {
		if r := s.login("bob@example.com", "", "X-Forwarded-For: 198.51.100.3"); r.Status != 400 {
			t.Fatalf("sign-in without a password: %d %s", r.Status, r.Body)
		}
	}
	if r := s.login("bob@example.com", userPassword, "X-Forwarded-For: 198.51.100.3"); r.Status != 200 {
		t.Fatalf("after sign-ins refused as malformed: %d %s", r.Status, r.Body)
	}
}

// The address a request comes from is its peer's; X-Forwarded-For counts
// only from a trusted proxy, and then only its right-most address that is
// not a trusted proxy itself.
func TestClientAddress(t *testing.T) {
	s := newServer(t, "sqlite")
	s.addUser("bob@example.com")
	for _, tc := range []struct {
		name, proxies, header, want string
	}{
		{"no proxy trusted", "", "203.0.113.7", "0.0.0.0"},
		{"peer not trusted", "10.0.0.0/8", "203.0.113.7", "0.0.0.0"},
		{"trusted proxy", "0.0.0.0", "203.0.113.7", "203.0.113.7"},
		{"made-up addresses left of the proxy's", "0.0.0.0", "1.2.3.4, 5.6.7.8,203.0.113.7", "203.0.113.7"},
		{"a chain of trusted proxies", "0.0.0.0/32, 10.0.0.0/8", "203.0.113.7, 10.1.2.3, 10.0.0.9", "203.0.113.7"},
		{"rubbish left of the client", "0.0.0.0", "not-an-address, 203.0.113.7", "203.0.113.7"},
		{"rubbish from a trusted hop", "0.0.0.0, 10.0.0.0/8", "10.0.0.1, not-an-address", "0.0.0.0"},
		{"IPv6", "0.0.0.0", "2001:db8::1", "2001:db8::1"},
		{"a proxy that writes ports", "0.0.0.0", "198.18.0.7:4444", "198.18.0.7"},
		{"IPv6 with a port", "0.0.0.0", "[2001:db8::7]:4444", "2001:db8::7"},
		{"no header", "0.0.0.0", "", "0.0.0.0"},
	} {
		proxies, err := api.ParseProxies(tc.proxies)
		if err != nil {
			t.Fatal(err)
		}
		s.app = api.New(s.eng, api.Options{Identity: s.ids, TrustedProxies: proxies})
		var headers []string
		if tc.header != "" {
			headers = append(headers, "X-Forwarded-For: "+tc.header)
		}
		if r := s.login("bob@example.com", userPassword, headers...); r.Status != 200 {
			t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
		}
		if got := s.entries("/api/audit?action=login&limit=1").Items[0].Addr; got != tc.want {
			t.Errorf("%s: signed in from %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0.1/8/1"} {
		if _, err := api.ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}

// A change sent with the session cookie needs the CSRF header and, when
// the browser names one, the server's own origin; Bearer requests need
// neither; reads need nothing.
func TestCSRF(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef)
		s.addUser("cat@example.com", "admin")
		cookie := "Cookie: " + api.SessionCookie + "=" + s.tokenOf("cat@example.com")
		post := func(name string, headers ...string) response {
			return s.anon("POST", "/api/records/company", fmt.Sprintf(`{"name": %q}`, name), headers...)
		}
		for _, tc := range []struct {
			name    string
			headers []string
			status  int
		}{
			{"cookie without header", []string{cookie}, 403},
			{"cookie with header", []string{cookie, "X-Morph-CSRF: 1"}, 201},
			{"cookie with wrong header value", []string{cookie, "X-Morph-CSRF: yes"}, 403},
			{"cookie, header, own origin", []string{cookie, "X-Morph-CSRF: 1", "Origin: http://example.com"}, 201},
			{"cookie, header, foreign origin", []string{cookie, "X-Morph-CSRF: 1", "Origin: http://evil.example"}, 403},
			{"cookie, header, origin null", []string{cookie, "X-Morph-CSRF: 1", "Origin: null"}, 403},
			{"bearer without header", []string{bearer(s.token)}, 201},
		} {
			r := post(tc.name, tc.headers...)
			if r.Status != tc.status {
				t.Fatalf("%s: %d, want %d: %s", tc.name, r.Status, tc.status, r.Body)
			}
			if tc.status == 403 && r.JSON(t)["code"] != "csrf" {
				t.Fatalf("%s: %s", tc.name, r.Body)
			}
		}
		if r := s.anon("GET", "/api/records/company", "", cookie); r.Status != 200 || strings.Count(r.Body, `"id"`) != 3 {
			t.Fatalf("cookie read: %d %s", r.Status, r.Body)
		}
		if r := s.anon("POST", "/api/auth/login", `{"email": "cat@example.com", "password": "x"}`, "Origin: http://evil.example"); r.Status != 403 {
			t.Fatalf("login from another site: %d %s", r.Status, r.Body)
		}
	})
}

// After a logout the token is refused at once; the cookie is cleared.
func TestLogout(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		s.addUser("dan@example.com")
		token := s.tokenOf("dan@example.com")
		if r := s.anon("GET", "/api/me", "", bearer(token)); r.Status != 200 {
			t.Fatalf("me: %d %s", r.Status, r.Body)
		}
		r := s.anon("POST", "/api/auth/logout", "", bearer(token))
		if r.Status != 204 || !strings.Contains(r.Header.Get("Set-Cookie"), api.SessionCookie+"=;") {
			t.Fatalf("logout: %d %v", r.Status, r.Header)
		}
		if r := s.anon("GET", "/api/me", "", bearer(token)); r.Status != 401 || r.JSON(t)["code"] != "unauthenticated" {
			t.Fatalf("token after logout: %d %s", r.Status, r.Body)
		}
		// The cookie's session, ended by its own logout (with the CSRF header).
		token = s.tokenOf("dan@example.com")
		cookie := "Cookie: " + api.SessionCookie + "=" + token
		if r := s.anon("POST", "/api/auth/logout", "", cookie); r.Status != 403 {
			t.Fatalf("cookie logout without the CSRF header: %d", r.Status)
		}
		if r := s.anon("POST", "/api/auth/logout", "", cookie, "X-Morph-CSRF: 1"); r.Status != 204 {
			t.Fatalf("cookie logout: %d %s", r.Status, r.Body)
		}
		if r := s.anon("GET", "/api/me", "", cookie); r.Status != 401 {
			t.Fatalf("cookie after logout: %d", r.Status)
		}
	})
}

// Deactivating a user refuses their sessions and keys from the next
// request on, although the actor was just resolved (and cached).
func TestDeactivateEndsAccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		id := s.addUser("eve@example.com")
		token := s.tokenOf("eve@example.com")
		r := s.anon("POST", "/api/keys", `{"name": "sync"}`, bearer(token))
		if r.Status != 201 {
			t.Fatalf("create key: %d %s", r.Status, r.Body)
		}
		key := r.JSON(t)["key"].(string)
		for _, cred := range []string{token, key} {
			if r := s.anon("GET", "/api/me", "", bearer(cred)); r.Status != 200 {
				t.Fatalf("before: %d %s", r.Status, r.Body)
			}
		}
		if r := s.do("PATCH", "/api/users/"+id, `{"active": false}`); r.Status != 200 || r.JSON(t)["active"] != false {
			t.Fatalf("deactivate: %d %s", r.Status, r.Body)
		}
		for _, cred := range []string{token, key} {
			if r := s.anon("GET", "/api/me", "", bearer(cred)); r.Status != 401 {
				t.Fatalf("after deactivation %.3s…: %d %s", cred, r.Status, r.Body)
			}
		}
		if r := s.login("eve@example.com", userPassword); r.Status != 401 {
			t.Fatalf("login of a deactivated user: %d %s", r.Status, r.Body)
		}
		// Active again: a new sign-in works, the old credentials stay dead.
		s.do("PATCH", "/api/users/"+id, `{"active": true}`)
		fresh := s.tokenOf("eve@example.com")
		if r := s.anon("GET", "/api/me", "", bearer(fresh)); r.Status != 200 {
			t.Fatalf("new session: %d", r.Status)
		}
		if r := s.anon("GET", "/api/me", "", bearer(key)); r.Status != 401 {
			t.Fatalf("old key after reactivation: %d", r.Status)
		}
		// Deleting the user ends the new session too.
		if r := s.do("DELETE", "/api/users/"+id, ""); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := s.anon("GET", "/api/me", "", bearer(fresh)); r.Status != 401 {
			t.Fatalf("session of a deleted user: %d", r.Status)
		}
	})
}

// An API key acts as its user, is listed without its secret and is refused
// at once when revoked.
func TestAPIKeys(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef)
		fay := s.addUser("fay@example.com")
		token := s.tokenOf("fay@example.com")
		r := s.anon("POST", "/api/keys", `{"name": "nightly import", "expires_at": "2999-01-01T00:00:00Z"}`, bearer(token))
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		created := r.JSON(t)
		key, id := created["key"].(string), created["id"].(string)
		if !strings.HasPrefix(key, identity.KeyPrefix) || created["user"] != fay {
			t.Fatalf("created: %s", r.Body)
		}
		if me := s.anon("GET", "/api/me", "", bearer(key)); me.Status != 200 || me.JSON(t)["id"] != fay {
			t.Fatalf("me by key: %d %s", me.Status, me.Body)
		}
		// A key makes no keys: one that leaked cannot outlive its revocation.
		if r := s.anon("POST", "/api/keys", `{"name": "another"}`, bearer(key)); r.Status != 403 {
			t.Fatalf("a key makes a key: %d %s", r.Status, r.Body)
		}
		list := s.anon("GET", "/api/keys", "", bearer(token))
		if list.Status != 200 || !strings.Contains(list.Body, id) || strings.Contains(list.Body, key) || strings.Contains(list.Body, `"hash"`) {
			t.Fatalf("list: %d %s", list.Status, list.Body)
		}
		if r := s.anon("GET", "/api/keys?user="+s.adminID(), "", bearer(token)); r.Status != 403 {
			t.Fatalf("another user's keys: %d", r.Status)
		}
		if r := s.do("GET", "/api/keys?user="+fay, ""); r.Status != 200 || !strings.Contains(r.Body, id) {
			t.Fatalf("admin lists fay's keys: %d %s", r.Status, r.Body)
		}
		for _, bad := range []string{`{}`, `{"name": "x", "expires_at": "2001-01-01T00:00:00Z"}`, `{"name": "x", "expires_at": "soon"}`, `{"name": "x", "scope": 1}`} {
			if r := s.anon("POST", "/api/keys", bad, bearer(token)); r.Status != 400 {
				t.Fatalf("bad key %s: %d %s", bad, r.Status, r.Body)
			}
		}
		if r := s.anon("DELETE", "/api/keys/"+id, "", bearer(key)); r.Status != 204 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if r := s.anon("GET", "/api/me", "", bearer(key)); r.Status != 401 {
			t.Fatalf("revoked key: %d", r.Status)
		}
		if r := s.anon("DELETE", "/api/keys/"+id, "", bearer(token)); r.Status != 404 {
			t.Fatalf("revoke twice: %d", r.Status)
		}
	})
}

func (s *testServer) adminID() string {
	s.t.Helper()
	return s.do("GET", "/api/me", "").JSON(s.t)["id"].(string)
}

// Sessions end after being idle for IdleTimeout and, used or not, MaxAge
// after sign-in; keys end at their expiry.
func TestSessionExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		var now atomic.Int64
		now.Store(time.Now().Unix())
		clock := func() time.Time { return time.Unix(now.Load(), 0) }
		s.ids = testIdentity(s.eng, identity.Options{Now: clock, IdleTimeout: time.Hour, MaxAge: 5 * time.Hour})
		s.app = api.New(s.eng, api.Options{Identity: s.ids, Now: clock})
		s.addUser("gus@example.com")
		me := func(token string) int { return s.anon("GET", "/api/me", "", bearer(token)).Status }

		idle := s.tokenOf("gus@example.com")
		now.Add(59 * 60)
		if st := me(idle); st != 200 {
			t.Fatalf("used within the idle time: %d", st)
		}
		now.Add(59 * 60) // 59 minutes after its last use
		if st := me(idle); st != 200 {
			t.Fatalf("59 minutes after the last use: %d", st)
		}
		now.Add(61 * 60)
		if st := me(idle); st != 401 {
			t.Fatalf("idle for 61 minutes: %d", st)
		}

		used := s.tokenOf("gus@example.com")
		for i := 1; i <= 5; i++ { // used every 50 minutes, up to 4 h 10 min after sign-in
			now.Add(50 * 60)
			if st := me(used); st != 200 {
				t.Fatalf("used every 50 minutes, use %d: %d", i, st)
			}
		}
		now.Add(59 * 60) // used 59 minutes ago, signed in 5 h 9 min ago
		if st := me(used); st != 401 {
			t.Fatalf("past the absolute limit: %d", st)
		}

		// A key with an expiry stops at it.
		token := s.tokenOf("gus@example.com")
		exp := time.Unix(now.Load(), 0).Add(2 * time.Minute).UTC().Format(time.RFC3339)
		r := s.anon("POST", "/api/keys", fmt.Sprintf(`{"name": "short", "expires_at": %q}`, exp), bearer(token))
		if r.Status != 201 {
			t.Fatalf("key: %d %s", r.Status, r.Body)
		}
		key := r.JSON(t)["key"].(string)
		if st := me(key); st != 200 {
			t.Fatalf("key before expiry: %d", st)
		}
		now.Add(3 * 60)
		if st := me(key); st != 401 {
			t.Fatalf("key after expiry: %d", st)
		}
	})
}

// Every route of the table under /api refuses a request without
// credentials, or with a wrong one, except signing in and the OpenAPI
// description (and /healthz).
func TestRoutesNeedCredentials(t *testing.T) {
	s := newServer(t, "sqlite", companyDef)
	public := map[string]bool{"GET /healthz": true, "POST /api/auth/login": true, "GET /api/openapi.json": true}
	seen := 0
	for _, rt := range api.RouteTable() {
		method, path := rt[0], rt[1]
		concrete := path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				concrete = strings.Replace(concrete, seg, "company", 1)
			}
		}
		for _, creds := range [][]string{nil, {"Authorization: Bearer ms_forged"}, {"Authorization: Basic YTpi"},
			{"Cookie: " + api.SessionCookie + "=ms_forged"}} {
			for _, p := range []string{concrete, strings.ToUpper(concrete), concrete + "/"} {
				r := s.anon(method, p, `{}`, creds...)
				if public[method+" "+path] {
					if r.Status == 401 {
						t.Errorf("%s %s %v: public route answers 401", method, p, creds)
					}
					continue
				}
				if r.Status != 401 || r.JSON(t)["code"] != "unauthenticated" {
					t.Errorf("%s %s %v: %d %s", method, p, creds, r.Status, r.Body)
				}
			}
		}
		seen++
	}
	if seen < 25 {
		t.Fatalf("only %d routes in the table", seen)
	}
}
