package api_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
)

func TestRecordCRUD(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		co := s.create("company", `{"name": "杭州云帆科技有限公司", "region": "east"}`)

		r := s.do("POST", "/api/records/customer", fmt.Sprintf(`{"name": "  张伟  ", "phone": "138 0013 8000", "email": "Zhang.Wei@Example.COM", "company": %q}`, co["id"]))
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		c := r.JSON(t)
		for field, want := range map[string]any{"name": "张伟", "phone": "+8613800138000", "email": "zhang.wei@example.com", "tier": "normal", "version": float64(1)} {
			if c[field] != want {
				t.Errorf("%s = %v, want %v", field, c[field], want)
			}
		}
		for _, f := range []string{"id", "created_at", "updated_at", "created_by", "updated_by", "owner"} {
			if c[f] == nil || c[f] == "" {
				t.Errorf("system field %s missing: %v", f, c)
			}
		}
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag = %q", r.Header.Get("ETag"))
		}
		id := c["id"].(string)
		if loc := r.Header.Get("Location"); loc != "/api/records/customer/"+id {
			t.Errorf("Location = %q", loc)
		}

		got := s.do("GET", "/api/records/customer/"+id, "")
		if got.Status != 200 || got.JSON(t)["email"] != "zhang.wei@example.com" {
			t.Fatalf("get: %d %s", got.Status, got.Body)
		}

		up := s.do("PATCH", "/api/records/customer/"+id, `{"visits": 3, "phone": null}`, `If-Match: "1"`)
		if up.Status != 200 {
			t.Fatalf("patch: %d %s", up.Status, up.Body)
		}
		u := up.JSON(t)
		if u["visits"] != float64(3) || u["version"] != float64(2) || u["name"] != "张伟" {
			t.Errorf("patched record: %v", u)
		}
		if _, has := u["phone"]; has {
			t.Errorf("null did not clear phone: %v", u)
		}
		// A conditional GET: 304 while the client's copy is current, the
		// record again once it changed.
		for _, tc := range []struct {
			inm  string
			want int
		}{{`"2"`, 304}, {`W/"2"`, 304}, {`"1", "2"`, 304}, {`*`, 304}, {`"1"`, 200}} {
			cg := s.do("GET", "/api/records/customer/"+id, "", "If-None-Match: "+tc.inm)
			if cg.Status != tc.want || cg.Header.Get("ETag") != `"2"` || (tc.want == 304) != (cg.Body == "") {
				t.Errorf("If-None-Match %s: %d, ETag %q, body %q; want %d", tc.inm, cg.Status, cg.Header.Get("ETag"), cg.Body, tc.want)
			}
		}
		if u["created_at"] != c["created_at"] {
			t.Errorf("created_at changed: %v -> %v", c["created_at"], u["created_at"])
		}

		if del := s.do("DELETE", "/api/records/customer/"+id, "", `If-Match: "2"`); del.Status != 204 {
			t.Fatalf("delete: %d %s", del.Status, del.Body)
		}
		if again := s.do("GET", "/api/records/customer/"+id, ""); again.Status != 404 {
			t.Fatalf("get after delete: %d %s", again.Status, again.Body)
		}
	})
}

// TestBadInput: every kind of bad input gets a clear 4xx in the one error
// shape and changes nothing.
func TestBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		existing := s.create("customer", `{"name": "Existing", "email": "taken@example.com"}`)
		id := existing["id"].(string)

		for _, sc := range []scenario{
			{name: "malformed JSON", method: "POST", path: "/api/records/customer", body: `{"name": "x",`,
				wantStatus: 400, want: []string{`"code":"invalid_json"`, `"status":400`}},
			{name: "body not an object", method: "POST", path: "/api/records/customer", body: `[1,2]`,
				wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "unknown entity", method: "POST", path: "/api/records/nosuch", body: `{"name": "x"}`,
				wantStatus: 404, want: []string{`"code":"not_found"`, `nosuch`}},
			{name: "unknown entity list", method: "GET", path: "/api/records/nosuch",
				wantStatus: 404, want: []string{`"code":"not_found"`}},
			{name: "unknown field", method: "POST", path: "/api/records/customer", body: `{"name": "x", "colour": "red"}`,
				wantStatus: 400, want: []string{`"code":"invalid"`, `"path":"/colour"`, `"code":"unknown_field"`}},
			{name: "wrong type", method: "POST", path: "/api/records/customer", body: `{"name": "x", "visits": "many"}`,
				wantStatus: 400, want: []string{`"path":"/visits"`}},
			{name: "missing required", method: "POST", path: "/api/records/customer", body: `{"tier": "vip"}`,
				wantStatus: 400, want: []string{`"path":"/name"`, `"code":"required"`}},
			{name: "blank required", method: "POST", path: "/api/records/customer", body: `{"name": "   "}`,
				wantStatus: 400, want: []string{`"path":"/name"`}},
			{name: "outside enum", method: "POST", path: "/api/records/customer", body: `{"name": "x", "tier": "gold"}`,
				wantStatus: 400, want: []string{`"path":"/tier"`, `"code":"enum"`}},
			{name: "bad phone", method: "POST", path: "/api/records/customer", body: `{"name": "x", "phone": "call me"}`,
				wantStatus: 400, want: []string{`"path":"/phone"`}},
			{name: "read-only system field", method: "POST", path: "/api/records/customer", body: `{"name": "x", "created_at": "2020-01-01T00:00:00.000Z"}`,
				wantStatus: 400, want: []string{`"path":"/created_at"`, `"code":"read_only"`}},
			{name: "body over the limit", method: "POST", path: "/api/records/customer", body: `{"name": "` + strings.Repeat("x", 1100000) + `"}`,
				wantStatus: 413, want: []string{`"code":"body_too_large"`}},
			{name: "filter does not parse", method: "GET", path: "/api/records/customer?filter=" + urlq(`name == `),
				wantStatus: 400, want: []string{`"code":"invalid_filter"`, `"path":"filter"`, `"offset":`}},
			{name: "filter names unknown field", method: "GET", path: "/api/records/customer?filter=" + urlq(`colour == "red"`),
				wantStatus: 400, want: []string{`"code":"invalid_filter"`, `colour`, `"offset":0`}},
			{name: "sort on unknown field", method: "GET", path: "/api/records/customer?sort=-colour",
				wantStatus: 400, want: []string{`"code":"invalid_filter"`, `"path":"sort"`}},
			{name: "limit too large", method: "GET", path: "/api/records/customer?limit=501",
				wantStatus: 400, want: []string{`"path":"limit"`}},
			{name: "bad cursor", method: "GET", path: "/api/records/customer?after=garbage",
				wantStatus: 400, want: []string{`"path":"after"`}},
			{name: "expand a non-relation", method: "GET", path: "/api/records/customer?expand=name",
				wantStatus: 400, want: []string{`"path":"expand"`}},
			{name: "duplicate unique value", method: "POST", path: "/api/records/customer", body: `{"name": "y", "email": "TAKEN@example.com"}`,
				wantStatus: 409, want: []string{`"code":"duplicate_value"`, `"path":"/email"`}},
			{name: "stale version", method: "PATCH", path: "/api/records/customer/" + id, body: `{"visits": 1}`, headers: []string{`If-Match: "7"`},
				wantStatus: 412, want: []string{`"code":"version_mismatch"`}},
			{name: "malformed If-Match", method: "PATCH", path: "/api/records/customer/" + id, body: `{"visits": 1}`, headers: []string{`If-Match: yesterday`},
				wantStatus: 400, want: []string{`"path":"If-Match"`}},
			{name: "relation to a missing record", method: "POST", path: "/api/records/customer", body: `{"name": "x", "company": "0190f0f0-0000-7000-8000-000000000000"}`,
				wantStatus: 422, want: []string{`"code":"unprocessable"`, `"path":"/company"`, `"code":"missing_relation"`}},
			{name: "unknown record", method: "GET", path: "/api/records/customer/0190f0f0-0000-7000-8000-000000000000",
				wantStatus: 404, want: []string{`"code":"not_found"`}},
			{name: "wrong media type", method: "POST", path: "/api/records/customer", body: `name=x`, headers: []string{"Content-Type: application/x-www-form-urlencoded"},
				wantStatus: 415, want: []string{`"code":"unsupported_media"`}},
			{name: "Chinese messages", method: "POST", path: "/api/records/customer", body: `{"tier": "gold"}`, headers: []string{"Accept-Language: zh-CN,zh;q=0.9,en;q=0.8"},
				wantStatus: 400, want: []string{"输入无效"}, notWant: []string{"The input is not valid"}},
			{name: "unknown API route", method: "GET", path: "/api/nothing",
				wantStatus: 404, want: []string{`"code":"not_found"`}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		// Nothing changed: one customer, at version 1, still with its e-mail.
		list := s.do("GET", "/api/records/customer?count=true", "").JSON(t)
		if list["total"] != float64(1) {
			t.Fatalf("bad input changed the store: total %v", list["total"])
		}
		if r := s.do("GET", "/api/records/customer/"+id, "").JSON(t); r["version"] != float64(1) {
			t.Fatalf("bad input changed the record: %v", r)
		}
	})
}

// A request with several wrong fields gets every one of them back, each
// once and in path order, whatever step of the pipeline finds it.
func TestEveryWrongFieldAtOnce(t *testing.T) {
	s := newServer(t, "sqlite", companyDef, customerDef)
	id := s.create("customer", `{"name": "Existing"}`)["id"].(string)
	paths := func(r response) []string {
		t.Helper()
		if r.Status != 400 {
			t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
		}
		var got []string
		for _, f := range r.JSON(t)["fields"].([]any) {
			got = append(got, f.(map[string]any)["path"].(string))
		}
		return got
	}
	bad := `"phone": "call me", "colour": "red", "tier": "gold", "visits": -1, "version": 3`
	if got, want := paths(s.do("POST", "/api/records/customer", `{`+bad+`}`)), []string{"/colour", "/name", "/phone", "/tier", "/version", "/visits"}; !slices.Equal(got, want) {
		t.Errorf("create: field errors at %v, want %v", got, want)
	}
	if got, want := paths(s.do("PATCH", "/api/records/customer/"+id, `{`+bad+`, "name": ""}`)), []string{"/colour", "/name", "/phone", "/tier", "/version", "/visits"}; !slices.Equal(got, want) {
		t.Errorf("patch: field errors at %v, want %v", got, want)
	}
	if r := s.do("GET", "/api/records/customer/"+id, "").JSON(t); r["version"] != float64(1) || r["name"] != "Existing" {
		t.Errorf("a refused patch changed the record: %v", r)
	}
}

func TestConcurrentPatches(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		id := s.create("customer", `{"name": "Race"}`)["id"].(string)

		// 50 PATCHes with the same If-Match: exactly one wins.
		var wg sync.WaitGroup
		statuses := make([]int, 50)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = s.do("PATCH", "/api/records/customer/"+id, fmt.Sprintf(`{"visits": %d}`, i+1), `If-Match: "1"`).Status
			}()
		}
		wg.Wait()
		wins := 0
		for _, st := range statuses {
			switch st {
			case 200:
				wins++
			case 412:
			default:
				t.Errorf("unexpected status %d", st)
			}
		}
		if wins != 1 {
			t.Fatalf("%d PATCHes won, want exactly 1", wins)
		}

		// PATCHes of different fields without If-Match never lose one another.
		fields := []string{`"visits": 7`, `"amount": 1234.5`, `"tier": "vip"`, `"tags": ["a", "b"]`, `"address": {"city": "杭州"}`, `"phone": "13900139000"`}
		for round := 0; round < 5; round++ {
			for _, f := range fields {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if r := s.do("PATCH", "/api/records/customer/"+id, "{"+f+"}"); r.Status != 200 {
						t.Errorf("patch %s: %d %s", f, r.Status, r.Body)
					}
				}()
			}
		}
		wg.Wait()
		rec := s.do("GET", "/api/records/customer/"+id, "").JSON(t)
		if rec["visits"] != float64(7) || rec["amount"] != 1234.5 || rec["tier"] != "vip" || rec["phone"] != "+8613900139000" {
			t.Fatalf("a concurrent change was lost: %v", rec)
		}
		if rec["version"] != float64(2+5*len(fields)) {
			t.Fatalf("version %v, want %d (one per write)", rec["version"], 2+5*len(fields))
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		body := `{"name": "Once"}`
		first := s.do("POST", "/api/records/customer", body, "Idempotency-Key: k-1")
		second := s.do("POST", "/api/records/customer", body, "Idempotency-Key: k-1")
		if first.Status != 201 || second.Status != 201 {
			t.Fatalf("statuses %d %d: %s %s", first.Status, second.Status, first.Body, second.Body)
		}
		if first.JSON(t)["id"] != second.JSON(t)["id"] || second.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the repeat was not a replay: %s / %s", first.Body, second.Body)
		}
		if n := s.do("GET", "/api/records/customer?count=true", "").JSON(t)["total"]; n != float64(1) {
			t.Fatalf("%v records, want 1", n)
		}
		if r := s.do("POST", "/api/records/customer", `{"name": "Other"}`, "Idempotency-Key: k-1"); r.Status != 422 {
			t.Fatalf("key reused with another body: %d %s", r.Status, r.Body)
		}
		if r := s.do("POST", "/api/records/customer", body, "Idempotency-Key: k-2"); r.Status != 201 || r.JSON(t)["id"] == first.JSON(t)["id"] {
			t.Fatalf("a new key did not create: %d %s", r.Status, r.Body)
		}
	})
}

// A path of the route table asked with a method it does not have is a 405
// naming the methods it has; an unknown path under /api is a 404.
func TestMethodNotAllowed(t *testing.T) {
	s := newServer(t, "sqlite", companyDef, customerDef)
	id := s.create("customer", `{"name": "Li"}`)["id"].(string)
	allow := func(want string) func(t *testing.T, s *testServer, r response) {
		return func(t *testing.T, s *testServer, r response) {
			if got := r.Header.Get("Allow"); got != want {
				t.Errorf("Allow = %q, want %q", got, want)
			}
		}
	}
	for _, sc := range []scenario{
		{name: "PUT a record", method: "PUT", path: "/api/records/customer/" + id, body: `{"name": "Wang"}`,
			wantStatus: 405, want: []string{`"code":"method_not_allowed"`, `"status":405`, "PUT"}, after: allow("GET, HEAD, PATCH, DELETE")},
		{name: "DELETE a collection", method: "DELETE", path: "/api/records/customer",
			wantStatus: 405, want: []string{`"code":"method_not_allowed"`}, after: allow("GET, HEAD, POST")},
		{name: "PUT bulk", method: "PUT", path: "/api/records/customer/bulk",
			wantStatus: 405, after: allow("POST, GET, HEAD, PATCH, DELETE")},
		{name: "POST an entity", method: "POST", path: "/api/entities/customer/",
			wantStatus: 405, after: allow("GET, HEAD, PUT, DELETE")},
		{name: "POST healthz", method: "POST", path: "/healthz", wantStatus: 405, after: allow("GET, HEAD")},
		{name: "a doubled slash", method: "GET", path: "//api/me", wantStatus: 404, want: []string{`"code":"not_found"`}, after: allow("")},
		{name: "in Chinese", method: "PUT", path: "/api/records/customer/" + id, headers: []string{"Accept-Language: zh-CN"},
			wantStatus: 405, want: []string{"不允许"}},
		{name: "unknown path", method: "PUT", path: "/api/nothing/here", wantStatus: 404, want: []string{`"code":"not_found"`},
			after: allow("")},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
	}
	if r := s.do("GET", "/api/records/customer/"+id, ""); r.JSON(t)["name"] != "Li" {
		t.Fatalf("the refused PUT changed the record: %s", r.Body)
	}
	// HEAD is GET without the body: the same status and headers, behind the
	// same sign-in.
	get, head := s.do("GET", "/api/records/customer/"+id, ""), s.do("HEAD", "/api/records/customer/"+id, "")
	if head.Status != 200 || head.Body != "" || head.Header.Get("ETag") != get.Header.Get("ETag") || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
		t.Errorf("HEAD: %d %q %v", head.Status, head.Body, head.Header)
	}
	if r := s.anon("HEAD", "/api/records/customer/"+id, ""); r.Status != 401 {
		t.Errorf("HEAD without credentials: %d", r.Status)
	}
}

// While a request with an Idempotency-Key runs, a repeat is a 409 with
// Retry-After; once it has finished, a repeat is its replay.
func TestIdempotencyKeyWhileRunning(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		entered, release := make(chan struct{}), make(chan struct{})
		eng, err := engine.New(context.Background(), s.st, engine.Options{Hooks: engine.Hooks{
			BeforeValidate: func(ctx context.Context, w *engine.Write) error {
				if w.Data["name"] == "Slow" {
					close(entered)
					<-release
				}
				return nil
			}}})
		if err != nil {
			t.Fatal(err)
		}
		s.app = api.New(eng, api.Options{})
		body := `{"name": "Slow"}`
		done := make(chan response)
		go func() { done <- s.do("POST", "/api/records/customer", body, "Idempotency-Key: slow-1") }()
		<-entered
		scenario{method: "POST", path: "/api/records/customer", body: body, headers: []string{"Idempotency-Key: slow-1"},
			wantStatus: 409, want: []string{`"code":"conflict"`, "still being processed"},
			after: func(t *testing.T, s *testServer, r response) {
				if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
					t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
				}
			}}.run(t, s)
		close(release)
		first := <-done
		if first.Status != 201 {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		again := s.do("POST", "/api/records/customer", body, "Idempotency-Key: slow-1")
		if again.Status != 201 || again.Body != first.Body || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("after the first finished: %d %s", again.Status, again.Body)
		}
	})
}

// PATCH is a JSON merge patch at every depth: objects merge, null removes,
// arrays and scalars replace; the merged record is normalised and validated.
func TestPatchMergesObjects(t *testing.T) {
	const dealDef = `{"$id": "deal", "type": "object", "properties": {
		"name": {"type": "string", "x-type": "text"},
		"meta": {"type": "object", "x-type": "json"},
		"revenue": {"type": "object", "x-type": "currency", "x-currency": "CNY",
			"properties": {"amount": {"type": "number", "minimum": 0}, "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}, "required": ["amount"]}},
		"required": ["name"]}`
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, dealDef)
		id := s.create("deal", `{"name": "D", "meta": {"a": 1, "b": 2, "n": {"x": 1, "y": [1, 2]}}, "revenue": {"amount": 100, "currency": "usd"}}`)["id"].(string)
		path := "/api/records/deal/" + id
		for _, sc := range []scenario{
			{name: "null removes a nested member", body: `{"meta": {"b": null}}`, wantStatus: 200,
				want: []string{`"meta":{"a":1,"n":{"x":1,"y":[1,2]}}`}},
			{name: "objects merge at depth, arrays replace", body: `{"meta": {"n": {"y": [3], "z": true}}}`, wantStatus: 200,
				want: []string{`"meta":{"a":1,"n":{"x":1,"y":[3],"z":true}}`}},
			{name: "a currency's code alone", body: `{"revenue": {"currency": "eur"}}`, wantStatus: 200,
				want: []string{`"revenue":{"amount":100,"currency":"EUR"}`}},
			{name: "a currency's amount alone", body: `{"revenue": {"amount": 7}}`, wantStatus: 200,
				want: []string{`"revenue":{"amount":7,"currency":"EUR"}`}},
			{name: "the merged value is validated", body: `{"revenue": {"amount": null}}`, wantStatus: 400,
				want: []string{`"path":"/revenue`}},
			{name: "a stale If-Match", body: `{"meta": {"a": 2}}`, headers: []string{`If-Match: "1"`}, wantStatus: 412,
				want: []string{`"code":"version_mismatch"`}},
			{name: "null at the top removes the field", body: `{"meta": null}`, headers: []string{`If-Match: "5"`}, wantStatus: 200,
				notWant: []string{`"meta"`}},
		} {
			t.Run(sc.name, func(t *testing.T) {
				sc.method, sc.path = "PATCH", path
				sc.run(t, s)
			})
		}
		if r := s.do("GET", path, ""); !strings.Contains(r.Body, `"revenue":{"amount":7,"currency":"EUR"}`) || !strings.Contains(r.Body, `"version":6`) {
			t.Fatalf("stored: %s", r.Body)
		}
	})
}
