package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/identity"
	"github.com/morphcrm/morph/workflow"
)

// Definitions the scenarios use: a company and its customers.
const companyDef = `{
  "$id": "company", "title": "Company", "x-label": {"zh-CN": "公司"},
  "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 100, "x-type": "text", "x-unique": true, "x-label": {"en": "Name", "zh-CN": "名称"}},
    "region": {"type": "string", "enum": ["east", "south", "north"], "x-type": "select", "x-indexed": true}
  },
  "required": ["name"]
}`

const customerDef = `{
  "$id": "customer", "title": "Customer", "x-label": {"zh-CN": "客户"},
  "type": "object",
  "properties": {
    "name":    {"type": "string", "maxLength": 200, "x-type": "text", "x-label": {"en": "Name", "zh-CN": "名称"}},
    "phone":   {"type": "string", "x-type": "phone", "x-label": {"en": "Phone", "zh-CN": "电话"}},
    "email":   {"type": "string", "format": "email", "x-type": "email", "x-unique": true},
    "tier":    {"type": "string", "enum": ["vip", "key", "normal"], "default": "normal", "x-type": "select"},
    "visits":  {"type": "integer", "minimum": 0, "x-type": "integer"},
    "amount":  {"type": "number", "x-type": "number", "x-indexed": true},
    "tags":    {"type": "array", "items": {"type": "string"}, "x-type": "tags"},
    "company": {"type": "string", "x-type": "relation", "x-ref": "company"},
    "address": {"type": "object", "x-type": "json"}
  },
  "required": ["name"]
}`

// testServer is a Morph API over a fresh store.
type testServer struct {
	t     *testing.T
	app   *fiber.App
	eng   *engine.Engine
	st    store.Store
	ids   *identity.Service
	wf    *workflow.Service
	token string // the session token of the tests' administrator, sent by do
}

// newServer starts an API over a fresh embedded store with the given
// entity definitions saved.
func newServer(t *testing.T, kind string, defs ...string) *testServer {
	t.Helper()
	return newServerOn(t, openStore(t, kind), defs...)
}

// openStore opens a fresh store of a kind, closed when the test ends.
func openStore(t *testing.T, kind string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	switch kind {
	case "sqlite":
		st, err = sqlite.Open(ctx, t.TempDir()+"/morph.db")
	case "mongo":
		st, err = mongo.Open(ctx, mongotest.URI(t))
	default:
		t.Fatalf("unknown store %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// forEachStore runs a scenario test on the embedded store and on MongoDB
// (an embedded FerretDB, or the server of MORPH_TEST_MONGO_URI).
func forEachStore(t *testing.T, fn func(t *testing.T, kind string)) {
	for _, kind := range eachstore.Kinds {
		t.Run(kind, func(t *testing.T) { fn(t, kind) })
	}
}

func newServerOn(t *testing.T, st store.Store, defs ...string) *testServer {
	t.Helper()
	return newServerWith(t, st, workflow.Options{}, defs...)
}

// newServerWith is newServerOn with the workflow service's options (its
// directory is the identity service).
func newServerWith(t *testing.T, st store.Store, wfOpts workflow.Options, defs ...string) *testServer {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		var probe struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal([]byte(d), &probe); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.PutEntity(ctx, engine.System, probe.ID, []byte(d)); err != nil {
			t.Fatalf("definition %s: %v", probe.ID, err)
		}
	}
	ids := testIdentity(eng, identity.Options{})
	if wfOpts.Logger == nil {
		wfOpts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	wfOpts.Directory = ids
	wf, err := workflow.New(ctx, eng, wfOpts)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, app: api.New(eng, api.Options{Identity: ids, Workflow: wf}), eng: eng, st: st, ids: ids, wf: wf, token: signIn(t, ids)}
}

// response is what a request got back.
type response struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body into a map.
func (r response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends a request as the tests' administrator (a Bearer session token);
// headers are "Name: value" strings. An Authorization header among them
// replaces the administrator's ("Authorization:" sends none).
func (s *testServer) do(method, path, body string, headers ...string) response {
	s.t.Helper()
	return s.send(method, path, body, append([]string{"Authorization: Bearer " + s.token}, headers...)...)
}

// anon sends a request without credentials.
func (s *testServer) anon(method, path, body string, headers ...string) response {
	s.t.Helper()
	return s.send(method, path, body, headers...)
}

func (s *testServer) send(method, path, body string, headers ...string) response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	res, err := s.app.Test(req, -1)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// create posts a record and returns it, failing the test unless it is created.
func (s *testServer) create(entity, body string) map[string]any {
	s.t.Helper()
	r := s.do("POST", "/api/records/"+entity, body)
	if r.Status != 201 {
		s.t.Fatalf("create %s: status %d: %s", entity, r.Status, r.Body)
	}
	return r.JSON(s.t)
}

// scenario is one request and what its response must and must not contain.
type scenario struct {
	name       string
	method     string
	path       string
	body       string
	headers    []string
	wantStatus int
	want       []string // substrings the body must contain
	notWant    []string // substrings the body must not contain
	after      func(t *testing.T, s *testServer, r response)
}

func (sc scenario) run(t *testing.T, s *testServer) response {
	t.Helper()
	r := s.do(sc.method, sc.path, sc.body, sc.headers...)
	if r.Status != sc.wantStatus {
		t.Fatalf("status %d, want %d; body: %s", r.Status, sc.wantStatus, r.Body)
	}
	for _, w := range sc.want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("body lacks %q: %s", w, r.Body)
		}
	}
	for _, w := range sc.notWant {
		if strings.Contains(r.Body, w) {
			t.Errorf("body has %q: %s", w, r.Body)
		}
	}
	if sc.after != nil {
		sc.after(t, s, r)
	}
	return r
}
