package schema_test

import (
	"fmt"
	"strings"
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

// BenchmarkParseDeepest parses the costliest definition the limits allow:
// as many schemas as allowed, in chains as deep as allowed.
func BenchmarkParseDeepest(b *testing.B) {
	doc := []byte(manyFields(schema.MaxSchemaDepth-1, schema.MaxSchemas))
	for i := 0; i < b.N; i++ {
		if _, err := schema.Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseLargest parses a definition of nearly the largest size
// allowed: as many fields as allowed, select fields with labelled options.
func BenchmarkParseLargest(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"$id": "x", "type": "object", "properties": {`)
	for i := 0; i < schema.MaxFields; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"f%d": {"type": "string", "x-label": {"en": "Field %d", "zh-CN": "字段 %d"}, "enum": [`, i, i, i)
		for j := 0; j < 6; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `"option_%d"`, j)
		}
		sb.WriteString(`], "x-options": {`)
		for j := 0; j < 6; j++ {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `"option_%d": {"en": "Option %d", "zh-CN": "选项 %d"}`, j, j, j)
		}
		sb.WriteString(`}}`)
	}
	sb.WriteString(`}}`)
	doc := []byte(sb.String())
	if len(doc) > schema.MaxDefinitionSize || len(doc) < schema.MaxDefinitionSize*3/4 {
		b.Fatalf("%d bytes", len(doc))
	}
	for i := 0; i < b.N; i++ {
		if _, err := schema.Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
