package schema_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

// The name a definition is saved under names the entity; $id may be
// absent, the same name, or a URI that identifies the document elsewhere.
func TestParseNamed(t *testing.T) {
	const props = `"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "number"}}`
	for _, tc := range []struct {
		name     string
		doc      string
		wantErr  []string // paths of the errors, in order
		wantJSON []string // substrings of the stored definition
	}{
		{name: "no $id", doc: `{` + props + `}`,
			wantJSON: []string{`"$id":"owner"`, `"properties":{"zeta":`}},
		{name: "the same name", doc: `{"$id": "owner", ` + props + `}`,
			wantJSON: []string{`"$id":"owner"`}},
		{name: "a URL", doc: `{"$id": "https://example.com/owner.json", ` + props + `}`,
			wantJSON: []string{`"$id":"owner"`, `"x-source-id":"https://example.com/owner.json"`}},
		{name: "a URL of another name", doc: `{"$id": "https://example.com/schemas/person.json", ` + props + `}`,
			wantJSON: []string{`"$id":"owner"`, `"x-source-id":"https://example.com/schemas/person.json"`}},
		{name: "a path", doc: `{"$id": "/schemas/owner", ` + props + `}`,
			wantJSON: []string{`"$id":"owner"`, `"x-source-id":"/schemas/owner"`}},
		{name: "a URN", doc: `{"$id": "urn:example:owner", ` + props + `}`,
			wantJSON: []string{`"x-source-id":"urn:example:owner"`}},
		{name: "another name", doc: `{"$id": "person", ` + props + `}`, wantErr: []string{"/$id"}},
		{name: "another name written differently", doc: `{"$id": "Owner", ` + props + `}`, wantErr: []string{"/$id"}},
		{name: "not text", doc: `{"$id": 7, ` + props + `}`, wantErr: []string{"/$id"}},
		{name: "another name beside other problems", doc: `{"$id": "person", "type": "object", "properties": {"a": {"type": "string", "x-type": "nosuch"}}}`,
			wantErr: []string{"/$id", "/properties/a/x-type"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := schema.ParseNamed("owner", []byte(tc.doc))
			if len(tc.wantErr) > 0 {
				me := morph.AsError(err)
				if me == nil || me.Code != morph.EInvalid {
					t.Fatalf("got %v, want errors at %v", err, tc.wantErr)
				}
				var paths []string
				for _, fe := range me.Fields {
					paths = append(paths, fe.Path)
				}
				if strings.Join(paths, " ") != strings.Join(tc.wantErr, " ") {
					t.Fatalf("errors at %v, want %v", paths, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Name != "owner" {
				t.Fatalf("name %q", e.Name)
			}
			for _, w := range tc.wantJSON {
				if !strings.Contains(string(e.JSON()), w) {
					t.Errorf("stored definition lacks %s: %s", w, e.JSON())
				}
			}
			again, err := schema.Parse(e.JSON())
			if err != nil || again.Name != "owner" {
				t.Fatalf("the stored definition does not parse again: %v", err)
			}
		})
	}
	// An invalid URL name is reported as the entity name it becomes.
	if _, err := schema.ParseNamed("Bad-Name", []byte(`{`+props+`}`)); morph.ErrorCode(err) != morph.EInvalid || !strings.Contains(err.Error(), "/$id") {
		t.Fatalf("a bad name: %v", err)
	}
	if _, err := schema.ParseNamed("owner", []byte(`{"type": `)); morph.ErrorCode(err) != morph.EInvalidJSON {
		t.Fatalf("not JSON: %v", err)
	}
}

// Nothing a definition refers to is fetched: neither a relative $ref
// resolved against a URL $id, nor an absolute $ref or $schema.
func TestParseNamedFetchesNothing(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/schema+json")
		w.Write([]byte(`{"type": "object", "properties": {"city": {"type": "string"}}}`))
	}))
	defer srv.Close()
	for _, doc := range []string{
		`{"$id": "` + srv.URL + `/owner.json", "type": "object", "properties": {"address": {"$ref": "address.json"}}}`,
		`{"$id": "` + srv.URL + `/owner.json", "type": "object", "properties": {"address": {"$ref": "` + srv.URL + `/address.json"}}}`,
		`{"$schema": "` + srv.URL + `/meta.json", "type": "object", "properties": {"name": {"type": "string"}}}`,
	} {
		if _, err := schema.ParseNamed("owner", []byte(doc)); morph.ErrorCode(err) != morph.EInvalid {
			t.Errorf("%s: got %v, want a refusal", doc, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d request(s) for referenced documents", n)
	}
	// A reference inside the document still resolves.
	doc := `{"$id": "` + srv.URL + `/owner.json", "type": "object", "$defs": {"city": {"type": "string"}},
		"properties": {"city": {"$ref": "#/$defs/city", "x-type": "text"}}}`
	if _, err := schema.ParseNamed("owner", []byte(doc)); err != nil {
		t.Fatalf("a local reference: %v", err)
	}
}
