package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOddRequests: requests an integrator or an attacker may send — wrong
// media types, cut-off JSON, odd paths, odd headers, odd or oversized
// query parameters — each get a 4xx in the one error shape and change
// nothing.
func TestOddRequests(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		id := s.create("customer", `{"name": "Existing", "email": "taken@example.com"}`)["id"].(string)
		rec := "/api/records/customer/" + id
		longFilter := urlq(`name == "` + strings.Repeat("长", 1400) + `"`)
		manyNodes := urlq("visits == 1" + strings.Repeat(" || visits == 1", 120))

		for _, sc := range []scenario{
			// Media types.
			{name: "text/plain create", method: "POST", path: "/api/records/customer", body: `{"name": "x"}`, headers: []string{"Content-Type: text/plain"}, wantStatus: 415},
			{name: "XML bulk", method: "POST", path: "/api/records/customer/bulk", body: `<items/>`, headers: []string{"Content-Type: application/xml"}, wantStatus: 415},
			{name: "text/plain patch", method: "PATCH", path: rec, body: `{"visits": 1}`, headers: []string{"Content-Type: text/plain"}, wantStatus: 415},
			{name: "text/plain definition", method: "PUT", path: "/api/entities/customer", body: customerDef, headers: []string{"Content-Type: text/plain"}, wantStatus: 415},

			// Cut-off or odd JSON.
			{name: "cut-off bulk", method: "POST", path: "/api/records/customer/bulk", body: `{"items": [{"name": "a"}`, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "cut-off patch", method: "PATCH", path: rec, body: `{"visits":`, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "cut-off definition", method: "PUT", path: "/api/entities/customer", body: customerDef[:len(customerDef)/2], wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "empty body", method: "POST", path: "/api/records/customer", body: ` `, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "null body", method: "POST", path: "/api/records/customer", body: `null`, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "string body", method: "PATCH", path: rec, body: `"visits"`, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "two documents", method: "POST", path: "/api/records/customer", body: `{"name": "x"} {"name": "y"}`, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "invalid UTF-8", method: "POST", path: "/api/records/customer", body: "{\"name\": \"\xff\xfe\"}", wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "bulk items not a list", method: "POST", path: "/api/records/customer/bulk", body: `{"items": {"name": "a"}}`, wantStatus: 400},
			{name: "bulk item not an object", method: "POST", path: "/api/records/customer/bulk", body: `{"items": ["a"]}`, wantStatus: 400},

			// Odd paths.
			{name: "id not a UUID", method: "GET", path: "/api/records/customer/not-a-uuid", wantStatus: 404, want: []string{`"code":"not_found"`}},
			{name: "patch of an id not a UUID", method: "PATCH", path: "/api/records/customer/not-a-uuid", body: `{"visits": 1}`, wantStatus: 404},
			{name: "entity in capitals", method: "GET", path: "/api/records/CUSTOMER", wantStatus: 404},
			{name: "encoded slash in entity", method: "GET", path: "/api/records/..%2Fentities", wantStatus: 404},
			{name: "encoded NUL in id", method: "GET", path: "/api/records/customer/%00", wantStatus: 404},
			{name: "path below a record", method: "GET", path: rec + "/history/x", wantStatus: 404},
			{name: "definition with a bad name", method: "PUT", path: "/api/entities/bad%20name", body: `{"$id": "bad name", "type": "object", "properties": {}}`, wantStatus: 400},

			// Headers.
			{name: "Idempotency-Key too long", method: "POST", path: "/api/records/customer", body: `{"name": "x"}`, headers: []string{"Idempotency-Key: " + strings.Repeat("k", 300)}, wantStatus: 400, want: []string{`"path":"Idempotency-Key"`}},
			{name: "If-Match not a number", method: "PATCH", path: rec, body: `{"visits": 1}`, headers: []string{`If-Match: "abc"`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "If-Match zero", method: "PATCH", path: rec, body: `{"visits": 1}`, headers: []string{`If-Match: "0"`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "If-Match negative", method: "PATCH", path: rec, body: `{"visits": 1}`, headers: []string{`If-Match: "-1"`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "If-Match overflowing", method: "PATCH", path: rec, body: `{"visits": 1}`, headers: []string{`If-Match: "99999999999999999999"`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "If-Match list", method: "PATCH", path: rec, body: `{"visits": 1}`, headers: []string{`If-Match: "1", "2"`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "If-Match weak prefix alone", method: "DELETE", path: rec, headers: []string{`If-Match: W/`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "If-Match stale on delete", method: "DELETE", path: rec, headers: []string{`If-Match: "2"`}, wantStatus: 412, want: []string{`"code":"version_mismatch"`}},
			{name: "If-Match on a definition", method: "PUT", path: "/api/entities/customer", body: customerDef, headers: []string{`If-Match: "x"`}, wantStatus: 400, want: []string{`"path":"If-Match"`}},

			// Query parameters.
			{name: "limit not a number", method: "GET", path: "/api/records/customer?limit=ten", wantStatus: 400, want: []string{`"path":"limit"`}},
			{name: "limit overflowing", method: "GET", path: "/api/records/customer?limit=99999999999999999999", wantStatus: 400, want: []string{`"path":"limit"`}},
			{name: "limit zero", method: "GET", path: "/api/records/customer?limit=0", wantStatus: 400, want: []string{`"path":"limit"`}},
			{name: "count neither true nor false", method: "GET", path: "/api/records/customer?count=maybe", wantStatus: 400, want: []string{`"path":"count"`}},
			{name: "fields names an unknown field", method: "GET", path: "/api/records/customer?fields=name,colour", wantStatus: 400, want: []string{`"path":"fields"`}},
			{name: "unknown query parameter", method: "GET", path: "/api/records/customer?filtr=" + urlq(`tier == "vip"`), wantStatus: 400, want: []string{`"path":"filtr"`}},
			{name: "filter too long", method: "GET", path: "/api/records/customer?filter=" + longFilter, wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "filter too many nodes", method: "GET", path: "/api/records/customer?filter=" + manyNodes, wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "sort too long", method: "GET", path: "/api/records/customer?sort=" + strings.Repeat("name,", 300) + "name", wantStatus: 400, want: []string{`"path":"sort"`}},
		} {
			t.Run(sc.name, func(t *testing.T) {
				r := sc.run(t, s)
				var e struct {
					Status  int
					Code    string
					Message string
				}
				if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Status != r.Status || e.Code == "" || e.Message == "" {
					t.Errorf("not the error shape: %s", r.Body)
				}
			})
		}

		// Nothing changed: one customer, at version 1.
		if n := s.do("GET", "/api/records/customer?count=true", "").JSON(t)["total"]; n != float64(1) {
			t.Fatalf("odd requests changed the store: %v customers", n)
		}
		if v := s.do("GET", rec, "").JSON(t)["version"]; v != float64(1) {
			t.Fatalf("odd requests changed the record: version %v", v)
		}
	})
}
