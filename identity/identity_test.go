package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/identity"
)

var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

func forEachStore(t *testing.T, fn func(t *testing.T, ids *identity.Service)) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		eng, err := engine.New(ctx, st, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, identity.New(eng, identity.Options{Password: cheap}))
	})
}

// The first administrator: generated when no password is given, from the
// given address and password otherwise; only into a store without users.
func TestBootstrap(t *testing.T) {
	t.Run("generated", func(t *testing.T) { forEachStore(t, bootstrapGenerated) })
	t.Run("given", func(t *testing.T) { forEachStore(t, bootstrapGiven) })
}

func bootstrapGenerated(t *testing.T, ids *identity.Service) {
	ctx := t.Context()
	u, pw, err := ids.Bootstrap(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != identity.DefaultAdminEmail || !u.IsAdmin() || !u.Active || len(pw) < 20 {
		t.Fatalf("generated administrator: %+v, password of %d characters", u, len(pw))
	}
	if _, token, err := ids.Login(ctx, "admin@localhost", pw, "127.0.0.1"); err != nil || token == "" {
		t.Fatalf("login with the generated password: %v", err)
	}
	again, pw2, err := ids.Bootstrap(ctx, "boss@example.com", "Another-strong-1")
	if err != nil || again.ID != "" || pw2 != "" {
		t.Fatalf("second bootstrap: %+v %q %v", again, pw2, err)
	}
}

func bootstrapGiven(t *testing.T, ids *identity.Service) {
	ctx := t.Context()
	if _, _, err := ids.Bootstrap(ctx, "boss@example.com", "password1"); err == nil || !strings.Contains(err.Error(), "/password") {
		t.Fatalf("weak password: %v", err)
	}
	if has, _ := ids.HasUsers(ctx); has {
		t.Fatal("a refused administrator was stored")
	}
	u, pw, err := ids.Bootstrap(ctx, "Boss@Example.com", "Strong-enough-42")
	if err != nil || u.Email != "boss@example.com" || pw != "" {
		t.Fatalf("administrator from the environment: %+v %q %v", u, pw, err)
	}
	if _, _, err := ids.Login(ctx, "boss@example.com", "Strong-enough-42", ""); err != nil {
		t.Fatal(err)
	}
}

// Login refuses a wrong password, an unknown address and a deactivated
// user alike; the stored token is only a hash.
func TestLoginAndTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, ids *identity.Service) {
		ctx := t.Context()
		u, token := signedInKim(t, ids)
		a, err := ids.Authenticate(ctx, token, "10.0.0.1")
		if err != nil || a.ID != u.ID || a.Via != identity.ViaSession || a.Addr != "10.0.0.1" || len(a.TeamMembers) != 1 {
			t.Fatalf("actor: %+v %v", a, err)
		}
		for _, bad := range []string{"", "ms_", token + "x", strings.Replace(token, "ms_", "mk_", 1), strings.Repeat("m", 500)} {
			if _, err := ids.Authenticate(ctx, bad, ""); err == nil {
				t.Fatalf("credential %q accepted", bad)
			}
		}
		if _, err := ids.UpdateUser(ctx, engine.System, u.ID, map[string]any{"active": false}, 0); err != nil {
			t.Fatal(err)
		}
		_, _, wrong := ids.Login(ctx, "kim@example.com", "Wrong-password-5", "")
		_, _, inactive := ids.Login(ctx, "kim@example.com", "Valid-password-5", "")
		_, _, unknown := ids.Login(ctx, "nobody@example.com", "Valid-password-5", "")
		if wrong == nil || inactive == nil || unknown == nil || wrong.Error() != inactive.Error() || wrong.Error() != unknown.Error() {
			t.Fatalf("refusals differ: %v / %v / %v", wrong, inactive, unknown)
		}
	})
}

// A session's last use is written at most once a minute, not on every
// request.
func TestSessionLastSeen(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ids := identity.New(eng, identity.Options{Password: cheap, Now: func() time.Time { return now }})
	u, err := ids.CreateUser(ctx, engine.System, map[string]any{"email": "lu@example.com", "name": "Lu"})
	if err != nil {
		t.Fatal(err)
	}
	token, err := ids.OpenSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	version := func() int64 {
		r, err := st.Get(ctx, "_sessions", identity.SessionID(token))
		if err != nil {
			t.Fatal(err)
		}
		return r.Version
	}
	for i := 0; i < 10; i++ {
		now = now.Add(5 * time.Second)
		if _, err := ids.Authenticate(ctx, token, ""); err != nil {
			t.Fatal(err)
		}
	}
	if v := version(); v != 1 {
		t.Fatalf("10 requests within 50 s wrote the session %d times", v-1)
	}
	now = now.Add(15 * time.Second)
	if _, err := ids.Authenticate(ctx, token, ""); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != 2 {
		t.Fatalf("a request a minute after sign-in: session version %d, want 2", v)
	}
}

// Sessions and keys hold only as long as their records say so, even when they
// change behind the service's back: on the embedded store, whose every write
// the service sees, what was read is kept only until the collection changes.
func TestCredentialsChangedInTheStore(t *testing.T) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		eng, err := engine.New(ctx, st, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ids := identity.New(eng, identity.Options{Password: cheap})
		u, token := signedInKim(t, ids)
		actor, _, err := ids.Actor(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := ids.CreateKey(ctx, actor, map[string]any{"name": "sync"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 { // read, then (where kept) from what was kept
			for _, c := range []string{token, key} {
				if a, err := ids.Authenticate(ctx, c, ""); err != nil || a.ID != u.ID {
					t.Fatalf("live credential: %+v %v", a, err)
				}
			}
		}
		// The session ends and the key expires, written straight to the store.
		sessions, err := st.Find(ctx, "_sessions", query.Query{})
		if err != nil || len(sessions) != 1 {
			t.Fatalf("sessions: %v %v", sessions, err)
		}
		if err := st.Delete(ctx, "_sessions", sessions[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := ids.Authenticate(ctx, token, ""); err == nil {
			t.Fatal("a session deleted in the store still authenticates")
		}
		keys, err := st.Find(ctx, "_keys", query.Query{})
		if err != nil || len(keys) != 1 {
			t.Fatalf("keys: %v %v", keys, err)
		}
		keys[0].Data["expires_at"] = engine.FormatTime(time.Now().Add(-time.Minute))
		keys[0].Version++
		if err := st.Update(ctx, "_keys", keys[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := ids.Authenticate(ctx, key, ""); err == nil {
			t.Fatal("a key expired in the store still authenticates")
		}
	})
}

// signedInKim creates the user Kim (kim@example.com) and signs her in.
func signedInKim(t *testing.T, ids *identity.Service) (identity.User, string) {
	t.Helper()
	u, err := ids.CreateUser(t.Context(), engine.System, map[string]any{"email": "kim@example.com", "name": "Kim", "password": "Valid-password-5"})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := ids.Login(t.Context(), "kim@example.com", "Valid-password-5", "")
	if err != nil {
		t.Fatal(err)
	}
	return u, token
}
