package schema

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// MaxLayoutSize bounds a layout document.
const MaxLayoutSize = 256 << 10

// DefaultLayout is the id of an entity's form: the layout its records are
// created and edited with, whose rules the engine enforces on every write.
const DefaultLayout = "default"

// Layout is a compiled form layout: tabs of sections of rows of columns,
// each column a field or a piece of static text, with conditions in the
// filter language.
type Layout struct {
	ID    string
	Label morph.Text
	Tabs  []LayoutTab
	// Rules are the conditions that apply to each placed field, tab's and
	// section's included, by field name.
	Rules map[string]FieldRules
}

// LayoutTab is one tab of a layout.
type LayoutTab struct {
	ID          string
	Label       morph.Text
	VisibleWhen string
	Sections    []LayoutSection
}

// LayoutSection is one section of a tab.
type LayoutSection struct {
	ID          string
	Label       morph.Text
	VisibleWhen string
	Rows        [][]LayoutCol
}

// LayoutCol is one column of a row: a field or static text.
type LayoutCol struct {
	Span                                    int
	Field                                   string
	Text                                    morph.Text
	VisibleWhen, RequiredWhen, ReadOnlyWhen string
}

// FieldRules are the conditions of one placed field. The field is shown
// when every Visible condition holds (its tab's, its section's, its own);
// required when shown and Required holds; read-only when ReadOnly holds.
type FieldRules struct {
	Visible  []string
	Required string
	ReadOnly string
}

// LayoutSchema is the JSON Schema (draft 2020-12) of a layout document: its
// shape. ParseLayout checks the rest (fields that exist, conditions that
// compile, spans that fit a row).
func LayoutSchema() []byte { return []byte(layoutSchema) }

const layoutSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///layout.json",
  "title": "Morph form layout",
  "description": "How an entity's records are laid out in forms and on the record page: tabs of sections of rows of columns (24 to a row), each column a field or static text. Conditions are filter expressions over the record.",
  "type": "object",
  "required": ["tabs"],
  "additionalProperties": false,
  "properties": {
    "id": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
    "entity": {"type": "string"},
    "label": {"$ref": "#/$defs/text"},
    "version": {"type": "integer", "description": "The server's; ignored when sent"},
    "generated": {"type": "boolean", "description": "The server's; ignored when sent"},
    "draft": {"type": "boolean", "description": "The server's (a draft, binding nothing until published); ignored when sent"},
    "tabs": {"type": "array", "minItems": 1, "maxItems": 20, "items": {"$ref": "#/$defs/tab"}}
  },
  "$defs": {
    "text": {
      "type": "object", "additionalProperties": false,
      "properties": {"en": {"type": "string", "maxLength": 2000}, "zh-CN": {"type": "string", "maxLength": 2000}}
    },
    "key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    "condition": {"type": "string", "maxLength": 4096},
    "tab": {
      "type": "object", "additionalProperties": false, "required": ["sections"],
      "properties": {
        "id": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/text"}, "visibleWhen": {"$ref": "#/$defs/condition"},
        "sections": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"$ref": "#/$defs/section"}}
      }
    },
    "section": {
      "type": "object", "additionalProperties": false, "required": ["rows"],
      "properties": {
        "id": {"$ref": "#/$defs/key"}, "label": {"$ref": "#/$defs/text"}, "visibleWhen": {"$ref": "#/$defs/condition"},
        "rows": {"type": "array", "maxItems": 500, "items": {"$ref": "#/$defs/row"}}
      }
    },
    "row": {
      "type": "object", "additionalProperties": false, "required": ["cols"],
      "properties": {"cols": {"type": "array", "minItems": 1, "maxItems": 24, "items": {"$ref": "#/$defs/col"}}}
    },
    "col": {
      "type": "object", "additionalProperties": false, "required": ["span"],
      "properties": {
        "span": {"type": "integer", "minimum": 1, "maximum": 24},
        "field": {"type": "string", "maxLength": 63},
        "text": {"$ref": "#/$defs/text"},
        "help": {"$ref": "#/$defs/text"},
        "placeholder": {"$ref": "#/$defs/text"},
        "visibleWhen": {"$ref": "#/$defs/condition"},
        "requiredWhen": {"$ref": "#/$defs/condition"},
        "readOnlyWhen": {"$ref": "#/$defs/condition"}
      }
    }
  }
}`

var layoutValidator = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///layout.json", strings.NewReader(layoutSchema)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///layout.json")
})

// ParseLayout checks a layout document (JSON) of entity ent and compiles
// it. A document that is wrong returns a *morph.Error with code EInvalid
// (EInvalidJSON when it is not JSON, ETooLarge beyond MaxLayoutSize) whose
// Fields name every problem at once, keyed by JSON pointer
// ("/tabs/0/sections/1/rows/2/cols/0/field"); a condition that does not
// compile is keyed by its own pointer with the Offset inside it.
func ParseLayout(doc []byte, ent *Entity) (*Layout, error) {
	raw, root, err := decodeDocument(doc, MaxLayoutSize, morph.Text{EN: "layout", ZH: "布局"})
	if err != nil {
		return nil, err
	}
	c := &layoutCheck{ent: ent, placed: map[string]string{}}
	if errs := layoutShapeErrors(raw); len(errs) > 0 {
		// The meaning of a document of the wrong shape is not checked:
		// its problems would mostly repeat the shape's.
		return nil, layoutInvalid(errs)
	}
	l := &Layout{Rules: map[string]FieldRules{}}
	l.ID, _ = root["id"].(string)
	l.Label = readText(root["label"])
	for ti, tv := range root["tabs"].([]any) {
		tm := tv.(map[string]any)
		tp := "/tabs/" + strconv.Itoa(ti)
		tab := LayoutTab{ID: str(tm["id"]), Label: readText(tm["label"]), VisibleWhen: c.condition(tm["visibleWhen"], tp+"/visibleWhen")}
		for si, sv := range tm["sections"].([]any) {
			sm := sv.(map[string]any)
			sp := tp + "/sections/" + strconv.Itoa(si)
			sec := LayoutSection{ID: str(sm["id"]), Label: readText(sm["label"]), VisibleWhen: c.condition(sm["visibleWhen"], sp+"/visibleWhen")}
			for ri, rv := range sm["rows"].([]any) {
				rp := sp + "/rows/" + strconv.Itoa(ri)
				var row []LayoutCol
				total := 0
				for ci, cv := range rv.(map[string]any)["cols"].([]any) {
					col := c.col(cv.(map[string]any), rp+"/cols/"+strconv.Itoa(ci))
					total += col.Span
					row = append(row, col)
					if col.Field == "" || c.ent.Field(col.Field) == nil {
						continue
					}
					var vis []string
					for _, w := range []string{tab.VisibleWhen, sec.VisibleWhen, col.VisibleWhen} {
						if w != "" {
							vis = append(vis, w)
						}
					}
					l.Rules[col.Field] = FieldRules{Visible: vis, Required: col.RequiredWhen, ReadOnly: col.ReadOnlyWhen}
					if f := c.ent.Field(col.Field); f.Required && f.Default == nil && len(vis) > 0 {
						c.add(rp+"/cols/"+strconv.Itoa(ci), "required_hidden", morph.T(
							"%s is required and has no default: it cannot be hidden by a condition", "%s 是必填字段且没有默认值，不能被条件隐藏", col.Field))
					}
				}
				if total > 24 {
					c.add(rp, "span", morph.T("The columns of a row span %d of 24", "一行中各列共占 %d 格，最多 24 格", total))
				}
				sec.Rows = append(sec.Rows, row)
			}
			tab.Sections = append(tab.Sections, sec)
		}
		l.Tabs = append(l.Tabs, tab)
	}
	for _, f := range ent.Fields {
		if f.Required && f.Default == nil && f.DefaultExpr == nil && c.placed[f.Name] == "" && !f.EngineSet() {
			c.add("/tabs", "required_missing", morph.T(
				"%s is required and has no default: the form must show it", "%s 是必填字段且没有默认值，表单中必须包含它", f.Name))
		}
	}
	if len(c.errs) > 0 {
		return nil, layoutInvalid(c.errs)
	}
	return l, nil
}

func layoutInvalid(errs []morph.FieldError) error {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Path < errs[j].Path })
	return &morph.Error{Code: morph.EInvalid, Fields: errs, Text: morph.T("The layout has %d problem(s)", "布局有 %d 处问题", len(errs))}
}

// layoutCheck gathers the problems of a layout's meaning.
type layoutCheck struct {
	ent    *Entity
	placed map[string]string // field → the pointer of its column
	errs   []morph.FieldError
}

func (c *layoutCheck) add(path, code string, t morph.Text) {
	c.errs = append(c.errs, settingError(path, code, t))
}

func (c *layoutCheck) col(m map[string]any, path string) LayoutCol {
	col := LayoutCol{Field: str(m["field"]), Text: readText(m["text"])}
	if n, ok := m["span"].(float64); ok {
		col.Span = int(n)
	}
	_, hasText := m["text"]
	switch {
	case col.Field == "" && !hasText:
		c.add(path, "col", morph.T("A column shows a field or a text", "一列须显示一个字段或一段文字"))
	case col.Field != "" && hasText:
		c.add(path, "col", morph.T("A column shows a field or a text, not both", "一列只能显示一个字段或一段文字，不能同时显示"))
	case col.Field != "" && c.ent.Field(col.Field) == nil:
		c.add(path+"/field", "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", c.ent.Name, col.Field))
	case col.Field != "":
		if prev := c.placed[col.Field]; prev != "" {
			c.add(path+"/field", "duplicate", morph.T("%s is already placed at %s", "%s 已放在 %s", col.Field, prev))
		} else {
			c.placed[col.Field] = path
		}
	}
	col.VisibleWhen = c.condition(m["visibleWhen"], path+"/visibleWhen")
	col.RequiredWhen = c.condition(m["requiredWhen"], path+"/requiredWhen")
	col.ReadOnlyWhen = c.condition(m["readOnlyWhen"], path+"/readOnlyWhen")
	if col.Field == "" {
		for _, k := range []string{"requiredWhen", "readOnlyWhen"} {
			if _, ok := m[k]; ok {
				c.add(path+"/"+k, "text_rule", morph.T("%s applies to fields, not texts", "%s 只适用于字段，不适用于文字", k))
			}
		}
	}
	return col
}

// condition returns a condition's source when it compiles against the
// entity; a blank one is "" (no condition).
func (c *layoutCheck) condition(v any, path string) string {
	s, _ := v.(string)
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if _, err := lang.Filter(s, c.ent.Resolve, lang.Env{}); err != nil {
		me := morph.AsError(err)
		if me == nil || len(me.Fields) == 0 {
			c.add(path, "filter", morph.T("The condition cannot be used: %s", "条件无法使用：%s", err.Error()))
			return ""
		}
		fe := me.Fields[0]
		fe.Path = path
		fe.Text = morph.Text{EN: "The condition cannot be used: " + fe.Text.EN, ZH: "条件无法使用：" + fe.Text.ZH}
		c.errs = append(c.errs, fe)
		return ""
	}
	return s
}

func str(v any) string { s, _ := v.(string); return s }

// readText reads a {"en", "zh-CN"} object of the right shape.
func readText(v any) morph.Text {
	m, _ := v.(map[string]any)
	return morph.Text{EN: str(m["en"]), ZH: str(m["zh-CN"])}
}

// layoutShapeErrors checks a decoded layout against LayoutSchema, one
// problem per pointer.
func layoutShapeErrors(v any) []morph.FieldError {
	err := layoutValidator().Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []morph.FieldError
	for _, leaf := range Leaves(ve) {
		kw := leaf.KeywordLocation[strings.LastIndex(leaf.KeywordLocation, "/")+1:]
		path := leaf.InstanceLocation
		var t morph.Text
		code := kw
		switch kw {
		case "required":
			missing := "tabs"
			for _, k := range []string{"tabs", "sections", "rows", "cols", "span"} {
				if strings.Contains(leaf.Message, "'"+k+"'") {
					missing = k
				}
			}
			path += "/" + missing
			t = morph.T("%s is required here", "此处必须提供 %s", missing)
		case "additionalProperties":
			code = "unknown_key"
			if keys := quotedRE.FindAllStringSubmatch(leaf.Message, -1); len(keys) > 0 {
				for _, k := range keys[:len(keys)-1] {
					out = append(out, settingError(path+"/"+escapePointer(k[1]), code, unknownLayoutKey(k[1])))
				}
				path += "/" + escapePointer(keys[len(keys)-1][1])
				t = unknownLayoutKey(keys[len(keys)-1][1])
				break
			}
			t = unknownLayoutKey(leaf.Message)
		case "minimum", "maximum":
			code = "span"
			t = morph.T("A column spans 1 to 24", "一列占 1 到 24 格")
		case "minItems":
			t = morph.T("At least one is needed here", "此处至少需要一项")
		case "maxItems":
			t = morph.T("Too many items here: %s", "此处项目过多：%s", leaf.Message)
		case "maxLength":
			code = "too_long"
			t = morph.T("Too long: %s", "过长：%s", leaf.Message)
		case "pattern":
			code = "name"
			t = morph.T("Not a valid id: letters, digits, _ and - (a layout's id: a lower-case letter, then a-z, 0-9 and _)", "不是有效的 ID：只能含字母、数字、_ 和 -（布局 ID 以小写字母开头，只含 a-z、0-9 和 _）")
		case "type":
			t = morph.T("Wrong type: %s", "类型错误：%s", leaf.Message)
		default:
			t = morph.T("Not a valid layout: %s", "不是有效的布局：%s", leaf.Message)
		}
		out = append(out, settingError(path, code, t))
	}
	return dedupePaths(out)
}

var quotedRE = regexp.MustCompile(`'([^']*)'`)

func unknownLayoutKey(key string) morph.Text {
	return morph.T("Unknown key %q; a layout has id, label and tabs, a tab id, label, visibleWhen and sections, a section id, label, visibleWhen and rows, a row cols, a column span, field or text, help, placeholder, visibleWhen, requiredWhen and readOnlyWhen, a text en and zh-CN",
		"未知的键 %q：布局只有 id、label、tabs；页签只有 id、label、visibleWhen、sections；分区只有 id、label、visibleWhen、rows；行只有 cols；列只有 span、field 或 text、help、placeholder、visibleWhen、requiredWhen、readOnlyWhen；文字只有 en 和 zh-CN", key)
}

// GenerateLayout is the form of an entity that has none saved: one tab,
// one section, the fields in their order, two to a row (long text, json
// and lists on a row of their own).
func GenerateLayout(ent *Entity) []byte {
	type col struct {
		Span  int    `json:"span"`
		Field string `json:"field"`
	}
	type row struct {
		Cols []col `json:"cols"`
	}
	var rows []row
	var cur []col
	width := 0
	for _, f := range ent.Fields {
		span := 12
		switch f.Type.Name() {
		case "textarea", "json", "multiselect", "tags":
			span = 24
		}
		if f.Many {
			span = 24
		}
		if width+span > 24 {
			rows = append(rows, row{Cols: cur})
			cur, width = nil, 0
		}
		cur = append(cur, col{Span: span, Field: f.Name})
		width += span
	}
	if len(cur) > 0 {
		rows = append(rows, row{Cols: cur})
	}
	if rows == nil {
		rows = []row{}
	}
	doc := map[string]any{
		"id": DefaultLayout, "label": map[string]string{"en": ent.Label.EN, "zh-CN": ent.Label.ZH},
		"tabs": []any{map[string]any{"id": "main", "label": map[string]string{"en": "Details", "zh-CN": "详情"},
			"sections": []any{map[string]any{"id": "fields", "label": map[string]string{"en": "Details", "zh-CN": "详细信息"}, "rows": rows}}}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("schema: generated layout: %v", err)) // plain maps and slices always marshal
	}
	return b
}

// TrimLayout returns a stored layout adapted to its entity as it is now:
// columns of fields the entity no longer has (or placed twice) and
// conditions that no longer compile are left out, a condition that would
// hide a field the entity now requires is dropped, and required fields
// missing from the layout are added in a row of their own at the end of
// the first tab. A document that is not a layout comes back as it is.
func TrimLayout(doc []byte, ent *Entity) []byte {
	var root map[string]any
	if json.Unmarshal(doc, &root) != nil {
		return doc
	}
	tabs, _ := root["tabs"].([]any)
	placed := map[string]bool{}
	compiles := func(m map[string]any, key string) {
		if s, ok := m[key].(string); ok {
			if _, err := lang.Filter(s, ent.Resolve, lang.Env{}); err != nil {
				delete(m, key)
			}
		}
	}
	mustShow := func(name string) bool {
		f := ent.Field(name)
		return f != nil && f.Required && f.Default == nil
	}
	for _, tv := range tabs {
		tm, _ := tv.(map[string]any)
		if tm == nil {
			continue
		}
		compiles(tm, "visibleWhen")
		secs, _ := tm["sections"].([]any)
		for _, sv := range secs {
			sm, _ := sv.(map[string]any)
			if sm == nil {
				continue
			}
			compiles(sm, "visibleWhen")
			rows, _ := sm["rows"].([]any)
			keptRows := rows[:0]
			for _, rv := range rows {
				rm, _ := rv.(map[string]any)
				if rm == nil {
					continue
				}
				cols, _ := rm["cols"].([]any)
				kept := cols[:0]
				for _, cv := range cols {
					cm, _ := cv.(map[string]any)
					if cm == nil {
						continue
					}
					if name, ok := cm["field"].(string); ok {
						if ent.Field(name) == nil || placed[name] {
							continue
						}
						placed[name] = true
						if mustShow(name) {
							delete(cm, "visibleWhen")
						}
					}
					for _, k := range []string{"visibleWhen", "requiredWhen", "readOnlyWhen"} {
						compiles(cm, k)
					}
					kept = append(kept, cm)
				}
				if len(kept) > 0 {
					rm["cols"] = kept
					keptRows = append(keptRows, rm)
				}
			}
			sm["rows"] = keptRows
		}
		for _, sv := range secs {
			if sm, _ := sv.(map[string]any); sm != nil {
				for _, rv := range sm["rows"].([]any) {
					for _, cv := range rv.(map[string]any)["cols"].([]any) {
						if name, ok := cv.(map[string]any)["field"].(string); ok && mustShow(name) {
							// A section or tab condition would hide it.
							delete(sm, "visibleWhen")
							delete(tm, "visibleWhen")
						}
					}
				}
			}
		}
	}
	var missing []any
	for _, f := range ent.Fields {
		if f.Required && f.Default == nil && f.DefaultExpr == nil && !placed[f.Name] && !f.EngineSet() {
			missing = append(missing, map[string]any{"span": 12.0, "field": f.Name})
		}
	}
	if len(missing) > 0 && len(tabs) > 0 {
		if tm, _ := tabs[0].(map[string]any); tm != nil {
			if secs, _ := tm["sections"].([]any); len(secs) > 0 {
				if sm, _ := secs[len(secs)-1].(map[string]any); sm != nil {
					rows, _ := sm["rows"].([]any)
					for i := 0; i < len(missing); i += 2 {
						rows = append(rows, map[string]any{"cols": missing[i:min(i+2, len(missing))]})
					}
					sm["rows"] = rows
				}
			}
		}
	}
	out, err := json.Marshal(root)
	if err != nil {
		return doc
	}
	return out
}
