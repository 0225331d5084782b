package api_test

import (
	"strings"
	"testing"
)

const officeCalendar = `{"label": {"en": "China office", "zh-CN": "中国办公室"}, "timezone": "Asia/Shanghai",
 "week": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], "tue": [["09:00", "12:00"], ["13:30", "18:00"]],
          "wed": [["09:00", "12:00"], ["13:30", "18:00"]], "thu": [["09:00", "12:00"], ["13:30", "18:00"]],
          "fri": [["09:00", "12:00"], ["13:30", "18:00"]]},
 "holidays": ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"], "workdays": ["2026-10-10"]}`

// caseDef has a deadline two working hours after it is opened on the
// cn_office calendar.
const caseDef = `{"$id": "case", "type": "object", "properties": {
	"opened_at": {"type": "string", "format": "date-time", "x-type": "datetime"},
	"due": {"type": "string", "format": "date-time", "x-type": "formula", "x-expr": "addWorkHours(opened_at, 2, 'cn_office')"},
	"hours_open": {"type": "number", "x-type": "formula", "x-expr": "workHoursBetween(opened_at, date('2026-10-12T00:00:00Z'), 'cn_office')"}}}`

// Calendars through the API: administrators save them (checked completely,
// errors by pointer in the caller's language, versioned with If-Match),
// every signed-in user reads them, nobody else; the built-in default is
// listed until one is saved; formulas use them; one in use is not deleted.
func TestCalendarsAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind)
		rep := "Authorization: Bearer " + s.userToken("rep@test.local")
		scenarios := []scenario{
			{name: "the built-in default", method: "GET", path: "/api/calendars", wantStatus: 200,
				want: []string{`"name":"default"`, `"builtin":true`, `"fri":[["09:00","18:00"]]`}},
			{name: "an entity naming a calendar that does not exist", method: "PUT", path: "/api/entities/case", body: caseDef, wantStatus: 400,
				want: []string{`"path":"/properties/due/x-expr"`, `"code":"unknown_calendar"`, `"offset":27`}},
			{name: "a bad calendar, every problem at its pointer", method: "PUT", path: "/api/calendars/cn_office", headers: []string{"Accept-Language: zh-CN"},
				body: `{"name": "hk", "timezone": "Mars/Olympus", "week": {"mon": [["09:00", "18:00"]], "tue": [["18:00", "09:00"]], "someday": []},
					"holidays": ["2026-02-30"], "workdays": ["2026-10-12"]}`, wantStatus: 400,
				want: []string{`"message":"日历有 6 处问题"`, `"path":"/name"`, `"path":"/timezone"`, `"path":"/week/tue/0/1"`, `"path":"/week/someday"`, `"path":"/holidays/0"`,
					`"path":"/workdays/0"`, "不是时区", "调休日"}},
			{name: "not JSON", method: "PUT", path: "/api/calendars/cn_office", body: `{"timezone":`, wantStatus: 400, want: []string{`"code":"invalid_json"`}},
			{name: "a bad name in the URL", method: "PUT", path: "/api/calendars/Office", body: officeCalendar, wantStatus: 400, want: []string{`"path":"/name"`}},
			{name: "nothing was saved", method: "GET", path: "/api/calendars/cn_office", wantStatus: 404, want: []string{`"code":"not_found"`}},
			{name: "save", method: "PUT", path: "/api/calendars/cn_office", body: officeCalendar, wantStatus: 201,
				want: []string{`"name":"cn_office"`, `"Asia/Shanghai"`},
				after: func(t *testing.T, s *testServer, r response) {
					if r.Header.Get("ETag") != `"1"` {
						t.Errorf("ETag %q", r.Header.Get("ETag"))
					}
				}},
			{name: "a stale version", method: "PUT", path: "/api/calendars/cn_office", body: officeCalendar, headers: []string{`If-Match: "3"`}, wantStatus: 412},
			{name: "save again", method: "PUT", path: "/api/calendars/cn_office", body: officeCalendar, headers: []string{`If-Match: "1"`}, wantStatus: 200},
			{name: "the entity now compiles", method: "PUT", path: "/api/entities/case", body: caseDef, wantStatus: 201},
			{name: "a deadline across National Day", method: "POST", path: "/api/records/case", body: `{"opened_at": "2026-09-30T09:00:00Z"}`, wantStatus: 201,
				// 17:00–18:00 on 30 September, then 09:00–10:00 on 8 October
				// in Shanghai; 1h + 8 Oct 7.5h + 9 Oct 7.5h + the make-up
				// Saturday 10 October 7.5h of working time until the 12th.
				want: []string{`"due":"2026-10-08T02:00:00.000Z"`, `"hours_open":23.5`}},
			{name: "in use", method: "DELETE", path: "/api/calendars/cn_office", wantStatus: 409, want: []string{"case/properties/due/x-expr"}},
			{name: "a rep reads the list", method: "GET", path: "/api/calendars", headers: []string{rep}, wantStatus: 200,
				want: []string{`"name":"cn_office"`, `"version":2`, `"name":"default"`}},
			{name: "a rep reads one", method: "GET", path: "/api/calendars/cn_office", headers: []string{rep}, wantStatus: 200, want: []string{`"2026-10-10"`}},
			{name: "a rep may not save", method: "PUT", path: "/api/calendars/cn_office", body: officeCalendar, headers: []string{rep}, wantStatus: 403},
			{name: "a rep may not delete", method: "DELETE", path: "/api/calendars/default", headers: []string{rep}, wantStatus: 403},
			{name: "a default of its own", method: "PUT", path: "/api/calendars/default", body: `{"timezone": "UTC", "week": {"sat": [["10:00", "16:00"]]}}`, wantStatus: 201},
			{name: "the saved default is listed", method: "GET", path: "/api/calendars", wantStatus: 200, want: []string{`"sat":[["10:00","16:00"]]`}, notWant: []string{`"builtin"`}},
			{name: "delete the saved default", method: "DELETE", path: "/api/calendars/default", headers: []string{`If-Match: "1"`}, wantStatus: 204},
			{name: "the built-in default again", method: "GET", path: "/api/calendars/default", wantStatus: 200, want: []string{`"fri":[["09:00","18:00"]]`}},
			{name: "the audit log has them", method: "GET", path: "/api/audit?kind=calendar", wantStatus: 200,
				want: []string{`"entity":"cn_office"`, `"entity":"default"`, `"action":"undefine"`}},
		}
		for _, sc := range scenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}
		if r := s.anon("GET", "/api/calendars", ""); r.Status != 401 {
			t.Errorf("anonymous list: %d", r.Status)
		}
		if r := s.anon("GET", "/api/calendars/default", ""); r.Status != 401 || strings.Contains(r.Body, "09:00") {
			t.Errorf("anonymous read: %d %s", r.Status, r.Body)
		}
	})
}
