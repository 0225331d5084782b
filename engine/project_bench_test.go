package engine

import (
	"encoding/json"
	"testing"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/mask"
)

// A stored account of the example, as a list page reads it.
const benchAccount = `{"annual_revenue":{"amount":12345678.5,"currency":"CNY"},"city":"杭州","created_at":"2026-05-01T08:00:00.000Z","created_by":"system","credit_code":"91330100MA2XXXXXX1","email":"sales@example.com","industry":"manufacturing","last_contact_at":"2026-04-28T09:30:00.000Z","name":"杭州鹏程电子有限公司","notes":"长期合作客户，年度框架协议。","owner":"rep07","phone":"+8613812345678","province":"浙江","region":"华东","short_name":"鹏程电子","size":"medium","source":"exhibition","street":"文三路 100 号","tags":["重点","制造"],"tier":"key","updated_at":"2026-05-01T08:00:00.000Z","updated_by":"system","website":"https://example.com"}`

func benchRaws(n int) []store.RawRecord {
	raws := make([]store.RawRecord, n)
	for i := range raws {
		raws[i] = store.RawRecord{ID: "x", Version: 1, JSON: []byte(benchAccount)}
	}
	return raws
}

// BenchmarkRewriteRaw is the cost of hiding and masking a page of 20
// stored accounts for a sales rep (phone and e-mail masked, revenue hidden).
func BenchmarkRewriteRaw(b *testing.B) {
	g := &grants{rest: schema.FieldEdit, levels: map[string]schema.FieldAccess{},
		masks: map[string]mask.Masker{"phone": mask.Phone, "email": mask.Email}}
	var doc map[string]any
	if err := json.Unmarshal([]byte(benchAccount), &doc); err != nil {
		b.Fatal(err)
	}
	for k := range doc { // every field of the account editable, but three
		g.levels[k] = schema.FieldEdit
	}
	g.levels["phone"], g.levels["email"], g.levels["annual_revenue"] = schema.FieldMasked, schema.FieldMasked, schema.FieldHidden
	pages := make([][]store.RawRecord, b.N)
	for i := range pages {
		pages[i] = benchRaws(20)
	}
	b.SetBytes(int64(20 * len(benchAccount)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rewriteRaw(pages[i], nil, g); err != nil {
			b.Fatal(err)
		}
	}
}
