package identity

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema"
)

// DefaultAdminEmail is the first administrator's address when none is given.
const DefaultAdminEmail = "admin@localhost"

// HasUsers reports whether any user exists.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	if err := s.Ensure(ctx); err != nil {
		return false, err
	}
	recs, err := s.st.Find(ctx, collUsers, query.Query{Limit: 1})
	if err != nil {
		return false, storeError("find users", err)
	}
	return len(recs) > 0, nil
}

// Bootstrap makes the first administrator when the store has no users:
// with email (DefaultAdminEmail when "") and pw, or, when pw is "", a
// generated password that it returns (to be shown once). A pw that the
// password policy refuses is an error. With users present it does nothing
// and returns a zero User.
func (s *Service) Bootstrap(ctx context.Context, email, pw string) (User, string, error) {
	has, err := s.HasUsers(ctx)
	if err != nil || has {
		return User{}, "", err
	}
	if email == "" {
		email = DefaultAdminEmail
	}
	generated := ""
	if pw == "" {
		generated = GeneratePassword(email)
		pw = generated
	}
	u, err := s.CreateUser(ctx, engine.System, map[string]any{"email": email, "name": "Administrator",
		"roles": []any{schema.AdminRole}, "password": pw})
	if err != nil {
		if me := morph.AsError(err); me != nil && len(me.Fields) > 0 {
			return User{}, "", fmt.Errorf("first administrator %s: %s (%s)", email, me.Fields[0].Text.EN, me.Fields[0].Path)
		}
		return User{}, "", fmt.Errorf("first administrator %s: %w", email, err)
	}
	return u, generated, nil
}

// GeneratePassword returns a random password of 26 characters (128 bits,
// crypto/rand.Text) that the password policy accepts for a user with that
// e-mail.
func GeneratePassword(email string) string {
	for {
		if pw := rand.Text(); len(password.Check("", pw, email)) == 0 {
			return pw
		}
	}
}
