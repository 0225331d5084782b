package workflow_test

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkCreateWithRules: a create of a lead without rules, with 10
// rules it sets off (5 before-save sets, 5 after-save notifications) as the
// write pays for them, and with the queue's work of those rules included
// (drained every 100 creates). SQLite.
func BenchmarkCreateWithRules(b *testing.B) {
	for _, c := range []struct {
		name         string
		rules, drain bool
	}{{"none", false, false}, {"10 rules, write", true, false}, {"10 rules, write and queue", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			st := mustSQLiteB(b)
			e := open(b, st)
			if c.rules {
				for i := range 5 {
					e.put(b, fmt.Sprintf(`{"name": "set%d", "entity": "lead", "trigger": {"type": "created"}, "when": "source == 'web'",
						"actions": [{"type": "set", "values": {"score": "score + %d"}}]}`, i, i))
					e.put(b, fmt.Sprintf(`{"name": "notify%d", "entity": "lead", "trigger": {"type": "created"}, "when": "len(name) > 0",
						"actions": [{"type": "notify", "to": "[owner]", "message": {"en": "New lead {{name}}", "zh-CN": "新线索 {{name}}"}}]}`, i))
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := e.eng.Create(ctx, admin, "lead", map[string]any{"name": "Acme", "source": "web"}); err != nil {
					b.Fatal(err)
				}
				if c.drain && i%100 == 99 {
					e.drain(b)
				}
			}
			if c.drain {
				e.drain(b)
			}
		})
	}
}
