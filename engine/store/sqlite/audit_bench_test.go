package sqlite

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/morphcrm/morph/engine/store"
)

// BenchmarkInsert: concurrent single-record inserts (group commit) of an
// account-sized record, without and with its audit entry (the audit log
// with the engine's two indexes): the store's share of an audited create.
func BenchmarkInsert(b *testing.B) {
	for _, withAudit := range []bool{false, true} {
		b.Run(fmt.Sprintf("audit=%v", withAudit), func(b *testing.B) {
			ctx := context.Background()
			s, err := Open(ctx, b.TempDir()+"/b.db")
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.EnsureCollection(ctx, "account", []store.Index{{Name: "u_name", Fields: []string{"name"}, Unique: true},
				{Name: "i_owner", Fields: []string{"owner", "created_at"}}, {Name: "i_region", Fields: []string{"region"}}}); err != nil {
				b.Fatal(err)
			}
			if err := s.EnsureCollection(ctx, store.AuditCollection, []store.Index{{Name: "i_record", Fields: []string{"entity", "record"}},
				{Name: "i_actor", Fields: []string{"actor"}}}); err != nil {
				b.Fatal(err)
			}
			var n atomic.Int64
			cpu0 := processCPU()
			b.ResetTimer()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
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
					if err := s.Insert(ctx, "account", store.Record{ID: id, Version: 1, Data: data}, audit...); err != nil {
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
