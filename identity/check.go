package identity

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

// docSchema is the JSON Schema (draft 2020-12) of one kind of identity
// document, with the words that explain each property's rules.
type docSchema struct {
	kind      morph.Text // "user", "team" in both languages
	validator *jsonschema.Schema
	keys      string // the keys a document may have, for the unknown-key message
	// rules explain, per top-level property, what a valid value is; they
	// are the message of every shape problem of that property.
	rules map[string]morph.Text
}

func compileSchema(id, doc string) *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(id, strings.NewReader(doc)); err != nil {
		panic(err)
	}
	return c.MustCompile(id)
}

// check validates a decoded document against the schema and returns every
// problem, one per JSON pointer: a missing property at its own pointer
// ("/email"), an unknown key at the key's pointer, a bad list element at
// the element's ("/roles/1").
func (d *docSchema) check(doc map[string]any) []morph.FieldError {
	err := d.validator.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []morph.FieldError
	for _, leaf := range schema.Leaves(ve) {
		kw := leaf.KeywordLocation[strings.LastIndex(leaf.KeywordLocation, "/")+1:]
		path := leaf.InstanceLocation
		switch {
		case kw == "required":
			for _, name := range quoted.FindAllStringSubmatch(leaf.Message, -1) {
				out = append(out, fieldError("/"+name[1], "required", morph.T("%s is required", "必须填写 %s", name[1])))
			}
			continue
		case strings.Contains(leaf.KeywordLocation, "/propertyNames"):
			out = append(out, fieldError(path, "unknown_key", morph.Text{
				EN: fmt.Sprintf("Unknown key; a %s has only %s", d.kind.EN, d.keys),
				ZH: fmt.Sprintf("未知的键；%s只有 %s", d.kind.ZH, d.keys)}))
			continue
		}
		prop := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
		t, ok := d.rules[prop]
		if !ok {
			t = morph.T("Not valid: %s", "无效：%s", leaf.Message)
		}
		out = append(out, fieldError(path, shapeCodes[kw], t))
	}
	return sortErrors(out)
}

var quoted = regexp.MustCompile(`'([^']*)'`)

var shapeCodes = map[string]string{
	"type": "type", "enum": "enum", "pattern": "format", "format": "format", "minLength": "required",
	"maxLength": "too_long", "maxItems": "too_many", "uniqueItems": "duplicate", "const": "enum",
}

// sortErrors orders problems by path and keeps the first of each path.
func sortErrors(errs []morph.FieldError) []morph.FieldError {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	out := errs[:0]
	for i, e := range errs {
		if i == 0 || e.Path != errs[i-1].Path {
			out = append(out, e)
		}
	}
	return out
}

func fieldError(path, code string, t morph.Text) morph.FieldError {
	return morph.FieldError{Path: path, Code: code, Text: t, Offset: -1}
}

// invalid is the answer to a document with problems.
func invalid(kind morph.Text, errs []morph.FieldError) error {
	return &morph.Error{Code: morph.EInvalid, Fields: sortErrors(errs),
		Text: morph.Text{EN: fmt.Sprintf("The %s has %d problem(s)", kind.EN, len(errs)), ZH: fmt.Sprintf("%s有 %d 处问题", kind.ZH, len(errs))}}
}
