package schema

import (
	"maps"
	"sort"

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
// field type.
func checkJSONType(f *Field, want string) []morph.FieldError {
	if t, ok := f.Prop["type"]; ok && t != want {
		return []morph.FieldError{settingError("/type", "type",
			morph.T("A %s field must have JSON Schema type %q", "%s 字段的 JSON Schema type 必须是 %q", f.Type.Name(), want))}
	}
	return nil
}

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
func infer(prop map[string]any) string {
	typ, _ := prop["type"].(string)
	format, _ := prop["format"].(string)
	_, hasEnum := prop["enum"]
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
			if items["type"] == "string" {
				return "tags"
			}
		}
		return "json"
	case "object":
		return "json"
	}
	if hasEnum {
		return "select"
	}
	return "json"
}
