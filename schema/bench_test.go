package schema_test

import (
	"testing"

	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/schema"
)

func BenchmarkParseAccount(b *testing.B) {
	defs, _ := examples.Load("sme-crm")
	var doc []byte
	for _, d := range defs {
		if d.Name == "account" {
			doc = d.JSON
		}
	}
	for i := 0; i < b.N; i++ {
		if _, err := schema.Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateAccount(b *testing.B) {
	defs, _ := examples.Load("sme-crm")
	var e *schema.Entity
	for _, d := range defs {
		if d.Name == "account" {
			e, _ = schema.Parse(d.JSON)
		}
	}
	data := map[string]any{"name": "杭州云帆科技有限公司", "region": "华东", "tier": "vip", "phone": "+8613800138000", "email": "a@b.cn", "tags": []any{"x"}}
	for i := 0; i < b.N; i++ {
		if errs := e.Validate(data); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
