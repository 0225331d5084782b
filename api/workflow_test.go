package api_test

import (
	"context"
	"crypto/hmac"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/workflow"
)

// testClock is a clock the tests move on, for back-off.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

func (s *testServer) drain() {
	s.t.Helper()
	if err := s.wf.Drain(context.Background(), 500); err != nil {
		s.t.Fatal(err)
	}
}

const assignRule = `{"label": {"en": "Follow up", "zh-CN": "跟进"}, "entity": "customer", "trigger": {"type": "created"},
	"when": "tier != 'vip'",
	"actions": [{"type": "notify", "to": "[owner]", "message": {"en": "New customer {{name}}", "zh-CN": "新客户 {{name}}"}},
	            {"type": "set", "after": true, "values": {"visits": "visits + 1"}}]}`

// The rule routes: saved checked completely, versioned with If-Match,
// administrators only; runs, dry runs and notifications.
func TestWorkflowRoutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		for _, sc := range []scenario{
			{name: "bad rule", method: "PUT", path: "/api/workflows/follow", headers: []string{"Accept-Language: zh-CN"},
				body:       `{"entity": "customer", "trigger": {"type": "created"}, "when": "visits >", "actions": [{"type": "create", "entity": "ghost", "values": {"a": "1"}}]}`,
				wantStatus: 400, want: []string{`"/when"`, `"/actions/0/entity"`, "unknown_entity", "工作流规则有 2 处问题"}},
			{name: "name not the URL's", method: "PUT", path: "/api/workflows/follow", body: `{"name": "other", "entity": "customer", "trigger": {"type": "created"}, "actions": [{"type": "set", "values": {"visits": "1"}}]}`,
				wantStatus: 400, want: []string{`"/name"`}},
			{name: "not JSON", method: "PUT", path: "/api/workflows/follow", body: `{"entity":`, wantStatus: 400, want: []string{"invalid_json"}},
			{name: "save", method: "PUT", path: "/api/workflows/follow", body: assignRule, wantStatus: 201, want: []string{`"name":"follow"`},
				after: func(t *testing.T, s *testServer, r response) {
					if r.Header.Get("ETag") != `"1"` {
						t.Errorf("ETag %q", r.Header.Get("ETag"))
					}
				}},
			{name: "stale", method: "PUT", path: "/api/workflows/follow", body: assignRule, headers: []string{`If-Match: "7"`}, wantStatus: 412},
			{name: "save again", method: "PUT", path: "/api/workflows/follow", body: assignRule, headers: []string{`If-Match: "1"`}, wantStatus: 200},
			{name: "get", method: "GET", path: "/api/workflows/follow", wantStatus: 200, want: []string{`"entity":"customer"`}},
			{name: "list", method: "GET", path: "/api/workflows", wantStatus: 200, want: []string{`"name":"follow"`, `"version":2`, `"valid":true`}},
			{name: "unknown", method: "GET", path: "/api/workflows/ghost", wantStatus: 404},
			{name: "dry run of values", method: "POST", path: "/api/workflows/follow/test", body: `{"record": {"name": "Li Lei", "tier": "normal", "owner": "u1"}}`,
				wantStatus: 200, want: []string{`"condition":true`, `"新客户 Li Lei"`, `"users":["u1"]`, `"status":"would"`}},
			{name: "dry run, condition false", method: "POST", path: "/api/workflows/follow/test", body: `{"record": {"name": "V", "tier": "vip"}}`,
				wantStatus: 200, want: []string{`"condition":false`}},
			{name: "dry run of nothing", method: "POST", path: "/api/workflows/follow/test", body: `{}`, wantStatus: 400},
			{name: "dry run of an unknown record", method: "POST", path: "/api/workflows/follow/test", body: `{"id": "0190a0a0-0000-7000-8000-0000000000ff"}`, wantStatus: 404},
			{name: "bad limit", method: "GET", path: "/api/workflows/follow/runs?limit=0", wantStatus: 400},
			{name: "unknown parameter", method: "GET", path: "/api/workflows/follow/runs?limt=3", wantStatus: 400},
			{name: "unknown run status", method: "GET", path: "/api/workflows/follow/runs?status=nope", headers: []string{"Accept-Language: zh-CN"},
				wantStatus: 400, want: []string{`"status"`, "condition_false", "status 只能是"}},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		// A rep may neither read nor change rules.
		if _, _, err := s.eng.PutRole(context.Background(), engine.System, "sales_rep", []byte(`{"entities": {"customer": {"create": true, "read": "own", "fields": {"*": "edit"}}}}`)); err != nil {
			t.Fatal(err)
		}
		rep := s.userToken("rep@test.local", "sales_rep")
		for _, r := range []response{
			s.do("GET", "/api/workflows", "", "Authorization: Bearer "+rep),
			s.do("PUT", "/api/workflows/x", assignRule, "Authorization: Bearer "+rep),
			s.do("GET", "/api/workflows/follow/runs", "", "Authorization: Bearer "+rep),
		} {
			if r.Status != 403 {
				t.Errorf("a rep got %d: %s", r.Status, r.Body)
			}
		}

		// Creates set the rule off; its runs and notifications show.
		for _, n := range []string{"A", "B", "C"} {
			s.create("customer", `{"name": "`+n+`"}`)
		}
		vip := s.create("customer", `{"name": "V", "tier": "vip"}`)
		s.drain()
		r := s.do("GET", "/api/notifications?limit=2", "")
		body := r.JSON(t)
		if r.Status != 200 || body["unread"] != float64(3) || len(body["items"].([]any)) != 2 || body["next"] == "" {
			t.Fatalf("notifications %d %s", r.Status, r.Body)
		}
		next := s.do("GET", "/api/notifications?limit=2&after="+url.QueryEscape(body["next"].(string)), "").JSON(t)
		seen := map[string]int{}
		for _, it := range append(body["items"].([]any), next["items"].([]any)...) {
			seen[it.(map[string]any)["message"].(map[string]any)["en"].(string)]++
		}
		if len(next["items"].([]any)) != 1 || seen["New customer A"] != 1 || seen["New customer B"] != 1 || seen["New customer C"] != 1 {
			t.Fatalf("pages %v and %v", body, next)
		}
		id := body["items"].([]any)[0].(map[string]any)["id"].(string)
		if r := s.do("POST", "/api/notifications/"+id+"/read", "", "Authorization: Bearer "+rep); r.Status != 404 {
			t.Fatalf("a rep read the admin's notification: %d", r.Status)
		}
		if r := s.do("POST", "/api/notifications/"+id+"/read", ""); r.Status != 204 {
			t.Fatalf("read %d %s", r.Status, r.Body)
		}
		if u := s.do("GET", "/api/notifications?unread=true", "").JSON(t); u["unread"] != float64(2) || len(u["items"].([]any)) != 2 {
			t.Fatalf("unread %v", u)
		}
		runs := s.do("GET", "/api/workflows/follow/runs?status=done", "").JSON(t)
		if items := runs["items"].([]any); len(items) != 3 || items[0].(map[string]any)["condition"] != true {
			t.Fatalf("runs %v", runs)
		}
		// The VIP's create matched the trigger, not the condition: a run
		// that says so, and nothing else.
		runs = s.do("GET", "/api/workflows/follow/runs", "").JSON(t)
		var unmet []map[string]any
		for _, it := range runs["items"].([]any) {
			if r := it.(map[string]any); r["status"] == "condition_false" {
				unmet = append(unmet, r)
			}
		}
		if len(runs["items"].([]any)) != 4 || len(unmet) != 1 || unmet[0]["record"] != vip["id"] || unmet[0]["condition"] != false ||
			unmet[0]["trigger"] != "created" {
			t.Fatalf("runs %v", runs)
		}
		if r := s.do("DELETE", "/api/workflows/follow", "", `If-Match: "1"`); r.Status != 412 {
			t.Fatalf("stale delete %d", r.Status)
		}
		if r := s.do("DELETE", "/api/workflows/follow", "", `If-Match: "2"`); r.Status != 204 {
			t.Fatalf("delete %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/audit?kind=workflow", ""); !strings.Contains(r.Body, `"undefine"`) || !strings.Contains(r.Body, `"define"`) {
			t.Fatalf("audit %s", r.Body)
		}
	})
}

// A reject rule refuses the write with its message in the caller's language.
func TestWorkflowRejectInCallersLanguage(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		if r := s.do("PUT", "/api/workflows/vip_phone", `{"entity": "customer", "trigger": {"type": "created"}, "when": "tier == 'vip' && phone == ''",
			"actions": [{"type": "reject", "message": {"en": "A VIP customer needs a phone", "zh-CN": "VIP 客户必须填写电话"}}]}`); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r := s.do("POST", "/api/records/customer", `{"name": "X", "tier": "vip"}`, "Accept-Language: zh-CN")
		if r.Status != 422 || !strings.Contains(r.Body, "VIP 客户必须填写电话") || !strings.Contains(r.Body, "workflow:vip_phone") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if n, _ := s.st.Count(context.Background(), "customer", nil); n != 0 {
			t.Fatal("a refused record was stored")
		}
		s.create("customer", `{"name": "X", "tier": "vip", "phone": "13800138000"}`)
	})
}

// Webhooks are signed, retried with back-off against a receiver that fails
// and then recovers, and end as a dead letter after MaxAttempts, visible in
// the API and sent again on request.
func TestWorkflowWebhook(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		var mu sync.Mutex
		var bodies []string
		var fails atomic.Int64
		fails.Store(2)
		var badSig atomic.Int64
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if !hmac.Equal([]byte(r.Header.Get("X-Morph-Signature")), []byte(workflow.Sign("topsecret", b))) {
				badSig.Add(1)
			}
			if fails.Add(-1) >= 0 {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
		}))
		defer recv.Close()
		clock := &testClock{}
		st := openStore(t, kind)
		s := newServerWith(t, st, workflow.Options{Now: clock.now, MaxAttempts: 4}, companyDef, customerDef)
		if r := s.do("PUT", "/api/workflows/hook", `{"entity": "customer", "trigger": {"type": "updated", "fields": ["tier"]},
			"actions": [{"type": "webhook", "url": "`+recv.URL+`/h", "secret": "topsecret"}]}`); r.Status != 201 || strings.Contains(r.Body, "topsecret") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		c := s.create("customer", `{"name": "Acme"}`)
		if r := s.do("PATCH", "/api/records/customer/"+c["id"].(string), `{"tier": "vip"}`); r.Status != 200 {
			t.Fatal(r.Body)
		}
		s.drain()
		for range 2 { // two failures, each followed by its back-off
			clock.advance(time.Hour)
			s.drain()
		}
		mu.Lock()
		got := append([]string(nil), bodies...)
		mu.Unlock()
		if len(got) != 1 || !strings.Contains(got[0], `"tier":"vip"`) || badSig.Load() != 0 {
			t.Fatalf("deliveries %q, bad signatures %d", got, badSig.Load())
		}
		done := s.do("GET", "/api/workflows/hook/deliveries?status=done", "").JSON(t)
		if items := done["items"].([]any); len(items) != 1 || items[0].(map[string]any)["attempts"] != float64(3) {
			t.Fatalf("deliveries %v", done)
		}

		// A receiver that never answers 2xx: a dead letter, redelivered.
		fails.Store(1 << 30)
		if r := s.do("PATCH", "/api/records/customer/"+c["id"].(string), `{"tier": "key"}`); r.Status != 200 {
			t.Fatal(r.Body)
		}
		s.drain()
		for range 5 {
			clock.advance(2 * time.Hour)
			s.drain()
		}
		dead := s.do("GET", "/api/workflows/hook/deliveries?status=dead", "").JSON(t)
		items := dead["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["attempts"] != float64(4) || !strings.Contains(items[0].(map[string]any)["last_error"].(string), "503") {
			t.Fatalf("dead letters %v", dead)
		}
		fails.Store(0)
		id := items[0].(map[string]any)["id"].(string)
		if r := s.do("POST", "/api/workflows/hook/deliveries/"+id+"/redeliver", ""); r.Status != 202 {
			t.Fatalf("redeliver %d %s", r.Status, r.Body)
		}
		s.drain()
		mu.Lock()
		n := len(bodies)
		mu.Unlock()
		if n != 2 {
			t.Fatalf("%d deliveries after the redelivery", n)
		}
		if r := s.do("GET", "/api/workflows/hook/deliveries?status=dead", ""); strings.Contains(r.Body, id) {
			t.Fatal("still dead after the redelivery")
		}
		if r := s.do("GET", "/api/workflows/hook/deliveries?status=lost", ""); r.Status != 400 {
			t.Fatalf("bad status %d", r.Status)
		}
		if r := s.do("POST", "/api/workflows/hook/deliveries/nope/redeliver", ""); r.Status != 404 {
			t.Fatalf("unknown delivery %d", r.Status)
		}
	})
}

// E-mails go through the outbox to the SMTP server of the SMTP URL, with
// its credentials; a server that is down is retried.
func TestWorkflowEmail(t *testing.T) {
	be := &mailBackend{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	clock := &testClock{}
	st := openStore(t, "sqlite")
	s := newServerWith(t, st, workflow.Options{Now: clock.now, SMTPURL: "smtp://crm:pw@" + l.Addr().String() + "?from=crm@example.com"}, companyDef, customerDef)
	if r := s.do("PUT", "/api/workflows/welcome", `{"entity": "customer", "trigger": {"type": "created"}, "when": "email != ''",
		"actions": [{"type": "email", "to": "email", "language": "zh-CN", "subject": {"en": "Welcome", "zh-CN": "欢迎 {{name}}"},
		"body": {"en": "Hello", "zh-CN": "您好，{{name}}"}}]}`); r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	be.failNext.Store(1)
	s.create("customer", `{"name": "韩梅梅", "email": "mm@example.com"}`)
	s.drain()
	clock.advance(time.Hour)
	s.drain()
	be.mu.Lock()
	defer be.mu.Unlock()
	if len(be.msgs) != 1 || be.user != "crm" || !strings.Contains(be.msgs[0], "mm@example.com") || !strings.Contains(be.msgs[0], "您好，韩梅梅") {
		t.Fatalf("messages %q (user %q)", be.msgs, be.user)
	}
}

// mailBackend is an in-process SMTP server's store of what it received.
type mailBackend struct {
	mu       sync.Mutex
	msgs     []string
	user     string
	failNext atomic.Int64
}

func (b *mailBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{b: b}, nil }

type mailSession struct {
	b  *mailBackend
	to []string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if pass != "pw" {
			return smtp.ErrAuthFailed
		}
		s.b.mu.Lock()
		s.b.user = user
		s.b.mu.Unlock()
		return nil
	}), nil
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	if s.b.failNext.Add(-1) >= 0 {
		return &smtp.SMTPError{Code: 421, Message: "try later"}
	}
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = append(s.to, to); return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, "To: "+strings.Join(s.to, ",")+"\n"+string(b))
	s.b.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }
