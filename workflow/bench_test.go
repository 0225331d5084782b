package workflow_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
)

// benchFormulas are 5 formula fields of the lead: arithmetic, text,
// a date, a conditional and one that reads two others.
const benchFormulas = `,
	"weighted": {"type": "number", "x-type": "formula", "x-expr": "round(coalesce(amount, 0) * 0.3 + coalesce(score, 0) * 10, 2)"},
	"label":    {"type": "string", "x-type": "formula", "x-expr": "upper(left(name, 3)) + '-' + coalesce(source, 'none')"},
	"follow_up": {"type": "string", "format": "date", "x-type": "formula", "x-expr": "addDays(today(), status == 'new' ? 1 : 3)"},
	"band":     {"type": "string", "x-type": "formula", "x-expr": "amount == nil ? 'unknown' : amount >= 10000 ? 'large' : amount >= 1000 ? 'medium' : 'small'"},
	"hot":      {"type": "boolean", "x-type": "formula", "x-expr": "weighted > 1000 && band in ['medium', 'large']"}}`

// BenchmarkCreateWithRules: a create of a lead without rules or formulas;
// with 10 rules it sets off (5 before-save sets, 5 after-save
// notifications) and 5 formula fields, as the write pays for them; and the
// same with the queue's work of those rules included (drained every 100
// creates). SQLite.
func BenchmarkCreateWithRules(b *testing.B) {
	for _, c := range []struct {
		name         string
		rules, drain bool
	}{{"none", false, false}, {"10 rules 5 formulas, write", true, false}, {"10 rules 5 formulas, write and queue", true, true}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			st := mustSQLiteB(b)
			e := open(b, st)
			if c.rules {
				def := strings.TrimSuffix(leadDef, `}, "required": ["name"]}`) + benchFormulas + `, "required": ["name"]}`
				if _, err := e.eng.PutEntity(ctx, engine.System, "lead", []byte(def)); err != nil {
					b.Fatal(err)
				}
				for i := range 5 {
					e.put(b, fmt.Sprintf(`{"name": "set%d", "entity": "lead", "trigger": {"type": "created"}, "when": "source == 'web'",
						"actions": [{"type": "set", "values": {"score": "score + %d"}}]}`, i, i))
					e.put(b, fmt.Sprintf(`{"name": "notify%d", "entity": "lead", "trigger": {"type": "created"}, "when": "len(name) > 0",
						"actions": [{"type": "notify", "to": "[owner]", "message": {"en": "New lead {{name}}", "zh-CN": "新线索 {{name}}"}}]}`, i))
				}
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r, err := e.eng.Create(ctx, admin, "lead", map[string]any{"name": "Acme", "source": "web", "status": "new", "amount": 5000})
				if err != nil {
					b.Fatal(err)
				}
				if c.rules && i == 0 && (r.Data["hot"] != true || r.Data["label"] != "ACM-web" || r.Data["band"] != "medium") {
					b.Fatalf("formulas: %v", r.Data)
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

// BenchmarkDueTimers: 10,000 timers of a date rule (one per task, planned
// by the tasks' creates) come due at once; one op fires them all — each
// claimed, its record read, its condition decided, a notification written
// and the run logged. SQLite. Reported: timers fired per second.
func BenchmarkDueTimers(b *testing.B) {
	const n = 10_000
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		e := open(b, mustSQLiteB(b))
		e.put(b, `{"name": "due", "entity": "task", "trigger": {"type": "date", "field": "due"}, "when": "title != ''",
			"actions": [{"type": "notify", "to": "'u-a'", "message": {"en": "Due: {{title}}"}}]}`)
		recs := make([]map[string]any, n)
		for i := range recs {
			recs[i] = map[string]any{"title": fmt.Sprintf("Task %d", i), "due": e.day(1)}
		}
		for i := 0; i < n; i += 500 {
			if _, err := e.eng.CreateMany(ctx, admin, "task", recs[i:i+500], engine.BulkOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		e.drain(b) // plans the timers
		e.clock.advance(2 * 24 * time.Hour)
		b.StartTimer()
		start := time.Now()
		e.drain(b)
		b.ReportMetric(n/time.Since(start).Seconds(), "timers/s")
		b.StopTimer()
		if got, err := e.st.Count(ctx, "_notifications", nil); err != nil || got != n {
			b.Fatalf("%d notifications, want %d (%v)", got, n, err)
		}
		b.StartTimer()
	}
}

// BenchmarkPumpBehindQuietEntries: a pass of the queue after one more
// create, with 5,000 earlier creates behind it that set nothing off (the
// lead has a rule, the tasks none). A pass reads what is new since the
// last one, not every entry since the last that set a rule off. SQLite.
func BenchmarkPumpBehindQuietEntries(b *testing.B) {
	ctx := context.Background()
	e := open(b, mustSQLiteB(b))
	e.put(b, `{"name": "hello", "entity": "lead", "trigger": {"type": "created"},
		"actions": [{"type": "notify", "to": "[owner]", "message": {"en": "New lead {{name}}", "zh-CN": "新线索 {{name}}"}}]}`)
	e.create(b, "lead", map[string]any{"name": "Acme"})
	for i := range 5000 {
		e.create(b, "task", map[string]any{"title": fmt.Sprintf("t%d", i)})
	}
	e.drain(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.create(b, "task", map[string]any{"title": "one more"})
		if _, err := e.wf.Pump(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
