package api_test

import (
	"strings"
	"testing"
)

func TestEntityDefinitions(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)

		// A plain JSON Schema without any x- keyword is accepted, types inferred.
		plain := `{"$id": "lead", "type": "object", "properties": {
			"name": {"type": "string"}, "email": {"type": "string", "format": "email"},
			"source": {"type": "string", "enum": ["web", "fair"]}, "since": {"type": "string", "format": "date"}}, "required": ["name"]}`
		r := s.do("PUT", "/api/entities/lead", plain)
		if r.Status != 201 {
			t.Fatalf("put plain schema: %d %s", r.Status, r.Body)
		}
		for _, want := range []string{`"x-type":"email"`, `"x-type":"select"`, `"x-type":"date"`} {
			if !strings.Contains(strings.ReplaceAll(r.Body, " ", ""), want) {
				t.Errorf("inferred definition lacks %s: %s", want, r.Body)
			}
		}
		if s.create("lead", `{"name": "n", "email": "N@EXAMPLE.COM", "since": "2026-01-05"}`)["email"] != "n@example.com" {
			t.Error("inferred email field was not normalised")
		}

		// A change takes effect at once: a new field is accepted right after PUT.
		changed := strings.Replace(plain, `"name": {"type": "string"},`, `"name": {"type": "string"}, "score": {"type": "integer"},`, 1)
		if r := s.do("PUT", "/api/entities/lead", changed); r.Status != 200 || r.Header.Get("ETag") != `"2"` {
			t.Fatalf("update definition: %d %s %v", r.Status, r.Body, r.Header)
		}
		s.create("lead", `{"name": "m", "score": 5}`)

		// A definition that breaks the meta-schema or the vocabulary: every
		// error at once, keyed by JSON pointer; nothing saved.
		bad := `{"$id": "deal", "type": "object", "properties": {
			"stage": {"type": "string", "x-type": "select"},
			"amount": {"type": "number", "minimum": "zero"},
			"account": {"type": "string", "x-type": "relation", "x-ref": "nosuch"}}, "required": ["missing"]}`
		r = s.do("PUT", "/api/entities/deal", bad)
		if r.Status != 400 {
			t.Fatalf("bad definition: %d %s", r.Status, r.Body)
		}
		for _, p := range []string{`/properties/amount/minimum`, `/properties/stage`} {
			if !strings.Contains(r.Body, p) {
				t.Errorf("errors lack %s: %s", p, r.Body)
			}
		}
		if r := s.do("GET", "/api/entities/deal", ""); r.Status != 404 {
			t.Errorf("bad definition was saved: %d", r.Status)
		}
		if r := s.do("PUT", "/api/entities/deal", `{"$id": "deal", "type": "object", "properties": {"account": {"type": "string", "x-type": "relation", "x-ref": "nosuch"}}}`); r.Status != 400 || !strings.Contains(r.Body, "/properties/account/x-ref") {
			t.Errorf("relation to a missing entity: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/entities/deal", `{"$id": "deal", "type": `); r.Status != 400 || !strings.Contains(r.Body, "invalid_json") {
			t.Errorf("malformed definition: %d %s", r.Status, r.Body)
		}
		if r := s.do("PUT", "/api/entities/other", `{"$id": "deal", "type": "object", "properties": {}}`); r.Status != 400 || !strings.Contains(r.Body, "/$id") {
			t.Errorf("$id mismatch: %d %s", r.Status, r.Body)
		}

		// Deleting an entity that others reference is refused, naming the fields.
		if r := s.do("PUT", "/api/entities/deal", `{"$id": "deal", "type": "object", "properties": {"lead": {"type": "string", "x-type": "relation", "x-ref": "lead"}}}`); r.Status != 201 {
			t.Fatalf("put deal: %d %s", r.Status, r.Body)
		}
		r = s.do("DELETE", "/api/entities/lead", "")
		if r.Status != 409 || !strings.Contains(r.Body, "deal.lead") {
			t.Fatalf("delete referenced entity: %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/entities/deal", ""); r.Status != 204 {
			t.Fatalf("delete deal: %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/entities/lead", ""); r.Status != 204 {
			t.Fatalf("delete lead: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/records/lead", ""); r.Status != 404 {
			t.Fatalf("records of a deleted entity: %d", r.Status)
		}
		list := s.do("GET", "/api/entities", "").JSON(t)
		if n := len(list["items"].([]any)); n != 0 {
			t.Fatalf("%d entities left", n)
		}
	})
}

// Indexes follow the definition: making a field unique is refused while
// records share a value, and enforced once they do not.
func TestUniqueFollowsDefinition(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, `{"$id": "tag", "type": "object", "properties": {"code": {"type": "string"}}}`)
		s.create("tag", `{"code": "A"}`)
		dup := s.create("tag", `{"code": "A"}`)
		unique := `{"$id": "tag", "type": "object", "properties": {"code": {"type": "string", "x-unique": true}}}`
		if r := s.do("PUT", "/api/entities/tag", unique); r.Status != 409 || !strings.Contains(r.Body, "/properties/code/x-unique") {
			t.Fatalf("unique over duplicates: %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/records/tag/"+dup["id"].(string), ""); r.Status != 204 {
			t.Fatal(r.Body)
		}
		if r := s.do("PUT", "/api/entities/tag", unique); r.Status != 200 {
			t.Fatalf("unique: %d %s", r.Status, r.Body)
		}
		if r := s.do("POST", "/api/records/tag", `{"code": "A"}`); r.Status != 409 {
			t.Fatalf("duplicate after unique: %d %s", r.Status, r.Body)
		}
	})
}
