package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// TestBenchAuditEntries: `morph bench --only create` stores every account
// it creates with its audit entry, and with --no-audit-entries the accounts
// it creates while measuring without one (those it generates first keep
// theirs), so that the two runs by turns show what the entry costs. Other
// entries, such as the end of the bench's session, are kept either way.
func TestBenchAuditEntries(t *testing.T) {
	ctx := context.Background()
	const filled = 50
	for _, flag := range []string{"", "--no-audit-entries"} {
		t.Run("flag="+flag, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "b.db")
			args := []string{"bench", "--store", "sqlite:" + path, "--records", "50", "--duration", "300ms", "--only", "create", "--concurrency", "2"}
			if flag != "" {
				args = append(args, flag)
			}
			out, err := exec.Command(binary, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, out)
			}
			row := "http: create with audit"
			if flag != "" {
				row = "http: create, no entry"
			}
			if !strings.Contains(string(out), row) {
				t.Fatalf("no %q row in\n%s", row, out)
			}
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			accounts, err := st.Count(ctx, "account", nil)
			if err != nil {
				t.Fatal(err)
			}
			if accounts <= filled {
				t.Fatalf("%d accounts: the bench created none", accounts)
			}
			entries, err := st.Count(ctx, store.AuditCollection, query.AndOf(
				query.Cmp{Field: "entity", Op: query.Eq, Value: "account"}, query.Cmp{Field: "action", Op: query.Eq, Value: "create"}))
			if err != nil {
				t.Fatal(err)
			}
			want := accounts
			if flag != "" {
				want = filled
			}
			if entries != want {
				t.Errorf("%d accounts, %d create entries; want %d", accounts, entries, want)
			}
			logouts, err := st.Count(ctx, store.AuditCollection, query.Cmp{Field: "action", Op: query.Eq, Value: "logout"})
			if err != nil {
				t.Fatal(err)
			}
			if logouts == 0 {
				t.Error("the end of the bench's session left no entry")
			}
		})
	}
}
