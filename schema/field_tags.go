package schema

import (
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// tagsType is a free list of short labels: trimmed, blanks dropped, each once.
type tagsType struct{ baseType }

var _ FieldType = tagsType{}

func init() {
	register(tagsType{baseType{name: "tags", kind: lang.KindStrings, schema: map[string]any{
		"type": "array", "items": map[string]any{"type": "string", "maxLength": 50}, "maxItems": 50}}},
		morph.T("Tags", "标签"))
}

func (tagsType) Check(f *Field) []morph.FieldError { return checkJSONType(f, "array") }

func (tagsType) Normalize(_ *Field, v any) (any, *morph.FieldError) {
	return dedupeStrings(v, true), nil
}

// dedupeStrings keeps the first of repeated strings in a list (trimmed, and
// blanks dropped, when trim is set). Lists holding other values are left for
// validation to report.
func dedupeStrings(v any, trim bool) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	seen := make(map[string]bool, len(list))
	out := make([]any, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return v
		}
		if trim {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
