package lang

import (
	"time"
)

// Calendar is a business calendar: the working hours of each weekday in a
// time zone, holidays, and make-up working days (weekend days that are
// working days). Working-time functions (addWorkHours, workHoursBetween)
// count only the time inside its working hours.
type Calendar struct {
	Location *time.Location
	// Week holds the working intervals of each weekday, by time.Weekday
	// (Sunday first), in minutes after midnight, in order and not
	// overlapping.
	Week [7][]Interval
	// Holidays are dates ("2006-01-02") that are not working days;
	// Workdays are dates that are, whatever their weekday (on a make-up
	// day the hours of Monday apply).
	Holidays, Workdays map[string]bool
}

// Interval is a span of working time within a day, in minutes after
// midnight: [Start, End).
type Interval struct{ Start, End int }

// DefaultCalendar is Monday to Friday, 09:00 to 18:00, in loc.
func DefaultCalendar(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{Location: loc}
	for d := time.Monday; d <= time.Friday; d++ {
		c.Week[d] = []Interval{{9 * 60, 18 * 60}}
	}
	return c
}

// maxCalendarDays bounds the days a working-time computation walks (ten
// years), so that every call ends quickly whatever its arguments.
const maxCalendarDays = 3660

var errCalendarRange error = funcError("the working time spans more than ten years")

// hours returns the working intervals of the day starting at midnight.
func (c *Calendar) hours(midnight time.Time) []Interval {
	key := midnight.Format("2006-01-02")
	switch {
	case c.Workdays[key]:
		if iv := c.Week[time.Monday]; len(iv) > 0 {
			return iv
		}
		return []Interval{{9 * 60, 18 * 60}}
	case c.Holidays[key]:
		return nil
	}
	return c.Week[midnight.Weekday()]
}

func midnightOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func clockAt(midnight time.Time, minutes int) time.Time {
	return time.Date(midnight.Year(), midnight.Month(), midnight.Day(), 0, minutes, 0, 0, midnight.Location())
}

// AddWorkHours returns the moment that lies the given working hours after
// t (a negative number of hours counts backwards).
func (c *Calendar) AddWorkHours(t time.Time, hours float64) (time.Time, error) {
	if hours < 0 {
		return c.subWorkHours(t, -hours)
	}
	left := time.Duration(hours * float64(time.Hour))
	day := midnightOf(t, c.Location)
	for i := 0; i < maxCalendarDays; i++ {
		for _, iv := range c.hours(day) {
			start, end := clockAt(day, iv.Start), clockAt(day, iv.End)
			if start.Before(t) {
				start = t
			}
			if !start.Before(end) {
				continue
			}
			if avail := end.Sub(start); left <= avail {
				return start.Add(left), nil
			} else {
				left -= avail
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, c.Location)
	}
	return time.Time{}, errCalendarRange
}

func (c *Calendar) subWorkHours(t time.Time, hours float64) (time.Time, error) {
	left := time.Duration(hours * float64(time.Hour))
	day := midnightOf(t, c.Location)
	for i := 0; i < maxCalendarDays; i++ {
		ivs := c.hours(day)
		for j := len(ivs) - 1; j >= 0; j-- {
			start, end := clockAt(day, ivs[j].Start), clockAt(day, ivs[j].End)
			if end.After(t) {
				end = t
			}
			if !start.Before(end) {
				continue
			}
			if avail := end.Sub(start); left <= avail {
				return end.Add(-left), nil
			} else {
				left -= avail
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()-1, 0, 0, 0, 0, c.Location)
	}
	return time.Time{}, errCalendarRange
}

// WorkHoursBetween returns the working hours from a to b (negative when b
// is before a).
func (c *Calendar) WorkHoursBetween(a, b time.Time) (float64, error) {
	if b.Before(a) {
		h, err := c.WorkHoursBetween(b, a)
		return -h, err
	}
	var total time.Duration
	day := midnightOf(a, c.Location)
	for i := 0; !day.After(b); i++ {
		if i >= maxCalendarDays {
			return 0, errCalendarRange
		}
		for _, iv := range c.hours(day) {
			start, end := clockAt(day, iv.Start), clockAt(day, iv.End)
			if start.Before(a) {
				start = a
			}
			if end.After(b) {
				end = b
			}
			if start.Before(end) {
				total += end.Sub(start)
			}
		}
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, c.Location)
	}
	return total.Hours(), nil
}
