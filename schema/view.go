package schema

import (
	"errors"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of a view document.
const (
	MaxViewSize       = 64 << 10
	MaxViewColumns    = 50
	MaxViewCardFields = 10
	MaxViewGroups     = 500 // entries of hiddenGroups
	// MaxViewPageSize is the largest page a view may ask for: the engine's
	// list limit (engine.MaxLimit, which checks that the two agree).
	MaxViewPageSize = 500
	MinColumnWidth  = 40
	MaxColumnWidth  = 2000
)

// The types of view.
const (
	ViewList   = "list"
	ViewKanban = "kanban"
)

// View is a saved list or kanban view of an entity's records: the document
// a client sends, with what the server sets (ID, Entity, Owner, Version,
// Generated). Views are checked by ParseView.
type View struct {
	ID     string     `json:"id"`
	Entity string     `json:"entity"`
	Type   string     `json:"type"` // ViewList or ViewKanban
	Label  morph.Text `json:"label"`
	// Shared views are seen by every user who may read the entity; the
	// others only by their owner.
	Shared  bool         `json:"shared"`
	Owner   string       `json:"owner,omitempty"` // the id of the user who created it; none for generated views
	Columns []ViewColumn `json:"columns,omitempty"`
	Filter  string       `json:"filter,omitempty"` // in the filter language
	Sort    string       `json:"sort,omitempty"`   // as the sort parameter of a list: "-amount,name"
	// PageSize is the number of records of a page (0: the list's default).
	PageSize     int      `json:"pageSize,omitempty"`
	GroupBy      string   `json:"groupBy,omitempty"`      // kanban: a select or user field
	CardFields   []string `json:"cardFields,omitempty"`   // kanban: the fields a card shows
	HiddenGroups []string `json:"hiddenGroups,omitempty"` // kanban: the groups (values of GroupBy) not shown
	Version      int64    `json:"version,omitempty"`      // for If-Match; none for generated views
	// Generated views are made from the definition when the user has no
	// view of their type; they are never stored.
	Generated bool `json:"generated"`
}

// ViewColumn is one column of a list view.
type ViewColumn struct {
	Field string `json:"field"`
	Width int    `json:"width,omitempty"` // in CSS pixels; 0: the UI decides
}

// ViewSchema is the JSON Schema (draft 2020-12) of a view document as a
// client sends it: its shape. id, entity, owner, version and generated
// are the server's: they may be sent back as they were received and are
// ignored. ParseView checks the rest (fields that exist and may be read,
// a filter and sort that compile, what each type of view needs).
func ViewSchema() []byte { return []byte(viewSchema) }

var viewSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///view.json",
  "title": "Morph view",
  "description": "A saved list or kanban view of an entity's records, private to its owner or shared with every user who may read the entity.",
  "type": "object",
  "required": ["type", "label"],
  "propertyNames": {"enum": ["id", "entity", "owner", "version", "generated", "type", "label", "shared", "columns", "filter", "sort", "pageSize", "groupBy", "cardFields", "hiddenGroups"]},
  "properties": {
    "id": {"readOnly": true, "description": "Set by the server (a UUIDv7); ignored when sent"},
    "entity": {"readOnly": true, "description": "The entity of the URL; ignored when sent"},
    "owner": {"readOnly": true, "description": "The id of the user who created the view; ignored when sent"},
    "version": {"readOnly": true, "description": "Counts the changes of the view (send it in If-Match); ignored when sent"},
    "generated": {"readOnly": true, "description": "true for a view made from the definition, never stored; ignored when sent"},
    "type": {"enum": ["list", "kanban"]},
    "label": {
      "type": "object",
      "description": "The view's name in English, Chinese or both",
      "minProperties": 1,
      "propertyNames": {"enum": ["en", "zh-CN"]},
      "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 200}
    },
    "shared": {"type": "boolean", "description": "Seen by every user who may read the entity (only administrators share views); default false"},
    "columns": {
      "type": "array", "minItems": 1, "maxItems": ` + strconv.Itoa(MaxViewColumns) + `,
      "description": "The list's columns, in order",
      "items": {
        "type": "object",
        "required": ["field"],
        "propertyNames": {"enum": ["field", "width"]},
        "properties": {
          "field": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
          "width": {"type": "integer", "minimum": ` + strconv.Itoa(MinColumnWidth) + `, "maximum": ` + strconv.Itoa(MaxColumnWidth) + `}
        }
      }
    },
    "filter": {"type": "string", "maxLength": ` + strconv.Itoa(lang.MaxFilterLen) + `, "description": "A filter expression, as the filter parameter of a list"},
    "sort": {"type": "string", "maxLength": ` + strconv.Itoa(lang.MaxListLen) + `, "description": "Fields to sort by, - for descending: -amount,name"},
    "pageSize": {"type": "integer", "minimum": 1, "maximum": ` + strconv.Itoa(MaxViewPageSize) + `},
    "groupBy": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$", "description": "Kanban: the select or user field whose values are the columns"},
    "cardFields": {
      "type": "array", "maxItems": ` + strconv.Itoa(MaxViewCardFields) + `, "uniqueItems": true,
      "description": "Kanban: the fields a card shows",
      "items": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}
    },
    "hiddenGroups": {
      "type": "array", "maxItems": ` + strconv.Itoa(MaxViewGroups) + `, "uniqueItems": true,
      "description": "Kanban: values of groupBy whose columns are not shown",
      "items": {"type": "string", "maxLength": 200}
    }
  }
}`

var viewValidator = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///view.json", strings.NewReader(viewSchema)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///view.json")
})

// ViewCheck is what ParseView needs besides the entity.
type ViewCheck struct {
	// Readable reports whether the user saving the view may read a field
	// (an entity or system field): filter, sort and group by it. Nil: every
	// field.
	Readable func(field string) bool
	// Visible reports whether the user sees a field at all, if only masked:
	// show it in a column or on a card. Nil: as Readable.
	Visible func(field string) bool
}

func (vc ViewCheck) readable(field string) bool { return vc.Readable == nil || vc.Readable(field) }

func (vc ViewCheck) visible(field string) bool {
	if vc.Visible != nil {
		return vc.Visible(field)
	}
	return vc.readable(field)
}

// ParseView checks a view document (JSON) of entity ent completely and
// returns the view it describes; the server's keys (id, entity, owner,
// version, generated) are ignored. A document that is wrong returns a
// *morph.Error with code EInvalid (EInvalidJSON when it is not JSON,
// ETooLarge beyond MaxViewSize) whose Fields name every problem at once,
// keyed by JSON pointer ("/columns/2/field"); a filter or sort that does
// not compile is keyed by "/filter" or "/sort" with the Offset of the
// problem inside it. A field the saving user may not read
// (ViewCheck.Readable) is refused like one that does not exist, with code
// not_readable.
func ParseView(doc []byte, ent *Entity, vc ViewCheck) (*View, error) {
	raw, root, err := decodeDocument(doc, MaxViewSize, morph.Text{EN: "view", ZH: "视图"})
	if err != nil {
		return nil, err
	}
	c := &roleCheck{bad: map[string]bool{}}
	for _, fe := range viewShapeErrors(raw) {
		c.report(fe)
		c.bad[fe.Path] = true
	}
	v := viewOf(root, c.bad)
	(&viewChecker{roleCheck: c, ent: ent, vc: vc, v: v}).check()
	if errs := c.errs; len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return pointerLess(errs[i].Path, errs[j].Path) })
		return nil, &morph.Error{Code: morph.EInvalid, Fields: errs,
			Text: morph.T("The view has %d problem(s)", "视图有 %d 处问题", len(errs))}
	}
	return v, nil
}

// pointerLess orders JSON pointers by their parts, array indexes by number
// ("/columns/2" before "/columns/10").
func pointerLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		ai, aerr := strconv.Atoi(as[i])
		bi, berr := strconv.Atoi(bs[i])
		if aerr == nil && berr == nil {
			return ai < bi
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

// viewOf reads the parts of a decoded document whose shape is right
// (bad holds the pointers the shape check refused).
func viewOf(root map[string]any, bad map[string]bool) *View {
	v := &View{}
	str := func(k string) string {
		s, _ := root[k].(string)
		if bad["/"+k] {
			return ""
		}
		return s
	}
	v.Type = str("type")
	v.Filter, v.Sort, v.GroupBy = str("filter"), str("sort"), str("groupBy")
	if lm, ok := root["label"].(map[string]any); ok && !bad["/label"] {
		v.Label.EN, _ = lm["en"].(string)
		v.Label.ZH, _ = lm["zh-CN"].(string)
	}
	v.Shared, _ = root["shared"].(bool)
	if n, ok := root["pageSize"].(float64); ok && !bad["/pageSize"] {
		v.PageSize = int(n)
	}
	if cols, ok := root["columns"].([]any); ok && !bad["/columns"] {
		for _, c := range cols {
			cm, _ := c.(map[string]any)
			col := ViewColumn{}
			col.Field, _ = cm["field"].(string)
			if w, ok := cm["width"].(float64); ok {
				col.Width = int(w)
			}
			v.Columns = append(v.Columns, col)
		}
	}
	strs := func(k string) []string {
		list, ok := root[k].([]any)
		if !ok || bad["/"+k] {
			return nil
		}
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	v.CardFields, v.HiddenGroups = strs("cardFields"), strs("hiddenGroups")
	return v
}

// viewChecker checks the meaning of a view whose shape has been checked.
type viewChecker struct {
	*roleCheck
	ent *Entity
	vc  ViewCheck
	v   *View
}

func (c *viewChecker) check() {
	v := c.v
	for i, col := range v.Columns {
		c.field(col.Field, "/columns/"+strconv.Itoa(i)+"/field")
		for j := range i {
			if v.Columns[j].Field == col.Field && col.Field != "" {
				c.add("/columns/"+strconv.Itoa(i)+"/field", "duplicate", morph.T("%s is already a column", "%s 已是一列", col.Field))
				break
			}
		}
	}
	for i, f := range v.CardFields {
		c.field(f, "/cardFields/"+strconv.Itoa(i))
	}
	if v.Filter != "" {
		c.filter(v.Filter)
	}
	if v.Sort != "" {
		c.sort(v.Sort)
	}
	switch v.Type {
	case ViewList:
		if len(v.Columns) == 0 && !c.bad["/columns"] {
			c.add("/columns", "required", morph.T("A list view needs columns", "列表视图必须有列（columns）"))
		}
	case ViewKanban:
		if v.GroupBy == "" && !c.bad["/groupBy"] {
			c.add("/groupBy", "required", morph.T("A kanban view needs groupBy, a select or user field", "看板视图必须有 groupBy（单选或用户字段）"))
		}
	}
	c.groups()
}

// field checks a field a column or card names: an entity field or a system
// field the saving user sees (masked fields show masked).
func (c *viewChecker) field(name, path string) {
	switch {
	case name == "":
	case c.ent.Field(name) == nil && !slices.Contains(SystemFields, name):
		c.add(path, "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", c.ent.Name, name))
	case !c.vc.visible(name):
		c.add(path, "not_readable", morph.T("You may not read %s", "您无权查看 %s", name))
	}
}

// groups checks groupBy and hiddenGroups.
func (c *viewChecker) groups() {
	v := c.v
	var gf *Field
	if v.GroupBy != "" {
		gf = c.ent.Field(v.GroupBy)
		switch {
		case gf == nil && v.GroupBy != "owner":
			c.add("/groupBy", "unknown_field", morph.T("Entity %s has no field %q", "实体 %s 没有字段 %q", c.ent.Name, v.GroupBy))
			return
		case gf != nil && gf.Type.Name() != "select" && gf.Type.Name() != "user":
			c.add("/groupBy", "not_groupable", morph.Text{
				EN: "A kanban groups by a select or user field; " + v.GroupBy + " is a " + gf.Type.Name() + " field",
				ZH: "看板只能按单选或用户字段分组；" + v.GroupBy + " 是" + TypeLabel(gf.Type.Name()).ZH + "字段"})
			return
		case !c.vc.readable(v.GroupBy):
			c.add("/groupBy", "not_readable", morph.T("You may not read %s", "您无权查看 %s", v.GroupBy))
			return
		}
	}
	if len(v.HiddenGroups) == 0 {
		return
	}
	if v.GroupBy == "" {
		if !c.bad["/groupBy"] && v.Type != ViewKanban { // a kanban without groupBy is reported above
			c.add("/hiddenGroups", "no_group", morph.T("hiddenGroups needs groupBy", "hiddenGroups 需要 groupBy"))
		}
		return
	}
	if gf == nil || gf.Type.Name() != "select" {
		return // user ids: any user may own records
	}
	for i, g := range v.HiddenGroups {
		if !slices.Contains(gf.Enum, g) {
			c.add("/hiddenGroups/"+strconv.Itoa(i), "not_option", morph.T("%q is not an option of %s", "%q 不是 %s 的选项", g, v.GroupBy))
		}
	}
}

// filter compiles the filter against the entity and checks the fields it
// uses may be read: one that names a field the user may not read is
// refused for that, whether or not it compiles, so that a compiler's error
// (a number compared with text) never tells such a field's type.
func (c *viewChecker) filter(src string) {
	var named []string
	resolve := func(name string) (lang.Field, bool) {
		f, ok := c.ent.Resolve(name)
		if ok {
			named = append(named, name)
		}
		return f, ok
	}
	f, err := lang.Filter(src, resolve, lang.Env{})
	if err != nil {
		before := len(c.errs)
		c.unreadable(named, "/filter")
		if len(c.errs) == before {
			c.expr(err, "/filter", morph.T("The filter cannot be used: ", "筛选条件无法使用："))
		}
		return
	}
	var paths []string
	query.Walk(f, func(cmp query.Cmp) { paths = append(paths, cmp.Field) })
	c.unreadable(paths, "/filter")
}

// sort parses the sort list against the entity and checks its fields may
// be read.
func (c *viewChecker) sort(src string) {
	sorts, err := lang.SortSpec(src, c.ent.Resolve)
	if err != nil {
		c.expr(err, "/sort", morph.T("The sort cannot be used: ", "排序无法使用："))
		return
	}
	paths := make([]string, len(sorts))
	for i, s := range sorts {
		paths[i] = s.Field
	}
	c.unreadable(paths, "/sort")
}

// unreadable reports the first of paths (store paths: a field's name, or
// name.part) whose field the user may not read.
func (c *viewChecker) unreadable(paths []string, at string) {
	for _, p := range paths {
		field, _, _ := strings.Cut(p, ".")
		if !c.vc.readable(field) {
			c.add(at, "not_readable", morph.T("%s uses %s, which you may not read", "%s 使用了您无权查看的字段 %s", at[1:], field))
			return
		}
	}
}

// expr reports an expression that does not compile at path, with the code
// and offset the language gives.
func (c *viewChecker) expr(err error, path string, prefix morph.Text) {
	me := morph.AsError(err)
	if me == nil || len(me.Fields) == 0 {
		c.add(path, "syntax", morph.Text{EN: prefix.EN + err.Error(), ZH: prefix.ZH + err.Error()})
		return
	}
	fe := me.Fields[0]
	fe.Path = path
	fe.Text = morph.Text{EN: prefix.EN + fe.Text.EN, ZH: prefix.ZH + fe.Text.ZH}
	c.report(fe)
}

var quoted = regexp.MustCompile(`'([^']*)'`)

// viewShapeErrors checks a decoded view against ViewSchema, one problem
// per pointer. A missing property is keyed by its own pointer ("/type"),
// an unknown key by the key's pointer.
func viewShapeErrors(v any) []morph.FieldError {
	err := viewValidator().Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []morph.FieldError
	for _, leaf := range Leaves(ve) {
		kw := leaf.KeywordLocation[strings.LastIndex(leaf.KeywordLocation, "/")+1:]
		if strings.Contains(leaf.KeywordLocation, "/propertyNames/") {
			kw = "propertyNames"
		}
		path := leaf.InstanceLocation
		if kw == "required" {
			for _, m := range quoted.FindAllStringSubmatch(leaf.Message, -1) {
				p := path + "/" + escapePointer(m[1])
				out = append(out, settingError(p, "required", viewShapeText(kw, p, leaf.Message)))
			}
			continue
		}
		out = append(out, settingError(path, viewShapeCodes[kw], viewShapeText(kw, path, leaf.Message)))
	}
	return dedupePaths(out)
}

var viewShapeCodes = map[string]string{
	"propertyNames": "unknown_key", "type": "type", "enum": "enum", "pattern": "name", "minProperties": "required",
	"minItems": "too_few", "maxItems": "too_many", "maxLength": "too_long", "minLength": "required",
	"minimum": "range", "maximum": "range", "uniqueItems": "duplicate",
}

func viewShapeText(kw, path, msg string) morph.Text {
	key := path[strings.LastIndex(path, "/")+1:]
	switch kw {
	case "required":
		switch key {
		case "type":
			return morph.T("type is required: list or kanban", "必须提供 type：list 或 kanban")
		case "label":
			return morph.T(`label is required: {"en": …, "zh-CN": …}, one of them at least`, `必须提供 label：{"en": …, "zh-CN": …}，至少其一`)
		case "field":
			return morph.T("A column needs field, the name of a field", "列必须有 field（字段名）")
		}
		return morph.T("%s is required", "必须提供 %s", key)
	case "propertyNames":
		switch {
		case strings.HasPrefix(path, "/label/"):
			return morph.T("A label has en and zh-CN only", "标签只有 en 和 zh-CN")
		case strings.HasPrefix(path, "/columns/"):
			return morph.T("A column has field and width only", "列只有 field 和 width")
		}
		return morph.T("Unknown key; a view has type, label, shared, columns, filter, sort, pageSize, groupBy, cardFields and hiddenGroups",
			"未知的键：视图只有 type、label、shared、columns、filter、sort、pageSize、groupBy、cardFields 和 hiddenGroups")
	case "enum":
		return morph.T("type is list or kanban", "type 只能是 list 或 kanban")
	case "minProperties", "minLength":
		return morph.T("A view needs a label in English or Chinese", "视图必须有英文或中文名称")
	case "pattern":
		return morph.T("A field name starts with a lower-case letter and uses only a-z, 0-9 and _ (at most 63)",
			"字段名以小写字母开头，只含 a-z、0-9 和 _（最多 63 个字符）")
	case "minItems":
		return morph.T("columns needs at least one column", "columns 至少要有一列")
	case "maxItems":
		limit := map[string]int{"columns": MaxViewColumns, "cardFields": MaxViewCardFields, "hiddenGroups": MaxViewGroups}[key]
		return morph.T("%s may have at most %d entries", "%s 最多 %d 项", key, limit)
	case "maxLength":
		return morph.T("%s is too long", "%s 过长", key)
	case "minimum", "maximum":
		if key == "pageSize" {
			return morph.T("pageSize must be between 1 and %d", "pageSize 必须在 1 到 %d 之间", MaxViewPageSize)
		}
		return morph.T("A column's width must be between %d and %d", "列宽必须在 %d 到 %d 之间", MinColumnWidth, MaxColumnWidth)
	case "uniqueItems":
		return morph.T("%s lists a value twice", "%s 中有重复的值", key)
	case "type":
		switch {
		case strings.Contains(msg, "expected boolean"):
			return morph.T("%s must be true or false", "%s 必须是 true 或 false", key)
		case strings.Contains(msg, "expected string"):
			return morph.T("%s must be text", "%s 必须是文本", key)
		case strings.Contains(msg, "expected integer"):
			return morph.T("%s must be a whole number", "%s 必须是整数", key)
		case strings.Contains(msg, "expected object"):
			return morph.T("%s must be an object", "%s 必须是对象", key)
		case strings.Contains(msg, "expected array"):
			return morph.T("%s must be a list", "%s 必须是列表", key)
		}
	}
	return morph.T("Not a valid view: %s", "不是有效的视图：%s", msg)
}
