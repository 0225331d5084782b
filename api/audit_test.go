package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const personDef = `{"$id": "person", "type": "object", "properties": {
	"name":  {"type": "string", "x-personal": true},
	"email": {"type": "string", "x-type": "email", "x-personal": true},
	"level": {"type": "integer"}}, "required": ["name"]}`

const ticketDef = `{"$id": "ticket", "type": "object", "properties": {
	"subject": {"type": "string"},
	"person":  {"type": "string", "x-type": "relation", "x-ref": "person"}}}`

type entriesPage struct {
	Items []struct {
		Action  string         `json:"action"`
		Kind    string         `json:"kind"`
		Entity  string         `json:"entity"`
		Record  string         `json:"record"`
		Version int64          `json:"version"`
		Actor   string         `json:"actor"`
		Addr    string         `json:"addr"`
		Note    string         `json:"note"`
		Fields  []string       `json:"fields"`
		Old     map[string]any `json:"old"`
		New     map[string]any `json:"new"`
	} `json:"items"`
	Next string `json:"next"`
}

func (s *testServer) entries(path string) entriesPage {
	s.t.Helper()
	r := s.do("GET", path, "")
	if r.Status != http.StatusOK {
		s.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var p entriesPage
	if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// A record's history through the API: every write, newest first, in pages.
func TestRecordHistory(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, personDef)
		p := s.create("person", `{"name": "Zhang San", "level": 1}`)
		id := p["id"].(string)
		for v := 1; v <= 3; v++ {
			if r := s.do("PATCH", "/api/records/person/"+id, fmt.Sprintf(`{"level": %d}`, v+1)); r.Status != 200 {
				t.Fatalf("patch: %d %s", r.Status, r.Body)
			}
		}
		var versions []int64
		path := "/api/records/person/" + id + "/history?limit=3"
		first := s.entries(path)
		for _, a := range first.Items {
			versions = append(versions, a.Version)
		}
		if first.Next == "" {
			t.Fatal("no next page")
		}
		second := s.entries(path + "&after=" + urlq(first.Next))
		for _, a := range second.Items {
			versions = append(versions, a.Version)
		}
		if fmt.Sprint(versions) != "[4 3 2 1]" || second.Next != "" {
			t.Fatalf("versions %v, next %q", versions, second.Next)
		}
		u := first.Items[0]
		if u.Action != "update" || u.Actor != s.adminID() || fmt.Sprint(u.Fields) != "[level]" || u.Old["level"] != 3.0 || u.New["level"] != 4.0 {
			t.Fatalf("update entry %+v", u)
		}
		c := second.Items[0]
		if c.Action != "create" || c.New["name"] != "Zhang San" {
			t.Fatalf("create entry %+v", c)
		}
		for _, sc := range []scenario{
			{name: "never existed", method: "GET", path: "/api/records/person/0190a1b2-0000-7000-8000-000000000000/history", wantStatus: 404},
			{name: "unknown entity", method: "GET", path: "/api/records/nope/" + id + "/history", wantStatus: 404},
			{name: "unknown parameter", method: "GET", path: "/api/records/person/" + id + "/history?limt=2", wantStatus: 400, want: []string{"limt"}},
			{name: "bad limit", method: "GET", path: "/api/records/person/" + id + "/history?limit=0", wantStatus: 400, want: []string{`"limit"`}},
			{name: "bad cursor", method: "GET", path: "/api/records/person/" + id + "/history?after=xyz", wantStatus: 400, want: []string{`"after"`}},
			{name: "no writes", method: "POST", path: "/api/records/person/" + id + "/history", wantStatus: 405},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		// A deleted record's history stays readable.
		if r := s.do("DELETE", "/api/records/person/"+id, ""); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
		if h := s.entries("/api/records/person/" + id + "/history"); len(h.Items) != 5 || h.Items[0].Action != "delete" {
			t.Fatalf("history of a deleted record %+v", h)
		}
	})
}

// The audit log through the API, with its filters; nothing in the API
// changes an entry.
func TestAuditLogAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, personDef, ticketDef)
		p := s.create("person", `{"name": "Li Si"}`)
		tk := s.create("ticket", fmt.Sprintf(`{"subject": "Help", "person": %q}`, p["id"]))
		if r := s.do("PATCH", "/api/records/ticket/"+tk["id"].(string), `{"subject": "Help!"}`); r.Status != 200 {
			t.Fatalf("patch: %d", r.Status)
		}
		count := func(q string) int { return len(s.entries("/api/audit?limit=500&" + q).Items) }
		adm := s.adminID()
		for q, want := range map[string]int{
			"":                                      6, // 2 definitions and the tests' administrator (by the system), 3 record writes
			"kind=record":                           3,
			"kind=entity":                           2,
			"entity=ticket&kind=record":             2,
			"record=" + tk["id"].(string):           2,
			"action=update":                         1,
			"actor=" + adm:                          3,
			"actor=nobody":                          0,
			"from=2000-01-01T00:00:00Z":             6,
			"to=2000-01-01T00:00:00Z":               0,
			"action=create&entity=person":           1,
			"kind=record&from=2100-01-01T00:00:00Z": 0,
		} {
			if got := count(q); got != want {
				t.Errorf("%q: %d entries, want %d", q, got, want)
			}
		}
		all := s.entries("/api/audit?limit=2")
		if len(all.Items) != 2 || all.Next == "" || all.Items[0].Action != "update" {
			t.Fatalf("first page %+v", all)
		}
		for _, sc := range []scenario{
			{name: "unknown parameter", method: "GET", path: "/api/audit?user=x", wantStatus: 400, want: []string{`"user"`}},
			{name: "bad from", method: "GET", path: "/api/audit?from=yesterday", wantStatus: 400, want: []string{`"from"`}},
			{name: "bad limit", method: "GET", path: "/api/audit?limit=100000", wantStatus: 400},
			{name: "no writes to the log", method: "DELETE", path: "/api/audit", wantStatus: 405},
			{name: "no entity for the log", method: "GET", path: "/api/records/_audit", wantStatus: 404},
			{name: "no record of the log", method: "PATCH", path: "/api/records/_audit/x", body: `{"action": "x"}`, wantStatus: 404},
			{name: "no definition for the log", method: "PUT", path: "/api/entities/_audit", body: `{"type": "object", "properties": {}}`, wantStatus: 400},
			{name: "no bulk into the log", method: "POST", path: "/api/records/_audit/bulk", body: `{"items": [{"action": "x"}]}`, wantStatus: 404},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		if got := count(""); got != 6 {
			t.Fatalf("the log changed: %d entries", got)
		}
	})
}

// Export and erasure of personal data through the API.
func TestExportErase(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, personDef, ticketDef)
		created := s.do("POST", "/api/records/person", `{"name": "Wang Wu", "email": "ww@example.com", "level": 2}`, "Idempotency-Key: k-ww")
		if created.Status != 201 {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		var p map[string]any
		json.Unmarshal([]byte(created.Body), &p)
		id := p["id"].(string)
		s.create("ticket", fmt.Sprintf(`{"subject": "Refund", "person": %q}`, id))
		sc := scenario{name: "export", method: "GET", path: "/api/records/person/" + id + "/export", wantStatus: 200,
			want: []string{`"ww@example.com"`, `"Refund"`, `"history"`, `"personal_fields":["name","email"]`}}
		sc.run(t, s)
		sc = scenario{name: "erase", method: "POST", path: "/api/records/person/" + id + "/erase", wantStatus: 200,
			want: []string{`"fields":["name","email"]`}}
		sc.run(t, s)
		r := s.do("GET", "/api/records/person/"+id, "")
		if r.Status != 200 || contains(r.Body, "Wang Wu") || contains(r.Body, "ww@example.com") || !contains(r.Body, `"level":2`) {
			t.Fatalf("record after erasure: %s", r.Body)
		}
		r = s.do("GET", "/api/records/person/"+id+"/history", "")
		if contains(r.Body, "Wang Wu") || contains(r.Body, "ww@example.com") || !contains(r.Body, `"erase"`) {
			t.Fatalf("history after erasure: %s", r.Body)
		}
		r = s.do("GET", "/api/audit?limit=500", "")
		if contains(r.Body, "Wang Wu") || !contains(r.Body, `"export"`) {
			t.Fatalf("log after erasure: %s", r.Body)
		}
		// The create's replay answers as it did, without the erased values.
		r = s.do("POST", "/api/records/person", `{"name": "Wang Wu", "email": "ww@example.com", "level": 2}`, "Idempotency-Key: k-ww")
		if r.Status != 201 || contains(r.Body, "Wang Wu") || contains(r.Body, "ww@example.com") || !contains(r.Body, id) || !contains(r.Body, `"level":2`) {
			t.Fatalf("replay after erasure: %d %s", r.Status, r.Body)
		}
		for _, sc := range []scenario{
			{name: "export of a missing record", method: "GET", path: "/api/records/person/0190a1b2-0000-7000-8000-000000000000/export", wantStatus: 404},
			{name: "erase of a missing record", method: "POST", path: "/api/records/person/0190a1b2-0000-7000-8000-000000000000/erase", wantStatus: 404},
			{name: "erase without personal fields", method: "POST", path: "/api/records/ticket/" + id + "/erase", wantStatus: 422},
			{name: "export with a parameter", method: "GET", path: "/api/records/person/" + id + "/export?all=1", wantStatus: 400},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
