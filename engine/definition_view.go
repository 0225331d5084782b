package engine

import (
	"encoding/json"
	"slices"

	"github.com/morphcrm/morph/schema"
)

// DefinitionFor returns an entity's definition as actor may see it: the
// stored document for administrators; for others without the fields their
// roles hide — their schemas, defaults and options, their places in
// required, x-indexes and x-title-field — so that a definition tells no
// more than the records do. ok is false for an entity actor may not read.
func (e *Engine) DefinitionFor(actor Actor, entity string) (def string, version int64, ok bool) {
	cat := e.Catalog()
	ce := cat.entities[entity]
	if ce == nil || !e.CanRead(actor, entity) {
		return "", 0, false
	}
	g := cat.grantsFor(actor, ce)
	if g.everything {
		return ce.def, ce.version, true
	}
	g.defOnce.Do(func() { g.def = trimDefinition(ce, g) })
	return g.def, ce.version, true
}

// trimDefinition is the definition without the fields hidden by g.
func trimDefinition(ce *compiled, g *grants) string {
	hidden := map[string]bool{}
	for _, f := range ce.Fields {
		if g.level(f.Name) == schema.FieldHidden {
			hidden[f.Name] = true
		}
	}
	if len(hidden) == 0 {
		return ce.def
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(ce.def), &doc); err != nil {
		return "{}" // a stored definition is JSON; nothing leaks if it were not
	}
	if props, ok := doc["properties"].(map[string]any); ok {
		for n := range hidden {
			delete(props, n)
		}
	}
	if req, ok := doc["required"].([]any); ok {
		doc["required"] = slices.DeleteFunc(req, func(v any) bool { s, _ := v.(string); return hidden[s] })
	}
	if ixs, ok := doc["x-indexes"].([]any); ok {
		doc["x-indexes"] = slices.DeleteFunc(ixs, func(v any) bool {
			keys, _ := v.([]any)
			for _, k := range keys {
				s, _ := k.(string)
				if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
					s = s[1:]
				}
				if hidden[s] {
					return true
				}
			}
			return false
		})
	}
	if t, ok := doc["x-title-field"].(string); ok && hidden[t] {
		delete(doc, "x-title-field")
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "{}"
	}
	return string(b)
}
