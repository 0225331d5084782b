package calendar_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/morphcrm/morph/schema/calendar"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func date(s string) calendar.Date {
	d, ok := calendar.ParseDate(s)
	if !ok {
		panic(s)
	}
	return d
}

// office is a Shanghai office: 09:00–12:00 and 13:30–18:00 Monday to
// Friday, National Day 2026 off (1–7 October, Thursday to Wednesday), with
// Saturday 10 October a make-up day (Friday's hours) and Sunday 27
// September one with Monday's.
func office(t testing.TB) *calendar.Calendar {
	var week [7][]calendar.Span
	for d := time.Monday; d <= time.Friday; d++ {
		week[d] = []calendar.Span{{9 * 60, 12 * 60}, {13*60 + 30, 18 * 60}}
	}
	var hol []calendar.Date
	for d := 1; d <= 7; d++ {
		hol = append(hol, calendar.Date{Year: 2026, Month: time.October, Day: d})
	}
	c, err := calendar.New(zone(t, "Asia/Shanghai"), week, hol, []calendar.Workday{
		{Date: date("2026-10-10"), As: time.Friday}, {Date: date("2026-09-27"), As: time.Monday}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestAddWorkHours(t *testing.T) {
	c := office(t)
	sh := c.Location()
	cases := []struct {
		name  string
		from  string
		hours float64
		to    string
	}{
		{"within the morning", "2026-12-03 09:30", 2, "2026-12-03 11:30"},
		{"to the end of the morning, not after lunch", "2026-12-03 10:00", 2, "2026-12-03 12:00"},
		{"across lunch", "2026-12-03 11:00", 2, "2026-12-03 14:30"},
		{"from inside lunch", "2026-12-03 12:45", 1, "2026-12-03 14:30"},
		{"across a night", "2026-12-03 17:00", 2, "2026-12-04 10:00"},
		{"across a weekend", "2026-12-04 17:00", 2, "2026-12-07 10:00"},
		{"from a Saturday", "2026-12-05 12:00", 1, "2026-12-07 10:00"},
		{"before the day starts", "2026-12-03 07:00", 1, "2026-12-03 10:00"},
		{"after the day ends", "2026-12-03 20:00", 0.5, "2026-12-04 09:30"},
		{"a whole day", "2026-12-03 09:00", 7.5, "2026-12-03 18:00"},
		{"fractions to the minute", "2026-12-03 09:00", 0.25, "2026-12-03 09:15"},
		{"across National Day", "2026-09-30 17:00", 2, "2026-10-08 10:00"},
		{"onto the make-up Saturday", "2026-10-09 17:00", 2, "2026-10-10 10:00"},
		{"onto the make-up Sunday", "2026-09-25 17:30", 1, "2026-09-27 09:30"},
		{"skipping whole weeks", "2026-11-02 09:00", 7.5 * 5 * 4, "2026-11-27 18:00"},
		{"weeks then a holiday", "2026-09-14 09:00", 7.5 * 5 * 3, "2026-10-08 18:00"}, // 14–25 Sep, 27–30 Sep, 8 Oct
		{"backwards within a day", "2026-12-03 11:00", -1, "2026-12-03 10:00"},
		{"backwards to the start, not the evening before", "2026-12-03 11:00", -2, "2026-12-03 09:00"},
		{"backwards across a night", "2026-12-03 10:00", -2, "2026-12-02 17:00"},
		{"backwards across lunch", "2026-12-03 14:00", -1, "2026-12-03 11:30"},
		{"backwards across a weekend", "2026-12-07 10:00", -2, "2026-12-04 17:00"},
		{"backwards across National Day", "2026-10-08 10:00", -2, "2026-09-30 17:00"},
		{"backwards over weeks", "2026-11-27 18:00", -7.5 * 5 * 4, "2026-11-02 09:00"},
		{"zero is the time itself", "2026-12-05 10:00", 0, "2026-12-05 10:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.AddWorkHours(at(t, sh, tc.from), tc.hours)
			if err != nil || !got.Equal(at(t, sh, tc.to)) {
				t.Fatalf("%s + %vh = %v (%v), want %s", tc.from, tc.hours, got, err, tc.to)
			}
			if got.Location() != sh {
				t.Errorf("answer in %v, want the calendar's zone", got.Location())
			}
			h, err := c.WorkHoursBetween(at(t, sh, tc.from), got)
			if err != nil || h != tc.hours && !(tc.hours == 0) {
				t.Errorf("between %s and %v: %v (%v), want %v", tc.from, got, h, err, tc.hours)
			}
		})
	}
}

func TestWorkHoursBetween(t *testing.T) {
	c := office(t)
	sh := c.Location()
	cases := []struct {
		name     string
		from, to string
		hours    float64
	}{
		{"the same moment", "2026-12-03 10:00", "2026-12-03 10:00", 0},
		{"a morning", "2026-12-03 08:00", "2026-12-03 12:30", 3},
		{"a day with lunch", "2026-12-03 00:00", "2026-12-04 00:00", 7.5},
		{"a week", "2026-11-30 00:00", "2026-12-07 00:00", 37.5},
		{"a weekend", "2026-12-05 00:00", "2026-12-07 00:00", 0},
		{"National Day week", "2026-09-28 00:00", "2026-10-05 00:00", 22.5},    // 28–30 Sep work, 1–4 Oct off
		{"with make-up days", "2026-09-26 00:00", "2026-10-12 00:00", 7.5 * 7}, // 27, 28, 29, 30 Sep, 8, 9, 10 Oct
		{"a year", "2026-01-01 00:00", "2027-01-01 00:00", 7.5*261 - 7.5*5 + 7.5*2},
		{"backwards is negative", "2026-12-04 00:00", "2026-12-03 00:00", -7.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := c.WorkHoursBetween(at(t, sh, tc.from), at(t, sh, tc.to))
			if err != nil || h != tc.hours {
				t.Fatalf("%s → %s: %v (%v), want %v", tc.from, tc.to, h, err, tc.hours)
			}
		})
	}
}

func TestTimeZones(t *testing.T) {
	c := office(t)
	// 02:00 UTC is 10:00 in Shanghai: an input in any zone is the same
	// instant, and the answer is in Shanghai's.
	got, err := c.AddWorkHours(time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC), 1)
	if err != nil || !got.Equal(time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)) || got.Location().String() != "Asia/Shanghai" {
		t.Errorf("UTC input: %v (%v)", got, err)
	}
	// 20:00 New York on Thursday is Friday 09:00 in Shanghai: working time.
	ny := zone(t, "America/New_York")
	if !c.IsWorkingTime(time.Date(2026, 12, 3, 20, 0, 0, 0, ny)) {
		t.Error("Thursday 20:00 in New York is working time in Shanghai")
	}
	// The same calendar in UTC lies elsewhere.
	utc := calendar.Standard(time.UTC)
	got, _ = utc.AddWorkHours(at(t, c.Location(), "2026-12-03 10:00"), 1) // 02:00 UTC
	if !got.Equal(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("UTC calendar: %v", got)
	}
}

func TestDaylightSaving(t *testing.T) {
	ny := zone(t, "America/New_York")
	var week [7][]calendar.Span
	for d := range week {
		week[d] = []calendar.Span{{0, calendar.MinutesPerDay}} // round the clock
	}
	c, err := calendar.New(ny, week, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 8 March 2026 has 23 hours in New York, 1 November 25.
	for _, tc := range []struct {
		day   string
		hours float64
	}{{"2026-03-08", 23}, {"2026-11-01", 25}, {"2026-06-01", 24}} {
		a := at(t, ny, tc.day+" 00:00")
		h, err := c.WorkHoursBetween(a, a.AddDate(0, 0, 1))
		if err != nil || h != tc.hours {
			t.Errorf("%s: %v (%v), want %v", tc.day, h, err, tc.hours)
		}
	}
	// A year of real hours, whole weeks skipped across both changes.
	a := at(t, ny, "2026-01-01 00:00")
	b := at(t, ny, "2027-01-01 00:00")
	if h, _ := c.WorkHoursBetween(a, b); h != b.Sub(a).Hours() {
		t.Errorf("a year: %v, want %v", h, b.Sub(a).Hours())
	}
	if got, _ := c.AddWorkHours(a, b.Sub(a).Hours()); !got.Equal(b) {
		t.Errorf("add a year: %v", got)
	}
	if got, _ := c.AddWorkHours(b, -b.Sub(a).Hours()); !got.Equal(a) {
		t.Errorf("subtract a year: %v", got)
	}
	// Office hours across the spring change: Friday 17:00 + 2h is Monday 10:00.
	office := calendar.Standard(ny)
	got, _ := office.AddWorkHours(at(t, ny, "2026-03-06 17:00"), 2)
	if !got.Equal(at(t, ny, "2026-03-09 10:00")) {
		t.Errorf("office across the change: %v", got)
	}
}

func TestWorkDays(t *testing.T) {
	c := office(t)
	sh := c.Location()
	cases := []struct {
		name string
		from string
		n    int
		to   string
	}{
		{"next day", "2026-12-03 15:00", 1, "2026-12-04 15:00"},
		{"over a weekend", "2026-12-04 15:00", 1, "2026-12-07 15:00"},
		{"from a Saturday", "2026-12-05 08:00", 1, "2026-12-07 08:00"},
		{"zero", "2026-12-05 08:00", 0, "2026-12-05 08:00"},
		{"over National Day", "2026-09-30 10:00", 1, "2026-10-08 10:00"},
		{"onto a make-up day", "2026-10-09 10:00", 1, "2026-10-10 10:00"},
		{"onto a make-up Sunday", "2026-09-25 10:00", 1, "2026-09-27 10:00"},
		{"many weeks", "2026-11-02 10:00", 20, "2026-11-30 10:00"},
		{"backwards", "2026-12-07 10:00", -1, "2026-12-04 10:00"},
		{"backwards over National Day", "2026-10-08 10:00", -1, "2026-09-30 10:00"},
		{"backwards many weeks", "2026-11-30 10:00", -20, "2026-11-02 10:00"},
		{"a year on", "2026-01-05 09:00", 261 - 5 + 2, "2027-01-05 09:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.AddWorkDays(at(t, sh, tc.from), tc.n)
			if err != nil || !got.Equal(at(t, sh, tc.to)) {
				t.Fatalf("%s + %d days = %v (%v), want %s", tc.from, tc.n, got, err, tc.to)
			}
		})
	}
	if c.IsWorkingDay(at(t, sh, "2026-10-01 10:00")) || !c.IsWorkingDay(at(t, sh, "2026-10-10 10:00")) || c.IsWorkingDay(at(t, sh, "2026-10-11 10:00")) {
		t.Error("IsWorkingDay: a holiday, a make-up Saturday, an ordinary Sunday")
	}
}

func TestWorkingTime(t *testing.T) {
	c := office(t)
	sh := c.Location()
	for s, want := range map[string]bool{
		"2026-12-03 09:00": true, "2026-12-03 11:59": true, "2026-12-03 12:00": false, "2026-12-03 13:29": false,
		"2026-12-03 13:30": true, "2026-12-03 18:00": false, "2026-12-05 10:00": false, "2026-10-01 10:00": false,
		"2026-10-10 10:00": true, "2026-09-27 17:59": true,
	} {
		if got := c.IsWorkingTime(at(t, sh, s)); got != want {
			t.Errorf("IsWorkingTime(%s) = %v", s, got)
		}
	}
	for from, want := range map[string]string{
		"2026-12-03 10:15": "2026-12-03 10:15", // already working time
		"2026-12-03 12:10": "2026-12-03 13:30",
		"2026-12-03 18:00": "2026-12-04 09:00",
		"2026-12-04 19:00": "2026-12-07 09:00",
		"2026-09-30 18:30": "2026-10-08 09:00",
		"2026-10-09 18:30": "2026-10-10 09:00",
	} {
		got, err := c.NextWorkingTime(at(t, sh, from))
		if err != nil || !got.Equal(at(t, sh, want)) {
			t.Errorf("NextWorkingTime(%s) = %v (%v), want %s", from, got, err, want)
		}
	}
}

func TestBounds(t *testing.T) {
	c := office(t)
	t0 := at(t, c.Location(), "2026-12-03 10:00")
	if _, err := c.AddWorkHours(t0, 1e9); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("a billion hours: %v", err)
	}
	if _, err := c.AddWorkHours(t0, -1e9); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("minus a billion hours: %v", err)
	}
	if _, err := c.WorkBetween(t0, t0.AddDate(200, 0, 0)); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("two centuries: %v", err)
	}
	if _, err := c.AddWorkDays(t0, 1e7); !errors.Is(err, calendar.ErrOutOfRange) {
		t.Errorf("ten million days: %v", err)
	}
	// Fifty years of working time is answered, by whole weeks.
	h := 50 * 52 * 37.5
	got, err := c.AddWorkHours(t0, h)
	if err != nil {
		t.Fatal(err)
	}
	if back, _ := c.WorkHoursBetween(t0, got); back != h {
		t.Errorf("fifty years: %v back, want %v", back, h)
	}
	// A week without working hours, and hours out of order, are refused.
	var week [7][]calendar.Span
	if _, err := calendar.New(time.UTC, week, nil, nil); err == nil {
		t.Error("a week without working hours")
	}
	week[1] = []calendar.Span{{600, 700}, {650, 800}}
	if _, err := calendar.New(time.UTC, week, nil, nil); err == nil {
		t.Error("overlapping hours")
	}
	week[1] = []calendar.Span{{600, 700}}
	if _, err := calendar.New(time.UTC, week, []calendar.Date{date("2026-01-03")}, []calendar.Workday{{Date: date("2026-01-03"), As: time.Monday}}); err == nil {
		t.Error("a date both a holiday and a make-up day")
	}
	if _, err := calendar.New(time.UTC, week, nil, []calendar.Workday{{Date: date("2026-01-03"), As: time.Tuesday}}); err == nil {
		t.Error("a make-up day with the hours of a day without any")
	}
	if _, ok := calendar.ParseDate("2026-02-30"); ok {
		t.Error("30 February")
	}
}

// naive counts working time minute by minute: the reference the
// arithmetic is checked against, on spans whose ends are whole minutes.
func naive(c *calendar.Calendar, a, b time.Time) time.Duration {
	var d time.Duration
	for m := a; m.Before(b); m = m.Add(time.Minute) {
		if c.IsWorkingTime(m) {
			d += time.Minute
		}
	}
	return d
}

// TestAgainstNaive compares WorkBetween with a minute-by-minute count on
// random spans of up to six weeks around National Day, in the calendar's
// zone and in a zone with daylight saving.
func TestAgainstNaive(t *testing.T) {
	ny := zone(t, "America/New_York")
	var week [7][]calendar.Span
	week[time.Monday] = []calendar.Span{{60, 150}, {8 * 60, 12 * 60}}
	week[time.Wednesday] = []calendar.Span{{0, calendar.MinutesPerDay}}
	week[time.Saturday] = []calendar.Span{{23 * 60, calendar.MinutesPerDay}}
	week[time.Sunday] = []calendar.Span{{90, 200}} // across the changes at 02:00
	dst, err := calendar.New(ny, week, []calendar.Date{date("2026-03-11"), date("2026-11-04")}, []calendar.Workday{{Date: date("2026-03-07"), As: time.Wednesday}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		c     *calendar.Calendar
		start time.Time
	}{
		{office(t), at(t, office(t).Location(), "2026-09-01 00:00")},
		{dst, at(t, ny, "2026-02-20 00:00")},
		{dst, at(t, ny, "2026-10-15 00:00")},
	} {
		for i := 0; i < 25; i++ {
			a := tc.start.Add(time.Duration(rng.IntN(30*24*60)) * time.Minute)
			b := a.Add(time.Duration(rng.IntN(14*24*60)) * time.Minute)
			want := naive(tc.c, a, b)
			got, err := tc.c.WorkBetween(a, b)
			if err != nil || got != want {
				t.Fatalf("%v → %v: %v (%v), want %v", a, b, got, err, want)
			}
			if want > 0 {
				r, err := tc.c.AddWork(a, want)
				if err != nil || naive(tc.c, a, r) != want || r.After(b) {
					t.Fatalf("%v + %v = %v (%v)", a, want, r, err)
				}
				s, err := tc.c.AddWork(b, -want)
				if err != nil || naive(tc.c, s, b) != want || s.Before(a) {
					t.Fatalf("%v - %v = %v (%v)", b, want, s, err)
				}
			}
		}
	}
}

// TestWorkDaysAgainstNaive compares AddWorkDays with counting working
// days one by one, around National Day and its make-up days.
func TestWorkDaysAgainstNaive(t *testing.T) {
	c := office(t)
	sh := c.Location()
	rng := rand.New(rand.NewPCG(3, 4))
	start := at(t, sh, "2026-08-01 00:00")
	for i := 0; i < 300; i++ {
		from := start.Add(time.Duration(rng.IntN(120*24*60)) * time.Minute)
		n := rng.IntN(81) - 40
		want := from
		for left := n; left != 0; {
			step := 1
			if left < 0 {
				step = -1
			}
			want = want.AddDate(0, 0, step)
			if c.IsWorkingDay(want) {
				left -= step
			}
		}
		got, err := c.AddWorkDays(from, n)
		if err != nil || !got.Equal(want) {
			t.Fatalf("%v + %d working days = %v (%v), want %v", from, n, got, err, want)
		}
	}
}

// FuzzRoundTrip: AddWork then WorkBetween gives back the amount, forwards
// and backwards, and the answer of a positive amount is working time or the
// end of an interval.
func FuzzRoundTrip(f *testing.F) {
	f.Add(int64(0), int64(3600), false)
	f.Add(int64(86400*300), int64(1_000_000), true)
	f.Add(int64(-86400*5000), int64(3600*7500), false)
	c := office(f)
	base := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, offset, seconds int64, back bool) {
		offset %= 86400 * 365 * 30
		seconds %= 3600 * 37 * 52 * 40
		if seconds < 0 {
			seconds = -seconds
		}
		from := base.Add(time.Duration(offset) * time.Second)
		d := time.Duration(seconds) * time.Second
		if back {
			d = -d
		}
		to, err := c.AddWork(from, d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.WorkBetween(from, to)
		if err != nil || got != d {
			t.Fatalf("%v + %v = %v, back %v (%v)", from, d, to, got, err)
		}
	})
}

func BenchmarkAddWorkHours(b *testing.B) {
	c := office(b)
	t0 := at(b, c.Location(), "2026-09-01 10:17")
	for _, h := range []float64{2, 24, 2000} {
		b.Run(time.Duration(h*float64(time.Hour)).String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := c.AddWorkHours(t0, h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWorkHoursBetween(b *testing.B) {
	c := office(b)
	t0 := at(b, c.Location(), "2026-09-01 10:17")
	for _, span := range []time.Duration{8 * time.Hour, 30 * 24 * time.Hour, 10 * 365 * 24 * time.Hour} {
		b.Run(span.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := c.WorkBetween(t0, t0.Add(span)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
