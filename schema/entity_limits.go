package schema

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
)

// Limits of what a definition and a record may hold. They keep every
// definition quick to compile (the JSON Schema compiler's work grows with
// the square of the number of schemas and faster than that with their
// depth) and every record storable (SQLite's JSON functions stop at 1,000
// levels).
const (
	// MaxSchemaDepth is how many schemas may nest in a definition: the
	// entity is the first level, a field the second, a part of a json
	// field ("properties", "items", "allOf" …) the third, and so on.
	MaxSchemaDepth = 16
	// MaxSchemas is how many schemas a definition may hold in all: the
	// entity, its fields and every schema inside them.
	MaxSchemas = 1000
	// MaxValueDepth is how deeply a field's value (a record's json field, a
	// default) may nest objects and arrays: {"a": {"b": 1}} is two levels.
	MaxValueDepth = 32
	// MaxSafeInteger is the largest whole number an integer field holds:
	// 2^53−1, the last one a double (JSON's number, JavaScript's too)
	// holds exactly, like every one down to −MaxSafeInteger.
	MaxSafeInteger = 1<<53 - 1
)

// checkDefinitionText refuses a definition, before it is decoded, that is
// larger than MaxDefinitionSize or not readable JSON text (see CheckText).
func checkDefinitionText(doc []byte) error {
	if len(doc) > MaxDefinitionSize {
		return morph.Errorf(morph.ETooLarge, "A definition may be at most %d KiB", "定义最大 %d KiB", MaxDefinitionSize>>10)
	}
	if err := CheckText(doc); err != nil {
		return err
	}
	return nil
}

// checkSchemaLimits refuses a definition, before it is compiled, whose
// schemas nest deeper than MaxSchemaDepth or number more than MaxSchemas,
// that names another draft than 2020-12 in $schema, or that refers to
// another document ($ref and $dynamicRef must be fragments: "#/$defs/x"),
// even where nothing uses the reference. The error is keyed by the pointer
// of the first part at fault.
func checkSchemaLimits(root map[string]any) error {
	if v, ok := root["$schema"]; ok && v != draft2020 && v != draft2020+"#" {
		return morph.Invalid(settingError("/$schema", "draft", morph.T(
			"An entity is a JSON Schema of draft 2020-12: $schema may only be %q, not %v (nor are outside documents fetched)",
			"实体须为 JSON Schema 2020-12 草案：$schema 只能是 %q，而不是 %v（也不会读取外部文档）", draft2020, v)))
	}
	w := schemaWalk{}
	w.id, _ = root["$id"].(string)
	w.schema(root, "", 1)
	if w.err != nil {
		return w.err
	}
	return nil
}

// draft2020 is the meta-schema of entity definitions.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// Keywords whose value is a schema, a list of schemas or an object of
// schemas (JSON Schema 2020-12, and items as a list as in earlier drafts).
var (
	schemaOne = []string{"items", "additionalItems", "additionalProperties", "unevaluatedItems", "unevaluatedProperties",
		"contains", "propertyNames", "not", "if", "then", "else", "contentSchema"}
	schemaList = []string{"prefixItems", "allOf", "anyOf", "oneOf", "items"}
	schemaMap  = []string{"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)

type schemaWalk struct {
	id    string // the definition's $id, which a reference within it may name
	count int
	err   *morph.Error
}

// local reports whether a reference points into the definition itself: a
// fragment ("#/$defs/x"), or one after the definition's own $id.
func (w *schemaWalk) local(ref string) bool {
	doc, _, _ := strings.Cut(ref, "#")
	return doc == "" || doc == w.id
}

func (w *schemaWalk) schema(v any, path string, depth int) {
	m, ok := v.(map[string]any)
	if !ok || w.err != nil {
		return
	}
	w.count++
	switch {
	case depth > MaxSchemaDepth:
		w.err = morph.Invalid(settingError(path, "too_deep", morph.T("Schemas may nest at most %d levels deep, the entity being the first",
			"Schema 最多嵌套 %d 层（实体本身为第一层）", MaxSchemaDepth)))
		return
	case w.count > MaxSchemas:
		w.err = morph.Invalid(settingError(path, "too_many", morph.T("A definition may hold at most %d schemas (the entity, its fields and the schemas inside them)",
			"一个定义最多包含 %d 个 Schema（实体、字段及其内部的 Schema）", MaxSchemas)))
		return
	}
	for _, k := range []string{"$ref", "$dynamicRef"} {
		if ref, ok := m[k].(string); ok && !w.local(ref) {
			w.err = morph.Invalid(settingError(path+"/"+k, "outside_ref", morph.T(
				"definitions may not refer to outside documents (%s): only references within the definition (\"#/$defs/…\") are allowed",
				"定义不能引用外部文档（%s）：只允许引用定义内部（\"#/$defs/…\"）", ref)))
			return
		}
	}
	for _, k := range schemaOne {
		w.schema(m[k], path+"/"+k, depth+1)
	}
	for _, k := range schemaList {
		list, _ := m[k].([]any)
		for i, s := range list {
			w.schema(s, path+"/"+k+"/"+strconv.Itoa(i), depth+1)
		}
	}
	for _, k := range schemaMap {
		sm, _ := m[k].(map[string]any)
		names := make([]string, 0, len(sm))
		for name := range sm {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			w.schema(sm[name], path+"/"+k+"/"+escapePointer(name), depth+1)
		}
	}
}

// checkValue reports a field's value that no record may hold, whatever the
// field: nesting deeper than MaxValueDepth, a number that is not finite
// (which JSON cannot write), or, in the value of an object field (json), a
// key that starts with "$" or holds a dot (an operator or a
// path to a document store, and no path a filter can name; the value of
// another field is an object only by mistake, which validation reports). path is the value's pointer ("/data"); the
// error is keyed by the pointer of the first part at fault.
func checkValue(v any, path string, label morph.Text, object bool) *morph.FieldError {
	fault, at := faultIn(v, 0, object)
	if fault == "" {
		return nil
	}
	for i := len(at) - 1; i >= 0; i-- {
		path += "/" + at[i]
	}
	switch fault {
	case "too_deep":
		return tooDeep(path, label)
	case "bad_key":
		return &morph.FieldError{Path: path, Code: "key", Offset: -1, Text: morph.Text{
			EN: label.EN + " may not hold a key that starts with $ or contains a dot",
			ZH: label.ZH + "中的键不能以 $ 开头，也不能包含点号"}}
	}
	return &morph.FieldError{Path: path, Code: "type", Offset: -1,
		Text: morph.Text{EN: label.EN + " must be a finite number", ZH: label.ZH + "必须是有限的数字"}}
}

// faultIn finds the first part of v, depth levels down, that no record may
// hold: it returns the fault ("too_deep", "not_finite" or "bad_key", "" for
// none) and the pointer segments that lead to it from v, innermost first.
// Segments are made only on the way back from a fault, so a sound value
// costs no allocation.
func faultIn(v any, depth int, keys bool) (fault string, at []string) {
	switch x := v.(type) {
	case map[string]any:
		if depth++; depth > MaxValueDepth {
			return "too_deep", nil
		}
		for k, e := range x {
			if keys && (strings.HasPrefix(k, "$") || strings.Contains(k, ".")) {
				return "bad_key", []string{escapePointer(k)}
			}
			if fault, at = faultIn(e, depth, keys); fault != "" {
				return fault, append(at, escapePointer(k))
			}
		}
	case []any:
		if depth++; depth > MaxValueDepth {
			return "too_deep", nil
		}
		for i, e := range x {
			if fault, at = faultIn(e, depth, keys); fault != "" {
				return fault, append(at, strconv.Itoa(i))
			}
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "not_finite", nil
		}
	}
	return "", nil
}

func tooDeep(path string, label morph.Text) *morph.FieldError {
	return &morph.FieldError{Path: path, Code: "too_deep", Offset: -1, Text: morph.Text{
		EN: label.EN + " may nest objects and lists at most " + strconv.Itoa(MaxValueDepth) + " levels deep",
		ZH: label.ZH + "中的对象和列表最多嵌套 " + strconv.Itoa(MaxValueDepth) + " 层"}}
}
