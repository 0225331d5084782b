package schema

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/calendar"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of a calendar document.
const (
	MaxCalendarSize     = 64 << 10
	MaxCalendarHolidays = 2000
	MaxCalendarWorkdays = 500
	MaxDaySpans         = 12
)

// DefaultCalendar is the name of the default calendar: the one
// working-time functions use when an expression names none. Until a
// calendar of that name is saved it is the built-in one, Monday to Friday,
// 09:00–18:00 in the business time zone.
const DefaultCalendar = lang.DefaultCalendarName

// Calendar is a compiled calendar document.
type Calendar struct {
	Name     string
	Label    morph.Text
	Timezone string
	Work     *calendar.Calendar // the working-time arithmetic
}

// weekdayKeys are the keys of "week" and the values of a make-up day's
// "as", by time.Weekday.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// CalendarSchema is the JSON Schema (draft 2020-12) of a calendar
// document: its shape. ParseCalendar checks the rest (a time zone that
// exists, real dates, hours in order, make-up days that make sense).
func CalendarSchema() []byte { return []byte(calendarSchema) }

const calendarSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///calendar.json",
  "title": "Morph business calendar",
  "description": "Working hours per weekday in a time zone, holidays, and make-up working days (调休). Working-time functions (addWorkHours, workHoursBetween, addWorkDays, isWorkingTime) count only its working hours.",
  "type": "object",
  "required": ["name", "timezone", "week"],
  "propertyNames": {"enum": ["name", "label", "timezone", "week", "holidays", "workdays"]},
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
    "label": {
      "type": "object",
      "propertyNames": {"enum": ["en", "zh-CN"]},
      "additionalProperties": {"type": "string", "maxLength": 200}
    },
    "timezone": {"type": "string", "description": "An IANA time zone, such as Asia/Shanghai", "pattern": "^[A-Za-z][A-Za-z0-9_+\\-]*(/[A-Za-z0-9_+\\-]+){0,2}$", "maxLength": 64},
    "week": {
      "type": "object",
      "description": "The working hours of each weekday: intervals [start, end] as HH:MM, in order, not overlapping; a day left out has none",
      "propertyNames": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
      "additionalProperties": {"$ref": "#/$defs/hours"}
    },
    "holidays": {
      "type": "array", "maxItems": 2000,
      "description": "Dates without working hours, whatever their weekday",
      "items": {"$ref": "#/$defs/date"}
    },
    "workdays": {
      "type": "array", "maxItems": 500,
      "description": "Make-up working days: dates whose weekday has no working hours but which are working days — with the hours of the weekday named by as, or of the first weekday that has hours (Monday first)",
      "items": {
        "type": ["string", "object"],
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "required": ["date"],
        "propertyNames": {"enum": ["date", "as"]},
        "properties": {"date": {"$ref": "#/$defs/date"}, "as": {"$ref": "#/$defs/weekday"}}
      }
    }
  },
  "$defs": {
    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "time": {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"},
    "weekday": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    "hours": {
      "type": "array", "maxItems": 12,
      "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"$ref": "#/$defs/time"}}
    }
  }
}`

var calendarValidator = sync.OnceValue(func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource("morph:///calendar.json", strings.NewReader(calendarSchema)); err != nil {
		panic(err)
	}
	return c.MustCompile("morph:///calendar.json")
})

// ParseCalendar checks a calendar document (JSON) and compiles it. A
// document that is wrong returns a *morph.Error with code EInvalid
// (EInvalidJSON when it is not JSON, ETooLarge beyond MaxCalendarSize)
// whose Fields name every problem at once, keyed by JSON pointer
// ("/week/mon/1/0", "/holidays/3", "/timezone").
func ParseCalendar(doc []byte) (*Calendar, error) {
	raw, root, err := decodeDocument(doc, MaxCalendarSize, morph.Text{EN: "calendar", ZH: "日历"})
	if err != nil {
		return nil, err
	}
	c := &docCheck{bad: map[string]bool{}}
	for _, fe := range calendarShapeErrors(raw) {
		c.report(fe)
		c.bad[fe.Path] = true
	}
	cal := &Calendar{}
	cal.Name, _ = root["name"].(string)
	var label morph.Text
	if lm, ok := root["label"].(map[string]any); ok {
		var shown []morph.FieldError // reported by the shape check
		readLabels(&label, lm, "/label", &shown)
	}
	cal.Label = fillLabel(label, cal.Name)

	var loc *time.Location
	if tz, ok := root["timezone"].(string); ok && !c.bad["/timezone"] {
		cal.Timezone = tz
		if loc, err = time.LoadLocation(tz); err != nil || tz == "Local" {
			loc = nil
			c.add("/timezone", "timezone", morph.T("%q is not a time zone; use an IANA name such as Asia/Shanghai or UTC",
				"%q 不是时区；请使用 IANA 时区名，例如 Asia/Shanghai 或 UTC", tz))
		}
	}
	week := c.week(root["week"])
	holidays := c.holidays(root["holidays"])
	workdays := c.workdays(root["workdays"], week, holidays)
	if len(c.errs) == 0 && loc != nil {
		hol := make([]calendar.Date, 0, len(holidays))
		for d := range holidays {
			hol = append(hol, d)
		}
		work, err := calendar.New(loc, week, hol, workdays)
		if err != nil { // the checks above should have said why
			c.add("", "calendar", morph.T("The calendar cannot be used: %s", "日历无法使用：%s", err.Error()))
		}
		cal.Work = work
	}
	if len(c.errs) > 0 {
		return nil, c.failed(morph.T("The calendar has %d problem(s)", "日历有 %d 处问题", len(c.errs)))
	}
	return cal, nil
}

// week reads the working hours of each weekday; at least one has some.
func (c *docCheck) week(v any) (week [7][]calendar.Span) {
	wm, ok := v.(map[string]any)
	if !ok || c.bad["/week"] {
		return week
	}
	total := 0
	for d, key := range weekdayKeys {
		list, _ := wm[key].([]any)
		path := "/week/" + key
		if c.bad[path] {
			total++ // reported already; not also "no hours"
			continue
		}
		prevEnd := -1
		for i, item := range list {
			ip := path + "/" + strconv.Itoa(i)
			pair, _ := item.([]any)
			if len(pair) != 2 || c.bad[ip] || c.bad[ip+"/0"] || c.bad[ip+"/1"] {
				total++
				continue
			}
			start, end := clockMinutes(pair[0]), clockMinutes(pair[1])
			total++ // meant as working time, even when wrong
			switch {
			case start == calendar.MinutesPerDay:
				c.add(ip+"/0", "time", morph.T("24:00 may only end an interval", "24:00 只能作为时段的结束时间"))
			case end <= start:
				c.add(ip+"/1", "order", morph.T("An interval ends after it starts", "时段的结束时间必须晚于开始时间"))
			case start < prevEnd:
				c.add(ip+"/0", "overlap", morph.T("The intervals of a day are in order and do not overlap: this one starts before the one before it ends",
					"一天内的时段必须按顺序排列且互不重叠：此时段在上一个时段结束前开始"))
			default:
				week[d] = append(week[d], calendar.Span{Start: start, End: end})
			}
			prevEnd = max(prevEnd, end)
		}
	}
	if total == 0 {
		c.add("/week", "no_hours", morph.T("The week has no working hours: give at least one day an interval such as [\"09:00\", \"18:00\"]",
			"每周没有任何工作时间：请至少为一天设置时段，例如 [\"09:00\", \"18:00\"]"))
	}
	return week
}

// clockMinutes reads "HH:MM" (its form checked) as minutes after midnight.
func clockMinutes(v any) int {
	s, _ := v.(string)
	if len(s) != 5 {
		return -1
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	return h*60 + m
}

// holidays reads the holidays: real dates, each once.
func (c *docCheck) holidays(v any) map[calendar.Date]bool {
	list, _ := v.([]any)
	out := make(map[calendar.Date]bool, len(list))
	if c.bad["/holidays"] {
		return out
	}
	for i, item := range list {
		path := "/holidays/" + strconv.Itoa(i)
		if d, ok := c.date(item, path); ok {
			if out[d] {
				c.add(path, "duplicate", morph.T("%s is named twice", "%s 重复出现", d))
			}
			out[d] = true
		}
	}
	return out
}

// date reads a date whose form has been checked.
func (c *docCheck) date(v any, path string) (calendar.Date, bool) {
	s, _ := v.(string)
	if c.bad[path] || s == "" {
		return calendar.Date{}, false
	}
	d, ok := calendar.ParseDate(s)
	if !ok || d.Year < 1900 || d.Year > 2200 {
		c.add(path, "date", morph.T("%q is not a date between 1900 and 2200 (YYYY-MM-DD)", "%q 不是 1900 至 2200 年之间的日期（YYYY-MM-DD）", s))
		return calendar.Date{}, false
	}
	return d, true
}

// workdays reads the make-up days: real dates, each once, not holidays,
// on a weekday without working hours, with the hours of a weekday that
// has some.
func (c *docCheck) workdays(v any, week [7][]calendar.Span, holidays map[calendar.Date]bool) []calendar.Workday {
	list, _ := v.([]any)
	if c.bad["/workdays"] {
		return nil
	}
	first := time.Weekday(-1) // the first weekday with hours, Monday first
	for i := 1; i <= 7; i++ {
		if d := time.Weekday(i % 7); first < 0 && len(week[d]) > 0 {
			first = d
		}
	}
	seen := map[calendar.Date]bool{}
	var out []calendar.Workday
	for i, item := range list {
		path := "/workdays/" + strconv.Itoa(i)
		if c.bad[path] {
			continue
		}
		dateV, datePath, as := item, path, first
		if m, ok := item.(map[string]any); ok {
			dateV, datePath = m["date"], path+"/date"
			if s, ok := m["as"].(string); ok && !c.bad[path+"/as"] {
				for d, k := range weekdayKeys {
					if k == s {
						as = time.Weekday(d)
					}
				}
				if len(week[as]) == 0 && !c.bad["/week/"+s] {
					c.add(path+"/as", "no_hours", morph.T("%s has no working hours to lend to a make-up day", "%s 没有工作时间，不能作为调休日的工作时间", s))
					continue
				}
			}
		}
		d, ok := c.date(dateV, datePath)
		switch {
		case !ok || first < 0:
			continue
		case seen[d]:
			c.add(datePath, "duplicate", morph.T("%s is named twice", "%s 重复出现", d))
		case holidays[d]:
			c.add(datePath, "conflict", morph.T("%s is also a holiday", "%s 同时被列为假日", d))
		case len(week[d.Weekday()]) > 0:
			c.add(datePath, "already_working", morph.Text{
				EN: fmt.Sprintf("%s is a %s, which is a working day already: a make-up day falls on a day without working hours (a weekend)", d, d.Weekday()),
				ZH: fmt.Sprintf("%s 是%s，本来就是工作日：调休日应是没有工作时间的日子（如周末）", d, weekdayZH[d.Weekday()])})
		default:
			seen[d] = true
			out = append(out, calendar.Workday{Date: d, As: as})
		}
	}
	return out
}

var weekdayZH = [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// docCheck gathers the problems of a definition document. A path the shape
// check has reported gets no second problem from the checks of meaning.
type docCheck struct {
	errs []morph.FieldError
	bad  map[string]bool
}

func (c *docCheck) report(fe morph.FieldError) { c.errs = append(c.errs, fe) }

func (c *docCheck) add(path, code string, t morph.Text) {
	if !c.bad[path] {
		c.report(settingError(path, code, t))
		c.bad[path] = true
	}
}

func (c *docCheck) failed(t morph.Text) error {
	errs := c.errs
	sort.SliceStable(errs, func(i, j int) bool { return pointerLess(errs[i].Path, errs[j].Path) })
	return &morph.Error{Code: morph.EInvalid, Fields: errs, Text: t}
}

// calendarShapeErrors checks a decoded calendar against CalendarSchema,
// one problem per pointer. A missing property is keyed by its own pointer
// ("/timezone"), an unknown key by the key's pointer.
func calendarShapeErrors(v any) []morph.FieldError {
	err := calendarValidator().Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []morph.FieldError
	for _, leaf := range Leaves(ve) {
		kw := leaf.KeywordLocation[strings.LastIndex(leaf.KeywordLocation, "/")+1:]
		path := leaf.InstanceLocation
		if strings.Contains(leaf.KeywordLocation, "/propertyNames/") {
			kw = "propertyNames"
		}
		if kw == "required" {
			// "missing properties: 'timezone', 'week'": one problem each.
			for _, name := range []string{"name", "timezone", "week", "date"} {
				if strings.Contains(leaf.Message, "'"+name+"'") {
					out = append(out, settingError(path+"/"+name, "required", calendarShapeText(kw, path+"/"+name, leaf.Message)))
				}
			}
			continue
		}
		out = append(out, settingError(path, calendarShapeCodes[kw], calendarShapeText(kw, path, leaf.Message)))
	}
	return dedupePaths(out)
}

var calendarShapeCodes = map[string]string{
	"propertyNames": "unknown_key", "type": "type", "enum": "enum", "pattern": "format",
	"maxItems": "too_many", "minItems": "too_few", "maxLength": "too_long",
}

func calendarShapeText(kw, path, msg string) morph.Text {
	key := path[strings.LastIndex(path, "/")+1:]
	switch kw {
	case "required":
		switch key {
		case "name":
			return morph.T("name, the calendar's name, is required", "必须提供 name（日历名称）")
		case "timezone":
			return morph.T("timezone, an IANA time zone such as Asia/Shanghai, is required", "必须提供 timezone（IANA 时区，例如 Asia/Shanghai）")
		case "week":
			return morph.T(`week, the working hours of each weekday, is required: {"mon": [["09:00", "18:00"]], …}`, `必须提供 week（每个工作日的工作时间）：{"mon": [["09:00", "18:00"]], …}`)
		}
		return morph.T("date is required", "必须提供 date")
	case "propertyNames":
		switch {
		case path == "/week/"+key:
			return morph.T("The days of the week are mon, tue, wed, thu, fri, sat and sun", "一周的日子为 mon、tue、wed、thu、fri、sat 和 sun")
		case strings.HasPrefix(path, "/workdays/"):
			return morph.T("A make-up day is a date, or {\"date\": …, \"as\": \"mon\"}", "调休日是日期，或 {\"date\": …, \"as\": \"mon\"}")
		case strings.HasPrefix(path, "/label/"):
			return morph.T("A label has en and zh-CN", "标签只有 en 和 zh-CN")
		}
		return morph.T("Unknown key; a calendar has name, label, timezone, week, holidays and workdays", "未知的键：日历只有 name、label、timezone、week、holidays 和 workdays")
	case "pattern":
		switch {
		case key == "name":
			return morph.T("A calendar's name starts with a lower-case letter and uses only a-z, 0-9 and _ (at most 40)", "日历名称以小写字母开头，只含 a-z、0-9 和 _（最多 40 个字符）")
		case key == "timezone":
			return morph.T("timezone is an IANA time zone such as Asia/Shanghai", "timezone 必须是 IANA 时区，例如 Asia/Shanghai")
		case strings.HasPrefix(path, "/week/"):
			return morph.T("A time is HH:MM, from 00:00 to 24:00", "时间格式为 HH:MM，从 00:00 到 24:00")
		}
		return morph.T("A date is YYYY-MM-DD", "日期格式为 YYYY-MM-DD")
	case "enum":
		return morph.T("A weekday is one of mon, tue, wed, thu, fri, sat, sun", "星期只能是 mon、tue、wed、thu、fri、sat、sun 之一")
	case "minItems", "maxItems":
		switch {
		case path == "/holidays":
			return morph.T("A calendar may have at most %d holidays", "日历最多 %d 个假日", MaxCalendarHolidays)
		case path == "/workdays":
			return morph.T("A calendar may have at most %d make-up days", "日历最多 %d 个调休日", MaxCalendarWorkdays)
		case strings.Count(path, "/") == 2:
			return morph.T("A day has at most %d intervals", "一天最多 %d 个时段", MaxDaySpans)
		}
		return morph.T(`An interval is a start and an end: ["09:00", "12:00"]`, `时段由开始和结束时间组成：["09:00", "12:00"]`)
	case "maxLength":
		return morph.T("%s is too long", "%s 太长", key)
	case "type":
		switch {
		case strings.Contains(msg, "expected string") || strings.Contains(msg, "expected string or object"):
			if strings.HasPrefix(path, "/workdays/") {
				return morph.T("A make-up day is a date, or {\"date\": …, \"as\": \"mon\"}", "调休日是日期，或 {\"date\": …, \"as\": \"mon\"}")
			}
			return morph.T("%s must be text", "%s 必须是文本", key)
		case strings.Contains(msg, "expected object"):
			return morph.T("%s must be an object", "%s 必须是对象", key)
		case strings.Contains(msg, "expected array"):
			return morph.T("%s must be a list", "%s 必须是列表", key)
		}
	}
	return morph.T("Not a valid calendar: %s", "不是有效的日历：%s", msg)
}

// DefaultCalendarDocument is the document of the built-in default
// calendar in a time zone: Monday to Friday, 09:00–18:00.
func DefaultCalendarDocument(tz string) string {
	return fmt.Sprintf(`{"name":"default","label":{"en":"Default","zh-CN":"默认"},"timezone":%s,`+
		`"week":{"mon":[["09:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]],"thu":[["09:00","18:00"]],"fri":[["09:00","18:00"]]}}`,
		strconv.Quote(tz))
}
