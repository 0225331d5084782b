package lang

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// function is one entry of the function table: its name, its typed
// signatures (the checker picks the first that fits the arguments) and its
// implementation. A stateful function's signatures start with *run, which
// the compiler passes (runPatch); callers never write it.
type function struct {
	name  string
	types []any
	call  func(args ...any) (any, error)
	doc   string
	// calArg is the position (among the arguments an expression writes)
	// of a calendar's name, for the functions that take one; 0 for none.
	calArg int
}

// Function describes a function for the builder's help.
type Function struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
}

// Functions lists the functions expressions may call besides the builtins
// of expr-lang that are kept (len, upper, lower, trim, abs, ceil, floor,
// min, max, all, any, count …).
func Functions() []Function {
	out := make([]Function, len(functions))
	for i, f := range functions {
		out[i] = Function{Name: f.name, Doc: f.doc}
	}
	return out
}

// stateful names the functions whose first argument is the run's state.
var stateful = map[string]bool{}

func init() {
	for _, f := range functions {
		if t := reflect.TypeOf(f.types[0]).Elem(); t.NumIn() > 0 && t.In(0) == reflect.TypeOf((*run)(nil)) {
			stateful[f.name] = true
		}
	}
}

// funcError is a function's refusal: its text names no value of the
// record, so it is shown to the caller as it is.
type funcError string

func (e funcError) Error() string { return string(e) }

func argTime(v any) (time.Time, bool) {
	t, ok := v.(time.Time)
	return t, ok
}

func argNum(v any) float64 {
	f, _ := toFloat(v)
	return f
}

func argStr(v any) string {
	s, _ := v.(string)
	return s
}

func limitString(s string) (any, error) {
	if len(s) > MaxExprString {
		return nil, funcError(fmt.Sprintf("the text would be longer than %d bytes", MaxExprString))
	}
	return s, nil
}

// cal is the calendar named by args (the default one when args is empty).
func (r *run) cal(args []any) (*Calendar, error) {
	name := ""
	if len(args) > 0 {
		name = argStr(args[0])
	}
	if r.calendar != nil {
		if c := r.calendar(name); c != nil {
			return c, nil
		}
	}
	if name == "" || name == DefaultCalendarName {
		return DefaultCalendar(r.loc), nil
	}
	if calendarName.MatchString(name) {
		return nil, funcError(fmt.Sprintf("there is no calendar %q", name))
	}
	return nil, funcError("there is no calendar of that name") // not told: it may be a value of the record
}

// calendarName is the form of a calendar's name.
var calendarName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func midnightOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// calResult is the answer of a calendar's computation: its refusal (a span
// beyond the calendar's horizon) is the expression's.
func calResult[T any](v T, err error) (any, error) {
	if err != nil {
		return nil, funcError("the working time lies more than a hundred years away")
	}
	return v, nil
}

// fn1 wraps a function of one time argument: nil in, nil out.
func timeFn(f func(r *run, t time.Time, rest []any) (any, error)) func(args ...any) (any, error) {
	return func(args ...any) (any, error) {
		r := args[0].(*run)
		t, ok := argTime(args[1])
		if !ok {
			return nil, nil
		}
		return f(r, t, args[2:])
	}
}

func part(get func(t time.Time) int) func(args ...any) (any, error) {
	return timeFn(func(r *run, t time.Time, _ []any) (any, error) { return float64(get(t.In(r.loc))), nil })
}

func wholeDays(n float64) (int, error) {
	if math.IsNaN(n) || math.Abs(n) > 100_000 {
		return 0, funcError("addDays or addMonths: the number is out of range")
	}
	return int(math.Round(n)), nil
}

func roundTo(x float64, digits []any, how func(float64) float64) (any, error) {
	d := 0.0
	if len(digits) > 0 {
		d = argNum(digits[0])
	}
	if d < -15 || d > 15 {
		return nil, funcError("round: digits must be between -15 and 15")
	}
	p := math.Pow(10, math.Round(d))
	return how(x*p) / p, nil
}

func blank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []string:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// functions is the function table.
var functions = []function{
	// The clock and dates.
	{name: "now", doc: "now(): the current time",
		types: []any{new(func(*run) time.Time)},
		call:  func(args ...any) (any, error) { return args[0].(*run).now, nil }},
	{name: "managerOf", doc: `managerOf(owner): the manager of the user's team (of the team above when the user manages it), "" for none; in workflow rules' actions`,
		types: []any{new(func(*run, string) string)},
		call: func(args ...any) (any, error) {
			r, id := args[0].(*run), argStr(args[1])
			if r.manager == nil || id == "" {
				return "", nil
			}
			return r.manager(id), nil
		}},
	{name: "today", doc: "today(): midnight of today in the business time zone",
		types: []any{new(func(*run) time.Time)},
		call: func(args ...any) (any, error) {
			r := args[0].(*run)
			return midnightOf(r.now, r.loc), nil
		}},
	{name: "date", doc: `date("2026-05-01") or date("2026-05-01T08:00:00Z"): a date (midnight in the business time zone) or a time`,
		types: []any{new(func(*run, string) time.Time)},
		call: func(args ...any) (any, error) {
			r, s := args[0].(*run), argStr(args[1])
			if t, err := time.ParseInLocation("2006-01-02", s, r.loc); err == nil {
				return t, nil
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, funcError("date: the text is not a date (2006-01-02) or a time (RFC 3339)")
			}
			return t.In(r.loc), nil
		}},
	{name: "addDays", doc: "addDays(t, n): t moved by n calendar days",
		types: []any{new(func(*run, time.Time, float64) time.Time)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			n, err := wholeDays(argNum(rest[0]))
			if err != nil {
				return nil, err
			}
			return t.In(r.loc).AddDate(0, 0, n), nil
		})},
	{name: "addMonths", doc: "addMonths(t, n): t moved by n months",
		types: []any{new(func(*run, time.Time, float64) time.Time)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			n, err := wholeDays(argNum(rest[0]))
			if err != nil {
				return nil, err
			}
			return t.In(r.loc).AddDate(0, n, 0), nil
		})},
	{name: "addHours", doc: "addHours(t, h): t moved by h hours",
		types: []any{new(func(*run, time.Time, float64) time.Time)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			h := argNum(rest[0])
			if math.IsNaN(h) || math.Abs(h) > 1e6 {
				return nil, funcError("addHours: the number of hours is out of range")
			}
			return t.Add(time.Duration(h * float64(time.Hour))), nil
		})},
	{name: "daysBetween", doc: "daysBetween(a, b): calendar days from a to b in the business time zone (negative when b is before a)",
		types: []any{new(func(*run, time.Time, time.Time) float64)},
		call: timeFn(func(r *run, a time.Time, rest []any) (any, error) {
			b, ok := argTime(rest[0])
			if !ok {
				return nil, nil
			}
			da, db := midnightOf(a, r.loc), midnightOf(b, r.loc)
			return math.Round(db.Sub(da).Hours() / 24), nil
		})},
	{name: "hoursBetween", doc: "hoursBetween(a, b): hours from a to b",
		types: []any{new(func(*run, time.Time, time.Time) float64)},
		call: timeFn(func(r *run, a time.Time, rest []any) (any, error) {
			b, ok := argTime(rest[0])
			if !ok {
				return nil, nil
			}
			return b.Sub(a).Hours(), nil
		})},
	{name: "yearOf", doc: "yearOf(t): the year", types: []any{new(func(*run, time.Time) float64)},
		call: part(func(t time.Time) int { return t.Year() })},
	{name: "monthOf", doc: "monthOf(t): the month, 1 to 12", types: []any{new(func(*run, time.Time) float64)},
		call: part(func(t time.Time) int { return int(t.Month()) })},
	{name: "dayOf", doc: "dayOf(t): the day of the month", types: []any{new(func(*run, time.Time) float64)},
		call: part(func(t time.Time) int { return t.Day() })},
	{name: "weekdayOf", doc: "weekdayOf(t): the day of the week, 1 (Monday) to 7 (Sunday)", types: []any{new(func(*run, time.Time) float64)},
		call: part(func(t time.Time) int {
			if t.Weekday() == time.Sunday {
				return 7
			}
			return int(t.Weekday())
		})},
	{name: "hourOf", doc: "hourOf(t): the hour, 0 to 23, in the business time zone", types: []any{new(func(*run, time.Time) float64)},
		call: part(func(t time.Time) int { return t.Hour() })},
	{name: "addWorkHours", calArg: 2, doc: `addWorkHours(t, h[, "calendar"]): the moment h working hours after t (before it when h is negative) on a business calendar, in the calendar's time zone; the default calendar when none is named`,
		types: []any{new(func(*run, time.Time, float64) time.Time), new(func(*run, time.Time, float64, string) time.Time)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			c, err := r.cal(rest[1:])
			if err != nil {
				return nil, err
			}
			h := argNum(rest[0])
			if math.IsNaN(h) || math.Abs(h) > 1_000_000 {
				return nil, funcError("addWorkHours: the number of hours is out of range")
			}
			return calResult(c.AddWorkHours(t, h))
		})},
	{name: "workHoursBetween", calArg: 2, doc: `workHoursBetween(a, b[, "calendar"]): the working hours from a to b on a business calendar (negative when b is before a)`,
		types: []any{new(func(*run, time.Time, time.Time) float64), new(func(*run, time.Time, time.Time, string) float64)},
		call: timeFn(func(r *run, a time.Time, rest []any) (any, error) {
			b, ok := argTime(rest[0])
			if !ok {
				return nil, nil
			}
			c, err := r.cal(rest[1:])
			if err != nil {
				return nil, err
			}
			return calResult(c.WorkHoursBetween(a, b))
		})},
	{name: "addWorkDays", calArg: 2, doc: `addWorkDays(t, n[, "calendar"]): t moved by n working days, at the same time of day (as WORKDAY in a spreadsheet)`,
		types: []any{new(func(*run, time.Time, float64) time.Time), new(func(*run, time.Time, float64, string) time.Time)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			c, err := r.cal(rest[1:])
			if err != nil {
				return nil, err
			}
			n, err := wholeDays(argNum(rest[0]))
			if err != nil {
				return nil, funcError("addWorkDays: the number of days is out of range")
			}
			return calResult(c.AddWorkDays(t, n))
		})},
	{name: "isWorkingTime", calArg: 1, doc: `isWorkingTime(t[, "calendar"]): t lies inside the working hours of a business calendar`,
		types: []any{new(func(*run, time.Time) bool), new(func(*run, time.Time, string) bool)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			c, err := r.cal(rest)
			if err != nil {
				return nil, err
			}
			return c.IsWorkingTime(t), nil
		})},
	{name: "isWorkingDay", calArg: 1, doc: `isWorkingDay(t[, "calendar"]): t's date is a working day of a business calendar (not a holiday; a make-up day is one)`,
		types: []any{new(func(*run, time.Time) bool), new(func(*run, time.Time, string) bool)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			c, err := r.cal(rest)
			if err != nil {
				return nil, err
			}
			return c.IsWorkingDay(t), nil
		})},
	{name: "nextWorkingTime", calArg: 1, doc: `nextWorkingTime(t[, "calendar"]): t when it is working time, else the start of the next working hours`,
		types: []any{new(func(*run, time.Time) time.Time), new(func(*run, time.Time, string) time.Time)},
		call: timeFn(func(r *run, t time.Time, rest []any) (any, error) {
			c, err := r.cal(rest)
			if err != nil {
				return nil, err
			}
			return calResult(c.NextWorkingTime(t))
		})},

	// Numbers.
	{name: "round", doc: "round(x[, digits]): x rounded half away from zero (to digits after the point)",
		types: []any{new(func(float64) float64), new(func(float64, float64) float64)},
		call:  func(args ...any) (any, error) { return roundTo(argNum(args[0]), args[1:], math.Round) }},
	{name: "roundUp", doc: "roundUp(x[, digits]): x rounded up",
		types: []any{new(func(float64) float64), new(func(float64, float64) float64)},
		call:  func(args ...any) (any, error) { return roundTo(argNum(args[0]), args[1:], math.Ceil) }},
	{name: "roundDown", doc: "roundDown(x[, digits]): x rounded down",
		types: []any{new(func(float64) float64), new(func(float64, float64) float64)},
		call:  func(args ...any) (any, error) { return roundTo(argNum(args[0]), args[1:], math.Floor) }},
	{name: "clamp", doc: "clamp(x, lo, hi): x kept between lo and hi",
		types: []any{new(func(float64, float64, float64) float64)},
		call: func(args ...any) (any, error) {
			return math.Max(argNum(args[1]), math.Min(argNum(args[2]), argNum(args[0]))), nil
		}},

	// Text.
	{name: "left", doc: "left(s, n): the first n characters of s",
		types: []any{new(func(string, float64) string)},
		call: func(args ...any) (any, error) {
			s, n := argStr(args[0]), int(argNum(args[1]))
			if n <= 0 {
				return "", nil
			}
			if n >= utf8.RuneCountInString(s) {
				return s, nil
			}
			return string([]rune(s)[:n]), nil
		}},
	{name: "right", doc: "right(s, n): the last n characters of s",
		types: []any{new(func(string, float64) string)},
		call: func(args ...any) (any, error) {
			s, n := argStr(args[0]), int(argNum(args[1]))
			r := []rune(s)
			if n <= 0 {
				return "", nil
			}
			if n >= len(r) {
				return s, nil
			}
			return string(r[len(r)-n:]), nil
		}},
	{name: "replace", doc: "replace(s, old, new): s with every old replaced by new",
		types: []any{new(func(string, string, string) string)},
		call: func(args ...any) (any, error) {
			s, o, n := argStr(args[0]), argStr(args[1]), argStr(args[2])
			if o == "" {
				return s, nil
			}
			if c := strings.Count(s, o); len(s)+c*(len(n)-len(o)) > MaxExprString {
				return nil, funcError(fmt.Sprintf("the text would be longer than %d bytes", MaxExprString))
			}
			return strings.ReplaceAll(s, o, n), nil
		}},
	{name: "concat", doc: "concat(a, b, …): the texts one after the other",
		types: []any{new(func(...string) string)},
		call: func(args ...any) (any, error) {
			var b strings.Builder
			for _, a := range args {
				b.WriteString(argStr(a))
				if b.Len() > MaxExprString {
					break
				}
			}
			return limitString(b.String())
		}},
	{name: "blank", doc: "blank(x): x has no value (nil, blank text, an empty list)",
		types: []any{new(func(any) bool)},
		call:  func(args ...any) (any, error) { return blank(args[0]), nil }},
	{name: "coalesce", doc: "coalesce(a, b, …): the first argument that has a value (not nil, not blank text)",
		types: []any{new(func(...string) string), new(func(...time.Time) time.Time), new(func(...any) any)},
		call: func(args ...any) (any, error) {
			for _, a := range args {
				if !blank(a) {
					return a, nil
				}
			}
			if len(args) > 0 {
				if _, ok := args[0].(string); ok {
					return "", nil
				}
			}
			return nil, nil
		}},
	{name: "changed", doc: `changed("field"): the field's value differs from the stored one (on create: it has a value)`,
		types: []any{new(func(*run, string) bool)},
		call: func(args ...any) (any, error) {
			r, name := args[0].(*run), argStr(args[1])
			nv := r.data[name]
			if r.old == nil {
				return !blank(nv), nil
			}
			return !reflect.DeepEqual(nv, r.old[name]), nil
		}},
	{name: "normalizePhone", doc: "normalizePhone(s): the phone number in E.164 form (+8613800138000), or \"\" when s is not one",
		types: []any{new(func(*run, string) string)},
		call: func(args ...any) (any, error) {
			r := args[0].(*run)
			if r.vars.Phone == nil {
				return argStr(args[1]), nil
			}
			s, ok := r.vars.Phone(argStr(args[1]))
			if !ok {
				return "", nil
			}
			return s, nil
		}},
	{name: "isPhone", doc: "isPhone(s): s is a valid phone number",
		types: []any{new(func(*run, string) bool)},
		call: func(args ...any) (any, error) {
			r := args[0].(*run)
			if r.vars.Phone == nil {
				return argStr(args[1]) != "", nil
			}
			s, ok := r.vars.Phone(argStr(args[1]))
			return ok && s != "", nil
		}},
	{name: "normalizeEmail", doc: "normalizeEmail(s): the e-mail address trimmed and in lower case, or \"\" when s is not one",
		types: []any{new(func(*run, string) string)},
		call: func(args ...any) (any, error) {
			r := args[0].(*run)
			s := strings.ToLower(strings.TrimSpace(argStr(args[1])))
			if r.vars.Email != nil {
				var ok bool
				if s, ok = r.vars.Email(argStr(args[1])); !ok {
					return "", nil
				}
			}
			return s, nil
		}},
	{name: "isEmail", doc: "isEmail(s): s is a valid e-mail address",
		types: []any{new(func(*run, string) bool)},
		call: func(args ...any) (any, error) {
			r := args[0].(*run)
			if r.vars.Email == nil {
				return strings.Contains(argStr(args[1]), "@"), nil
			}
			s, ok := r.vars.Email(argStr(args[1]))
			return ok && s != "", nil
		}},
}
