package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// benchLeadDef is a lead with 5 formulas and 10 validation rules when
// expressions is true, and the same fields without them otherwise.
func benchLeadDef(expressions bool) string {
	var props, rules []string
	props = append(props, `"name": {"type": "string"}`, `"visits": {"type": "number"}`, `"tier": {"type": "string", "enum": ["vip", "key", "normal"]}`,
		`"phone": {"type": "string", "x-type": "phone"}`, `"close": {"type": "string", "format": "date"}`)
	formulas := []string{
		`"f1": {"type": "number", "x-type": "formula", "x-expr": "min(100, visits * 10 + (tier == 'vip' ? 30 : 0))"}`,
		`"f2": {"type": "string", "x-type": "formula", "x-expr": "f1 >= 50 ? 'A' : 'B'"}`,
		`"f3": {"type": "number", "x-type": "formula", "x-expr": "close == nil ? 0 : daysBetween(today(), close)"}`,
		`"f4": {"type": "string", "x-type": "formula", "x-expr": "upper(left(name, 3)) + '-' + tier"}`,
		`"f5": {"type": "boolean", "x-type": "formula", "x-expr": "isPhone(phone) && f1 > 20"}`,
	}
	if expressions {
		props = append(props, formulas...)
		for i := 0; i < 10; i++ {
			rules = append(rules, fmt.Sprintf(`{"name": "r%d", "when": "visits > %d && tier == 'normal' && phone == ''", "message": {"en": "no", "zh-CN": "否"}, "fields": ["phone"]}`, i, 1000+i))
		}
	}
	doc := `{"$id": "lead", "type": "object", "properties": {` + strings.Join(props, ", ") + `}`
	if len(rules) > 0 {
		doc += `, "x-rules": [` + strings.Join(rules, ", ") + `]`
	}
	return doc + `}`
}

// BenchmarkCreateExpressions is a create through the engine on the
// embedded store, without and with 5 formula fields and 10 validation rules.
func BenchmarkCreateExpressions(b *testing.B) {
	for _, with := range []bool{false, true} {
		name := "plain"
		if with {
			name = "5 formulas, 10 rules"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "m.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			eng, err := engine.New(ctx, st, engine.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := eng.PutEntity(ctx, engine.System, "lead", []byte(benchLeadDef(with))); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					in := map[string]any{"name": "Acme", "visits": 4.0, "tier": "vip", "phone": "13800138000", "close": "2026-12-31"}
					if _, err := eng.Create(ctx, engine.System, "lead", in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
