package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/identity"
)

func urlq(s string) string { return url.QueryEscape(s) }

var createSeq atomic.Int64

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

// cheapHashes make the tests' password hashes fast; the parameters are
// argon2id's all the same.
var cheapHashes = password.Params{Memory: 64, Time: 1, Threads: 1}

// testIdentity is an identity service over eng with cheap password hashes.
func testIdentity(eng *engine.Engine, opts identity.Options) *identity.Service {
	if opts.Password == (password.Params{}) {
		opts.Password = cheapHashes
	}
	return identity.New(eng, opts)
}

// signIn makes the tests' administrator (once per store) and returns a new
// session token of theirs. Requests of the test helpers act as this user
// unless they say otherwise.
func signIn(tb testing.TB, ids *identity.Service) string {
	tb.Helper()
	ctx := context.Background()
	u, err := ids.UserByEmail(ctx, testAdmin)
	if err != nil {
		if u, err = ids.CreateUser(ctx, engine.System, map[string]any{"email": testAdmin, "name": "Test Admin",
			"roles": []any{"admin"}}); err != nil {
			tb.Fatal(err)
		}
	}
	token, err := ids.OpenSession(ctx, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return token
}

const testAdmin = "admin@test.local"

func apiNew(eng *engine.Engine, ids *identity.Service) *fiber.App {
	return api.New(eng, api.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Identity: ids})
}
