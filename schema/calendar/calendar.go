// Package calendar is working-time arithmetic on a business calendar: the
// working hours of each weekday in a time zone, holidays, and make-up
// working days (调休: a weekend date that is a working day). It is pure —
// no store, no clock — and every computation is bounded: whole ordinary
// weeks are skipped arithmetically, so the work done grows with the number
// of holidays, make-up days and time-zone offset changes crossed, never
// with the length of the span.
//
// Working time is wall-clock time in the calendar's zone: an interval
// 09:00–12:00 means nine to twelve o'clock there, whatever the zone of the
// times given (results are in the calendar's zone). Across a daylight
// saving change the real length of an interval counts (an interval that the
// clock skips has none).
package calendar

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
	_ "time/tzdata" // zone names work without the system's zoneinfo
)

// MinutesPerDay is the end of a day, as Span.End of an interval that lasts
// to midnight ("24:00").
const MinutesPerDay = 24 * 60

// Horizon bounds every computation: a result, or a span of time looked at,
// more than this many days from the time given is refused with
// ErrOutOfRange (about a hundred years).
const Horizon = 36525

// ErrOutOfRange is returned when an answer lies beyond the Horizon (or
// there is no working time left before it).
var ErrOutOfRange = errors.New("calendar: the working time lies more than a hundred years away")

// Span is working time within a day: [Start, End) in minutes after
// midnight, 0 ≤ Start < End ≤ MinutesPerDay.
type Span struct{ Start, End int }

// Workday is a make-up working day: a date that is a working day with the
// hours of the weekday As.
type Workday struct {
	Date Date
	As   time.Weekday
}

// Date is a calendar date (no time, no zone).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "2006-01-02"; ok is false for anything else, including
// dates that do not exist (2026-02-30).
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, false
	}
	return Date{t.Year(), t.Month(), t.Day()}, true
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// day is the number of days since 1970-01-01.
func (d Date) day() int {
	return int(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Weekday is the date's day of the week.
func (d Date) Weekday() time.Weekday { return weekday(d.day()) }

func weekday(n int) time.Weekday { return time.Weekday(((n % 7) + 7 + 4) % 7) } // 1970-01-01 was a Thursday

// Calendar is a compiled business calendar. It is immutable and safe for
// concurrent use.
type Calendar struct {
	loc      *time.Location
	week     [7][]Span
	special  map[int][]Span // holidays (no spans) and make-up days, by day number
	specials []int          // their day numbers, in order
	weekWork time.Duration  // the working time of an ordinary week
	weekDays int            // the working days of an ordinary week
}

// New compiles a calendar. week holds the working intervals of each
// weekday, by time.Weekday (Sunday first), each day's in order and not
// overlapping. A date both a holiday and a make-up day, or named twice, is
// an error; so is a week without working time. (The calendar document's
// check, schema.ParseCalendar, says all this with a pointer per problem;
// New only refuses what would make the arithmetic wrong.)
func New(loc *time.Location, week [7][]Span, holidays []Date, workdays []Workday) (*Calendar, error) {
	if loc == nil {
		return nil, errors.New("calendar: no time zone")
	}
	c := &Calendar{loc: loc, special: make(map[int][]Span, len(holidays)+len(workdays))}
	for d, spans := range week {
		prev := 0
		for i, s := range spans {
			if s.Start < 0 || s.End > MinutesPerDay || s.Start >= s.End || i > 0 && s.Start < prev {
				return nil, fmt.Errorf("calendar: the hours of %s are not in order", time.Weekday(d))
			}
			prev = s.End
			c.weekWork += time.Duration(s.End-s.Start) * time.Minute
		}
		if len(spans) > 0 {
			c.weekDays++
		}
		c.week[d] = append([]Span(nil), spans...)
	}
	if c.weekWork == 0 {
		return nil, errors.New("calendar: the week has no working hours")
	}
	for _, h := range holidays {
		n := h.day()
		if _, dup := c.special[n]; dup {
			return nil, fmt.Errorf("calendar: %s is named twice", h)
		}
		c.special[n] = nil
	}
	for _, w := range workdays {
		n := w.Date.day()
		if _, dup := c.special[n]; dup {
			return nil, fmt.Errorf("calendar: %s is named twice", w.Date)
		}
		if w.As < time.Sunday || w.As > time.Saturday || len(c.week[w.As]) == 0 {
			return nil, fmt.Errorf("calendar: make-up day %s takes the hours of a day without any", w.Date)
		}
		c.special[n] = c.week[w.As]
	}
	for n := range c.special {
		c.specials = append(c.specials, n)
	}
	sort.Ints(c.specials)
	return c, nil
}

// Standard is Monday to Friday, 09:00 to 18:00, in loc (UTC when nil).
func Standard(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	var week [7][]Span
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []Span{{9 * 60, 18 * 60}}
	}
	c, err := New(loc, week, nil, nil)
	if err != nil {
		panic(err)
	}
	return c
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// WeekHours is the working time of an ordinary week, in hours.
func (c *Calendar) WeekHours() float64 { return c.weekWork.Hours() }

// ---- days ----

// dayOf is the day number of t's date in the calendar's zone.
func (c *Calendar) dayOf(t time.Time) int {
	y, m, d := t.In(c.loc).Date()
	return Date{y, m, d}.day()
}

// at is the moment of a wall-clock time (minutes after midnight) of day n.
func (c *Calendar) at(n, minutes int) time.Time {
	return time.Date(1970, 1, 1+n, 0, minutes, 0, 0, c.loc)
}

func (c *Calendar) midnight(n int) time.Time { return c.at(n, 0) }

// spans are the working intervals of day n.
func (c *Calendar) spans(n int) []Span {
	if s, ok := c.special[n]; ok {
		return s
	}
	return c.week[weekday(n)]
}

// nextSpecial is the first holiday or make-up day on or after day n
// (math.MaxInt when there is none).
func (c *Calendar) nextSpecial(n int) int {
	i := sort.SearchInts(c.specials, n)
	if i == len(c.specials) {
		return math.MaxInt
	}
	return c.specials[i]
}

// prevSpecial is the last holiday or make-up day on or before day n
// (math.MinInt when there is none).
func (c *Calendar) prevSpecial(n int) int {
	i := sort.SearchInts(c.specials, n+1)
	if i == 0 {
		return math.MinInt
	}
	return c.specials[i-1]
}

// weeksAfter is how many whole ordinary weeks start at day n: none of
// their days is a holiday or a make-up day, and the zone's offset does not
// change from the midnight of day n to the midnight after them, so their
// working time is exactly k × weekWork.
func (c *Calendar) weeksAfter(n int) int {
	last := c.nextSpecial(n) // the first day that may not be skipped
	if _, end := c.midnight(n).ZoneBounds(); !end.IsZero() {
		// The day before the change's date is the last whose next
		// midnight surely has the same offset.
		last = min(last, c.dayOf(end)-1)
	}
	if last == math.MaxInt {
		return math.MaxInt / 8
	}
	return max(0, (last-n)/7)
}

// weeksBefore is how many whole ordinary weeks end with day n (the days
// n-7k+1 … n), as weeksAfter.
func (c *Calendar) weeksBefore(n int) int {
	first := c.prevSpecial(n)
	if start, _ := c.midnight(n + 1).ZoneBounds(); !start.IsZero() {
		first = max(first, c.dayOf(start)+1)
	}
	if first == math.MinInt {
		return math.MaxInt / 8
	}
	return max(0, (n-first)/7)
}

// IsWorkingDay reports whether t's date (in the calendar's zone) has
// working hours.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return len(c.spans(c.dayOf(t))) > 0 }

// IsWorkingTime reports whether t lies inside working hours: an interval
// holds its start, not its end.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	n := c.dayOf(t)
	for _, s := range c.spans(n) {
		if !t.Before(c.at(n, s.Start)) && t.Before(c.at(n, s.End)) {
			return true
		}
	}
	return false
}

// NextWorkingTime is t when it is working time, else the start of the next
// working interval (in the calendar's zone).
func (c *Calendar) NextWorkingTime(t time.Time) (time.Time, error) {
	t = t.In(c.loc)
	n0 := c.dayOf(t)
	for n := n0; n <= n0+Horizon; n++ {
		for _, s := range c.spans(n) {
			start, end := c.at(n, s.Start), c.at(n, s.End)
			if end.After(t) && start.Before(end) {
				if start.Before(t) {
					return t, nil
				}
				return start, nil
			}
		}
	}
	return time.Time{}, ErrOutOfRange
}

// ---- working time ----

// Duration converts a number of hours to a duration, rounded to the
// millisecond (the precision of stored times); ok is false for a number
// that is not finite or that would overflow.
func Duration(hours float64) (d time.Duration, ok bool) {
	ms := math.Round(hours * 3600 * 1000)
	if math.IsNaN(ms) || math.Abs(ms) > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}

// AddWorkHours is AddWork with a number of hours (rounded to the
// millisecond).
func (c *Calendar) AddWorkHours(t time.Time, hours float64) (time.Time, error) {
	d, ok := Duration(hours)
	if !ok {
		return time.Time{}, ErrOutOfRange
	}
	return c.AddWork(t, d)
}

// AddWork returns the moment when d of working time has passed since t:
// the earliest moment r with WorkBetween(t, r) == d, so that a span that
// ends exactly at the end of an interval ends there (12:00, not 13:30 after
// lunch). A negative d counts backwards: the latest moment r with
// WorkBetween(r, t) == -d (09:00, not 18:00 the evening before). d == 0 is
// t. The answer is in the calendar's zone.
func (c *Calendar) AddWork(t time.Time, d time.Duration) (time.Time, error) {
	t = t.In(c.loc)
	switch {
	case d == 0:
		return t, nil
	case d < 0:
		return c.subWork(t, -d)
	}
	n0 := c.dayOf(t)
	left := d
	cur := t // nothing before cur counts
	for n := n0; n <= n0+Horizon; {
		if !cur.After(c.midnight(n)) && left > c.weekWork {
			// Skip whole weeks, leaving some working time for the
			// days after them, so the answer is found by walking.
			if k := min(c.weeksAfter(n), int((left-1)/c.weekWork)); k > 0 {
				left -= time.Duration(k) * c.weekWork
				n += 7 * k
				cur = c.midnight(n)
				continue
			}
		}
		for _, s := range c.spans(n) {
			start, end := c.at(n, s.Start), c.at(n, s.End)
			if start.Before(cur) {
				start = cur
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
		n++
		cur = c.midnight(n)
	}
	return time.Time{}, ErrOutOfRange
}

func (c *Calendar) subWork(t time.Time, d time.Duration) (time.Time, error) {
	n0 := c.dayOf(t)
	left := d
	cur := t // nothing after cur counts
	for n := n0; n >= n0-Horizon; {
		if !cur.Before(c.midnight(n+1)) && left > c.weekWork {
			if k := min(c.weeksBefore(n), int((left-1)/c.weekWork)); k > 0 {
				left -= time.Duration(k) * c.weekWork
				n -= 7 * k
				cur = c.midnight(n + 1)
				continue
			}
		}
		spans := c.spans(n)
		for i := len(spans) - 1; i >= 0; i-- {
			start, end := c.at(n, spans[i].Start), c.at(n, spans[i].End)
			if end.After(cur) {
				end = cur
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
		cur = c.midnight(n)
		n--
	}
	return time.Time{}, ErrOutOfRange
}

// WorkHoursBetween is WorkBetween in hours.
func (c *Calendar) WorkHoursBetween(a, b time.Time) (float64, error) {
	d, err := c.WorkBetween(a, b)
	return d.Hours(), err
}

// WorkBetween is the working time from a to b (negative when b is before
// a). Spans longer than the Horizon are refused.
func (c *Calendar) WorkBetween(a, b time.Time) (time.Duration, error) {
	if b.Before(a) {
		d, err := c.WorkBetween(b, a)
		return -d, err
	}
	a, b = a.In(c.loc), b.In(c.loc)
	n, last := c.dayOf(a), c.dayOf(b)
	if last-n > Horizon {
		return 0, ErrOutOfRange
	}
	var total time.Duration
	cur := a
	for n <= last {
		if !cur.After(c.midnight(n)) {
			// Whole weeks that end before b's date.
			if k := min(c.weeksAfter(n), (last-n)/7); k > 0 {
				total += time.Duration(k) * c.weekWork
				n += 7 * k
				cur = c.midnight(n)
				continue
			}
		}
		for _, s := range c.spans(n) {
			start, end := c.at(n, s.Start), c.at(n, s.End)
			if start.Before(cur) {
				start = cur
			}
			if end.After(b) {
				end = b
			}
			if start.Before(end) {
				total += end.Sub(start)
			}
		}
		n++
		cur = c.midnight(n)
	}
	return total, nil
}

// ---- working days ----

// AddWorkDays moves t by n working days, keeping its wall-clock time in the
// calendar's zone, as a spreadsheet's WORKDAY does: the n-th working day
// after t's date (before it when n is negative), whether or not t's date is
// a working day itself; n == 0 is t.
func (c *Calendar) AddWorkDays(t time.Time, n int) (time.Time, error) {
	t = t.In(c.loc)
	if n == 0 {
		return t, nil
	}
	if n > Horizon || n < -Horizon {
		return time.Time{}, ErrOutOfRange
	}
	d0 := c.dayOf(t)
	step := 1
	left := n
	if n < 0 {
		step, left = -1, -n
	}
	d := d0
	for d-d0 <= Horizon && d0-d <= Horizon {
		if left > c.weekDays {
			// Skip whole weeks: zone changes do not matter to a count
			// of days, only holidays and make-up days.
			k := min(specialWeeks(c, d, step), (left-1)/c.weekDays)
			if k > 0 {
				left -= k * c.weekDays
				d += step * 7 * k
				continue
			}
		}
		d += step
		if len(c.spans(d)) > 0 {
			left--
			if left == 0 {
				hh, mm, ss := t.Clock()
				y, m, day := time.Unix(int64(d)*86400, 0).UTC().Date()
				return time.Date(y, m, day, hh, mm, ss, t.Nanosecond(), c.loc), nil
			}
		}
	}
	return time.Time{}, ErrOutOfRange
}

// specialWeeks is how many whole weeks after day d (before it when step
// is -1) hold no holiday or make-up day.
func specialWeeks(c *Calendar, d, step int) int {
	if step > 0 {
		next := c.nextSpecial(d + 1)
		if next == math.MaxInt {
			return math.MaxInt / 8
		}
		return (next - d - 1) / 7
	}
	prev := c.prevSpecial(d - 1)
	if prev == math.MinInt {
		return math.MaxInt / 8
	}
	return (d - 1 - prev) / 7
}
