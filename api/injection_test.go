package api_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestInjection: operator objects and $-keys in record documents; SQL
// fragments, quotes, operators and NUL bytes in filters, sort keys, field
// lists, expansions and entity names; path traversal in the entity and id
// segments of the URL. Each is refused with a 4xx in the one error shape
// (or, for a string that merely looks like an operator, matched literally),
// and afterwards the data is as it was: one customer, the canary, at
// version 1, and both definitions in place.
func TestInjection(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		id := s.create("customer", `{"name": "canary", "email": "canary@example.com", "address": {"city": "上海"}}`)["id"].(string)
		rec := "/api/records/customer/" + id
		list := "/api/records/customer?count=true&"
		sqlName := `name'; DROP TABLE customer; --`
		ent := "/api/records/" + url.PathEscape(sqlName)

		for _, sc := range []scenario{
			// Operator objects and $-keys in record documents.
			{name: "operator object as a value", method: "POST", path: "/api/records/customer", body: `{"name": {"$gt": ""}}`, wantStatus: 400, want: []string{`"path":"/name"`}},
			{name: "$where key", method: "POST", path: "/api/records/customer", body: `{"name": "x", "$where": "1"}`, wantStatus: 400, want: []string{`"path":"/$where"`}},
			{name: "$set as a patch", method: "PATCH", path: rec, body: `{"$set": {"name": "pwned"}}`, wantStatus: 400, want: []string{`"path":"/$set"`}},
			{name: "$unset as a patch", method: "PATCH", path: rec, body: `{"$unset": {"name": ""}}`, wantStatus: 400, want: []string{`"path":"/$unset"`}},
			{name: "$set in a json field", method: "POST", path: "/api/records/customer", body: `{"name": "x", "address": {"$set": 1}}`, wantStatus: 400, want: []string{`"path":"/address/$set"`, `"code":"key"`}},
			{name: "operator deep in a json field", method: "PATCH", path: rec, body: `{"address": {"geo": [{"$near": [0, 0]}]}}`, wantStatus: 400, want: []string{`"path":"/address/geo/0/$near"`}},
			{name: "dotted key in a json field", method: "PATCH", path: rec, body: `{"address": {"city.name": "x"}}`, wantStatus: 400, want: []string{`"path":"/address/city.name"`}},
			{name: "operator object as a relation", method: "PATCH", path: rec, body: `{"company": {"$ne": null}}`, wantStatus: 400, want: []string{`"path":"/company"`}},
			{name: "operator object in a list", method: "PATCH", path: rec, body: `{"tags": [{"$gt": ""}]}`, wantStatus: 400, want: []string{`"path":"/tags/0"`}},
			{name: "_id in a document", method: "PATCH", path: rec, body: `{"_id": "x"}`, wantStatus: 400, want: []string{`"path":"/_id"`}},
			{name: "NUL in a key", method: "PATCH", path: rec, body: `{"name\u0000": "x"}`, wantStatus: 400, want: []string{`"code":"unknown_field"`}},
			{name: "operator object in a bulk item", method: "POST", path: "/api/records/customer/bulk", body: `{"items": [{"name": "x", "address": {"$inc": {"n": 1}}}]}`, wantStatus: 200, want: []string{`"failed":1`, `"status":400`, `"path":"/address/$inc"`}},
			{name: "operator object as an upsert key's value", method: "POST", path: "/api/records/customer/bulk", body: `{"key": "email", "items": [{"email": {"$ne": null}, "name": "x"}]}`, wantStatus: 200, want: []string{`"failed":1`, `"status":400`, `"path":"/email"`}},
			{name: "$where as the upsert key", method: "POST", path: "/api/records/customer/bulk", body: `{"key": "$where", "items": [{"name": "x"}]}`, wantStatus: 400, want: []string{`"path":"/key"`}},
			{name: "SQL as the upsert key", method: "POST", path: "/api/records/customer/bulk", body: `{"key": "email'; DROP TABLE customer; --", "items": [{"name": "x"}]}`, wantStatus: 400, want: []string{`"path":"/key"`}},

			// Strings that look like operators or SQL are strings.
			{name: "operator-like string in a filter", method: "GET", path: list + "filter=" + urlq(`name == "{\"$gt\": \"\"}"`), wantStatus: 200, want: []string{`"total":0`}},
			{name: "SQL in a filter string", method: "GET", path: list + "filter=" + urlq(`name == "x' OR '1'='1"`), wantStatus: 200, want: []string{`"total":0`}},
			{name: "LIKE pattern in contains", method: "GET", path: list + "filter=" + urlq(`name contains "%"`), wantStatus: 200, want: []string{`"total":0`}},
			{name: "regular expression in startsWith", method: "GET", path: list + "filter=" + urlq(`name startsWith ".*"`), wantStatus: 200, want: []string{`"total":0`}},
			{name: "NUL in a filter string", method: "GET", path: list + "filter=" + urlq("name contains \"\x00\""), wantStatus: 200, want: []string{`"total":0`}},

			// Names: filter fields, sort keys, field lists, expansions.
			{name: "SQL as a filter field", method: "GET", path: list + "filter=" + urlq(sqlName+` == "x"`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "filter leaving its bracket", method: "GET", path: list + "filter=" + urlq(`name == "x") OR (1 == 1`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "filter with a statement after it", method: "GET", path: list + "filter=" + urlq(`name == "x"; DROP TABLE customer`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "filter calling a function", method: "GET", path: list + "filter=" + urlq(`len(name) > 0`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "filter as a MongoDB query", method: "GET", path: list + "filter=" + urlq(`{"name": {"$gt": ""}}`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "$where as a filter field", method: "GET", path: list + "filter=" + urlq(`$where == "1"`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "operator in a filter path", method: "GET", path: list + "filter=" + urlq(`address.$gt == "x"`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "quote in a filter path", method: "GET", path: list + "filter=" + urlq(`address["x') OR 1=1 --"] == "x"`), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "NUL in a filter field", method: "GET", path: list + "filter=" + urlq("na\x00me == \"x\""), wantStatus: 400, want: []string{`"path":"filter"`}},
			{name: "SQL as a sort key", method: "GET", path: list + "sort=" + urlq(sqlName), wantStatus: 400, want: []string{`"path":"sort"`}},
			{name: "quotes in a sort key", method: "GET", path: list + "sort=" + urlq(`"a\"b"`), wantStatus: 400, want: []string{`"path":"sort"`}},
			{name: "SQL in a sort path", method: "GET", path: list + "sort=" + urlq(`address.x') DESC; --`), wantStatus: 400, want: []string{`"path":"sort"`}},
			{name: "$natural as a sort key", method: "GET", path: list + "sort=" + urlq(`$natural`), wantStatus: 400, want: []string{`"path":"sort"`}},
			{name: "NUL in a sort key", method: "GET", path: list + "sort=" + urlq("name\x00"), wantStatus: 400, want: []string{`"path":"sort"`}},
			{name: "SQL in fields", method: "GET", path: list + "fields=" + urlq(`name,x) OR 1=1 --`), wantStatus: 400, want: []string{`"path":"fields"`}},
			{name: "_id in fields", method: "GET", path: list + "fields=" + urlq(`name,_id`), wantStatus: 400, want: []string{`"path":"fields"`}},
			{name: "NUL in fields", method: "GET", path: list + "fields=" + urlq("name\x00email"), wantStatus: 400, want: []string{`"path":"fields"`}},
			{name: "SQL in expand", method: "GET", path: list + "expand=" + urlq(`x) OR 1=1 --`), wantStatus: 400, want: []string{`"path":"expand"`}},
			{name: "quotes in expand", method: "GET", path: list + "expand=" + urlq(`"a\"b"`), wantStatus: 400, want: []string{`"path":"expand"`}},

			// Entity names.
			{name: "SQL as an entity: list", method: "GET", path: ent, wantStatus: 404},
			{name: "SQL as an entity: create", method: "POST", path: ent, body: `{"name": "x"}`, wantStatus: 404},
			{name: "SQL as an entity: bulk", method: "POST", path: ent + "/bulk", body: `{"items": [{"name": "x"}]}`, wantStatus: 404},
			{name: "SQL as an entity: delete", method: "DELETE", path: ent + "/" + id, wantStatus: 404},
			{name: "quoted entity", method: "DELETE", path: "/api/records/" + url.PathEscape(`"a\"b"`) + "/" + id, wantStatus: 404},
			{name: "SQL comment as an entity", method: "PATCH", path: "/api/records/" + url.PathEscape(`x) OR 1=1 --`) + "/" + id, body: `{"name": "x"}`, wantStatus: 404},
			{name: "$-entity", method: "GET", path: "/api/records/$cmd", wantStatus: 404},
			{name: "internal collection as an entity", method: "GET", path: "/api/records/_entities", wantStatus: 404},
			{name: "definition named with SQL", method: "PUT", path: "/api/entities/" + url.PathEscape(sqlName), body: `{"type": "object", "properties": {"a": {"type": "string"}}}`, wantStatus: 400},
			{name: "delete a definition named with SQL", method: "DELETE", path: "/api/entities/" + url.PathEscape(sqlName), wantStatus: 404},

			// Path traversal in the entity and id segments.
			{name: "../ in the entity", method: "DELETE", path: "/api/records/../entities/customer", wantStatus: 404},
			{name: "../ after an id", method: "DELETE", path: "/api/records/customer/../../entities/customer", wantStatus: 404},
			{name: "encoded ../ as the id", method: "DELETE", path: "/api/records/customer/..%2F..%2Fentities%2Fcustomer", wantStatus: 404},
			{name: "encoded dots as the id", method: "DELETE", path: "/api/records/customer/%2e%2e%2f%2e%2e%2fentities%2fcustomer", wantStatus: 404},
			{name: "encoded ../ as the entity", method: "DELETE", path: "/api/records/%2e%2e%2fentities/customer", wantStatus: 404},
			{name: "encoded slash between entity and id", method: "DELETE", path: "/api/records/customer%2F" + id, wantStatus: 405}, // the collection's route
			{name: "encoded slash between entity and id, read", method: "GET", path: "/api/records/customer%2F" + id, wantStatus: 404},
			{name: "encoded ../ after the id", method: "PATCH", path: rec + "%2F..", body: `{"name": "x"}`, wantStatus: 404},
			{name: ".. after the id", method: "PATCH", path: rec + "/..", body: `{"name": "x"}`, wantStatus: 404},
			{name: "dot segment before the id", method: "DELETE", path: "/api/records/customer/./" + id, wantStatus: 404},
			{name: "backslashes", method: "DELETE", path: "/api/records/customer/..%5C..%5Centities%5Ccustomer", wantStatus: 404},
			{name: "double-encoded", method: "DELETE", path: "/api/records/customer/%252e%252e%252f%252e%252e%252fentities%252fcustomer", wantStatus: 404},
			{name: "NUL after the id", method: "DELETE", path: rec + "%00", wantStatus: 404},
			{name: "NUL in the entity", method: "DELETE", path: "/api/records/customer%00/" + id, wantStatus: 404},
			{name: "id with a quote", method: "DELETE", path: rec + "'%20OR%20'1'='1", wantStatus: 404},
			{name: "id as a pattern", method: "DELETE", path: "/api/records/customer/" + id[:8] + "%25", wantStatus: 404},
		} {
			t.Run(sc.name, func(t *testing.T) {
				r := sc.run(t, s)
				if r.Status >= 400 {
					var e struct {
						Status  int
						Code    string
						Message string
					}
					if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Status != r.Status || e.Code == "" || e.Message == "" {
						t.Errorf("not the error shape: %s", r.Body)
					}
				}
				if strings.Contains(r.Body, "engine:") || strings.Contains(r.Body, "sqlite") || strings.Contains(r.Body, "mongo") {
					t.Errorf("the answer tells of the store: %s", r.Body)
				}
			})
		}

		// Nothing changed.
		if n := s.do("GET", "/api/records/customer?count=true", "").JSON(t)["total"]; n != float64(1) {
			t.Fatalf("%v customers, want 1", n)
		}
		c := s.do("GET", rec, "").JSON(t)
		if c["version"] != float64(1) || c["name"] != "canary" {
			t.Fatalf("the canary changed: %v", c)
		}
		for _, e := range []string{"customer", "company"} {
			if r := s.do("GET", "/api/entities/"+e, ""); r.Status != 200 {
				t.Fatalf("definition %s: %d %s", e, r.Status, r.Body)
			}
		}
		if r := s.do("GET", "/api/entities", ""); strings.Contains(r.Body, "DROP") {
			t.Fatalf("a definition was made: %s", r.Body)
		}
	})
}
