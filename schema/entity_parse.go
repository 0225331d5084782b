package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/morphcrm/morph/schema/mask"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of a definition.
const (
	MaxDefinitionSize = 256 << 10
	MaxFields         = 500
)

var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	fieldRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	iconRE  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
)

// reservedWords cannot name a field: expressions could not refer to it. They
// are the keywords of the expression language and the names its environment
// gives to other things (the current user, the previous values, the clock).
var reservedWords = map[string]bool{
	"and": true, "or": true, "not": true, "in": true, "matches": true, "contains": true,
	"let": true, "if": true, "else": true, "true": true, "false": true, "nil": true,
	"user": true, "old": true, "now": true, "today": true,
}

// jsonError reports a definition that is not JSON, with the byte offset of
// the problem when it is known (-1 otherwise).
func jsonError(err error) *morph.Error {
	fe := settingError("", "json", morph.T("The definition is not valid JSON: %s", "定义不是有效的 JSON：%s", err.Error()))
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 {
		fe.Offset = int(se.Offset) - 1 // the offending byte, 0-based
	}
	return &morph.Error{Code: morph.EInvalidJSON, Text: fe.Text, Fields: []morph.FieldError{fe}}
}

// Parse compiles an entity definition document (JSON). A definition that is
// wrong returns a *morph.Error with code EInvalid (EInvalidJSON when it is not
// JSON) whose Fields name every problem at once, keyed by JSON pointer into
// the document ("/properties/tier/enum").
func Parse(doc []byte) (*Entity, error) { return parse(doc, true) }

// ParseStored compiles a definition that was checked when it was saved,
// perhaps by an earlier version with wider limits: it is parsed as Parse
// does, without the limits on how many schemas a definition holds and how
// deeply they nest, nor the check of its references (checkSchemaLimits), so
// that a store written before those limits still opens.
func ParseStored(doc []byte) (*Entity, error) { return parse(doc, false) }

func parse(doc []byte, limits bool) (*Entity, error) {
	if err := checkDefinitionText(doc); err != nil {
		return nil, err
	}
	var raw any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, jsonError(err)
	}
	root, ok := raw.(map[string]any)
	if !ok {
		return nil, morph.Invalid(settingError("", "type", morph.T("A definition must be a JSON object", "定义必须是 JSON 对象")))
	}
	if limits {
		if err := checkSchemaLimits(root); err != nil {
			return nil, err
		}
	}
	order, err := propertyOrder(doc)
	if err != nil {
		return nil, jsonError(err)
	}

	var errs []morph.FieldError
	add := func(path, code string, t morph.Text) { errs = append(errs, settingError(path, code, t)) }

	e := &Entity{Doc: root, byName: map[string]*Field{}}
	e.Name, _ = root["$id"].(string)
	switch {
	case root["$id"] == nil:
		add("/$id", "required", morph.T("$id, the entity name, is required", "必须提供 $id（实体名称）"))
	case !nameRE.MatchString(e.Name):
		add("/$id", "name", morph.T("$id must start with a lower-case letter and use only a-z, 0-9 and _ (at most 40)", "$id 必须以小写字母开头，只含 a-z、0-9 和 _（最多 40 个字符）"))
	}
	if root["type"] != "object" {
		add("/type", "type", morph.T(`An entity must have "type": "object"`, `实体必须是 "type": "object"`))
	}
	e.Label = labelOf(root, e.Name, "", &errs)
	if icon, ok := root["x-icon"]; ok {
		if e.Icon, _ = icon.(string); !iconRE.MatchString(e.Icon) {
			add("/x-icon", "icon", morph.T("x-icon must be an icon's name: a-z, 0-9 and -, such as user or shopping-cart",
				"x-icon 必须是图标名称：a-z、0-9 和 -，例如 user 或 shopping-cart"))
		}
	}

	props, ok := root["properties"].(map[string]any)
	if !ok && root["properties"] != nil {
		add("/properties", "type", morph.T("properties must be an object", "properties 必须是对象"))
	}
	if len(props) > MaxFields {
		return nil, morph.Invalid(settingError("/properties", "too_many", morph.T("An entity may have at most %d fields", "实体最多 %d 个字段", MaxFields)))
	}
	for _, name := range order {
		pm, ok := props[name].(map[string]any)
		path := "/properties/" + escapePointer(name)
		if !ok {
			add(path, "type", morph.T("A field must be a JSON Schema object", "字段必须是 JSON Schema 对象"))
			continue
		}
		if !fieldRE.MatchString(name) {
			add(path, "name", morph.T("Field name %q must start with a lower-case letter and use only a-z, 0-9 and _ (at most 63)", "字段名 %q 必须以小写字母开头，只含 a-z、0-9 和 _（最多 63 个字符）", name))
			continue
		}
		if reservedWords[name] {
			add(path, "reserved", morph.T("%q is a word of the expression language; choose another field name", "%q 是表达式语言的保留字，请换一个字段名", name))
			continue
		}
		f, ferrs := parseField(name, pm)
		for _, fe := range ferrs {
			fe.Path = path + fe.Path
			errs = append(errs, fe)
		}
		if f == nil {
			continue
		}
		switch {
		case name == "owner" && f.Type.Name() != "user":
			add(path+"/x-type", "reserved", morph.T(`owner is the record's owner, a system field: it may be declared only with "x-type": "user"`, `owner 是记录的负责人（系统字段），只能声明为 "x-type": "user"`))
			continue
		case name != "owner" && slices.Contains(SystemFields, name):
			add(path, "reserved", morph.T("%s is a system field every record has; choose another name", "%s 是每条记录都有的系统字段，请换一个名称", name))
			continue
		}
		e.Fields = append(e.Fields, f)
		e.byName[name] = f
	}
	if req, ok := root["required"].([]any); ok {
		for i, r := range req {
			name, _ := r.(string)
			f := e.byName[name]
			if f == nil {
				if _, declared := props[name]; !declared {
					add("/required/"+strconv.Itoa(i), "unknown_field", morph.T("Required field %q is not among the properties", "必填字段 %q 不在 properties 中", name))
				}
				continue
			}
			if !f.Required {
				f.Required = true
				e.required = append(e.required, f)
			}
		}
	}
	if tf, ok := root["x-title-field"]; ok {
		name, _ := tf.(string)
		if e.byName[name] == nil {
			add("/x-title-field", "unknown_field", morph.T("x-title-field must name a field of the entity", "x-title-field 必须是该实体的字段"))
		}
		e.TitleField = name
	} else {
		for _, f := range e.Fields {
			if f.Type.Name() == "text" {
				e.TitleField = f.Name
				break
			}
		}
	}

	errs = append(errs, e.checkIndexes(root["x-indexes"])...)
	errs = append(errs, e.compileExprs(root)...)

	// The meta-schema: the document must be a valid JSON Schema. The
	// validator is compiled from the document with x-type filled in.
	out := encodeDoc(root, order)
	validator, serrs := compileValidator(out)
	errs = append(errs, serrs...)
	if validator != nil && len(errs) == 0 {
		e.validator = validator
		errs = e.checkDefaults()
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
		return nil, &morph.Error{Code: morph.EInvalid, Fields: errs,
			Text: morph.T("The definition has %d problem(s)", "定义有 %d 处问题", len(errs))}
	}
	e.json = out
	return e, nil
}

// checkDefaults reports default values that a record could not hold: each
// is normalised and validated as a record created with it would be.
func (e *Entity) checkDefaults() []morph.FieldError {
	rec := map[string]any{}
	for _, f := range e.Fields {
		if f.Default != nil {
			rec[f.Name] = cloneValue(f.Default)
		}
	}
	if len(rec) == 0 {
		return nil
	}
	problems := e.Normalize(rec)
	if len(problems) == 0 {
		problems = e.Validate(rec)
	}
	var errs []morph.FieldError
	for _, fe := range problems {
		name, rest, _ := strings.Cut(strings.TrimPrefix(fe.Path, "/"), "/")
		if _, has := rec[name]; !has {
			continue // a required field without a default
		}
		if rest != "" {
			rest = "/" + rest
		}
		errs = append(errs, settingError("/properties/"+name+"/default"+rest, "default",
			morph.Text{EN: "The default value does not fit the field: " + fe.Text.EN, ZH: "默认值不符合字段要求：" + fe.Text.ZH}))
	}
	return errs
}

func parseField(name string, pm map[string]any) (*Field, []morph.FieldError) {
	var errs []morph.FieldError
	tname, _ := pm["x-type"].(string)
	if _, has := pm["x-type"]; !has {
		tname = infer(name, pm)
		pm["x-type"] = tname
	}
	t := types[tname]
	if t == nil {
		return nil, []morph.FieldError{settingError("/x-type", "unknown_type",
			morph.T("Unknown field type %q; known types: %s", "未知的字段类型 %q；可用类型：%s", tname, strings.Join(Types(), ", ")))}
	}
	f := &Field{Name: name, Type: t, Prop: pm, Default: pm["default"]}
	f.Label = labelOf(pm, name, "", &errs)
	for _, k := range []string{"x-unique", "x-indexed", "x-many", "x-personal"} {
		if v, ok := pm[k]; ok {
			if _, isBool := v.(bool); !isBool {
				errs = append(errs, settingError("/"+k, "type", morph.T("%s must be true or false", "%s 必须是 true 或 false", k)))
			}
		}
	}
	f.Unique = pm["x-unique"] == true
	f.Personal = pm["x-personal"] == true
	f.Indexed = pm["x-indexed"] == true || t.IndexedByDefault()
	f.Ref, _ = pm["x-ref"].(string)
	if pm["x-many"] == true {
		if t.Name() == "relation" {
			f.Many = true
		} else {
			errs = append(errs, settingError("/x-many", "many", morph.T("x-many applies to relation fields only", "x-many 只适用于关联字段")))
		}
	}
	completeType(t, f)
	if f.Unique && (f.Many || t.Name() == "currency" || (t.Kind() != lang.KindString && t.Kind() != lang.KindNumber && t.Kind() != lang.KindDate)) {
		errs = append(errs, settingError("/x-unique", "unique", morph.T("A %s field cannot be unique", "%s 字段不能设为唯一", t.Name())))
	}
	switch t.Name() {
	case "select":
		f.Enum = stringList(pm["enum"])
	case "multiselect":
		items, _ := pm["items"].(map[string]any)
		f.Enum = stringList(items["enum"])
	}
	errs = append(errs, t.Check(f)...)
	f.Mask, errs = parseMask(f, pm, errs)
	if opts, ok := pm["x-options"]; ok {
		f.Options, errs = parseOptions(f, opts, errs)
	}
	if cols, ok := pm["x-colors"]; ok {
		f.Colors, errs = parseColors(f, cols, errs)
	}
	return f, errs
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// parseColors reads x-colors: the colours of a select's values, shown on
// tags and kanban columns.
func parseColors(f *Field, cols any, errs []morph.FieldError) (map[string]string, []morph.FieldError) {
	m, ok := cols.(map[string]any)
	if !ok || f.Enum == nil {
		return nil, append(errs, settingError("/x-colors", "type", morph.T(
			`x-colors must map options of a select field to colours, such as {"vip": "#c62828"}`,
			`x-colors 必须为单选或多选字段的选项给出颜色，例如 {"vip": "#c62828"}`)))
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		path := "/x-colors/" + escapePointer(k)
		if !slices.Contains(f.Enum, k) {
			errs = append(errs, settingError(path, "unknown_option", morph.T("%q is not one of the field's options", "%q 不是该字段的选项", k)))
			continue
		}
		c, _ := v.(string)
		if !colorRE.MatchString(c) {
			errs = append(errs, settingError(path, "color", morph.T(`A colour is written #rrggbb, such as "#c62828"`, `颜色写作 #rrggbb，例如 "#c62828"`)))
			continue
		}
		out[k] = c
	}
	return out, errs
}

// parseOptions reads x-options: the labels of a select's values.
func parseOptions(f *Field, opts any, errs []morph.FieldError) (map[string]morph.Text, []morph.FieldError) {
	m, ok := opts.(map[string]any)
	if !ok || f.Enum == nil {
		return nil, append(errs, settingError("/x-options", "type", morph.T(
			`x-options must map each option of a select field to its labels, such as {"vip": {"en": "VIP", "zh-CN": "贵宾"}}`,
			`x-options 必须为单选或多选字段的每个选项给出标签，例如 {"vip": {"en": "VIP", "zh-CN": "贵宾"}}`)))
	}
	out := make(map[string]morph.Text, len(m))
	enum := make(map[string]bool, len(f.Enum))
	for _, v := range f.Enum {
		enum[v] = true
	}
	for k, v := range m {
		path := "/x-options/" + escapePointer(k)
		if !enum[k] {
			errs = append(errs, settingError(path, "unknown_option", morph.T("%q is not one of the field's options", "%q 不是该字段的选项", k)))
			continue
		}
		lm, ok := v.(map[string]any)
		if !ok {
			errs = append(errs, settingError(path, "type", morph.T(`An option's labels must be an object such as {"en": "VIP", "zh-CN": "贵宾"}`, `选项标签必须是对象，例如 {"en": "VIP", "zh-CN": "贵宾"}`)))
			continue
		}
		var t morph.Text
		readLabels(&t, lm, path, &errs)
		out[k] = fillLabel(t, k)
	}
	return out, errs
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// labelOf reads x-label (and title as the English fallback); name is the
// label of last resort.
func labelOf(m map[string]any, name, path string, errs *[]morph.FieldError) morph.Text {
	var t morph.Text
	if title, ok := m["title"].(string); ok {
		t.EN = title
	}
	if xl, ok := m["x-label"]; ok {
		lm, ok := xl.(map[string]any)
		if !ok {
			*errs = append(*errs, settingError(path+"/x-label", "type", morph.T(`x-label must be an object such as {"en": "Name", "zh-CN": "名称"}`, `x-label 必须是对象，例如 {"en": "Name", "zh-CN": "名称"}`)))
		}
		readLabels(&t, lm, path+"/x-label", errs)
	}
	return fillLabel(t, name)
}

// readLabels reads an {"en": …, "zh-CN": …} object into t.
func readLabels(t *morph.Text, lm map[string]any, path string, errs *[]morph.FieldError) {
	for k, v := range lm {
		s, ok := v.(string)
		if !ok {
			*errs = append(*errs, settingError(path+"/"+escapePointer(k), "type", morph.T("A label must be text", "标签必须是文本")))
			continue
		}
		switch k {
		case "en":
			t.EN = s
		case "zh-CN", "zh":
			t.ZH = s
		}
	}
}

// fillLabel completes a label: English falls back to name, Chinese to English.
func fillLabel(t morph.Text, name string) morph.Text {
	if t.EN == "" {
		t.EN = name
	}
	if t.ZH == "" {
		t.ZH = t.EN
	}
	return t
}

// propertyOrder returns the keys of the top-level "properties" object in
// the order of the JSON text.
func propertyOrder(doc []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if key != "properties" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if d, ok := t.(json.Delim); !ok || d != '{' {
			return nil, nil // not an object: reported by the checks
		}
		var order []string
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			if !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
		}
		return order, nil
	}
	return nil, nil
}

// encodeDoc writes the definition as JSON with "properties" in their order.
func encodeDoc(root map[string]any, order []string) []byte {
	keys := make([]string, 0, len(root))
	for k := range root {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keyRank(keys[i]) < keyRank(keys[j]) || keyRank(keys[i]) == keyRank(keys[j]) && keys[i] < keys[j]
	})
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		if props, ok := root[k].(map[string]any); ok && k == "properties" {
			b.WriteByte('{')
			for j, name := range order {
				if j > 0 {
					b.WriteByte(',')
				}
				nb, _ := json.Marshal(name)
				vb, _ := json.Marshal(props[name])
				b.Write(nb)
				b.WriteByte(':')
				b.Write(vb)
			}
			b.WriteByte('}')
			continue
		}
		vb, _ := json.Marshal(root[k])
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// keyRank puts the identifying keys of a definition first, for readers.
func keyRank(k string) int {
	switch k {
	case "$schema":
		return 0
	case "$id":
		return 1
	case "title":
		return 2
	case "x-label":
		return 3
	case "type":
		return 4
	case "properties":
		return 5
	case "required":
		return 6
	}
	return 7
}

// compileValidator compiles the record validator, reporting where the
// document breaks the JSON Schema meta-schema.
func compileValidator(doc []byte) (*jsonschema.Schema, []morph.FieldError) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("definitions may not refer to outside documents (%s)", s)
	}
	const url = "morph:///entity.json"
	if err := c.AddResource(url, bytes.NewReader(doc)); err != nil {
		return nil, []morph.FieldError{settingError("", "schema", morph.T("Not a JSON Schema: %s", "不是有效的 JSON Schema：%s", err.Error()))}
	}
	s, err := c.Compile(url)
	if err == nil {
		return s, nil
	}
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		var out []morph.FieldError
		for _, leaf := range Leaves(ve) {
			out = append(out, settingError(leaf.InstanceLocation, "schema",
				morph.T("Not valid JSON Schema: %s", "不符合 JSON Schema 规范：%s", leaf.Message)))
		}
		return nil, dedupePaths(out)
	}
	path := ""
	var loop jsonschema.InfiniteLoopError
	if errors.As(err, &loop) {
		if _, frag, ok := strings.Cut(string(loop), "#"); ok {
			path = frag
		}
	}
	return nil, []morph.FieldError{settingError(path, "schema", morph.T("Not a usable JSON Schema: %s", "无法使用的 JSON Schema：%s", err.Error()))}
}

// Leaves returns the innermost causes of a validation error: one problem
// each, with its own place in the document.
func Leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, Leaves(c)...)
	}
	return out
}

func dedupePaths(errs []morph.FieldError) []morph.FieldError {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if !seen[e.Path] {
			seen[e.Path] = true
			out = append(out, e)
		}
	}
	return out
}

// JSON returns the definition as stored: the document as given, with x-type
// filled in where it was inferred and the properties in their order.
func (e *Entity) JSON() []byte { return e.json }

// CheckRefs reports relation fields whose target entity does not exist.
func (e *Entity) CheckRefs(exists func(entity string) bool) []morph.FieldError {
	var errs []morph.FieldError
	for _, f := range e.Fields {
		if f.Type.Name() == "relation" && f.Ref != "" && !exists(f.Ref) {
			errs = append(errs, settingError("/properties/"+f.Name+"/x-ref", "unknown_entity",
				morph.T("There is no entity %q to refer to", "不存在可关联的实体 %q", f.Ref)))
		}
	}
	return errs
}

// escapePointer escapes a key for use in a JSON pointer (RFC 6901).
func escapePointer(k string) string {
	if strings.ContainsAny(k, "~/") {
		k = strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
	}
	return k
}

// parseMask reads x-mask, the mask of the field's values for users who
// may see them masked: a built-in mask's name (phone, email, chinese-id,
// text) or a pattern (mask.Pattern). Without it the field's type decides.
func parseMask(f *Field, pm map[string]any, errs []morph.FieldError) (mask.Masker, []morph.FieldError) {
	v, ok := pm["x-mask"]
	if !ok {
		switch f.Type.Name() {
		case "phone":
			return mask.Phone, errs
		case "email":
			return mask.Email, errs
		}
		return mask.Text, errs
	}
	s, isString := v.(string)
	if !isString || len(s) > 64 {
		return mask.Text, append(errs, settingError("/x-mask", "type", morph.T(
			`x-mask must be a mask's name (phone, email, chinese-id, text) or a pattern such as "keep:3,4" or "###****####"`,
			`x-mask 必须是掩码名称（phone、email、chinese-id、text）或模式，例如 "keep:3,4" 或 "###****####"`)))
	}
	m, err := mask.Pattern(s)
	if err != nil {
		me := morph.AsError(err)
		t := morph.T("x-mask is not a mask: %s", "x-mask 不是有效的掩码：%s", err.Error())
		if me != nil {
			t = me.Text
		}
		return mask.Text, append(errs, settingError("/x-mask", "mask", t))
	}
	return m, errs
}
