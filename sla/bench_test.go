package sla_test

import (
	"context"
	"testing"

	"github.com/morphcrm/morph/engine/store/sqlite"
)

// BenchmarkTicketCreate is a create of a ticket on the embedded store,
// with the SLA policy (its conditions and deadlines computed in the write)
// and without any policy.
func BenchmarkTicketCreate(b *testing.B) {
	for _, withPolicy := range []bool{false, true} {
		name := "without"
		if withPolicy {
			name = "with_policy"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, b.TempDir()+"/m.db")
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			e := open(b, st)
			if withPolicy {
				if _, _, err := e.svc.Put(ctx, admin, "ticket_sla", []byte(policy), 0); err != nil {
					b.Fatal(detail(err))
				}
			}
			e.clock.set(at(b, "2026-12-04 17:00"))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				r, err := e.eng.Create(ctx, admin, "ticket", map[string]any{"subject": "printer", "priority": "urgent"})
				if err != nil {
					b.Fatal(detail(err))
				}
				if withPolicy && r.Data["response_due"] == nil {
					b.Fatal("no deadline")
				}
			}
		})
	}
}
