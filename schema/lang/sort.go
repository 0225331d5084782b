package lang

import (
	"strings"
	"unicode/utf8"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
)

// Limits of the sort and fields parameters.
const (
	MaxListLen    = 4096 // bytes of a sort or fields list
	MaxSortKeys   = 16   // entries of a sort list
	MaxFieldNames = 512  // entries of a fields list
)

// SortSpec parses a sort list such as "-amount,name": field names separated
// by commas, each optionally preceded by "-" (descending) or "+"
// (ascending, the default). Each field may appear once; list and JSON
// fields cannot be sorted on. Errors are EInvalidFilter with one
// FieldError whose Path is "sort" and whose Offset is the rune offset of
// the entry at fault.
func SortSpec(src string, resolve Resolver) ([]query.Sort, error) {
	var out []query.Sort
	err := eachName(src, "sort", MaxSortKeys, func(name string, off int) error {
		desc := false
		if sign := name[0]; sign == '-' || sign == '+' {
			desc = sign == '-'
			name = name[1:]
			off++
			if name == "" || name[0] == ' ' || name[0] == '\t' {
				return listError("sort", "syntax", off, morph.T("A field name must follow %c", "%c 之后必须是字段名", sign))
			}
		}
		f, ok := resolve(name)
		if !ok {
			return listError("sort", "unknown_field", off, morph.T("Unknown field %q", "字段 %q 不存在", name))
		}
		if f.Kind == KindStrings || f.Kind == KindObject || f.Kind == KindInvalid || !validPath(f.Path) {
			return listError("sort", "not_sortable", off, morph.T("%s cannot be sorted on", "不能按 %s 排序", name))
		}
		for _, s := range out {
			if s.Field == f.Path {
				return listError("sort", "duplicate", off, morph.T("%s is listed twice", "%s 重复出现", name))
			}
		}
		out = append(out, query.Sort{Field: f.Path, Desc: desc})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Fields parses a field list such as "name,phone" and returns the names
// (not store paths), each once, in the order given. Only top-level fields
// can be listed. Errors are EInvalidFilter with Path "fields".
func Fields(src string, resolve Resolver) ([]string, error) {
	var out []string
	err := eachName(src, "fields", MaxFieldNames, func(name string, off int) error {
		if _, ok := resolve(name); !ok || strings.IndexByte(name, '.') >= 0 {
			return listError("fields", "unknown_field", off, morph.T("Unknown field %q", "字段 %q 不存在", name))
		}
		for _, n := range out {
			if n == name {
				return nil
			}
		}
		out = append(out, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachName calls fn for each comma-separated entry of src, trimmed of
// spaces, with the rune offset where the entry starts.
func eachName(src, param string, maxItems int, fn func(name string, off int) error) error {
	if len(src) > MaxListLen {
		off := utf8.RuneCountInString(src[:MaxListLen])
		return listError(param, "too_long", off, morph.T("%s is longer than %d bytes", "%s 超过 %d 字节", param, MaxListLen))
	}
	off, n := 0, 0 // rune offset of the current entry, entries seen
	for rest := src; ; {
		part := rest
		i := strings.IndexByte(rest, ',')
		if i >= 0 {
			part = rest[:i]
		}
		name := strings.TrimLeft(part, " \t")
		lead := len(part) - len(name)
		name = strings.TrimRight(name, " \t")
		if name == "" {
			return listError(param, "syntax", off+lead, morph.T("%s has an empty entry", "%s 中有空项", param))
		}
		if n++; n > maxItems {
			return listError(param, "too_long", off+lead, morph.T("%s may list at most %d fields", "%s 最多列出 %d 个字段", param, maxItems))
		}
		if err := fn(name, off+lead); err != nil { // lead is ASCII: bytes are runes
			return err
		}
		if i < 0 {
			return nil
		}
		off += utf8.RuneCountInString(part) + 1
		rest = rest[i+1:]
	}
}

func listError(param, code string, off int, t morph.Text) error {
	return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("The %s parameter cannot be used", "%s 参数无法使用", param),
		Fields: []morph.FieldError{{Path: param, Code: code, Offset: off, Text: t}}}
}
