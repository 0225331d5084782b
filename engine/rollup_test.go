package engine_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// rollupAccountDef rolls up the deals that point at an account: their
// count, the won amount (and a tier formula over it), the average amount and
// the latest close date.
const rollupAccountDef = `{"$id": "account", "type": "object", "properties": {
	"name":       {"type": "string"},
	"deals":      {"x-type": "rollup", "x-rollup": {"from": "deal", "via": "account", "agg": "count"}},
	"won":        {"x-type": "rollup", "x-rollup": {"from": "deal", "via": "account", "agg": "sum", "field": "amount", "where": "stage == 'won'"}, "x-indexed": true},
	"average":    {"x-type": "rollup", "x-rollup": {"from": "deal", "via": "account", "agg": "avg", "field": "amount"}},
	"last_close": {"type": "string", "format": "date", "x-type": "rollup", "x-rollup": {"from": "deal", "via": "account", "agg": "max", "field": "closed"}},
	"tier":       {"type": "string", "x-type": "formula", "x-expr": "won >= 150 ? 'vip' : 'normal'"}}}`

const rollupDealDef = `{"$id": "deal", "type": "object", "properties": {
	"name":    {"type": "string"},
	"account": {"x-type": "relation", "x-ref": "account"},
	"amount":  {"type": "number"},
	"stage":   {"type": "string", "enum": ["open", "won", "lost"]},
	"closed":  {"type": "string", "format": "date"}}}`

// putRollupEntities defines deal with a placeholder account first, then the
// account with its roll-ups over deal.
func putRollupEntities(t *testing.T, eng *engine.Engine) {
	t.Helper()
	put(t, eng, "account", `{"$id": "account", "type": "object", "properties": {"name": {"type": "string"}}}`)
	put(t, eng, "deal", rollupDealDef)
	put(t, eng, "account", rollupAccountDef)
}

func settled(t *testing.T, eng *engine.Engine, id string) map[string]any {
	t.Helper()
	ctx := context.Background()
	if err := eng.SettleRollups(ctx); err != nil {
		t.Fatal(err)
	}
	r, err := eng.Get(ctx, admin, "account", id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Data
}

func wantRollups(t *testing.T, what string, d map[string]any, deals, won float64, average any, last any, tier string) {
	t.Helper()
	avgOK := average == d["average"]
	if a, ok := average.(float64); ok {
		g, _ := d["average"].(float64)
		avgOK = math.Abs(a-g) < 1e-9
	}
	if d["deals"] != deals || d["won"] != won || !avgOK || d["last_close"] != last || d["tier"] != tier {
		t.Fatalf("%s: deals %v won %v average %v last_close %v tier %v; want %v %v %v %v %v", what,
			d["deals"], d["won"], d["average"], d["last_close"], d["tier"], deals, won, average, last, tier)
	}
}

// A roll-up follows its children through creates, changes, moves to another
// parent, deletes and bulk creates, and the parent's formulas follow it.
func TestRollupsFollowChildren(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		putRollupEntities(t, eng)
		a, err := eng.Create(ctx, admin, "account", map[string]any{"name": "A"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := eng.Create(ctx, admin, "account", map[string]any{"name": "B"})
		if err != nil {
			t.Fatal(err)
		}
		wantRollups(t, "new account", a.Data, 0, 0, nil, nil, "normal")
		deal := func(name string, amount float64, stage, closed, account string) engine.Record {
			r, err := eng.Create(ctx, admin, "deal", map[string]any{"name": name, "amount": amount, "stage": stage, "closed": closed, "account": account})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		d1 := deal("d1", 100, "won", "2026-03-01", a.ID)
		deal("d2", 50, "won", "2026-04-01", a.ID)
		d3 := deal("d3", 70, "open", "2026-02-01", a.ID)
		wantRollups(t, "three deals", settled(t, eng, a.ID), 3, 150, 220.0/3, "2026-04-01", "vip")
		wantRollups(t, "no deals", settled(t, eng, b.ID), 0, 0, nil, nil, "normal")

		if _, err := eng.Update(ctx, admin, "deal", d3.ID, map[string]any{"stage": "won", "amount": 80.0}, 0); err != nil {
			t.Fatal(err)
		}
		wantRollups(t, "won", settled(t, eng, a.ID), 3, 230, 230.0/3, "2026-04-01", "vip")
		if _, err := eng.Update(ctx, admin, "deal", d1.ID, map[string]any{"account": b.ID}, 0); err != nil {
			t.Fatal(err)
		}
		wantRollups(t, "moved away", settled(t, eng, a.ID), 2, 130, 65.0, "2026-04-01", "normal")
		wantRollups(t, "moved here", settled(t, eng, b.ID), 1, 100, 100.0, "2026-03-01", "normal")
		if err := eng.Delete(ctx, admin, "deal", d1.ID, 0); err != nil {
			t.Fatal(err)
		}
		wantRollups(t, "deleted", settled(t, eng, b.ID), 0, 0, nil, nil, "normal")
		var items []map[string]any
		for i := range 10 {
			items = append(items, map[string]any{"name": fmt.Sprint("bulk", i), "amount": 10.0, "stage": "won", "account": b.ID})
		}
		if _, err := eng.CreateMany(ctx, admin, "deal", items, engine.BulkOptions{}); err != nil {
			t.Fatal(err)
		}
		wantRollups(t, "bulk", settled(t, eng, b.ID), 10, 100, 10.0, nil, "normal")

		// The values are stored: lists filter and sort by them.
		page, err := eng.List(ctx, admin, "account", engine.ListRequest{Filter: "won > 100", Sort: "-won"})
		if ids := pageIDs(page); err != nil || len(ids) != 1 || ids[0] != a.ID {
			t.Fatalf("filter on a roll-up: %v %v", ids, err)
		}
		// Clients never write them.
		if _, err := eng.Update(ctx, admin, "account", a.ID, map[string]any{"won": 1.0}, 0); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a roll-up patched: %v", err)
		}
		// Each change of a parent's values is an update by the system, audited.
		entries, err := st.Find(ctx, store.AuditCollection, query.Query{Filter: query.And{
			query.Cmp{Field: "record", Op: query.Eq, Value: a.ID}, query.Cmp{Field: "actor", Op: query.Eq, Value: engine.System.ID}}})
		if err != nil || len(entries) < 3 {
			t.Fatalf("audit entries of the roll-ups: %d %v", len(entries), err)
		}
	})
}

// Children written at once from many goroutines — created, changed, moved
// and deleted — leave every parent's roll-ups equal to a count made afresh.
func TestRollupsUnderConcurrentChildren(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		putRollupEntities(t, eng)
		var parents []string
		for i := range 3 {
			p, err := eng.Create(ctx, admin, "account", map[string]any{"name": fmt.Sprint("P", i)})
			if err != nil {
				t.Fatal(err)
			}
			parents = append(parents, p.ID)
		}
		var wg sync.WaitGroup
		for g := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rnd := rand.New(rand.NewPCG(uint64(g), 7))
				var mine []string
				for range 40 {
					switch op := rnd.IntN(4); {
					case op == 0 || len(mine) == 0:
						r, err := eng.Create(ctx, admin, "deal", map[string]any{"name": "d", "amount": float64(rnd.IntN(100)),
							"stage": []string{"open", "won"}[rnd.IntN(2)], "account": parents[rnd.IntN(3)]})
						if err != nil {
							t.Error(err)
							return
						}
						mine = append(mine, r.ID)
					case op == 1:
						if _, err := eng.Update(ctx, admin, "deal", mine[rnd.IntN(len(mine))], map[string]any{"account": parents[rnd.IntN(3)]}, 0); err != nil {
							t.Error(err)
							return
						}
					case op == 2:
						if _, err := eng.Update(ctx, admin, "deal", mine[rnd.IntN(len(mine))],
							map[string]any{"amount": float64(rnd.IntN(100)), "stage": []string{"open", "won"}[rnd.IntN(2)]}, 0); err != nil {
							t.Error(err)
							return
						}
					default:
						i := rnd.IntN(len(mine))
						if err := eng.Delete(ctx, admin, "deal", mine[i], 0); err != nil {
							t.Error(err)
							return
						}
						mine = append(mine[:i], mine[i+1:]...)
					}
				}
			}()
		}
		wg.Wait()
		deals, err := st.Find(ctx, "deal", query.Query{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range parents {
			var n, won float64
			for _, d := range deals {
				if d.Data["account"] == p {
					n++
					if d.Data["stage"] == "won" {
						won += d.Data["amount"].(float64)
					}
				}
			}
			got := settled(t, eng, p)
			if got["deals"] != n || got["won"] != won {
				t.Fatalf("parent %s: deals %v won %v; counted afresh %v %v", p, got["deals"], got["won"], n, won)
			}
		}
	})
}

// A write that bypassed the engine (as after a crash lost the mark of a
// child's write) leaves a parent behind until a recount, which repairs it;
// adding a roll-up to an entity with records computes it for them.
func TestRollupRecountRepairsDrift(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "account", `{"$id": "account", "type": "object", "properties": {"name": {"type": "string"}}}`)
		put(t, eng, "deal", rollupDealDef)
		a, err := eng.Create(ctx, admin, "account", map[string]any{"name": "A"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Create(ctx, admin, "deal", map[string]any{"name": "d", "amount": 200.0, "stage": "won", "account": a.ID}); err != nil {
			t.Fatal(err)
		}
		put(t, eng, "account", rollupAccountDef)
		wantRollups(t, "roll-up added", settled(t, eng, a.ID), 1, 200, 200.0, nil, "vip")

		if err := st.Insert(ctx, "deal", store.Record{ID: "behind-the-back", Version: 1,
			Data: map[string]any{"name": "x", "amount": 5.0, "stage": "won", "account": a.ID}}); err != nil {
			t.Fatal(err)
		}
		wantRollups(t, "not yet noticed", settled(t, eng, a.ID), 1, 200, 200.0, nil, "vip")
		eng.RecountRollups(ctx)
		wantRollups(t, "recounted", settled(t, eng, a.ID), 2, 205, 102.5, nil, "vip")
	})
}

// Roll-ups that cannot be kept are refused when the definition is saved,
// at the setting that is wrong; a child cannot lose what a roll-up uses,
// nor be deleted while one counts it.
func TestRollupDefinitionChecks(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		putRollupEntities(t, eng)
		bad := func(rollup, typ, wantPath, wantCode string) {
			t.Helper()
			def := `{"$id": "account", "type": "object", "properties": {"name": {"type": "string"},
				"r": {"x-type": "rollup", ` + typ + `"x-rollup": ` + rollup + `}}}`
			_, err := eng.PutEntity(ctx, engine.System, "account", []byte(def))
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid || len(me.Fields) == 0 {
				t.Fatalf("%s: %v", rollup, err)
			}
			for _, fe := range me.Fields {
				if fe.Path == wantPath && fe.Code == wantCode {
					return
				}
			}
			t.Fatalf("%s: %+v; want %s %s", rollup, me.Fields, wantPath, wantCode)
		}
		bad(`{"from": "nothing", "via": "account", "agg": "count"}`, "", "/properties/r/x-rollup/from", "unknown_entity")
		bad(`{"from": "deal", "via": "name", "agg": "count"}`, "", "/properties/r/x-rollup/via", "relation")
		bad(`{"from": "deal", "via": "account", "agg": "sum", "field": "price"}`, "", "/properties/r/x-rollup/field", "unknown_field")
		bad(`{"from": "deal", "via": "account", "agg": "sum", "field": "name"}`, "", "/properties/r/x-rollup/field", "type")
		bad(`{"from": "deal", "via": "account", "agg": "sum"}`, "", "/properties/r/x-rollup/field", "required")
		bad(`{"from": "deal", "via": "account", "agg": "count", "field": "amount"}`, "", "/properties/r/x-rollup/field", "count")
		bad(`{"from": "deal", "via": "account", "agg": "median", "field": "amount"}`, "", "/properties/r/x-rollup/agg", "enum")
		bad(`{"from": "deal", "via": "account", "agg": "count", "where": "owner == user.id"}`, "", "/properties/r/x-rollup/where", "not_constant")
		bad(`{"from": "deal", "via": "account", "agg": "count", "where": "stage =="}`, "", "/properties/r/x-rollup/where", "syntax")
		bad(`{"from": "deal", "via": "account", "agg": "count", "where": "colour == 'red'"}`, "", "/properties/r/x-rollup/where", "unknown_field")
		bad(`{"from": "deal", "via": "account", "agg": "sum", "field": "amount"}`, `"type": "string", "format": "date", `, "/properties/r/type", "type")
		bad(`{"from": "deal", "via": "account", "agg": "count", "extra": 1}`, "", "/properties/r/x-rollup/extra", "unknown")

		// The child keeps what the account's roll-ups use.
		noAmount := strings.Replace(rollupDealDef, `"amount":  {"type": "number"},`, "", 1)
		_, err := eng.PutEntity(ctx, engine.System, "deal", []byte(noAmount))
		if me := morph.AsError(err); me == nil || me.Code != morph.EInvalid || me.Fields[0].Path != "/properties/amount" || me.Fields[0].Code != "rollup" {
			t.Fatalf("a child losing a rolled-up field: %v", err)
		}
		if err := eng.DeleteEntity(ctx, engine.System, "deal"); morph.ErrorCode(err) != morph.EInUse || !strings.Contains(err.Error(), "/entities/account/properties/won: ") {
			t.Fatalf("deleting a rolled-up entity: %v", err)
		}
		if _, _, ok := eng.Catalog().Definition("deal"); !ok {
			t.Fatal("the refused delete removed the entity")
		}
	})
}

// BenchmarkRollupChildWrites changes the amounts of the 10,000 children of
// one parent from 8 goroutines while its roll-ups are kept; each op is one
// child's update. The parent is checked against a fresh count at the end,
// and the recounts the worker made are reported.
func BenchmarkRollupChildWrites(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "m.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(ctx, st, engine.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct{ n, def string }{{"account", `{"$id": "account", "type": "object", "properties": {"name": {"type": "string"}}}`},
		{"deal", rollupDealDef}, {"account", rollupAccountDef}} {
		if _, err := eng.PutEntity(ctx, engine.System, d.n, []byte(d.def)); err != nil {
			b.Fatal(err)
		}
	}
	p, err := eng.Create(ctx, engine.System, "account", map[string]any{"name": "big"})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for range 20 {
		var items []map[string]any
		for range 500 {
			items = append(items, map[string]any{"name": "d", "amount": 1.0, "stage": "won", "account": p.ID})
		}
		res, err := eng.CreateMany(ctx, engine.System, "deal", items, engine.BulkOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			ids = append(ids, r.Record.ID)
		}
	}
	if err := eng.SettleRollups(ctx); err != nil {
		b.Fatal(err)
	}
	before, _ := eng.Get(ctx, engine.System, "account", p.ID)
	var n atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rnd := rand.New(rand.NewPCG(uint64(n.Add(1)), 1))
		for pb.Next() {
			if _, err := eng.Update(ctx, engine.System, "deal", ids[rnd.IntN(len(ids))], map[string]any{"amount": float64(rnd.IntN(100))}, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	if err := eng.SettleRollups(ctx); err != nil {
		b.Fatal(err)
	}
	after, _ := eng.Get(ctx, engine.System, "account", p.ID)
	groups, err := st.Aggregate(ctx, "deal", query.Cmp{Field: "stage", Op: query.Eq, Value: "won"}, nil, []query.Agg{{Func: query.Sum, Field: "amount"}})
	if err != nil || len(groups) != 1 || groups[0].Values[0] != after.Data["won"] {
		b.Fatalf("won %v, counted afresh %v (%v)", after.Data["won"], groups, err)
	}
	b.ReportMetric(float64(after.Version-before.Version)/b.Elapsed().Seconds(), "recounts/s")
}

// pausingStore holds the first aggregate after arm until release: its
// result is read, but the recount it serves waits, as if slowed down.
type pausingStore struct {
	store.Store
	calls   atomic.Int64 // aggregates run
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func (s *pausingStore) Aggregate(ctx context.Context, coll string, f query.Expr, by []string, aggs []query.Agg) ([]query.Group, error) {
	gs, err := s.Store.Aggregate(ctx, coll, f, by, aggs)
	s.calls.Add(1)
	if s.armed.CompareAndSwap(true, false) {
		close(s.entered)
		<-s.release
	}
	return gs, err
}

// A recount that counted before a child's delete and writes after another
// recount, begun after the delete, found nothing to change: the parent is
// checked once more after that write, and ends right.
func TestRollupRecountsThatOverlap(t *testing.T) {
	ctx := context.Background()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inner.Close() })
	st := &pausingStore{Store: inner, entered: make(chan struct{}), release: make(chan struct{})}
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	putRollupEntities(t, eng)
	p, err := eng.Create(ctx, admin, "account", map[string]any{"name": "P"})
	if err != nil {
		t.Fatal(err)
	}
	deal := func() string {
		r, err := eng.Create(ctx, admin, "deal", map[string]any{"name": "d", "amount": 10.0, "stage": "open", "account": p.ID})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	deal()
	if d := settled(t, eng, p.ID); d["deals"] != 1.0 {
		t.Fatalf("deals %v, want 1", d["deals"])
	}

	// The worker's recount, set off by a second deal, counts two and waits.
	st.armed.Store(true)
	second := deal()
	<-st.entered
	// The deal goes; a recount begun now counts one, as the parent holds.
	if err := eng.Delete(ctx, admin, "deal", second, 0); err != nil {
		t.Fatal(err)
	}
	before := st.calls.Load()
	settledErr := make(chan error, 1)
	go func() { settledErr <- eng.SettleRollups(ctx) }()
	// The waiting recount writes its two once that one has read the parent
	// and counted.
	for st.calls.Load() == before {
		time.Sleep(time.Millisecond)
	}
	close(st.release)
	if err := <-settledErr; err != nil {
		t.Fatal(err)
	}
	if d := settled(t, eng, p.ID); d["deals"] != 1.0 {
		t.Fatalf("deals %v after overlapping recounts, want 1", d["deals"])
	}
}
