package engine

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/mask"
)

// Projecting stored JSON gives what decoding it and dropping the other
// fields gives, whatever the values hold.
func TestProjectRaw(t *testing.T) {
	docs := []string{
		`{"name":"深圳\"鹏程\"电子\\有限公司\u00e9\n","tier":"vip","amount":12.5e3,"tags":["a","b\"c"],"address":{"city":"杭州","geo":[1,2]},"ok":true,"gone":null}`,
		`{"tier":"normal"}`,
		`{}`,
		`{"name":"","amount":-0.5,"address":{},"tags":[],"ok":false,"tier":null}`,
		`  { "name" : "spaced" , "extra" : { "name" : "inner" } }  `,
	}
	fields := map[string]bool{"name": true, "amount": true, "tags": true, "address": true, "ok": true, "tier": true, "missing": true}
	raws := make([]store.RawRecord, len(docs))
	for i, d := range docs {
		raws[i] = store.RawRecord{ID: string(rune('a' + i)), JSON: []byte(d)}
	}
	if err := projectRaw(raws, fields); err != nil {
		t.Fatal(err)
	}
	for i, d := range docs {
		var want map[string]any
		if err := json.Unmarshal([]byte(d), &want); err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if !fields[k] {
				delete(want, k)
			}
		}
		var got map[string]any
		if err := json.Unmarshal(raws[i].JSON, &got); err != nil {
			t.Fatalf("doc %d: projection is not JSON: %v\n%s", i, err, raws[i].JSON)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("doc %d:\n got %v\nwant %v", i, got, want)
		}
	}
	if err := projectRaw([]store.RawRecord{{ID: "x", JSON: []byte(`{"name": "unterminated}`)}}, fields); err == nil {
		t.Error("broken JSON projected without an error")
	}
}

// FuzzProjectRaw: for any JSON object, the projection is JSON and decodes to
// the object's kept fields.
func FuzzProjectRaw(f *testing.F) {
	for _, s := range []string{`{"name":"a","b":[1,{"name":2}],"c":{"d":"\u4e2d"}}`, `{}`, `{"name":null,"name":"x"}`, `{"n\u0061me":"esc"}`, `{"tier":"a\"b\\c"}`} {
		f.Add([]byte(s))
	}
	fields := map[string]bool{"name": true, "tier": true, "b": true}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want map[string]any
		if err := json.Unmarshal(doc, &want); err != nil || want == nil {
			return
		}
		for k := range want {
			if !fields[k] {
				delete(want, k)
			}
		}
		raws := []store.RawRecord{{ID: "x", JSON: doc}}
		if err := projectRaw(raws, fields); err != nil {
			t.Fatalf("valid JSON %q: %v", doc, err)
		}
		var got map[string]any
		if err := json.Unmarshal(raws[0].JSON, &got); err != nil {
			t.Fatalf("projection of %q is %q: %v", doc, raws[0].JSON, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("projection of %q is %q", doc, raws[0].JSON)
		}
	})
}

// FuzzRewriteRaw: for any JSON object, the rewritten document decodes to
// the object without its hidden fields and with its masked ones masked,
// however the keys are spelled (escapes included) or repeated.
func FuzzRewriteRaw(f *testing.F) {
	for _, s := range []string{
		`{"phone":"+8613812345678","email":"a@b.cn","secret":{"x":1},"name":"张三"}`,
		`{"ph\u006fne":"13812345678","s\u0065cret":"x"}`,
		`{"phone":"1","phone":"2","secret":null}`,
		`{"phone":12345,"email":["a"],"secret":[{"a":"}"}]}`,
		`{"name":"a\"b\\","phone":"a\"b\\\"c"}`,
	} {
		f.Add([]byte(s))
	}
	g := &grants{rest: schema.FieldRead,
		levels: map[string]schema.FieldAccess{"phone": schema.FieldMasked, "email": schema.FieldMasked, "secret": schema.FieldHidden},
		masks:  map[string]mask.Masker{"phone": mask.Phone, "email": mask.Email}}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want map[string]any
		if err := json.Unmarshal(doc, &want); err != nil || want == nil {
			return
		}
		g.out(want)
		raws := []store.RawRecord{{ID: "x", JSON: append([]byte(nil), doc...)}}
		if err := rewriteRaw(raws, nil, g); err != nil {
			t.Fatalf("valid JSON %q: %v", doc, err)
		}
		var got map[string]any
		if err := json.Unmarshal(raws[0].JSON, &got); err != nil {
			t.Fatalf("rewrite of %q is %q: %v", doc, raws[0].JSON, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("rewrite of %q is %q, want %v", doc, raws[0].JSON, want)
		}
	})
}
