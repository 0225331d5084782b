package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A definition never makes the server fetch another document: a remote
// $ref or $schema is refused with a 400 naming where it is, and the server
// it names sees no request.
func TestRemoteReferencesNeverFetched(t *testing.T) {
	var fetched atomic.Int64
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/schema+json")
		w.Write([]byte(`{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "` + "http://" + r.Host + r.URL.Path + `", "type": "string", "$defs": {"s": {"type": "string"}}}`))
	}))
	defer remote.Close()
	url := remote.URL + "/x.json"
	if res, err := http.Get(url); err != nil || fetched.Swap(0) != 1 {
		t.Fatalf("the remote server does not count: %v", err)
	} else {
		res.Body.Close()
	}

	s := newServer(t, "sqlite")
	def := func(extra, field string) string {
		return `{"$id": "lead", ` + extra + `"type": "object", "properties": {"name": {"type": "string"}, "f": ` + field + `}}`
	}
	for _, tc := range []struct {
		name, body string
		status     int // 0: either way, as long as nothing is fetched
	}{
		{"remote $ref", def("", `{"$ref": "`+url+`"}`), 400},
		{"remote $ref to a fragment", def("", `{"$ref": "`+url+`#/$defs/s"}`), 400},
		{"nested remote $ref", def("", `{"type": "object", "properties": {"g": {"$ref": "`+url+`"}}}`), 400},
		{"remote $dynamicRef", def("", `{"$dynamicRef": "`+url+`#meta"}`), 400},
		{"remote $schema", def(`"$schema": "`+url+`", `, `{"type": "string"}`), 400},
		{"remote $ref nothing uses", def(`"$defs": {"r": {"$ref": "`+url+`"}}, `, `{"type": "string"}`), 400},
		{"draft-07 $schema", def(`"$schema": "`+url+`/draft-07/schema#", `, `{"type": "string"}`), 400},
		{"draft 2020-12 $schema", def(`"$schema": "https://json-schema.org/draft/2020-12/schema", `, `{"type": "string"}`), 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer s.do("DELETE", "/api/entities/lead", "")
			r := s.do("PUT", "/api/entities/lead", tc.body)
			switch {
			case tc.status == 400 && (r.Status != 400 || !strings.Contains(r.Body, url)):
				t.Errorf("status %d, want 400 naming %s: %s", r.Status, url, r.Body)
			case tc.status == 200 && r.Status != 201:
				t.Errorf("status %d, want 201: %s", r.Status, r.Body)
			case r.Status == 201:
				if c := s.do("POST", "/api/records/lead", `{"name": "n", "f": "v"}`); c.Status != 201 {
					t.Errorf("create: %d %s", c.Status, c.Body)
				}
			}
			if n := fetched.Load(); n != 0 {
				t.Fatalf("the server fetched %s %d times", url, n)
			}
		})
	}
}
