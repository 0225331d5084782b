package schema

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/morphcrm/morph"
)

// ParseNamed compiles the definition of the entity named name — the name
// the definition is saved under (the URL's) — whatever its $id says:
//
//   - no $id: the document is the entity name's definition (the usual case
//     for a JSON Schema written elsewhere);
//   - a plain name: it must be name (two names for one entity are a mistake,
//     reported at /$id);
//   - a URI, one with a scheme or a path (https://example.com/owner.json):
//     it identifies the document elsewhere. It is kept as x-source-id and
//     never fetched, nor is anything a reference resolves to against it.
//
// The entity's definition carries name as its $id. Problems are reported as
// Parse reports them.
func ParseNamed(name string, doc []byte) (*Entity, error) {
	if len(doc) > MaxDefinitionSize {
		return Parse(doc)
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal(doc, &root); err != nil || root == nil {
		return Parse(doc) // not a JSON object: Parse says where
	}
	var idErr *morph.FieldError
	var id any
	if raw, ok := root["$id"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	switch s, isString := id.(string); {
	case id == nil:
	case !isString:
		fe := settingError("/$id", "type", morph.T("$id must be text: the entity name or a URI", "$id 必须是文本：实体名或 URI"))
		idErr = &fe
	case isURI(s):
		root["x-source-id"] = root["$id"]
	case s != name:
		fe := settingError("/$id", "mismatch", morph.T("$id %q does not match the entity name %q in the URL", "$id %q 与 URL 中的实体名 %q 不一致", s, name))
		idErr = &fe
	}
	root["$id"], _ = json.Marshal(name)
	// Top-level keys are re-encoded; the value of each, "properties" and its
	// order included, is kept as written.
	named, err := json.Marshal(root)
	if err != nil {
		return Parse(doc)
	}
	ent, err := Parse(named)
	if idErr == nil {
		return ent, err
	}
	me := morph.AsError(err)
	if me == nil || me.Code != morph.EInvalid {
		if err != nil {
			return nil, err
		}
		return nil, morph.Invalid(*idErr)
	}
	me.Fields = append(me.Fields, *idErr)
	sort.SliceStable(me.Fields, func(i, j int) bool { return me.Fields[i].Path < me.Fields[j].Path })
	me.Text = morph.T("The definition has %d problem(s)", "定义有 %d 处问题", len(me.Fields))
	return nil, me
}

// isURI reports whether an $id identifies a document rather than naming an
// entity: it has a scheme ("https:", "urn:") or is a path.
func isURI(id string) bool { return strings.ContainsAny(id, ":/") }

// ValidEntityName reports whether name can name an entity: a lower-case
// letter, then a-z, 0-9 and _, at most 40 in all.
func ValidEntityName(name string) bool { return nameRE.MatchString(name) }
