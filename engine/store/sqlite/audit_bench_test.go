package sqlite

import (
	"context"
	"fmt"
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
