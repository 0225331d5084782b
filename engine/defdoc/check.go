// Package defdoc holds what the definition documents kept beside the
// entities share — workflow rules, SLA policies, calendars, roles,
// layouts: the check of a document on save (Check: every problem at once,
// keyed by JSON pointer, and the calendars its expressions name), the name
// in the document against the URL's (Named), and their versioned storage
// in a system collection with the audit entry in the same write
// (Collection, Docs).
//
// It knows the store port, the schema and the expression language, never
// the engine: the engine uses it for its own documents, and packages above
// the engine (workflow, sla) for theirs, giving it the audit entries to
// write.
package defdoc

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// Check collects the problems of a definition document, each at the JSON
// pointer of the part that is wrong, and the calendars its expressions name
// by a constant. The zero value is ready to use.
type Check struct {
	Errs      []morph.FieldError
	Calendars []schema.ExprCalendar // named by the expressions compiled, at their pointers
}

// Add notes a problem at path.
func (c *Check) Add(path, code string, t morph.Text) {
	c.Errs = append(c.Errs, FieldErr(path, code, t))
}

// Result is the problems as one EInvalid error, sorted by path; en and zh
// say how many there are (one %d).
func (c *Check) Result(en, zh string) error {
	sort.SliceStable(c.Errs, func(i, j int) bool { return c.Errs[i].Path < c.Errs[j].Path })
	return &morph.Error{Code: morph.EInvalid, Fields: c.Errs, Text: morph.T(en, zh, len(c.Errs))}
}

// Shape checks a decoded document against its JSON Schema: one problem
// per pointer, the innermost ones, with the keyword as the code
// (unknown_key, too_long, name for a pattern, range for a bound).
func (c *Check) Shape(validator *jsonschema.Schema, v any) {
	err := validator.Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return
	}
	seen := map[string]bool{}
	for _, leaf := range schema.Leaves(ve) {
		kw := leaf.KeywordLocation[strings.LastIndex(leaf.KeywordLocation, "/")+1:]
		path := leaf.InstanceLocation
		if seen[path] {
			continue
		}
		seen[path] = true
		code := kw
		switch kw {
		case "additionalProperties", "false":
			code = "unknown_key"
		case "maxLength", "maxItems", "maxProperties":
			code = "too_long"
		case "pattern":
			code = "name"
		case "exclusiveMinimum", "maximum":
			code = "range"
		}
		c.Add(path, code, morph.T("%s", "%s", leaf.Message))
	}
}

// Compile compiles one expression of the document, reporting its problems
// at path (with the offset inside the expression) and noting the calendars
// it names; nil when it does not compile.
func (c *Check) Compile(vars *lang.Vars, src string, want lang.Want, path string) *lang.Program {
	prog, err := vars.Compile(src, want)
	if err != nil {
		me := morph.AsError(err)
		if me == nil || len(me.Fields) == 0 {
			c.Add(path, "expression", morph.T("The expression cannot be used: %s", "表达式无法使用：%s", err.Error()))
			return nil
		}
		for _, fe := range me.Fields {
			fe.Path = path + fe.Path
			c.Errs = append(c.Errs, fe)
		}
		return nil
	}
	for _, cal := range prog.Calendars {
		c.Calendars = append(c.Calendars, schema.ExprCalendar{Path: path, CalendarRef: cal})
	}
	return prog
}

// CheckCalendars notes a problem (unknown_calendar, with the name's offset)
// at each expression naming a calendar that exists says does not exist.
func (c *Check) CheckCalendars(exists func(name string) bool) {
	for _, ref := range c.Calendars {
		if !exists(ref.Name) {
			c.Errs = append(c.Errs, morph.FieldError{Path: ref.Path, Code: "unknown_calendar", Offset: ref.Offset,
				Text: morph.T("There is no calendar %q (at %d)", "不存在日历 %q（位置 %d）", ref.Name, ref.Offset)})
		}
	}
}

// FieldErr is a problem at path that is not inside an expression.
func FieldErr(path, code string, t morph.Text) morph.FieldError {
	return morph.FieldError{Path: path, Code: code, Text: t, Offset: -1}
}

// TextOf reads a {"en", "zh-CN"} object; what is missing is "".
func TextOf(v any) morph.Text {
	m, _ := v.(map[string]any)
	en, _ := m["en"].(string)
	zh, _ := m["zh-CN"].(string)
	return morph.Text{EN: en, ZH: zh}
}

// EscapePointer escapes a key for a JSON pointer (RFC 6901).
func EscapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// Named returns doc with its "name" checked against the URL's name: absent
// (then set to it), or the same. When the document names another, doc is
// returned as it is with a problem at /name whose text is mismatch. A doc
// that is no JSON object is returned as it is, for the parser to say what
// is wrong.
func Named(name string, doc []byte, mismatch morph.Text) ([]byte, *morph.FieldError) {
	m, ok := DecodeObject(doc)
	if !ok {
		return doc, nil
	}
	switch n, has := m["name"]; {
	case !has:
		m["name"] = name
		return Encode(m, doc), nil
	case n != name:
		fe := FieldErr("/name", "name", mismatch)
		return doc, &fe
	}
	return doc, nil
}

// DecodeObject reads a JSON object; false when doc is not one.
func DecodeObject(doc []byte) (map[string]any, bool) {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// Encode writes m as JSON, or returns fallback when it cannot.
func Encode(m map[string]any, fallback []byte) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		return fallback
	}
	return b
}
