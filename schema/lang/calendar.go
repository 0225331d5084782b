package lang

import (
	"sync/atomic"
	"time"

	"github.com/morphcrm/morph/schema/calendar"
)

// Calendar is a business calendar as the working-time functions
// (addWorkHours, workHoursBetween, addWorkDays, isWorkingTime …) use it.
type Calendar = calendar.Calendar

// DefaultCalendarName is the name that expressions, and Env.Calendar, use
// for the default calendar ("" means the same).
const DefaultCalendarName = "default"

// CalendarRef is a calendar an expression names by a constant: a call such
// as addWorkHours(opened_at, 2, "cn_office"). Whoever compiles the
// expression checks that the calendar exists (the language knows none).
type CalendarRef struct {
	Name   string
	Offset int // 0-based rune offset of the name in the expression
}

// standard holds the built-in default calendar (Monday to Friday,
// 09:00–18:00) of the time zone last asked for: a run that finds no
// calendar uses it, and the business time zone rarely changes.
var standard atomic.Pointer[Calendar]

// DefaultCalendar is Monday to Friday, 09:00 to 18:00, in loc.
func DefaultCalendar(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	if c := standard.Load(); c != nil && c.Location() == loc {
		return c
	}
	c := calendar.Standard(loc)
	standard.Store(c)
	return c
}
