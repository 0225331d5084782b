package schema

import (
	"maps"
	"sort"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// types is the table of field types by name; each type's file registers itself.
var types = map[string]FieldType{}

// typeLabels are the types' own names in the languages Morph speaks.
var typeLabels = map[string]morph.Text{}

// register adds a field type to the table. It is called from init functions.
func register(t FieldType, label morph.Text) {
	if _, dup := types[t.Name()]; dup {
		panic("schema: field type registered twice: " + t.Name())
	}
	types[t.Name()] = t
	typeLabels[t.Name()] = label
}

// Type returns the field type with the given name, or nil.
func Type(name string) FieldType { return types[name] }

// Types lists the names of every field type, sorted.
func Types() []string {
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TypeLabel is the display name of a field type ("Phone" / "电话").
func TypeLabel(name string) morph.Text { return typeLabels[name] }

// baseType implements FieldType for the common case; each type embeds it
// and overrides what differs.
type baseType struct {
	name    string
	kind    lang.Kind
	schema  map[string]any
	indexed bool
}

func (b baseType) Name() string                 { return b.name }
func (b baseType) Kind() lang.Kind              { return b.kind }
func (b baseType) StorePath(name string) string { return name }
func (b baseType) BaseSchema() map[string]any   { return deepClone(b.schema) }
func (b baseType) Check(*Field) []morph.FieldError {
	return nil
}
func (b baseType) Normalize(_ *Field, v any) (any, *morph.FieldError) { return v, nil }
func (b baseType) IndexedByDefault() bool                             { return b.indexed }

// checkJSONType reports a property whose JSON Schema "type" does not fit the
// field type. A type list may add "null" to the type (["string", "null"]).
func checkJSONType(f *Field, want string) []morph.FieldError {
	if _, ok := f.Prop["type"]; !ok {
		return nil
	}
	if got, _ := jsonTypeOf(f.Prop); got == want || want == "number" && got == "integer" {
		return nil
	}
	return []morph.FieldError{settingError("/type", "type",
		morph.T("A %s field must have JSON Schema type %q", "%s 字段的 JSON Schema type 必须是 %q", f.Type.Name(), want))}
}

// jsonTypeOf returns the JSON Schema type of a property: its "type", or the
// one type besides "null" of a type list. It is "" when there is none or
// more than one.
func jsonTypeOf(prop map[string]any) (typ string, nullable bool) {
	switch t := prop["type"].(type) {
	case string:
		return t, t == "null"
	case []any:
		for _, e := range t {
			s, _ := e.(string)
			switch {
			case s == "null":
				nullable = true
			case typ != "" || s == "":
				return "", nullable
			default:
				typ = s
			}
		}
		return typ, nullable
	}
	return "", false
}

// completeType gives a property the JSON Schema type its field type implies
// when the definition leaves "type" out (and whatever else a completer type
// fills in).
func completeType(t FieldType, f *Field) {
	if c, ok := t.(completer); ok {
		c.Complete(f)
		return
	}
	if _, ok := f.Prop["type"]; ok || t.Kind() == lang.KindObject {
		return
	}
	if typ, ok := t.BaseSchema()["type"]; ok {
		f.Prop["type"] = typ
	}
}

// completer is a field type that fills in the parts of its JSON Schema a
// definition may leave out.
type completer interface{ Complete(f *Field) }

func settingError(path, code string, t morph.Text) morph.FieldError {
	return morph.FieldError{Path: path, Code: code, Text: t, Offset: -1}
}

func deepClone(m map[string]any) map[string]any {
	out := maps.Clone(m)
	for k, v := range out {
		switch x := v.(type) {
		case map[string]any:
			out[k] = deepClone(x)
		case []any:
			out[k] = append([]any(nil), x...)
		}
	}
	return out
}

// infer picks the field type of a property that has no x-type.
func infer(name string, prop map[string]any) string {
	typ, _ := jsonTypeOf(prop)
	format, _ := prop["format"].(string)
	enum, hasEnum := prop["enum"].([]any)
	switch typ {
	case "string":
		switch {
		case hasEnum:
			return "select"
		case format == "email":
			return "email"
		case format == "date":
			return "date"
		case format == "date-time":
			return "datetime"
		case format == "uri" || format == "url":
			return "url"
		case name == "owner":
			return "user"
		}
		return "text"
	case "number":
		return "number"
	case "integer":
		return "integer"
	case "boolean":
		return "boolean"
	case "array":
		if items, ok := prop["items"].(map[string]any); ok {
			if _, ok := items["enum"]; ok {
				return "multiselect"
			}
			if it, _ := jsonTypeOf(items); it == "string" {
				return "tags"
			}
		}
		return "json"
	case "":
		if hasEnum && allStrings(enum) {
			return "select"
		}
	}
	return "json"
}

// allStrings reports whether a list holds strings (and nulls) only.
func allStrings(list []any) bool {
	for _, v := range list {
		if _, ok := v.(string); !ok && v != nil {
			return false
		}
	}
	return len(list) > 0
}

// trimString trims a string value; other values are left for validation.
func trimString(v any) any {
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s)
	}
	return v
}
