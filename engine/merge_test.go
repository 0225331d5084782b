package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The examples of RFC 7396, appendix A, and a few of nesting.
func TestMergePatch(t *testing.T) {
	for _, tc := range []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"e":null,"a":1}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{"a":1,"b":2,"n":{"x":{"y":1,"z":2}}}`, `{"b":null,"n":{"x":{"z":3}}}`, `{"a":1,"n":{"x":{"y":1,"z":3}}}`},
		{`{"amount":5,"currency":"CNY"}`, `{"currency":"EUR"}`, `{"amount":5,"currency":"EUR"}`},
	} {
		target, patch, want := decode(t, tc.target), decode(t, tc.patch), decode(t, tc.want)
		before := decode(t, tc.target)
		if got := mergePatch(target, patch); !reflect.DeepEqual(got, want) {
			t.Errorf("merge %s into %s: %v, want %v", tc.patch, tc.target, got, want)
		}
		if !reflect.DeepEqual(target, before) {
			t.Errorf("merge %s into %s changed the target: %v", tc.patch, tc.target, target)
		}
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
