package examples

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/morphcrm/morph"
)

func def(id string, refs ...string) *fstest.MapFile {
	props := []string{`"name": {"type": "string"}`}
	for i, r := range refs {
		props = append(props, `"r`+string(rune('a'+i))+`": {"type": "string", "x-type": "relation", "x-ref": "`+r+`"}`)
	}
	return &fstest.MapFile{Data: []byte(`{"$id": "` + id + `", "type": "object", "properties": {` + strings.Join(props, ", ") + `}}`)}
}

func TestLoadOrder(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string // names in order, or the start of the error
	}{
		{"targets first", fstest.MapFS{
			"app/a.json": def("invoice", "order", "customer"), "app/b.json": def("order", "customer"),
			"app/c.json": def("customer"), "app/README.md": {Data: []byte("# app")},
		}, "customer order invoice"},
		{"self reference", fstest.MapFS{"app/a.json": def("employee", "employee")}, "employee"},
		{"independent entities sorted", fstest.MapFS{"app/x.json": def("zebra"), "app/y.json": def("apple")}, "apple zebra"},
		{"cycle", fstest.MapFS{"app/a.json": def("a", "b"), "app/b.json": def("b", "a")}, "error: examples: app: relations form a cycle"},
		{"missing target", fstest.MapFS{"app/a.json": def("a", "ghost")}, `error: examples: app: an entity refers to "ghost"`},
		{"duplicate id", fstest.MapFS{"app/a.json": def("a"), "app/b.json": def("a")}, "error: examples: app: two files define a"},
		{"no id", fstest.MapFS{"app/a.json": {Data: []byte(`{"type": "object"}`)}}, "error: examples: app/a.json has no $id"},
		{"not JSON", fstest.MapFS{"app/a.json": {Data: []byte(`{`)}}, "error: examples: app/a.json:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defs, err := load(tt.files, "app")
			got := ""
			if err != nil {
				got = "error: " + err.Error()
			} else {
				var names []string
				for _, d := range defs {
					names = append(names, d.Name)
					if len(d.JSON) == 0 {
						t.Errorf("%s has no JSON", d.Name)
					}
				}
				got = strings.Join(names, " ")
			}
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadUnknown(t *testing.T) {
	fsys := fstest.MapFS{"one/a.json": def("a"), "two/b.json": def("b")}
	if got := strings.Join(names(fsys), " "); got != "one two" {
		t.Errorf("names = %q", got)
	}
	for _, name := range []string{"three", ".", "..", "one/../two", ""} {
		_, err := load(fsys, name)
		if morph.ErrorCode(err) != morph.ENotFound {
			t.Errorf("load(%q): %v, want not_found", name, err)
			continue
		}
		if e := morph.AsError(err); !strings.Contains(e.Text.EN, "one, two") || e.Text.ZH == "" {
			t.Errorf("load(%q): message %+v does not list the examples", name, e.Text)
		}
	}
}
