package api_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
)

// contractDef is an entity that a workflow rule creates records of.
const contractDef = `{"$id": "contract", "type": "object", "properties": {"title": {"type": "string", "x-type": "text"}}}`

// wonRule names customer (its entity), contract (what it creates) and the
// calendar cn_office (in its condition).
const wonRule = `{"entity": "customer", "trigger": {"type": "updated", "fields": ["tier"]},
	"when": "workHoursBetween(created_at, now(), 'cn_office') > 2",
	"actions": [{"type": "set", "values": {"visits": "visits + 1"}}, {"type": "create", "entity": "contract", "values": {"title": "name"}}]}`

// Entities and calendars that workflow rules and SLA policies name are neither deleted nor renamed: the change is
// refused with 409 in_use, changing nothing, naming every place that names them (kind and name in the pointer), in
// the caller's language. Once nothing names them, they go.
func TestNamedDefinitionsStay(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef, slaTicketDef, contractDef)
		for _, put := range []struct{ path, body string }{
			{"/api/calendars/cn_office", officeCalendar},
			{"/api/workflows/won", wonRule},
			{"/api/slas/ticket_sla", slaPolicy},
		} {
			if r := s.do("PUT", put.path, put.body); r.Status != 201 {
				t.Fatalf("%s: %d %s", put.path, r.Status, r.Body)
			}
		}
		rep := "Authorization: Bearer " + s.userToken("rep@test.local")
		scenarios := []scenario{
			{name: "who names contract", method: "GET", path: "/api/entities/contract/references", wantStatus: 200,
				want: []string{`{"kind":"workflow","name":"won","path":"/actions/1/entity","pointer":"/workflows/won/actions/1/entity","message":"Workflow rule won names it at /actions/1/entity"}`}},
			{name: "who names customer", method: "GET", path: "/api/entities/customer/references", headers: []string{"Accept-Language: zh-CN"}, wantStatus: 200,
				want: []string{`"pointer":"/workflows/won/entity"`, "工作流规则 won 在 /entity 引用了它"}},
			{name: "who names company", method: "GET", path: "/api/entities/company/references", wantStatus: 200,
				want: []string{`{"kind":"entity","name":"customer","path":"/properties/company","pointer":"/entities/customer/properties/company"`}},
			{name: "who names the calendar", method: "GET", path: "/api/calendars/cn_office/references", wantStatus: 200,
				want: []string{`"pointer":"/workflows/won/when"`, `"pointer":"/slas/ticket_sla/calendar"`}},
			{name: "the built-in default calendar", method: "GET", path: "/api/calendars/default/references", wantStatus: 200, want: []string{`{"items":[]}`}},
			{name: "references of an unknown entity", method: "GET", path: "/api/entities/nosuch/references", wantStatus: 404},
			{name: "references of an unknown calendar", method: "GET", path: "/api/calendars/nosuch/references", wantStatus: 404},
			{name: "references for administrators only", method: "GET", path: "/api/entities/contract/references", headers: []string{rep}, wantStatus: 403},
			{name: "a rule creates its records", method: "DELETE", path: "/api/entities/contract", wantStatus: 409,
				want: []string{`"code":"in_use"`, `"path":"/workflows/won/actions/1/entity"`, `"code":"referenced"`,
					`Other definitions name \"contract\"`, "Workflow rule won names it at /actions/1/entity"},
				notWant: []string{`"path":"/workflows/won/entity"`}},
			{name: "in Chinese", method: "DELETE", path: "/api/entities/contract", headers: []string{"Accept-Language: zh-CN"}, wantStatus: 409,
				want: []string{`"code":"in_use"`, "其他定义引用了", "工作流规则 won 在 /actions/1/entity 引用了它"}},
			{name: "nor renamed", method: "POST", path: "/api/entities/contract/rename", body: `{"name": "agreement"}`, wantStatus: 409,
				want: []string{`"code":"in_use"`, `"path":"/workflows/won/actions/1/entity"`}},
			{name: "a rule's own entity", method: "DELETE", path: "/api/entities/customer", wantStatus: 409,
				want: []string{`"code":"in_use"`, `"path":"/workflows/won/entity"`}},
			{name: "an SLA policy's entity", method: "DELETE", path: "/api/entities/ticket", wantStatus: 409,
				want: []string{`"code":"in_use"`, `"path":"/slas/ticket_sla/entity"`, "SLA policy ticket_sla names it at /entity"}},
			{name: "an SLA policy's entity is not renamed", method: "POST", path: "/api/entities/ticket/rename", body: `{"name": "case"}`, wantStatus: 409,
				want: []string{`"path":"/slas/ticket_sla/entity"`}},
			{name: "relations of other entities: the same answer", method: "DELETE", path: "/api/entities/company", wantStatus: 409,
				want: []string{`"code":"in_use"`, `"path":"/entities/customer/properties/company"`, `"code":"referenced"`}},
			{name: "a calendar that a policy and a rule's expression name", method: "DELETE", path: "/api/calendars/cn_office", wantStatus: 409,
				want: []string{`"code":"in_use"`, `"path":"/slas/ticket_sla/calendar"`, `"path":"/workflows/won/when"`}},
			{name: "nothing changed: contract", method: "GET", path: "/api/entities/contract", wantStatus: 200},
			{name: "nothing changed: ticket", method: "GET", path: "/api/entities/ticket", wantStatus: 200},
			{name: "nothing changed: the calendar", method: "GET", path: "/api/calendars/cn_office", wantStatus: 200},
			{name: "nothing changed: the rule is valid", method: "GET", path: "/api/workflows", wantStatus: 200, want: []string{`"valid":true`}},
			{name: "a rule naming a calendar that does not exist", method: "PUT", path: "/api/workflows/other",
				body: strings.Replace(wonRule, "cn_office", "hk_office", 1), wantStatus: 400,
				want: []string{`"path":"/when"`, `"code":"unknown_calendar"`, `"offset":36`}},
			// The rule no longer creates contracts: contract goes; the calendar stays while the rule's condition and
			// the policy name it.
			{name: "change the rule", method: "PUT", path: "/api/workflows/won", headers: []string{`If-Match: "1"`},
				body: strings.Replace(wonRule, `, {"type": "create", "entity": "contract", "values": {"title": "name"}}`, "", 1), wantStatus: 200},
			{name: "contract is named no more", method: "DELETE", path: "/api/entities/contract", wantStatus: 204},
			{name: "a rule may not name it now", method: "PUT", path: "/api/workflows/won", body: wonRule, wantStatus: 400,
				want: []string{`"path":"/actions/1/entity"`, `"code":"unknown_entity"`}},
			{name: "delete the policy", method: "DELETE", path: "/api/slas/ticket_sla", wantStatus: 204},
			{name: "the rule still names the calendar", method: "DELETE", path: "/api/calendars/cn_office", wantStatus: 409,
				want: []string{`"path":"/workflows/won/when"`}, notWant: []string{"/slas/"}},
			{name: "the rule's condition without it", method: "PUT", path: "/api/workflows/won", headers: []string{`If-Match: "2"`},
				body:       strings.Replace(strings.Replace(wonRule, `, {"type": "create", "entity": "contract", "values": {"title": "name"}}`, "", 1), `, 'cn_office'`, "", 1),
				wantStatus: 200},
			{name: "the calendar goes", method: "DELETE", path: "/api/calendars/cn_office", wantStatus: 204},
			{name: "ticket goes", method: "DELETE", path: "/api/entities/ticket", wantStatus: 204},
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
	})
}

// A rule or an SLA policy saved while its entity is deleted: of the two, never both succeed (a rule naming an entity
// that is gone would be left behind); the one that loses is refused.
func TestRuleSaveAndEntityDeleteRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		for i := range 8 {
			name := "tmp" + strconv.Itoa(i)
			if r := s.do("PUT", "/api/entities/"+name, `{"$id": "`+name+`", "type": "object", "properties": {"title": {"type": "string"}}}`); r.Status != 201 {
				t.Fatalf("put %s: %d %s", name, r.Status, r.Body)
			}
			var rule, del response
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				rule = s.do("PUT", "/api/workflows/r"+strconv.Itoa(i), `{"entity": "`+name+`", "trigger": {"type": "created"}, "actions": [{"type": "set", "values": {"title": "'x'"}}]}`)
			}()
			go func() { defer wg.Done(); del = s.do("DELETE", "/api/entities/"+name, "") }()
			wg.Wait()
			switch {
			case rule.Status == 201 && del.Status == 409 && strings.Contains(del.Body, `"path":"/workflows/r`+strconv.Itoa(i)+`/entity"`):
			case rule.Status == 400 && strings.Contains(rule.Body, "unknown_entity") && del.Status == 204:
			default:
				t.Fatalf("rule %d %s; delete %d %s", rule.Status, rule.Body, del.Status, del.Body)
			}
		}
		for i := range 8 {
			name := "case" + strconv.Itoa(i)
			if r := s.do("PUT", "/api/entities/"+name, strings.Replace(slaTicketDef, `"$id": "ticket"`, `"$id": "`+name+`"`, 1)); r.Status != 201 {
				t.Fatalf("put %s: %d %s", name, r.Status, r.Body)
			}
			policy := strings.Replace(strings.Replace(slaPolicy, `"entity": "ticket", "calendar": "cn_office"`, `"entity": "`+name+`"`, 1), `"label"`, `"active": false, "label"`, 1)
			var put, del response
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); put = s.do("PUT", "/api/slas/p"+strconv.Itoa(i), policy) }()
			go func() { defer wg.Done(); del = s.do("DELETE", "/api/entities/"+name, "") }()
			wg.Wait()
			switch {
			case put.Status == 201 && del.Status == 409 && strings.Contains(del.Body, `"path":"/slas/p`+strconv.Itoa(i)+`/entity"`):
			case put.Status == 400 && strings.Contains(put.Body, "unknown_entity") && del.Status == 204:
			default:
				t.Fatalf("policy %d %s; delete %d %s", put.Status, put.Body, del.Status, del.Body)
			}
		}
	})
}
