package engine_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
)

// A definition shows a restricted user no field their roles hide: not its
// schema, default or options, nor its place in required, x-indexes or
// x-title-field; administrators get it as stored.
func TestDefinitionForRole(t *testing.T) {
	eng, _ := open(t, t.TempDir()+"/m.db")
	put(t, eng, "deal", `{"$id": "deal", "type": "object", "properties": {
		"title":  {"type": "string"},
		"secret": {"type": "string", "default": "the default itself is a secret", "x-indexed": true},
		"stage":  {"type": "string", "x-type": "select", "enum": ["new", "won"]},
		"amount": {"type": "number"}},
		"required": ["title", "secret"], "x-title-field": "secret", "x-indexes": [["stage", "-secret"], ["stage", "title"]]}`)
	putRole(t, eng, "clerk", `{"entities": {"deal": {"read": "all", "fields": {"*": "read", "secret": "hidden"}}}}`)
	clerk := engine.Actor{ID: "u", Roles: []string{"clerk"}}
	def, version, ok := eng.DefinitionFor(clerk, "deal")
	if !ok || version != 1 || strings.Contains(def, "secret") {
		t.Fatalf("the clerk's definition: %v %d %s", ok, version, def)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		t.Fatal(err)
	}
	if props := doc["properties"].(map[string]any); len(props) != 3 || props["title"] == nil {
		t.Fatalf("properties %v", props)
	}
	// The fields keep their order (the order of a form).
	if strings.Index(def, `"title"`) > strings.Index(def, `"stage"`) {
		t.Fatalf("the fields' order is lost: %s", def)
	}
	if req := doc["required"].([]any); len(req) != 1 || req[0] != "title" {
		t.Fatalf("required %v", req)
	}
	if ixs := doc["x-indexes"].([]any); len(ixs) != 1 {
		t.Fatalf("x-indexes %v", ixs)
	}
	full, _, _ := eng.DefinitionFor(admin, "deal")
	if !strings.Contains(full, "the default itself is a secret") {
		t.Fatalf("the administrator's definition is trimmed: %s", full)
	}
	if _, _, ok := eng.DefinitionFor(engine.Actor{ID: "x", Roles: []string{"nobody"}}, "deal"); ok {
		t.Fatal("a user who may not read the entity gets its definition")
	}
}
