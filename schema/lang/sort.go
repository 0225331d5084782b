package lang

import (
	"strings"
	"unicode/utf8"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
)

// MaxListItems bounds the entries of a sort or fields list.
const MaxListItems = 50

// SortSpec parses a sort list such as "-amount,name": field names separated
// by commas, "-" for descending. Lists and JSON fields cannot be sorted on.
func SortSpec(src string, resolve Resolver) ([]query.Sort, error) {
	var out []query.Sort
	err := eachName(src, "sort", func(name string, off int) error {
		desc := strings.HasPrefix(name, "-")
		name = strings.TrimPrefix(strings.TrimPrefix(name, "-"), "+")
		f, ok := resolve(name)
		if !ok {
			return listError("sort", "unknown_field", off, morph.T("Unknown field %q", "字段 %q 不存在", name))
		}
		if f.Kind == KindStrings || f.Kind == KindObject {
			return listError("sort", "not_sortable", off, morph.T("%s cannot be sorted on", "不能按 %s 排序", name))
		}
		out = append(out, query.Sort{Field: f.Path, Desc: desc})
		return nil
	})
	return out, err
}

// Fields parses a field list such as "name,phone" and returns the names,
// each once.
func Fields(src string, resolve Resolver) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	err := eachName(src, "fields", func(name string, off int) error {
		if _, ok := resolve(name); !ok || strings.Contains(name, ".") {
			return listError("fields", "unknown_field", off, morph.T("Unknown field %q", "字段 %q 不存在", name))
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
		return nil
	})
	return out, err
}

// eachName calls fn for each comma-separated name with its rune offset.
func eachName(src, param string, fn func(name string, off int) error) error {
	if len(src) > MaxFilterLen {
		return listError(param, "too_long", 0, morph.T("%s is too long", "%s 过长", param))
	}
	off, n := 0, 0
	for _, part := range strings.Split(src, ",") {
		name := strings.TrimSpace(part)
		lead := utf8.RuneCountInString(part[:strings.Index(part, name)])
		if name == "" {
			return listError(param, "syntax", off, morph.T("Empty entry in %s", "%s 中有空项", param))
		}
		if n++; n > MaxListItems {
			return listError(param, "too_long", off, morph.T("%s may list at most %d fields", "%s 最多列出 %d 个字段", param, MaxListItems))
		}
		if err := fn(name, off+lead); err != nil {
			return err
		}
		off += utf8.RuneCountInString(part) + 1
	}
	return nil
}

func listError(param, code string, off int, t morph.Text) error {
	return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("%s cannot be used", "%s 无法使用", param),
		Fields: []morph.FieldError{{Path: param, Code: code, Offset: off, Text: t}}}
}
