package schema

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
)

// ApplyDefaults sets the default of every absent field that has one.
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
		return append([]any(nil), x...)
	}
	return v
}

// Normalize replaces each value in data by its canonical form, in place.
// Unknown fields and nulls are left alone (Validate reports the former).
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
			fe.Path = "/" + k + fe.Path
			errs = append(errs, fe)
			continue
		}
		data[k] = nv
	}
	return errs
}

// Validate checks a record's fields against the entity: unknown fields,
// required ones, and everything the JSON Schema says. data holds the user
// fields (owner only when the entity declares it); nulls mean "no value".
// Errors are keyed by JSON pointer into data ("/phone").
func (e *Entity) Validate(data map[string]any) []morph.FieldError {
	var errs []morph.FieldError
	hasNull := false
	for k, v := range data {
		if e.byName[k] == nil {
			errs = append(errs, morph.FieldError{Path: "/" + k, Code: "unknown_field", Offset: -1,
				Text: morph.T("%s has no field %q", "%s 没有字段 %q", e.Name, k)})
		}
		hasNull = hasNull || v == nil
	}
	for _, f := range e.required {
		v, ok := data[f.Name]
		if s, isStr := v.(string); !ok || v == nil || (isStr && strings.TrimSpace(s) == "") {
			errs = append(errs, morph.FieldError{Path: "/" + f.Name, Code: "required", Offset: -1,
				Text: morph.Text{EN: f.Label.EN + " is required", ZH: f.Label.ZH + "为必填项"}})
		}
	}
	if hasNull {
		clean := make(map[string]any, len(data))
		for k, v := range data {
			if v != nil {
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
		return append(errs, morph.FieldError{Path: "", Code: "invalid", Offset: -1, Text: morph.T("The record is not valid", "记录无效")})
	}
	seen := map[string]bool{}
	for _, fe := range errs {
		seen[fe.Path] = true
	}
	for _, leaf := range leaves(ve) {
		fe := e.fieldError(leaf)
		if leaf.InstanceLocation == "" && fe.Code == "required" {
			continue // reported above, with the field's own path
		}
		if !seen[fe.Path] {
			seen[fe.Path] = true
			errs = append(errs, fe)
		}
	}
	return errs
}

// fieldError turns a JSON Schema failure into a field error with a message
// of our own, in both languages.
func (e *Entity) fieldError(ve *jsonschema.ValidationError) morph.FieldError {
	path := ve.InstanceLocation
	kw := ve.KeywordLocation
	if i := strings.LastIndexByte(kw, '/'); i >= 0 {
		kw = kw[i+1:]
	}
	fe := morph.FieldError{Path: path, Code: kw, Offset: -1}
	var f *Field
	var prop map[string]any
	if seg := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2); len(seg) > 0 {
		f = e.byName[seg[0]]
		if f != nil && len(seg) == 1 {
			prop = f.Prop
		}
	}
	label := morph.Text{EN: "This value", ZH: "该值"}
	if f != nil {
		label = f.Label
	}
	at := func(k string) string { return fmt.Sprint(prop[k]) }
	switch kw {
	case "type":
		want := "?"
		if f != nil {
			want = f.Type.Name()
		}
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be a value of type %s", label.EN, want), ZH: fmt.Sprintf("%s必须是%s类型的值", label.ZH, TypeLabel(want).ZH)}
	case "enum":
		opts := ""
		if f != nil {
			opts = strings.Join(f.Enum, ", ")
		}
		fe.Text = morph.Text{EN: fmt.Sprintf("%s must be one of: %s", label.EN, opts), ZH: fmt.Sprintf("%s必须是以下之一：%s", label.ZH, opts)}
	case "maxLength":
		fe.Code = "max_length"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s may have at most %s characters", label.EN, at("maxLength")), ZH: fmt.Sprintf("%s最多 %s 个字符", label.ZH, at("maxLength"))}
	case "minLength":
		fe.Code = "min_length"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s needs at least %s characters", label.EN, at("minLength")), ZH: fmt.Sprintf("%s至少 %s 个字符", label.ZH, at("minLength"))}
	case "minimum", "exclusiveMinimum":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s is too small (minimum %s)", label.EN, at(kw)), ZH: fmt.Sprintf("%s过小（最小值 %s）", label.ZH, at(kw))}
	case "maximum", "exclusiveMaximum":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s is too large (maximum %s)", label.EN, at(kw)), ZH: fmt.Sprintf("%s过大（最大值 %s）", label.ZH, at(kw))}
	case "format":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s is not a valid %s", label.EN, at("format")), ZH: fmt.Sprintf("%s不是有效的%s格式", label.ZH, at("format"))}
	case "pattern":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s does not have the expected form", label.EN), ZH: fmt.Sprintf("%s格式不正确", label.ZH)}
	case "maxItems", "minItems", "uniqueItems":
		fe.Code = map[string]string{"maxItems": "max_items", "minItems": "min_items", "uniqueItems": "unique_items"}[kw]
		fe.Text = morph.Text{EN: fmt.Sprintf("%s has the wrong number of items or repeats one", label.EN), ZH: fmt.Sprintf("%s的项目数量不符或有重复", label.ZH)}
	case "required":
		fe.Text = morph.Text{EN: fmt.Sprintf("%s lacks a required part", label.EN), ZH: fmt.Sprintf("%s缺少必需的部分", label.ZH)}
	case "additionalProperties":
		fe.Code = "unknown_field"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s has a part it does not allow", label.EN), ZH: fmt.Sprintf("%s包含不允许的部分", label.ZH)}
	default:
		fe.Code = "invalid"
		fe.Text = morph.Text{EN: fmt.Sprintf("%s is not valid (%s)", label.EN, kw), ZH: fmt.Sprintf("%s无效（%s）", label.ZH, kw)}
	}
	return fe
}
