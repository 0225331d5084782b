package schema_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

func TestCheckText(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		code, path string // code "" when the text passes
	}{
		{"plain", `{"a": [1, "x", {"b": null}]}`, "", ""},
		{"surrogate pair", `{"a": "\ud83d\ude00"}`, "", ""},
		{"surrogate pair, upper case", `{"a": "\uD83D\uDE00"}`, "", ""},
		{"escaped backslash before u", `{"a": "\\ud800"}`, "", ""},
		{"escaped quote", `{"a": "\"\ud800"}`, "surrogate", "/a"},
		{"brackets inside text", `{"a": "` + strings.Repeat("[", 200) + `"}`, "", ""},
		{"lone high surrogate", `["x", "\ud800"]`, "surrogate", "/1"},
		{"lone low surrogate", `{"a": {"b": "\udfff"}}`, "surrogate", "/a/b"},
		{"high surrogate then text", `{"a": "\ud800abcdef"}`, "surrogate", "/a"},
		{"high surrogate then a letter escape", `{"a": "\ud800\u0041"}`, "surrogate", "/a"},
		{"high surrogate at the end of the input", `{"a": "\ud800`, "surrogate", ""}, // not JSON: no place to name
		{"surrogate in a key", `{"\ud800": 1}`, "surrogate", "/\ufffd"},
		{"surrogate at the top", `"\ud800"`, "surrogate", ""},
		{"nested to the limit", strings.Repeat("[", schema.MaxJSONDepth) + strings.Repeat("]", schema.MaxJSONDepth), "", ""},
		{"nested past the limit", `{"a/b": ` + strings.Repeat("[", schema.MaxJSONDepth) + strings.Repeat("]", schema.MaxJSONDepth) + `}`,
			"depth", "/a~1b" + strings.Repeat("/0", schema.MaxJSONDepth-1)},
		{"not UTF-8", "{\"a\": [\"\xe4\xb8\"]}", "utf8", "/a/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := schema.CheckText([]byte(tc.text))
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || err.Code != morph.EInvalidJSON || err.Text.EN == "" || err.Text.ZH == "" {
				t.Fatalf("got %v, want an invalid_json error", err)
			}
			if tc.path == "" {
				if len(err.Fields) != 0 {
					t.Fatalf("field errors %+v at the top level", err.Fields)
				}
				return
			}
			if len(err.Fields) != 1 || err.Fields[0].Code != tc.code || err.Fields[0].Path != tc.path {
				t.Fatalf("field errors %+v, want %s at %q", err.Fields, tc.code, tc.path)
			}
		})
	}
}

// FuzzCheckText: reading any text never panics; what it passes, Go's
// decoder reads without putting in a replacement character that the text
// does not have, and without nesting past the limit; a place it names is a
// JSON pointer.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{`{"a": "\ud83d\ude00"}`, `["\ud800"]`, `{"a": "\\ud800"}`, `[[[[[[]]]]]]`, "\"\xff\"", `{"a": "\"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := schema.CheckText(b)
		if err != nil {
			for _, fe := range err.Fields {
				if fe.Path == "" || fe.Path[0] != '/' {
					t.Fatalf("field error %+v", fe)
				}
			}
			return
		}
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		if countReplacement(v) > strings.Count(string(b), "\uFFFD")+strings.Count(strings.ToLower(string(b)), `\ufffd`) {
			t.Fatalf("the decoder replaced a character in %q", b)
		}
		if depth(v) > schema.MaxJSONDepth {
			t.Fatalf("nested %d levels: %q", depth(v), b)
		}
	})
}

func countReplacement(v any) int {
	n := 0
	switch x := v.(type) {
	case string:
		n += strings.Count(x, string(utf8.RuneError))
	case []any:
		for _, e := range x {
			n += countReplacement(e)
		}
	case map[string]any:
		for k, e := range x {
			n += strings.Count(k, string(utf8.RuneError)) + countReplacement(e)
		}
	}
	return n
}

func depth(v any) int {
	d := 0
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			d = max(d, depth(e))
		}
		return d + 1
	case map[string]any:
		for _, e := range x {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}
