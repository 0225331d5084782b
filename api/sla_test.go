package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
)

const slaTicketDef = `{"$id": "ticket", "type": "object", "properties": {
	"subject":  {"type": "string"},
	"priority": {"type": "string", "enum": ["normal", "urgent"], "default": "normal", "x-type": "select"},
	"status":   {"type": "string", "enum": ["open", "waiting_customer", "resolved"], "default": "open", "x-type": "select"},
	"first_response_at": {"type": "string", "format": "date-time", "x-type": "datetime"},
	"response_due":      {"type": "string", "format": "date-time", "x-type": "datetime"},
	"resolution_due":    {"type": "string", "format": "date-time", "x-type": "datetime"},
	"response_met_at":   {"type": "string", "format": "date-time", "x-type": "datetime"},
	"resolution_met_at": {"type": "string", "format": "date-time", "x-type": "datetime"},
	"response_remaining":   {"type": "number", "x-type": "number"},
	"resolution_remaining": {"type": "number", "x-type": "number"}}, "required": ["subject"]}`

const slaPolicy = `{"label": {"en": "Ticket SLA", "zh-CN": "工单 SLA"}, "entity": "ticket", "calendar": "cn_office", "priority": "priority",
	"targets": {"urgent": {"response": 1, "resolution": 8}, "*": {"response": 2, "resolution": 24}},
	"pause_when": "status == 'waiting_customer'", "responded_when": "first_response_at != nil", "resolved_when": "status == 'resolved'",
	"fields": {"response_due": "response_due", "resolution_due": "resolution_due", "response_met_at": "response_met_at",
		"resolution_met_at": "resolution_met_at", "response_remaining": "response_remaining", "resolution_remaining": "resolution_remaining"}}`

// SLA policies through the API: saved checked completely (errors at their
// pointers, in the caller's language), versioned with If-Match, audited,
// changed by administrators only, read by those who may read the entity;
// a create answers with its deadlines.
func TestSLARoutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, slaTicketDef, companyDef)
		cals, err := examples.Calendars("sme-crm")
		if err != nil || len(cals) == 0 {
			t.Fatal(err)
		}
		if r := s.do("PUT", "/api/calendars/cn_office", string(cals[0].JSON)); r.Status != 201 {
			t.Fatalf("calendar %d %s", r.Status, r.Body)
		}
		for _, sc := range []scenario{
			{name: "bad policy", method: "PUT", path: "/api/slas/ticket_sla", headers: []string{"Accept-Language: zh-CN"},
				body: strings.NewReplacer(`"cn_office"`, `"mars"`, `"urgent": {`, `"critical": {`, `"response_due": "response_due"`, `"response_due": "subject"`,
					`first_response_at != nil`, `first_response_at !=`).Replace(slaPolicy),
				wantStatus: 400, want: []string{`"/calendar"`, `"/targets/critical"`, `"/fields/response_due"`, `"/responded_when"`, "unknown_calendar", "SLA 策略有 4 处问题"}},
			{name: "not JSON", method: "PUT", path: "/api/slas/ticket_sla", body: `{"entity":`, wantStatus: 400, want: []string{"invalid_json"}},
			{name: "name not the URL's", method: "PUT", path: "/api/slas/ticket_sla", body: strings.Replace(slaPolicy, `{"label"`, `{"name": "x", "label"`, 1),
				wantStatus: 400, want: []string{`"/name"`}},
			{name: "unknown", method: "GET", path: "/api/slas/ticket_sla", wantStatus: 404},
			{name: "save", method: "PUT", path: "/api/slas/ticket_sla", body: slaPolicy, wantStatus: 201, want: []string{`"name":"ticket_sla"`},
				after: func(t *testing.T, s *testServer, r response) {
					if r.Header.Get("ETag") != `"1"` {
						t.Errorf("ETag %q", r.Header.Get("ETag"))
					}
				}},
			{name: "stale", method: "PUT", path: "/api/slas/ticket_sla", body: slaPolicy, headers: []string{`If-Match: "7"`}, wantStatus: 412},
			{name: "save again", method: "PUT", path: "/api/slas/ticket_sla", body: slaPolicy, headers: []string{`If-Match: "1"`}, wantStatus: 200,
				after: func(t *testing.T, s *testServer, r response) {
					if r.Header.Get("ETag") != `"2"` {
						t.Errorf("ETag %q", r.Header.Get("ETag"))
					}
				}},
			{name: "a second active policy", method: "PUT", path: "/api/slas/other", body: slaPolicy, wantStatus: 400, want: []string{`"/active"`}},
			{name: "get", method: "GET", path: "/api/slas/ticket_sla", wantStatus: 200, want: []string{`"entity":"ticket"`}},
			{name: "list", method: "GET", path: "/api/slas", wantStatus: 200, want: []string{`"name":"ticket_sla"`, `"version":2`, `"valid":true`, `"active":true`}},
			{name: "list with an unknown parameter", method: "GET", path: "/api/slas?entity=ticket", wantStatus: 400},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		// A create answers with its deadlines, computed in the write.
		before := time.Now().UTC().Truncate(time.Millisecond)
		rec := s.create("ticket", `{"subject": "Printer down", "priority": "urgent", "response_due": "2030-01-01T00:00:00Z"}`)
		resp, err1 := time.Parse(time.RFC3339, strOf(rec["response_due"]))
		res, err2 := time.Parse(time.RFC3339, strOf(rec["resolution_due"]))
		if err1 != nil || err2 != nil || resp.Before(before) || !res.After(resp) || resp.Year() == 2030 {
			t.Fatalf("deadlines %v %v", rec["response_due"], rec["resolution_due"])
		}
		// Waiting on the customer: paused.
		r := s.do("PATCH", "/api/records/ticket/"+rec["id"].(string), `{"status": "waiting_customer"}`)
		if m := r.JSON(t); r.Status != 200 || m["response_due"] != nil || m["resolution_remaining"] == nil {
			t.Fatalf("paused %d %s", r.Status, r.Body)
		}

		// Who may do what.
		if _, _, err := s.eng.PutRole(context.Background(), engine.System, "service_agent",
			[]byte(`{"entities": {"ticket": {"create": true, "read": "all", "update": "all", "fields": {"*": "edit"}}}}`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.eng.PutRole(context.Background(), engine.System, "sales_rep",
			[]byte(`{"entities": {"company": {"read": "all", "fields": {"*": "read"}}}}`)); err != nil {
			t.Fatal(err)
		}
		agent := bearer(s.userToken("agent@test.local", "service_agent"))
		rep := bearer(s.userToken("rep@test.local", "sales_rep"))
		if r := s.do("GET", "/api/slas", "", agent); r.Status != 200 || !strings.Contains(r.Body, `"ticket_sla"`) {
			t.Errorf("an agent's list: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/slas/ticket_sla", "", agent); r.Status != 200 {
			t.Errorf("an agent's get: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", "/api/slas", "", rep); r.Status != 200 || strings.Contains(r.Body, `"ticket_sla"`) {
			t.Errorf("a rep sees a policy of an entity they cannot read: %s", r.Body)
		}
		if r := s.do("GET", "/api/slas/ticket_sla", "", rep); r.Status != 404 {
			t.Errorf("a rep's get: %d", r.Status)
		}
		for _, r := range []response{
			s.do("PUT", "/api/slas/ticket_sla", slaPolicy, agent, "X-Morph-CSRF: 1"),
			s.do("DELETE", "/api/slas/ticket_sla", "", agent),
		} {
			if r.Status != 403 {
				t.Errorf("an agent changed a policy: %d %s", r.Status, r.Body)
			}
		}

		if r := s.do("DELETE", "/api/slas/ticket_sla", "", `If-Match: "1"`); r.Status != 412 {
			t.Fatalf("stale delete %d", r.Status)
		}
		if r := s.do("DELETE", "/api/slas/ticket_sla", "", `If-Match: "2"`); r.Status != 204 {
			t.Fatalf("delete %d %s", r.Status, r.Body)
		}
		if r := s.do("DELETE", "/api/slas/ticket_sla", ""); r.Status != 404 {
			t.Fatalf("delete again %d", r.Status)
		}
		p := s.entries("/api/audit?kind=sla")
		var actions []string
		for _, e := range p.Items {
			actions = append(actions, e.Action+":"+e.Entity)
		}
		if strings.Join(actions, ",") != "undefine:ticket_sla,define:ticket_sla,define:ticket_sla" {
			t.Fatalf("audit %v", actions)
		}
		// Without the policy, a create sets no deadline.
		if rec := s.create("ticket", `{"subject": "Later"}`); rec["response_due"] != nil {
			t.Fatalf("deadline without a policy: %v", rec)
		}
	})
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}
