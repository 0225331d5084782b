package engine

import (
	"encoding/json"
	"slices"
	"strings"

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

// trimDefinition is the definition without the fields hidden by g. The
// document is rewritten member by member, so the properties keep their
// order (the order of a form's fields).
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
	out, err := eachMember([]byte(ce.def), func(key string, value []byte) ([]byte, bool) {
		switch key {
		case "properties":
			props, err := eachMember(value, func(name string, v []byte) ([]byte, bool) { return v, !hidden[name] })
			return props, err == nil
		case "required":
			var req []string
			if json.Unmarshal(value, &req) != nil {
				return value, true
			}
			b, _ := json.Marshal(slices.DeleteFunc(req, func(n string) bool { return hidden[n] }))
			return b, true
		case "x-indexes":
			var ixs [][]string
			if json.Unmarshal(value, &ixs) != nil {
				return value, true
			}
			b, _ := json.Marshal(slices.DeleteFunc(ixs, func(keys []string) bool {
				return slices.ContainsFunc(keys, func(k string) bool { return hidden[strings.TrimLeft(k, "+-")] })
			}))
			return b, true
		case "x-title-field":
			var t string
			return value, json.Unmarshal(value, &t) != nil || !hidden[t]
		}
		return value, true
	})
	if err != nil {
		return "{}" // a stored definition is a JSON object; nothing leaks if it were not
	}
	return string(out)
}

// eachMember rewrites a JSON object member by member, in order: fn gets
// each key and value and returns the value to write and whether to keep
// the member.
func eachMember(doc []byte, fn func(key string, value []byte) ([]byte, bool)) ([]byte, error) {
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return nil, errNotObject
	}
	out := append(make([]byte, 0, len(doc)), '{')
	first := true
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return append(out, '}'), trailing(doc, i+1)
	}
	for {
		if i >= len(doc) || doc[i] != '"' {
			return nil, errNotObject
		}
		kEnd, _, err := stringEnd(doc, i)
		if err != nil {
			return nil, err
		}
		var key string
		if err := json.Unmarshal(doc[i:kEnd+1], &key); err != nil {
			return nil, err
		}
		i = skipSpace(doc, kEnd+1)
		if i >= len(doc) || doc[i] != ':' {
			return nil, errNotObject
		}
		vStart := skipSpace(doc, i+1)
		vEnd, err := valueEnd(doc, vStart)
		if err != nil {
			return nil, err
		}
		if v, keep := fn(key, doc[vStart:vEnd]); keep {
			if !first {
				out = append(out, ',')
			}
			first = false
			out = appendString(out, key)
			out = append(out, ':')
			out = append(out, v...)
		}
		i = skipSpace(doc, vEnd)
		if i >= len(doc) {
			return nil, errNotObject
		}
		switch doc[i] {
		case ',':
			i = skipSpace(doc, i+1)
		case '}':
			return append(out, '}'), trailing(doc, i+1)
		default:
			return nil, errNotObject
		}
	}
}
