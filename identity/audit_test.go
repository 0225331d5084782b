package identity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/identity"
)

// noLooseEntries is a store whose audit log takes entries only with the
// writes they describe: an entry inserted on its own fails, as it would
// when the store fails or the process dies between the write and the entry.
type noLooseEntries struct{ store.Store }

func (s noLooseEntries) Insert(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	if coll == store.AuditCollection {
		return errors.New("test: an audit entry written apart from its write")
	}
	return s.Store.Insert(ctx, coll, rec, audit...)
}

// Every change of a user, a team or a key is acknowledged only with its
// audit entry: the entry goes to the store with the write itself. A role
// given to a user (administrator included) is never a change the log
// misses.
func TestIdentityEntriesWithTheirWrites(t *testing.T) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		eng, err := engine.New(ctx, noLooseEntries{st}, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ids := identity.New(eng, identity.Options{Password: cheap})
		admin := engine.System
		var userID, teamID, keyID, rootID string
		steps := []struct {
			name, kind, action string
			do                 func() error
		}{
			{"create team", "team", engine.AuditDefine, func() error {
				tm, err := ids.CreateTeam(ctx, admin, map[string]any{"name": "华东"})
				teamID = tm.ID
				return err
			}},
			{"create user", "user", engine.AuditDefine, func() error {
				u, err := ids.CreateUser(ctx, admin, map[string]any{"email": "li@example.com", "name": "Li", "team": teamID})
				userID = u.ID
				return err
			}},
			{"make admin", "user", engine.AuditDefine, func() error {
				_, err := ids.UpdateUser(ctx, admin, userID, map[string]any{"roles": []any{"admin"}}, 0)
				return err
			}},
			{"set password", "user", engine.AuditDefine, func() error {
				return ids.SetPassword(ctx, admin, userID, "Correct-horse-battery-9", "")
			}},
			{"create key", "key", engine.AuditKeyCreate, func() error {
				k, _, err := ids.CreateKey(ctx, engine.Actor{ID: userID, Roles: []string{"admin"}}, map[string]any{"name": "ci"})
				keyID = k.ID
				return err
			}},
			{"revoke key", "key", engine.AuditKeyRevoke, func() error { return ids.RevokeKey(ctx, admin, keyID) }},
			{"rename team", "team", engine.AuditDefine, func() error {
				_, err := ids.UpdateTeam(ctx, admin, teamID, map[string]any{"name": "华东销售部"}, 0)
				return err
			}},
			{"delete user", "user", engine.AuditUndefine, func() error {
				// Another administrator first: the last one is kept.
				root, err := ids.CreateUser(ctx, admin, map[string]any{"email": "root@example.com", "name": "Root", "roles": []any{"admin"},
					"password": "Correct-horse-battery-9"})
				if err != nil {
					return err
				}
				rootID = root.ID
				return ids.DeleteUser(ctx, admin, userID, 0)
			}},
			{"sign in", "session", engine.AuditLogin, func() error {
				_, _, err := ids.Login(ctx, "root@example.com", "Correct-horse-battery-9", "10.0.0.9")
				return err
			}},
			{"sign out", "session", engine.AuditLogout, func() error {
				tok, err := ids.OpenSession(ctx, rootID)
				if err != nil {
					return err
				}
				return ids.Logout(ctx, engine.Actor{ID: rootID}, tok)
			}},
			{"delete team", "team", engine.AuditUndefine, func() error { return ids.DeleteTeam(ctx, admin, teamID, 0) }},
		}
		want := map[[2]string]int{}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			want[[2]string{s.kind, s.action}]++
			if s.name == "delete user" {
				want[[2]string{"user", engine.AuditDefine}]++ // the second administrator
			}
			for k, n := range want {
				p, err := eng.AuditLog(ctx, admin, engine.AuditQuery{Kind: k[0], Action: k[1], PageRequest: engine.PageRequest{Limit: engine.MaxLimit}})
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Entries) != n {
					t.Fatalf("after %s: %d %s %s entries, want %d", s.name, len(p.Entries), k[1], k[0], n)
				}
			}
		}
	})
}
