package sqlite

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine/store"
)

// The audit log's indexes: the engine's (its entries listed by id), and the
// earlier ones with the time in each.
var (
	auditIndexes     = []store.Index{{Name: "i_record", Fields: []string{"entity", "record"}}, {Name: "i_actor", Fields: []string{"actor"}}}
	timeAuditIndexes = []store.Index{{Name: "i_at", Fields: []string{"at"}}, {Name: "i_record", Fields: []string{"entity", "record", "at"}},
		{Name: "i_actor", Fields: []string{"actor", "at"}}}
)

// benchStore opens a store with the account (three indexes) and the audit
// log with the given indexes.
func benchStore(b *testing.B, audit []store.Index) *Store {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/b.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.EnsureCollection(ctx, "account", []store.Index{{Name: "u_name", Fields: []string{"name"}, Unique: true},
		{Name: "i_owner", Fields: []string{"owner", "created_at"}}, {Name: "i_region", Fields: []string{"region"}}}); err != nil {
		b.Fatal(err)
	}
	if err := s.EnsureCollection(ctx, store.AuditCollection, audit); err != nil {
		b.Fatal(err)
	}
	return s
}

// insertAccount inserts the i-th account-sized record, with its audit
// entry when withAudit.
func insertAccount(s *Store, i int64, withAudit bool) error {
	id := fmt.Sprintf("0190a1b2-0000-7000-8000-%012d", i)
	data := map[string]any{"name": fmt.Sprintf("客户%d", i), "region": "华东", "tier": "normal", "phone": "+8613800138000",
		"owner": "rep01", "created_at": "2026-05-01T08:00:00.000Z", "updated_at": "2026-05-01T08:00:00.000Z", "created_by": "api", "updated_by": "api"}
	var audit []store.Record
	if withAudit {
		audit = []store.Record{{ID: fmt.Sprintf("0190a1b2-0000-7000-9000-%012d", i), Version: 1, Data: map[string]any{
			"at": "2026-05-01T08:00:00.000Z", "actor": "api", "action": "create", "kind": "record", "entity": "account",
			"record": id, "version": 1.0, "fields": []any{"name", "owner", "phone", "region", "tier"},
			"new": map[string]any{"name": data["name"], "region": "华东", "tier": "normal", "phone": "+8613800138000", "owner": "rep01"}}}}
	}
	return s.Insert(context.Background(), "account", store.Record{ID: id, Version: 1, Data: data}, audit...)
}

// BenchmarkInsert: concurrent single-record inserts (group commit) of an
// account-sized record, without and with its audit entry (the audit log
// with the engine's two indexes): the store's share of an audited create.
func BenchmarkInsert(b *testing.B) {
	for _, withAudit := range []bool{false, true} {
		b.Run(fmt.Sprintf("audit=%v", withAudit), func(b *testing.B) {
			s := benchStore(b, auditIndexes)
			var n atomic.Int64
			cpu0 := processCPU()
			b.ResetTimer()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := insertAccount(s, n.Add(1), withAudit); err != nil {
						b.Fatal(err)
					}
				}
			})
			// CPU time per insert (all goroutines: the writer's and the
			// callers'), steadier than the wall time on a shared machine.
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkAuditIndexes: audited inserts into two stores by turns, one
// with the audit log's indexes and one with the earlier ones that hold the
// time, in batches of 400 (4 writers of 100), b.N rounds of one batch each;
// the CPU time per insert of each, so that both meet the same phases of a
// shared machine.
//
//	go test -run '^$' -bench AuditIndexes -benchtime 60x ./engine/store/sqlite/
func BenchmarkAuditIndexes(b *testing.B) {
	stores := []*Store{benchStore(b, auditIndexes), benchStore(b, timeAuditIndexes)}
	var cpu [2]time.Duration
	var n atomic.Int64
	b.ResetTimer()
	for range b.N {
		for k, s := range stores {
			c0 := processCPU()
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 100 {
						if err := insertAccount(s, n.Add(1), true); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			cpu[k] += processCPU() - c0
		}
	}
	b.ReportMetric(float64(cpu[0])/float64(b.N*400), "cpu-ns/insert-by-id")
	b.ReportMetric(float64(cpu[1])/float64(b.N*400), "cpu-ns/insert-with-time")
}

// exampleAccountIndexes are the store indexes of the example's account
// (examples/sme-crm/account.json with the engine's own four): thirteen
// b-trees besides the table's, most of them written at a random place.
var exampleAccountIndexes = []store.Index{
	{Name: "i_industry", Fields: []string{"industry"}}, {Name: "u_name", Fields: []string{"name"}, Unique: true},
	{Name: "u_credit_code", Fields: []string{"credit_code"}, Unique: true},
	{Name: "i_region", Fields: []string{"region"}}, {Name: "i_source", Fields: []string{"source"}},
	{Name: "i_city", Fields: []string{"city"}}, {Name: "i_last_contact_at", Fields: []string{"last_contact_at"}},
	{Name: "k_owner_annual_revenue", Fields: []string{"owner", "annual_revenue.amount"}, Desc: []bool{false, true}},
	{Name: "k_tier_annual_revenue", Fields: []string{"tier", "annual_revenue.amount"}, Desc: []bool{false, true}},
	{Name: "i_created_at", Fields: []string{"created_at"}}, {Name: "i_owner_created_at", Fields: []string{"owner", "created_at"}},
	{Name: "i_updated_at", Fields: []string{"updated_at"}}, {Name: "i_owner_updated_at", Fields: []string{"owner", "updated_at"}},
}

// BenchmarkInsertExampleAccount: the store's part of the validated create
// of `morph bench` — the account it posts (a new name, region, tier, phone
// and one of 8 owners, one per client, with the system fields) in a table
// with the example's indexes, without and with its audit entry (the bench
// signs in once: one actor), from 8 concurrent writers (group commit), on a
// store of 2,000 such accounts.
// Reports the wall time and the CPU time per insert.
//
//	go test -run '^$' -bench InsertExampleAccount -benchtime 8000x ./engine/store/sqlite/
func BenchmarkInsertExampleAccount(b *testing.B) {
	for _, withAudit := range []bool{false, true} {
		b.Run(fmt.Sprintf("audit=%v", withAudit), func(b *testing.B) { insertExampleAccounts(b, withAudit) })
	}
}

// benchActor is the user the bench signs in as.
const benchActor = "0190a1b2-0000-7000-b000-000000000001"

func insertExampleAccounts(b *testing.B, withAudit bool) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir()+"/b.db")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureCollection(ctx, "account", exampleAccountIndexes); err != nil {
		b.Fatal(err)
	}
	if err := s.EnsureCollection(ctx, store.AuditCollection, auditIndexes); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	insert := func() error {
		i := n.Add(1)
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		id, owner := newBenchID(i, 8), fmt.Sprintf("0190a1b2-0000-7000-a000-%012d", i%8)
		data := map[string]any{"name": fmt.Sprintf("压测客户%d-%d", time.Now().UnixNano(), i), "region": "华东", "tier": "normal",
			"phone": fmt.Sprintf("+86138%04d%04d", i%10000, i/10000%10000), "owner": owner,
			"created_at": now, "updated_at": now, "created_by": owner, "updated_by": owner}
		var audit []store.Record
		if withAudit {
			audit = append(audit, store.Record{ID: newBenchID(i, 9), Version: 1, Data: map[string]any{
				"at": now, "actor": benchActor, "actor_name": "压测用户", "via": "session", "action": "create", "kind": "record",
				"entity": "account", "record": id, "version": 1.0, "fields": []any{"name", "owner", "phone", "region", "tier"}, "new": data}})
		}
		return s.Insert(ctx, "account", store.Record{ID: id, Version: 1, Data: data}, audit...)
	}
	for range 2000 {
		if err := insert(); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := processCPU()
	b.ResetTimer()
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := insert(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
}

// newBenchID is a time-ordered id (as the engine's UUIDv7) for the i-th
// insert, with variant v apart from the others of the same i.
func newBenchID(i int64, v int) string {
	return fmt.Sprintf("%012x-0000-7000-%d000-%012d", time.Now().UnixMilli(), v, i)
}
