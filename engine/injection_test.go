package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

// injectionDocs are record documents that carry store operators, operator
// objects and keys a store might read as paths: each is refused as invalid
// input, whatever the store.
var injectionDocs = []struct {
	doc  map[string]any
	path string // the pointer of the (first) field error
}{
	{map[string]any{"name": map[string]any{"$gt": ""}}, "/name"},
	{map[string]any{"$where": "1"}, "/$where"},
	{map[string]any{"name": "x", "$set": map[string]any{"owner": "u9"}}, "/$set"},
	{map[string]any{"name": "x", "$unset": map[string]any{"name": ""}}, "/$unset"},
	{map[string]any{"_id": "x"}, "/_id"},
	{map[string]any{"_v": float64(9)}, "/_v"},
	{map[string]any{"name.first": "x"}, "/name.first"},
	{map[string]any{"ref": map[string]any{"$regex": ".*"}}, "/ref"},
	{map[string]any{"visits": map[string]any{"$gt": float64(0)}}, "/visits"},
	{map[string]any{"company": map[string]any{"$ne": nil}}, "/company"},
	{map[string]any{"tags": []any{map[string]any{"$gt": ""}}}, "/tags/0"},
	{map[string]any{"address": map[string]any{"$set": float64(1)}}, "/address/$set"},
	{map[string]any{"address": map[string]any{"city": "x", "a": map[string]any{"$inc": map[string]any{"x": float64(1)}}}}, "/address/a/$inc"},
	{map[string]any{"address": map[string]any{"list": []any{map[string]any{"$ne": nil}}}}, "/address/list/0/$ne"},
	{map[string]any{"address": map[string]any{"a.b": float64(1)}}, "/address/a.b"},
	{map[string]any{"address": map[string]any{"$where": "sleep(1000)"}}, "/address/$where"},
}

// TestInjectionInRecords: operator objects and $-keys in record documents
// are refused (400, the field named) on create, update and bulk, on both
// stores, and nothing changes; strings that look like operators, SQL or
// patterns are plain strings, stored as sent and matched literally.
func TestInjectionInRecords(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		canary, err := eng.Create(ctx, engine.System, "customer", map[string]any{"name": "canary", "ref": "C-1", "address": map[string]any{"city": "上海"}})
		if err != nil {
			t.Fatal(err)
		}
		count := func() int64 {
			res, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Count: true, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		unchanged := func(what string) {
			t.Helper()
			if n := count(); n != 1 {
				t.Fatalf("%s: %d customers, want 1", what, n)
			}
			r, err := eng.Get(ctx, engine.System, "customer", canary.ID)
			if err != nil || r.Version != 1 || r.Data["name"] != "canary" || fmt.Sprint(r.Data["address"]) != "map[city:上海]" {
				t.Fatalf("%s: the canary changed: %v %v", what, r, err)
			}
		}
		invalid := func(what string, err error, path string) {
			t.Helper()
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid || len(me.Fields) == 0 || me.Fields[0].Path != path {
				t.Errorf("%s: want invalid at %s, got %v", what, path, err)
			}
		}
		for _, c := range injectionDocs {
			what := fmt.Sprintf("%v", c.doc)
			_, err := eng.Create(ctx, engine.System, "customer", cloneDeep(c.doc).(map[string]any))
			invalid("create "+what, err, c.path)
			_, err = eng.Update(ctx, engine.System, "customer", canary.ID, cloneDeep(c.doc).(map[string]any), 0)
			invalid("update "+what, err, c.path)
			items, err := eng.CreateMany(ctx, engine.System, "customer", []map[string]any{cloneDeep(c.doc).(map[string]any)}, engine.BulkOptions{})
			if err != nil {
				t.Fatal(err)
			}
			invalid("bulk "+what, items[0].Err, c.path)
			unchanged(what)
		}
		// An operator object as an upsert key's value matches nothing: the
		// item is a create, refused.
		items, err := eng.CreateMany(ctx, engine.System, "customer", []map[string]any{{"ref": map[string]any{"$ne": nil}, "name": "x"}}, engine.BulkOptions{Key: "ref"})
		if err != nil {
			t.Fatal(err)
		}
		invalid("bulk keyed by an operator object", items[0].Err, "/ref")
		for _, key := range []string{"$where", "ref'; DROP TABLE customer; --", "_id", "ref.$ne"} {
			_, err := eng.CreateMany(ctx, engine.System, "customer", []map[string]any{{"name": "x"}}, engine.BulkOptions{Key: key})
			invalid("bulk key "+key, err, "/key")
		}
		unchanged("bulk keys")

		// Strings are strings: stored as sent, matched literally.
		odd := []string{`{"$gt": ""}`, `' OR '1'='1`, `x') OR 1=1 --`, `name'; DROP TABLE customer; --`, `100%`, `a_b`, `x.*y`, `^$`, `back\slash`, `"quoted"`, "nul\x00byte", `$where`}
		for _, s := range odd {
			if _, err := eng.Create(ctx, engine.System, "customer", map[string]any{"name": s, "address": map[string]any{"city": s}}); err != nil {
				t.Fatalf("%q: %v", s, err)
			}
		}
		quote := func(s string) string {
			return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\x00", `\x00`).Replace(s) + `"`
		}
		for _, s := range odd {
			for _, f := range []string{"name == " + quote(s), "address.city == " + quote(s), "name startsWith " + quote(s), "name in [" + quote(s) + "]"} {
				res, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Filter: f, Count: true})
				if err != nil || res.Total != 1 || nameOf(t, res) != s {
					t.Errorf("%s: %v records, want the one named %q (%v)", f, res.Total, s, err)
				}
			}
		}
		for f, want := range map[string]int64{
			`name contains "%"`: 1, `name contains "_"`: 1, `name startsWith "%"`: 0, `name contains ".*"`: 1, `name startsWith "^"`: 1,
			`name contains "'"`: 3, `name contains "\\"`: 1, `name contains "\""`: 2, `name contains "$"`: 3, `name == "%"`: 0, `name startsWith "_"`: 0,
			"name contains \"l\x00b\"": 1, "name contains \"\x00\"": 1, "name startsWith \"nul\x00\"": 1, "name startsWith \"nul\x00x\"": 0,
		} {
			res, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Filter: f, Count: true})
			if err != nil || res.Total != want {
				t.Errorf("%s: %d records, want %d (%v)", f, res.Total, want, err)
			}
		}
	})
}

// TestInjectionInNames: SQL fragments, quotes, operators and path tricks in
// the names a request gives — filter fields, sort keys, field lists,
// expansions, entities and ids — are refused with a 4xx and change nothing.
func TestInjectionInNames(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		canary, err := eng.Create(ctx, engine.System, "customer", map[string]any{"name": "canary", "secret": "s"})
		if err != nil {
			t.Fatal(err)
		}
		names := []string{
			`name'; DROP TABLE customer; --`, `"a\"b"`, `x) OR 1=1 --`, `name)--`, `$where`, `$natural`, `_id`, `data`,
			`address.$where`, `address.x'); DROP TABLE customer; --`, `address["x'y"]`, `name;secret`, `name/**/`, "name\x00secret",
			`../secret`, `name OR 1`, `json_extract(data,'$.secret')`, `$env`, `address..city`, `address.`, `.name`,
		}
		refused := func(what string, err error) {
			t.Helper()
			if s := morph.ErrorCode(err).Status(); err == nil || s < 400 || s > 499 {
				t.Errorf("%s: want a 4xx, got %v", what, err)
			}
		}
		for _, n := range names {
			_, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Sort: n})
			refused("sort "+n, err)
			_, err = eng.List(ctx, engine.System, "customer", engine.ListRequest{Sort: "-" + n})
			refused("sort -"+n, err)
			_, err = eng.List(ctx, engine.System, "customer", engine.ListRequest{Fields: "name," + n})
			refused("fields "+n, err)
			_, err = eng.List(ctx, engine.System, "customer", engine.ListRequest{Expand: []string{n}})
			refused("expand "+n, err)
			// A filter names a field, or is a constant comparison (a
			// quoted name), or carries a comment: refused or matching nothing.
			res, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Filter: n + ` == "x"`, Count: true})
			if err == nil && res.Total != 0 {
				t.Errorf("filter %s: matched %d records", n, res.Total)
			} else if err != nil {
				refused("filter "+n, err)
			}
			for _, op := range []string{"create", "get", "list", "update", "delete", "bulk"} {
				var err error
				switch op {
				case "create":
					_, err = eng.Create(ctx, engine.System, n, map[string]any{"name": "x"})
				case "get":
					_, err = eng.Get(ctx, engine.System, n, canary.ID)
				case "list":
					_, err = eng.List(ctx, engine.System, n, engine.ListRequest{})
				case "update":
					_, err = eng.Update(ctx, engine.System, n, canary.ID, map[string]any{"name": "x"}, 0)
				case "delete":
					err = eng.Delete(ctx, engine.System, n, canary.ID, 0)
				case "bulk":
					_, err = eng.CreateMany(ctx, engine.System, n, []map[string]any{{"name": "x"}}, engine.BulkOptions{})
				}
				if morph.ErrorCode(err) != morph.ENotFound {
					t.Errorf("%s on entity %q: want not_found, got %v", op, n, err)
				}
			}
			// An id is a value, never a path or a pattern.
			for _, id := range []string{n, canary.ID + "' OR '1'='1", canary.ID[:8] + "%", "../" + canary.ID, canary.ID + "\x00"} {
				if _, err := eng.Get(ctx, engine.System, "customer", id); morph.ErrorCode(err) != morph.ENotFound {
					t.Errorf("get id %q: want not_found, got %v", id, err)
				}
				if _, err := eng.Update(ctx, engine.System, "customer", id, map[string]any{"name": "x"}, 0); morph.ErrorCode(err) != morph.ENotFound {
					t.Errorf("update id %q: want not_found, got %v", id, err)
				}
				if err := eng.Delete(ctx, engine.System, "customer", id, 0); morph.ErrorCode(err) != morph.ENotFound {
					t.Errorf("delete id %q: want not_found, got %v", id, err)
				}
			}
		}
		// Filters that try to leave the language.
		for _, f := range []string{
			`name == "x" || 1 == 1; DROP TABLE customer`, `name == "x") OR (1 == 1`, `$env.secret == "s"`, `name == $env`,
			`secret matches ".*"`, `len(secret) > 0`, `name == "x" ?? true`, `{"$where": "1"}`, `{"name": {"$gt": ""}}`,
			`name == "x" -- comment`, `name == "x" /* c */`, "name == \"x\"\x00 || true", `now() == now()`, `name in secret`,
			`address["city"] == "x"`, `address.city.$gt == "x"`, `user.password == "x"`, `#name == "x"`, `name == 'x'`,
		} {
			res, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Filter: f, Count: true})
			if err == nil && res.Total != 0 && !strings.Contains(f, "now()") && !strings.Contains(f, "'x'") {
				t.Errorf("filter %s: matched %d records", f, res.Total)
			} else if err != nil {
				refused("filter "+f, err)
			}
		}
		r, err := eng.Get(ctx, engine.System, "customer", canary.ID)
		if err != nil || r.Version != 1 || r.Data["name"] != "canary" {
			t.Fatalf("the canary changed: %v %v", r, err)
		}
		if res, err := eng.List(ctx, engine.System, "customer", engine.ListRequest{Count: true}); err != nil || res.Total != 1 {
			t.Fatalf("customers: %v %v", res.Total, err)
		}
	})
}

// nameOf is the name of the first record of a page, as stored or decoded.
func nameOf(t *testing.T, res engine.ListResult) any {
	t.Helper()
	if len(res.Records) > 0 {
		return res.Records[0].Data["name"]
	}
	if len(res.Raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(res.Raw[0].JSON, &m); err != nil {
		t.Fatal(err)
	}
	return m["name"]
}

func cloneDeep(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cloneDeep(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneDeep(e)
		}
		return out
	}
	return v
}
