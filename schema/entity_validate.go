package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// ApplyDefaults sets the default of every absent field that has one. Each
// record gets its own copy of a list or object default.
func (e *Entity) ApplyDefaults(data map[string]any) {
	for _, f := range e.Fields {
		if f.Default == nil {
			continue
		}
		if _, ok := data[f.Name]; !ok {
			data[f.Name] = cloneValue(f.Default)
		}
	}
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepClone(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

// Normalize replaces each value in data by its canonical form, in place
// (trimmed text, lower-case e-mail, E.164 phone, UTC datetime …). Unknown
// fields, nulls and values of the wrong JSON type are left alone for
// Validate to report. A value that cannot be normalised (a phone number
// that is not one) is a field error keyed by its path ("/phone").
func (e *Entity) Normalize(data map[string]any) []morph.FieldError {
	var errs []morph.FieldError
	for k, v := range data {
		f := e.byName[k]
		if f == nil || v == nil {
			continue
		}
		nv, ferr := f.Type.Normalize(f, v)
		if ferr != nil {
			fe := *ferr
			fe.Path = "/" + escapePointer(k) + fe.Path
			if fe.Text.EN != "" {
				fe.Text = morph.Text{EN: f.Label.EN + ": " + fe.Text.EN, ZH: f.Label.ZH + "：" + fe.Text.ZH}
			}
			errs = append(errs, fe)
			continue
		}
		data[k] = nv
	}
	return errs
}

// Validate checks a record's fields against the entity: unknown fields,
// required ones (present, not null and, for text, not blank), and everything
// the JSON Schema says. data holds the user fields (owner only when the
// entity declares it); a null means "no value" and is accepted for an
// optional field. A value nested deeper than MaxValueDepth, or a number that
// is not finite, is refused whatever the field. data is not modified.
// Errors are keyed by JSON pointer into data ("/phone", "/amount/currency"),
// at most one per path.
func (e *Entity) Validate(data map[string]any) []morph.FieldError {
	var errs []morph.FieldError
	var skip map[string]bool // values the JSON Schema does not see: nulls, and those no record may hold
	for k, v := range data {
		var fe *morph.FieldError
		if f := e.byName[k]; f == nil {
			errs = append(errs, morph.FieldError{Path: "/" + escapePointer(k), Code: "unknown_field", Offset: -1,
				Text: morph.Text{EN: fmt.Sprintf("%s has no field %q", e.Label.EN, k), ZH: fmt.Sprintf("%s没有字段 %q", e.Label.ZH, k)}})
		} else if fe = checkValue(v, "/"+escapePointer(k), f.Label, f.Kind() == lang.KindObject); fe != nil {
			errs = append(errs, *fe)
		}
		if v == nil || fe != nil {
			if skip == nil {
				skip = map[string]bool{}
			}
			skip[k] = true
		}
	}
	for _, f := range e.required {
		v, ok := data[f.Name]
		if s, isStr := v.(string); !ok || v == nil || (isStr && strings.TrimSpace(s) == "") {
			errs = append(errs, morph.FieldError{Path: "/" + f.Name, Code: "required", Offset: -1,
				Text: morph.Text{EN: f.Label.EN + " is required", ZH: f.Label.ZH + "为必填项"}})
		}
	}
	if skip != nil {
		clean := make(map[string]any, len(data))
		for k, v := range data {
			if !skip[k] {
				clean[k] = v
			}
		}
		data = clean
	}
	err := e.validator.Validate(data)
	if err == nil {
		return errs
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		// Values of Go types of their own ([]string, a named map type …) are
		// validated in their JSON form.
		var plain map[string]any
		if b, jerr := json.Marshal(data); jerr == nil && json.Unmarshal(b, &plain) == nil {
			data = plain
			if err = e.validator.Validate(data); err == nil {
				return errs
			}
		}
		if !errors.As(err, &ve) {
			return append(errs, morph.FieldError{Path: "", Code: "invalid", Offset: -1,
				Text: morph.T("The record holds values that are not JSON", "记录中有不是 JSON 的值")})
		}
	}
	seen := make(map[string]bool, len(errs)+4)
	for _, fe := range errs {
		seen[fe.Path] = true
	}
	for _, leaf := range Leaves(ve) {
		for _, fe := range e.fieldErrors(leaf, data) {
			if !seen[fe.Path] {
				seen[fe.Path] = true
				errs = append(errs, fe)
			}
		}
	}
	return errs
}

// fieldErrors turns a JSON Schema failure into field errors with messages
// of our own, in both languages. A missing property or one that is not
// allowed is reported at its own path ("/amount/amount").
func (e *Entity) fieldErrors(ve *jsonschema.ValidationError, data map[string]any) []morph.FieldError {
	path := ve.InstanceLocation
	kw := ve.KeywordLocation
	if i := strings.LastIndexByte(kw, '/'); i >= 0 {
		kw = kw[i+1:]
	}
	// The value of the failing keyword, read from the definition through the
	// keyword's absolute location (which follows any $ref).
	var kwValue any
	found := false
	if _, frag, ok := strings.Cut(ve.AbsoluteKeywordLocation, "#"); ok {
		kwValue, found = pointerGet(e.Doc, frag)
	}
	if !found && kw != "required" && kw != "additionalProperties" && kw != "uniqueItems" && kw != "pattern" {
		// A keyword of a subschema with an $id of its own: no value to quote.
		l := e.labelAt(path)
		return []morph.FieldError{{Path: path, Code: "invalid", Offset: -1,
			Text: morph.Text{EN: fmt.Sprintf("%s does not meet the rule %q", l.EN, kw), ZH: fmt.Sprintf("%s不符合规则 %q", l.ZH, kw)}}}
	}
	switch kw {
	case "required":
		if ve.KeywordLocation == "/required" {
			return nil // reported by Validate, with each field's own path
		}
		obj, _ := pointerGet(data, path)
		m, _ := obj.(map[string]any)
		names, _ := kwValue.([]any)
		var out []morph.FieldError
		for _, n := range names {
			if s, ok := n.(string); ok && m != nil {
				if _, present := m[s]; !present {
					p := path + "/" + escapePointer(s)
					l := e.labelAt(p)
					out = append(out, morph.FieldError{Path: p, Code: "required", Offset: -1,
						Text: morph.Text{EN: l.EN + " is required", ZH: l.ZH + "为必填项"}})
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	case "additionalProperties":
		obj, _ := pointerGet(data, path)
		m, _ := obj.(map[string]any)
		_, frag, _ := strings.Cut(ve.AbsoluteKeywordLocation, "#")
		parent, _ := pointerGet(e.Doc, strings.TrimSuffix(frag, "/additionalProperties"))
		sch, _ := parent.(map[string]any)
		props, _ := sch["properties"].(map[string]any)
		if _, patterns := sch["patternProperties"]; m != nil && !patterns {
			var out []morph.FieldError
			for k := range m {
				if _, ok := props[k]; !ok {
					l := e.labelAt(path)
					out = append(out, morph.FieldError{Path: path + "/" + escapePointer(k), Code: "unknown_field", Offset: -1,
						Text: morph.Text{EN: fmt.Sprintf("%s has no part %q", l.EN, k), ZH: fmt.Sprintf("%s没有 %q 这一项", l.ZH, k)}})
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	return []morph.FieldError{e.fieldError(path, kw, kwValue)}
}

// fieldError is the field error of one failing keyword at path.
func (e *Entity) fieldError(path, kw string, kwValue any) morph.FieldError {
	fe := morph.FieldError{Path: path, Code: kw, Offset: -1}
	l := e.labelAt(path)
	v := fmt.Sprint(kwValue)
	switch kw {
	case "type":
		want := jsonTypeNames[typeName(kwValue)]
		if f := e.fieldAt(path); f != nil && path == "/"+f.Name && f.Type.Name() == "currency" {
			want = morph.T(`an amount such as {"amount": 100, "currency": "CNY"}`, `金额，例如 {"amount": 100, "currency": "CNY"}`)
		}
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be %s", l.EN, want.EN), ZH: fmt.Sprintf("%s必须是%s", l.ZH, want.ZH)}
	case "enum", "const":
		fe.Code = "enum"
		en, zh := e.optionList(path, kwValue)
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be one of: %s", l.EN, en), ZH: fmt.Sprintf("%s必须是以下之一：%s", l.ZH, zh)}
	case "maxLength":
		fe.Code = "max_length"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s may have at most %s characters", l.EN, v), ZH: fmt.Sprintf("%s最多 %s 个字符", l.ZH, v)}
	case "minLength":
		fe.Code = "min_length"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s needs at least %s characters", l.EN, v), ZH: fmt.Sprintf("%s至少需要 %s 个字符", l.ZH, v)}
	case "minimum":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be at least %s", l.EN, v), ZH: fmt.Sprintf("%s不能小于 %s", l.ZH, v)}
	case "exclusiveMinimum":
		fe.Code = "minimum"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be more than %s", l.EN, v), ZH: fmt.Sprintf("%s必须大于 %s", l.ZH, v)}
	case "maximum":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be at most %s", l.EN, v), ZH: fmt.Sprintf("%s不能大于 %s", l.ZH, v)}
	case "exclusiveMaximum":
		fe.Code = "maximum"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be less than %s", l.EN, v), ZH: fmt.Sprintf("%s必须小于 %s", l.ZH, v)}
	case "multipleOf":
		fe.Code = "multiple_of"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be a multiple of %s", l.EN, v), ZH: fmt.Sprintf("%s必须是 %s 的整数倍", l.ZH, v)}
	case "format":
		name := formatNames[v]
		if name.EN == "" {
			name = morph.Text{EN: v, ZH: v}
		}
		fe.Text = morph.Text{EN: fmt.Sprintf("%s is not a valid %s", l.EN, name.EN), ZH: fmt.Sprintf("%s不是有效的%s", l.ZH, name.ZH)}
	case "pattern":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s does not have the expected form", l.EN), ZH: fmt.Sprintf("%s的格式不正确", l.ZH)}
	case "maxItems":
		fe.Code = "max_items"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s may have at most %s items", l.EN, v), ZH: fmt.Sprintf("%s最多 %s 项", l.ZH, v)}
	case "minItems":
		fe.Code = "min_items"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s needs at least %s items", l.EN, v), ZH: fmt.Sprintf("%s至少需要 %s 项", l.ZH, v)}
	case "uniqueItems":
		fe.Code = "unique_items"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s lists an item twice", l.EN), ZH: fmt.Sprintf("%s中有重复的项", l.ZH)}
	case "required":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s lacks a required part", l.EN), ZH: fmt.Sprintf("%s缺少必需的部分", l.ZH)}
	case "additionalProperties", "unevaluatedProperties":
		fe.Code = "unknown_field"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s has a part it does not allow", l.EN), ZH: fmt.Sprintf("%s包含不允许的部分", l.ZH)}
	default:
		fe.Code = "invalid"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s is not valid (%s)", l.EN, kw), ZH: fmt.Sprintf("%s无效（%s）", l.ZH, kw)}
	}
	return fe
}

var jsonTypeNames = map[string]morph.Text{
	"string":  {EN: "text", ZH: "文本"},
	"number":  {EN: "a number", ZH: "数字"},
	"integer": {EN: "a whole number", ZH: "整数"},
	"boolean": {EN: "true or false", ZH: "是或否（true/false）"},
	"array":   {EN: "a list", ZH: "列表"},
	"object":  {EN: "an object", ZH: "对象"},
	"null":    {EN: "empty", ZH: "空值"},
	"":        {EN: "a value of another type", ZH: "其他类型的值"},
}

var formatNames = map[string]morph.Text{
	"email":     {EN: "e-mail address", ZH: "邮箱地址"},
	"date":      {EN: "date (2006-01-02)", ZH: "日期（格式 2006-01-02）"},
	"date-time": {EN: "date and time (RFC 3339)", ZH: "日期时间（RFC 3339 格式）"},
	"time":      {EN: "time of day", ZH: "时间"},
	"uri":       {EN: "web address (URI)", ZH: "网址（URI）"},
	"ipv4":      {EN: "IPv4 address", ZH: "IPv4 地址"},
	"ipv6":      {EN: "IPv6 address", ZH: "IPv6 地址"},
	"uuid":      {EN: "UUID", ZH: "UUID"},
}

// typeName is the JSON type a "type" keyword asks for (the one besides
// "null" of a list).
func typeName(v any) string {
	t, _ := jsonTypeOf(map[string]any{"type": v})
	return t
}

// fieldAt is the field a data path is in ("/amount/currency" → amount).
func (e *Entity) fieldAt(path string) *Field {
	head, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return e.byName[head]
}

// labelAt names the value at a data path for messages: the field's label,
// with the part inside it ("Amount › currency", "Tags › item 2").
func (e *Entity) labelAt(path string) morph.Text {
	f := e.fieldAt(path)
	if f == nil {
		return morph.Text{EN: "This value", ZH: "该值"}
	}
	l := f.Label
	rest := strings.TrimPrefix(strings.TrimPrefix(path, "/"+f.Name), "/")
	for rest != "" {
		var seg string
		seg, rest, _ = strings.Cut(rest, "/")
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if i, err := strconv.Atoi(seg); err == nil {
			l.EN += fmt.Sprintf(" › item %d", i+1)
			l.ZH += fmt.Sprintf(" › 第 %d 项", i+1)
		} else {
			l.EN += " › " + seg
			l.ZH += " › " + seg
		}
	}
	return l
}

// optionList lists the allowed values of an enum, by their labels when the
// field has them.
func (e *Entity) optionList(path string, kwValue any) (en, zh string) {
	list, ok := kwValue.([]any)
	if !ok {
		list = []any{kwValue}
	}
	f := e.fieldAt(path)
	var bEN, bZH strings.Builder
	for _, v := range list {
		if v == nil {
			continue
		}
		if bEN.Len() > 0 {
			bEN.WriteString(", ")
			bZH.WriteString("、")
		}
		s, isStr := v.(string)
		if !isStr {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		if f != nil && isStr {
			if l, ok := f.Options[s]; ok {
				bEN.WriteString(l.EN)
				bZH.WriteString(l.ZH)
				continue
			}
		}
		bEN.WriteString(s)
		bZH.WriteString(s)
	}
	return bEN.String(), bZH.String()
}

// pointerGet returns the value at a JSON pointer (RFC 6901) inside v.
func pointerGet(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	for _, seg := range strings.Split(ptr[1:], "/") {
		if strings.IndexByte(seg, '~') >= 0 {
			seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		}
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
