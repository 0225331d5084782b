package api_test

import (
	"strings"
	"testing"
)

const viewRepRole = `{"entities": {"customer": {"create": true, "read": "own", "update": "own",
	"fields": {"*": "edit", "phone": "masked", "amount": "hidden"}}}}`

// The routes of saved views, end to end: who may do what, the shapes
// returned, and bad input that is refused and changes nothing.
func TestViewsAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		if r := s.do("PUT", "/api/roles/rep", viewRepRole); r.Status != 201 {
			t.Fatalf("role: %d %s", r.Status, r.Body)
		}
		s.addUser("ann@example.com", "rep")
		s.addUser("bob@example.com", "rep")
		ann, bob := bearer(s.tokenOf("ann@example.com")), bearer(s.tokenOf("bob@example.com"))
		as := func(who, method, path, body string, headers ...string) response {
			t.Helper()
			return s.send(method, path, body, append([]string{who}, headers...)...)
		}

		// Generated views for a new entity.
		r := as(ann, "GET", "/api/entities/customer/views", "")
		if r.Status != 200 || !strings.Contains(r.Body, `"id":"default"`) || !strings.Contains(r.Body, `"id":"default_kanban"`) ||
			!strings.Contains(r.Body, `"generated":true`) || strings.Contains(r.Body, `"field":"amount"`) || strings.Contains(r.Body, `"amount"`) {
			t.Fatalf("generated: %d %s", r.Status, r.Body)
		}

		// Ann saves a private view.
		mine := `{"type": "list", "label": {"en": "My VIPs", "zh-CN": "我的 VIP"}, "columns": [{"field": "name", "width": 240}, {"field": "tier"}],
			"filter": "tier == 'vip' && owner == user.id", "sort": "-created_at", "pageSize": 50}`
		r = as(ann, "POST", "/api/entities/customer/views", mine)
		if r.Status != 201 || r.Header.Get("ETag") != `"1"` {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		v := r.JSON(t)
		id := v["id"].(string)
		if r.Header.Get("Location") != "/api/entities/customer/views/"+id || v["owner"] == "" || v["version"] != float64(1) ||
			v["generated"] != false || v["shared"] != false || v["entity"] != "customer" || v["pageSize"] != float64(50) {
			t.Fatalf("created view: %v %s", r.Header, r.Body)
		}
		path := "/api/entities/customer/views/" + id
		if r := as(ann, "GET", path, ""); r.Status != 200 || r.Header.Get("ETag") != `"1"` || !strings.Contains(r.Body, `"label":{"en":"My VIPs","zh-CN":"我的 VIP"}`) {
			t.Fatalf("get: %d %s", r.Status, r.Body)
		}
		r = as(ann, "GET", "/api/entities/customer/views", "")
		if !strings.Contains(r.Body, `"My VIPs"`) || !strings.Contains(r.Body, `"id":"default"`) || !strings.Contains(r.Body, `"id":"default_kanban"`) {
			t.Fatalf("ann's list: %s", r.Body)
		}

		scenarios := []struct {
			name, who, method, path, body string
			headers                       []string
			status                        int
			want                          []string
		}{
			{"no credentials", "", "GET", "/api/entities/customer/views", "", nil, 401, []string{`"code":"unauthenticated"`}},
			{"no credentials to save", "", "POST", "/api/entities/customer/views", mine, nil, 401, []string{`"code":"unauthenticated"`}},
			{"another's private view", bob, "GET", path, "", nil, 404, []string{`"code":"not_found"`}},
			{"another's private view, change", bob, "PUT", path, mine, nil, 404, nil},
			{"another's private view, delete", bob, "DELETE", path, "", nil, 404, nil},
			{"bob's list lacks it", bob, "GET", "/api/entities/customer/views", "", nil, 200, []string{`"id":"default"`}},
			{"an entity the rep may not read", ann, "GET", "/api/entities/company/views", "", nil, 404, []string{`"code":"not_found"`}},
			{"unknown entity", ann, "POST", "/api/entities/ghost/views", mine, nil, 404, nil},
			{"unknown view", ann, "GET", "/api/entities/customer/views/0190a0a0-0000-7000-8000-000000000001", "", nil, 404, nil},
			{"not a view id", ann, "GET", "/api/entities/customer/views/nope", "", nil, 404, nil},
			{"the view under another entity", s.authHeader(), "GET", "/api/entities/company/views/" + id, "", nil, 404, nil},
			{"sharing is for administrators", ann, "POST", "/api/entities/customer/views",
				`{"type": "list", "label": {"en": "x"}, "columns": [{"field": "name"}], "shared": true}`, nil, 403, []string{`"code":"forbidden"`}},
			{"sharing one's own view", ann, "PUT", path, strings.Replace(mine, `"type"`, `"shared": true, "type"`, 1), nil, 403, nil},
			{"bad JSON", ann, "POST", "/api/entities/customer/views", `{"type": "list",`, nil, 400, []string{`"code":"invalid_json"`}},
			{"not an object", ann, "POST", "/api/entities/customer/views", `[]`, nil, 400, []string{`"code":"invalid"`}},
			{"not JSON", ann, "POST", "/api/entities/customer/views", `type=list`, []string{"Content-Type: text/plain"}, 415, nil},
			{"too large", ann, "POST", "/api/entities/customer/views", `{"label": {"en": "` + strings.Repeat("x", 300<<10) + `"}}`, nil, 413, nil},
			{"every problem at once", ann, "POST", "/api/entities/customer/views",
				`{"type": "kanban", "label": {"en": "x"}, "columns": [{"field": "amount"}, {"field": "ghost", "width": 10}], "filter": "tier == 'vip' && (",
				  "sort": "-phone", "groupBy": "name", "cardFields": ["email", "colour"], "extra": 1}`, []string{"Accept-Language: zh-CN"}, 400,
				[]string{`"code":"invalid"`, `{"path":"/cardFields/1","code":"unknown_field"`, `{"path":"/columns/0/field","code":"not_readable"`,
					`{"path":"/columns/1/field","code":"unknown_field"`, `{"path":"/columns/1/width","code":"range"`, `{"path":"/extra","code":"unknown_key"`,
					`"path":"/filter","code":"syntax"`, `"offset":18`, `{"path":"/groupBy","code":"not_groupable"`,
					`{"path":"/sort","code":"not_readable"`, "视图有"}},
			{"bad If-Match", ann, "PUT", path, mine, []string{"If-Match: soon"}, 400, []string{`"path":"If-Match"`}},
			{"stale If-Match", ann, "PUT", path, mine, []string{`If-Match: "7"`}, 412, []string{`"code":"version_mismatch"`}},
			{"generated views are not stored", ann, "DELETE", "/api/entities/customer/views/default", "", nil, 404, nil},
			{"a method the route lacks", ann, "PATCH", path, `{}`, nil, 405, nil},
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) {
				var headers []string
				if sc.who != "" {
					headers = append(headers, sc.who)
				}
				r := s.send(sc.method, sc.path, sc.body, append(headers, sc.headers...)...)
				if r.Status != sc.status {
					t.Fatalf("status %d, want %d: %s", r.Status, sc.status, r.Body)
				}
				for _, w := range sc.want {
					if !strings.Contains(r.Body, w) {
						t.Errorf("body lacks %s: %s", w, r.Body)
					}
				}
			})
		}
		// None of that changed anything.
		if r := as(ann, "GET", path, ""); r.Header.Get("ETag") != `"1"` || !strings.Contains(r.Body, `"My VIPs"`) || strings.Contains(r.Body, `"shared":true`) {
			t.Fatalf("after refused changes: %v %s", r.Header, r.Body)
		}
		if r := s.do("GET", "/api/audit?kind=view", ""); strings.Count(r.Body, `"action":"define"`) != 1 {
			t.Fatalf("audit after refused changes: %s", r.Body)
		}

		// The owner changes it; the administrator shares it; then bob sees
		// it, without the fields hidden from him (those he sees masked stay),
		// but may not change it.
		upd := `{"type": "list", "label": {"en": "VIPs"}, "columns": [{"field": "name"}, {"field": "phone"}, {"field": "amount"}]}`
		if r := as(ann, "PUT", path, upd, `If-Match: "1"`); r.Status != 400 || !strings.Contains(r.Body, `"/columns/2/field"`) || strings.Contains(r.Body, `"/columns/1/field"`) {
			t.Fatalf("masked and hidden columns: %d %s", r.Status, r.Body)
		}
		upd = `{"type": "list", "label": {"en": "VIPs"}, "columns": [{"field": "name"}, {"field": "tier"}]}`
		if r := as(ann, "PUT", path, upd, `If-Match: "1"`); r.Status != 200 || r.Header.Get("ETag") != `"2"` {
			t.Fatalf("owner's change: %d %s", r.Status, r.Body)
		}
		shared := `{"type": "list", "label": {"en": "VIPs"}, "shared": true, "columns": [{"field": "name"}, {"field": "amount"}, {"field": "phone"}]}`
		if r := s.do("PUT", path, shared); r.Status != 200 || !strings.Contains(r.Body, `"shared":true`) || !strings.Contains(r.Body, `"field":"amount"`) {
			t.Fatalf("admin shares: %d %s", r.Status, r.Body)
		}
		r = as(bob, "GET", "/api/entities/customer/views", "")
		if !strings.Contains(r.Body, `"VIPs"`) || strings.Contains(r.Body, `"amount"`) || !strings.Contains(r.Body, `"phone"`) {
			t.Fatalf("bob's list: %s", r.Body)
		}
		if r := as(bob, "PUT", path, upd); r.Status != 403 {
			t.Fatalf("bob changes ann's view: %d %s", r.Status, r.Body)
		}
		if r := as(bob, "DELETE", path, ""); r.Status != 403 {
			t.Fatalf("bob deletes ann's view: %d %s", r.Status, r.Body)
		}
		if r := as(ann, "DELETE", path, "", `If-Match: "3"`); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := as(ann, "GET", path, ""); r.Status != 404 {
			t.Fatalf("deleted: %d %s", r.Status, r.Body)
		}
		r = s.do("GET", "/api/audit?kind=view&record="+id, "")
		if strings.Count(r.Body, `"action":"define"`) != 3 || strings.Count(r.Body, `"action":"undefine"`) != 1 {
			t.Fatalf("audit: %s", r.Body)
		}
	})
}

// authHeader is the administrator's Authorization header.
func (s *testServer) authHeader() string { return "Authorization: Bearer " + s.token }
