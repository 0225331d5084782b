package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/password"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/identity"
)

// The example company's teams and people are made once: a second run finds
// them, makes nobody again and shows no password again; the reps are the
// owners it returns, in their sub-teams of East China sales, whose manager
// heads it.
func TestDemoPeopleOnce(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := installExample(ctx, eng, "sme-crm"); err != nil {
		t.Fatal(err)
	}
	ids := identity.New(eng, identity.Options{Password: password.Params{Memory: 64, Time: 1, Threads: 1}})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	reps, err := ensureDemoPeople(ctx, ids, log)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 6 || strings.Count(logs.String(), "password=") != len(demoPeople) {
		t.Fatalf("%d reps, passwords shown %d times:\n%s", len(reps), strings.Count(logs.String(), "password="), logs.String())
	}
	logs.Reset()
	again, err := ensureDemoPeople(ctx, ids, log)
	if err != nil || strings.Contains(logs.String(), "password=") || strings.Join(again, ",") != strings.Join(reps, ",") {
		t.Fatalf("second run: %v %v\n%s", again, err, logs.String())
	}
	east, err := ids.FindTeam(ctx, "华东销售部")
	if err != nil || east.Manager == "" {
		t.Fatalf("East China sales: %+v %v", east, err)
	}
	manager, ok, err := ids.Actor(ctx, east.Manager)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for _, r := range reps {
		found := false
		for _, m := range manager.TreeMembers {
			found = found || m == r
		}
		if !found {
			t.Errorf("rep %s is not in the manager's team tree %v", r, manager.TreeMembers)
		}
	}
	rep, _, _ := ids.Actor(ctx, reps[0])
	if len(rep.Roles) != 1 || rep.Roles[0] != "sales_rep" || !eng.RoleExists("sales_rep") {
		t.Fatalf("rep: %+v", rep)
	}
}
