package schema_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

const cnOffice = `{"name": "cn_office", "label": {"en": "China office", "zh-CN": "中国办公室"}, "timezone": "Asia/Shanghai",
 "week": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], "tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]],
          "thu": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]]},
 "holidays": ["2026-10-01", "2026-10-02"], "workdays": ["2026-10-10", {"date": "2026-09-27", "as": "fri"}]}`

func TestParseCalendar(t *testing.T) {
	c, err := schema.ParseCalendar([]byte(cnOffice))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "cn_office" || c.Label != morph.T("China office", "中国办公室") || c.Timezone != "Asia/Shanghai" {
		t.Fatalf("got %+v", c)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	at := func(s string) time.Time { tm, _ := time.ParseInLocation("2006-01-02 15:04", s, sh); return tm }
	for _, tc := range []struct {
		from  string
		hours float64
		to    string
	}{
		{"2026-09-28 11:00", 2, "2026-09-28 14:30"}, // Monday's lunch break
		{"2026-09-29 11:00", 2, "2026-09-29 13:00"}, // Tuesday has none
		{"2026-09-30 17:00", 2, "2026-10-05 10:00"}, // two holidays, then Monday (no lunch before 12:00)
		{"2026-10-09 17:00", 2, "2026-10-10 10:00"}, // the make-up Saturday, Monday's hours
		{"2026-10-10 11:00", 2, "2026-10-10 14:30"},
		{"2026-09-26 10:00", 10, "2026-09-28 10:00"}, // the make-up Sunday, Friday's hours (9h)
	} {
		got, err := c.Work.AddWorkHours(at(tc.from), tc.hours)
		if err != nil || !got.Equal(at(tc.to)) {
			t.Errorf("%s + %vh = %v (%v), want %s", tc.from, tc.hours, got, err, tc.to)
		}
	}
	// A label falls back to the name; a calendar in UTC round the clock.
	c, err = schema.ParseCalendar([]byte(`{"name": "always", "timezone": "UTC", "week": {"sun": [["00:00", "24:00"]]}}`))
	if err != nil || c.Label != morph.T("always", "always") || c.Work.WeekHours() != 24 {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestParseCalendarErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want map[string]string // path → code
	}{
		{"not JSON", `{"name": `, nil},
		{"missing parts", `{"label": {"en": "x"}}`, map[string]string{"/name": "required", "/timezone": "required", "/week": "required"}},
		{"unknown keys", `{"name": "a", "timezone": "UTC", "week": {"mon": [["09:00", "18:00"]], "monday": []}, "hours": 1, "label": {"fr": "x"}}`,
			map[string]string{"/hours": "unknown_key", "/week/monday": "unknown_key", "/label/fr": "unknown_key"}},
		{"a bad name", `{"name": "Office", "timezone": "UTC", "week": {"mon": [["09:00", "18:00"]]}}`, map[string]string{"/name": "format"}},
		{"a time zone that does not exist", `{"name": "a", "timezone": "Asia/Atlantis", "week": {"mon": [["09:00", "18:00"]]}}`, map[string]string{"/timezone": "timezone"}},
		{"the machine's zone", `{"name": "a", "timezone": "Local", "week": {"mon": [["09:00", "18:00"]]}}`, map[string]string{"/timezone": "timezone"}},
		{"a path for a zone", `{"name": "a", "timezone": "../../etc/passwd", "week": {"mon": [["09:00", "18:00"]]}}`, map[string]string{"/timezone": "format"}},
		{"bad times", `{"name": "a", "timezone": "UTC", "week": {"mon": [["9:00", "18:00"], ["19:00", "24:01"], ["20:00"]], "tue": "all day"}}`,
			map[string]string{"/week/mon/0/0": "format", "/week/mon/1/1": "format", "/week/mon/2": "too_few", "/week/tue": "type"}},
		{"hours out of order", `{"name": "a", "timezone": "UTC", "week": {"mon": [["13:00", "12:00"]], "tue": [["09:00", "13:00"], ["12:00", "18:00"]], "wed": [["24:00", "24:00"]]}}`,
			map[string]string{"/week/mon/0/1": "order", "/week/tue/1/0": "overlap", "/week/wed/0/0": "time"}},
		{"no working time", `{"name": "a", "timezone": "UTC", "week": {"sat": []}, "workdays": ["2026-10-10"]}`, map[string]string{"/week": "no_hours"}},
		{"bad dates", `{"name": "a", "timezone": "UTC", "week": {"mon": [["09:00", "18:00"]]}, "holidays": ["2026-02-30", "2026-1-1", 20261001, "2026-10-01", "2026-10-01", "1800-01-01"]}`,
			map[string]string{"/holidays/0": "date", "/holidays/1": "format", "/holidays/2": "type", "/holidays/4": "duplicate", "/holidays/5": "date"}},
		{"bad make-up days", `{"name": "a", "timezone": "UTC", "week": {"mon": [["09:00", "18:00"]]}, "holidays": ["2026-10-03"],
			"workdays": ["2026-10-03", "2026-10-05", {"date": "2026-10-10", "as": "sun"}, {"as": "mon"}, {"date": "2026-10-11", "as": "someday"},
			             "2026-10-17", "2026-10-17", {"date": "2026-10-18", "hours": 8}, 7]}`,
			map[string]string{"/workdays/0": "conflict", "/workdays/1": "already_working", "/workdays/2/as": "no_hours", "/workdays/3/date": "required",
				"/workdays/4/as": "enum", "/workdays/6": "duplicate", "/workdays/7/hours": "unknown_key", "/workdays/8": "type"}},
		{"too many", `{"name": "a", "timezone": "UTC", "week": {"mon": [` + strings.Repeat(`["09:00", "10:00"], `, 12) + `["11:00", "12:00"]]},
			"holidays": [` + strings.Repeat(`"2026-01-01", `, 2000) + `"2026-01-02"]}`,
			map[string]string{"/week/mon": "too_many", "/holidays": "too_many"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schema.ParseCalendar([]byte(tc.doc))
			me := morph.AsError(err)
			if me == nil {
				t.Fatalf("accepted: %v", err)
			}
			if tc.want == nil {
				if me.Code != morph.EInvalidJSON {
					t.Fatalf("code %s", me.Code)
				}
				return
			}
			got := map[string]string{}
			for _, fe := range me.Fields {
				got[fe.Path] = fe.Code
				if fe.Text.EN == "" || fe.Text.ZH == "" || strings.Contains(fe.Text.EN, "%!") || strings.Contains(fe.Text.ZH, "%!") {
					t.Errorf("%s: text %+v", fe.Path, fe.Text)
				}
			}
			if me.Code != morph.EInvalid || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v (%s)\nwant %v", got, me.Code, tc.want)
			}
		})
	}
	if _, err := schema.ParseCalendar([]byte(`{"name": "a", "holidays": ["` + strings.Repeat("x", schema.MaxCalendarSize) + `"]}`)); morph.ErrorCode(err) != morph.ETooLarge {
		t.Errorf("a huge document: %v", err)
	}
}

// TestCalendarSchemaValidates: the published JSON Schema is one any
// validator accepts, and it accepts the example.
func TestCalendarSchemaValidates(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource("calendar.json", strings.NewReader(string(schema.CalendarSchema()))); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("calendar.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	_ = json.Unmarshal([]byte(cnOffice), &doc)
	if err := s.Validate(doc); err != nil {
		t.Fatal(err)
	}
	var builtin any
	if err := json.Unmarshal([]byte(schema.DefaultCalendarDocument("Asia/Shanghai")), &builtin); err != nil || s.Validate(builtin) != nil {
		t.Fatalf("the built-in default: %v", err)
	}
	if _, err := schema.ParseCalendar([]byte(schema.DefaultCalendarDocument("Asia/Shanghai"))); err != nil {
		t.Fatal(err)
	}
}
