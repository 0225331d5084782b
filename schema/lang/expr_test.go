package lang_test

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

var shanghai = time.FixedZone("CST", 8*3600)

func testVars() *lang.Vars {
	v := lang.NewVars([]lang.Var{
		{Name: "name", Kind: lang.KindString},
		{Name: "phone", Kind: lang.KindString},
		{Name: "visits", Kind: lang.KindNumber},
		{Name: "vip", Kind: lang.KindBool},
		{Name: "tier", Kind: lang.KindString},
		{Name: "close_date", Kind: lang.KindDate},
		{Name: "opened_at", Kind: lang.KindDateTime},
		{Name: "tags", Kind: lang.KindStrings},
		{Name: "amount", Kind: lang.KindNumber, Money: true},
		{Name: "extra", Kind: lang.KindObject},
		{Name: "year", Kind: lang.KindNumber}, // a field named like a function would be
	})
	v.Phone = func(s string) (string, bool) {
		d := strings.NewReplacer(" ", "", "-", "").Replace(s)
		if len(d) != 11 {
			return "", false
		}
		return "+86" + d, true
	}
	v.Email = func(s string) (string, bool) {
		s = strings.ToLower(strings.TrimSpace(s))
		return s, strings.Contains(s, "@")
	}
	return v
}

func TestCompileChecksTypesAndPositions(t *testing.T) {
	v := testVars()
	cases := []struct {
		src    string
		want   lang.Want
		typ    string // result type when it compiles
		code   string // error code otherwise
		offset int
	}{
		{src: "visits * 10 + (tier == 'vip' ? 30 : 0)", want: lang.Want{Kind: lang.KindNumber}, typ: "number"},
		{src: "min(100, visits * 10)", want: lang.Want{Kind: lang.KindNumber}, typ: "number"},
		{src: "tier == 'vip' && phone == ''", want: lang.Want{Kind: lang.KindBool}, typ: "bool"},
		{src: "addDays(close_date, 3)", want: lang.Want{Kind: lang.KindDate}, typ: "datetime"},
		{src: "upper(name)", want: lang.Want{Kind: lang.KindString}, typ: "text"},
		{src: "amount.amount * 2", want: lang.Want{Kind: lang.KindNumber}, typ: "number"},
		{src: "amount", want: lang.Want{Kind: lang.KindNumber, Money: true}, typ: "money"},
		{src: "tags", want: lang.Want{Kind: lang.KindStrings}, typ: "list"},
		{src: "'vip' in user.roles || user.id == 'u1'", want: lang.Want{Kind: lang.KindBool}, typ: "bool"},
		{src: "old.visits", want: lang.Want{Kind: lang.KindNumber}, typ: "any"},
		{src: "year + 1", want: lang.Want{Kind: lang.KindNumber}, typ: "number"},
		{src: "visits +", want: lang.Want{Kind: lang.KindNumber}, code: "syntax", offset: 8},
		{src: "visits * nope", want: lang.Want{Kind: lang.KindNumber}, code: "unknown_field", offset: 9},
		{src: "name * 2", want: lang.Want{Kind: lang.KindNumber}, code: "type_mismatch", offset: 5},
		{src: "name", want: lang.Want{Kind: lang.KindBool}, code: "result_type"},
		{src: "visits > 3", want: lang.Want{Kind: lang.KindNumber}, code: "result_type"},
		{src: "addDays(name, 1)", want: lang.Want{}, code: "type_mismatch"},
		{src: "daysBetween(today(), date(close_date))", want: lang.Want{}, code: "type_mismatch", offset: 21},
		{src: "daysBetween(today(), date(1))", want: lang.Want{}, code: "type_mismatch", offset: 21},
		{src: "left(left(visits, 1), 1)", want: lang.Want{}, code: "type_mismatch", offset: 5},
		{src: "round(round('x'))", want: lang.Want{}, code: "type_mismatch"},
		{src: "round(round('x', 1))", want: lang.Want{}, code: "type_mismatch"},
		{src: "addDays(date('2026-01-01'), round(visits / 2))", want: lang.Want{Kind: lang.KindDate}, typ: "datetime"},
		{src: "changed(name)", want: lang.Want{Kind: lang.KindBool}, code: "unknown_field", offset: 8},
		{src: "changed('nope')", want: lang.Want{Kind: lang.KindBool}, code: "unknown_field", offset: 8},
		{src: "repeat(name, 1000000)", want: lang.Want{}, code: "unknown_field"},
		{src: "   ", want: lang.Want{}, code: "empty"},
		{src: "any(tags, all(tags, # != ''))", want: lang.Want{Kind: lang.KindBool}, code: "too_complex", offset: 20},
		{src: strings.Repeat("1 + ", 300) + "1", want: lang.Want{Kind: lang.KindNumber}, code: "too_complex"},
		{src: strings.Repeat("x", lang.MaxExprLen+1), want: lang.Want{}, code: "too_long", offset: lang.MaxExprLen},
	}
	for _, c := range cases {
		p, err := v.Compile(c.src, c.want)
		if c.code == "" {
			if err != nil {
				t.Errorf("%q: %v", c.src, err)
				continue
			}
			if p.Type != c.typ {
				t.Errorf("%q: type %s, want %s", c.src, p.Type, c.typ)
			}
			continue
		}
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalid || len(me.Fields) != 1 {
			t.Errorf("%q: got %v, want a %s error", c.src, err, c.code)
			continue
		}
		fe := me.Fields[0]
		if fe.Code != c.code || (c.offset != 0 && fe.Offset != c.offset) || fe.Text.EN == "" || fe.Text.ZH == "" {
			t.Errorf("%q: got %s at %d (%s), want %s at %d", c.src, fe.Code, fe.Offset, fe.Text.EN, c.code, c.offset)
		}
	}
}

func TestCompileRefs(t *testing.T) {
	p, err := testVars().Compile("visits * 2 + (changed('tier') ? 1 : 0) + visits + old.year", lang.Want{Kind: lang.KindNumber})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Refs, []string{"visits", "tier"}) || !p.Old {
		t.Fatalf("refs %v old %v", p.Refs, p.Old)
	}
}

func run(t *testing.T, src string, want lang.Want, data, old map[string]any) (any, error) {
	t.Helper()
	v := testVars()
	p, err := v.Compile(src, want)
	if err != nil {
		t.Fatalf("%q: %v", src, err)
	}
	now := time.Date(2026, 12, 3, 10, 30, 0, 0, shanghai) // a Thursday
	s := v.NewScope(data, old, lang.Env{Now: now, User: lang.User{ID: "u1", Roles: []string{"sales"}, Team: "t1"}})
	return p.Run(s)
}

func TestRunEveryFunction(t *testing.T) {
	data := map[string]any{
		"name": "  Acme Ltd ", "phone": "138 0013 8000", "visits": 4.0, "tier": "vip",
		"close_date": "2026-12-31", "opened_at": "2026-12-01T01:00:00.000Z", "tags": []any{"a", "b"},
		"amount": map[string]any{"amount": 1200.5, "currency": "CNY"},
	}
	old := map[string]any{"tier": "key", "visits": 4.0}
	num, str, boolean := lang.Want{Kind: lang.KindNumber}, lang.Want{Kind: lang.KindString}, lang.Want{Kind: lang.KindBool}
	date, datetime := lang.Want{Kind: lang.KindDate}, lang.Want{Kind: lang.KindDateTime}
	cases := []struct {
		src  string
		want lang.Want
		out  any
	}{
		{"now()", datetime, "2026-12-03T02:30:00.000Z"},
		{"today()", date, "2026-12-03"},
		{"date('2026-05-01')", date, "2026-05-01"},
		{"date('2026-05-01T08:00:00Z')", datetime, "2026-05-01T08:00:00.000Z"},
		{"addDays(close_date, 1)", date, "2027-01-01"},
		{"addMonths(close_date, 2)", date, "2027-03-03"},
		{"addHours(opened_at, 2)", datetime, "2026-12-01T03:00:00.000Z"},
		{"daysBetween(today(), close_date)", num, 28.0},
		{"hoursBetween(opened_at, now())", num, 49.5},
		{"yearOf(close_date) + monthOf(close_date) + dayOf(close_date)", num, 2026.0 + 12 + 31},
		{"weekdayOf(now())", num, 4.0},
		{"hourOf(opened_at)", num, 9.0},
		{"addWorkHours(now(), 8)", datetime, "2026-12-04T01:30:00.000Z"}, // Fri 09:30 in Shanghai
		{"addWorkHours(now(), 8, 'default')", datetime, "2026-12-04T01:30:00.000Z"},
		{"workHoursBetween(now(), date('2026-12-07T02:00:00Z'))", num, 7.5 + 9 + 1},
		{"round(amount.amount / 7, 2)", num, 171.5},
		{"round(2.5)", num, 3.0},
		{"roundUp(1.21, 1)", num, 1.3},
		{"roundDown(1.29, 1)", num, 1.2},
		{"clamp(visits * 30, 0, 100)", num, 100.0},
		{"left(trim(name), 4)", str, "Acme"},
		{"right(trim(name), 3)", str, "Ltd"},
		{"replace(trim(name), ' ', '_')", str, "Acme_Ltd"},
		{"concat(tier, '-', string(visits))", str, "vip-4"},
		{"blank(extra) && !blank(name) && blank('  ')", boolean, true},
		{"coalesce(extra, tier)", lang.Want{}, "vip"},
		{"coalesce('', tier)", str, "vip"},
		{"changed('tier') && !changed('visits')", boolean, true},
		{"normalizePhone(phone)", str, "+8613800138000"},
		{"normalizePhone('12')", str, ""},
		{"isPhone(phone) && !isPhone('1')", boolean, true},
		{"normalizeEmail(' A@B.CN ')", str, "a@b.cn"},
		{"isEmail('a@b.cn') && !isEmail('ab')", boolean, true},
		{"len(tags) + len(name)", num, 13.0},
		{"upper(tier) + lower('X')", str, "VIPx"},
		{"count(tags, # == 'a')", num, 1.0},
		{"user.id == 'u1' && 'sales' in user.roles && user.team == 't1'", boolean, true},
		{"amount", lang.Want{Kind: lang.KindNumber, Money: true}, map[string]any{"amount": 1200.5, "currency": "CNY"}},
		{"tags", lang.Want{Kind: lang.KindStrings}, []any{"a", "b"}},
		{"close_date == nil", boolean, false},
	}
	for _, c := range cases {
		got, err := run(t, c.src, c.want, data, old)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.out) {
			t.Errorf("%q = %#v, want %#v", c.src, got, c.out)
		}
	}
}

func TestRunAbsentValues(t *testing.T) {
	got, err := run(t, "visits * 10 + len(name) + len(tags)", lang.Want{Kind: lang.KindNumber}, map[string]any{}, nil)
	if err != nil || got != 0.0 {
		t.Fatalf("got %v, %v", got, err)
	}
	got, err = run(t, "addDays(close_date, 3)", lang.Want{Kind: lang.KindDate}, map[string]any{}, nil)
	if err != nil || got != nil {
		t.Fatalf("an absent date: got %v, %v", got, err)
	}
	// On create, changed() means "has a value".
	got, err = run(t, "changed('tier') && !changed('name')", lang.Want{Kind: lang.KindBool}, map[string]any{"tier": "vip"}, nil)
	if err != nil || got != true {
		t.Fatalf("changed on create: got %v, %v", got, err)
	}
}

func TestRunErrorsNeverPanic(t *testing.T) {
	cases := []struct{ src, msg string }{
		{"count(1..10000000, # > 0) > 0", "more memory than the budget"},
		{"count(1..60000, # > 0) + count(1..60000, # > 0) > 0", "more memory than the budget"},
		{"close_date > now()", "wrong type, or a missing value, was met at character 12"},
		{"1 / (visits - visits) > 0 && int('x') > 0", ""},
		{"date('tomorrow') > now()", "not a date"},
		{"addDays(now(), 1e9) > now()", "out of range"},
		{"addWorkHours(now(), 1, 'cn_office') > now()", "no calendar"},
		{"extra.a.b == 1", ""},
	}
	for _, c := range cases {
		_, err := run(t, c.src, lang.Want{Kind: lang.KindBool}, map[string]any{"extra": map[string]any{"a": 1.0}}, nil)
		var re *lang.RunError
		if !errorsAs(err, &re) || !strings.Contains(re.Msg, c.msg) {
			t.Errorf("%q: got %v, want a run error with %q", c.src, err, c.msg)
		}
	}
	// Messages name no values of the record: they may be ones the caller
	// may not read, or personal data.
	for _, src := range []string{"float(name) > 0", "date(name) > now()", "addDays(now(), visits) > now()"} {
		_, err := run(t, src, lang.Want{Kind: lang.KindBool}, map[string]any{"name": "secret-138", "visits": 7e9}, nil)
		if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "7e+09") {
			t.Errorf("%q: %v", src, err)
		}
	}
	// A fraction for a whole number.
	if _, err := run(t, "visits / 3", lang.Want{Kind: lang.KindNumber, Integer: true}, map[string]any{"visits": 4.0}, nil); err == nil {
		t.Error("a fraction for an integer")
	}
	if got, err := run(t, "round(visits / 3)", lang.Want{Kind: lang.KindNumber, Integer: true}, map[string]any{"visits": 4.0}, nil); err != nil || got != 1.0 {
		t.Errorf("a rounded integer: %v %v", got, err)
	}
	// changed() sees the values of formulas computed before it.
	v := testVars()
	p, _ := v.Compile("changed('visits')", lang.Want{Kind: lang.KindBool})
	s := v.NewScope(map[string]any{"visits": 1.0}, map[string]any{"visits": 1.0}, lang.Env{Now: time.Now()})
	if b, _ := p.Bool(s); b {
		t.Error("unchanged")
	}
	s.Set("visits", 2.0)
	if b, _ := p.Bool(s); !b {
		t.Error("changed by Set")
	}
	// A result of the wrong type, met only when running.
	_, err := run(t, "coalesce(extra, 1)", lang.Want{Kind: lang.KindString}, map[string]any{}, nil)
	if _, ok := err.(*lang.RunError); !ok {
		t.Errorf("a number for text: %v", err)
	}
}

// The machines expressions run on are reused: a run sees nothing of the
// runs before it (their variables, stack, spent memory, a failure), also
// when many run at once; old on a create is every field without a value.
func TestRunReusesMachines(t *testing.T) {
	v := testVars()
	compile := func(src string, want lang.Want) *lang.Program {
		p, err := v.Compile(src, want)
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		return p
	}
	lets := compile("let a = visits * 2; let b = a + 1; b", lang.Want{Kind: lang.KindNumber})
	greedy := compile("count(1..60000, # > 0) + count(1..60000, # > 0) > 0", lang.Want{Kind: lang.KindBool})
	fresh := compile("old.visits == 0 && old.name == '' && old.close_date == nil && len(old.tags) == 0 && !old.vip", lang.Want{Kind: lang.KindBool})
	small := compile("count(1..40000, # > 0) > 0", lang.Want{Kind: lang.KindBool})
	env := lang.Env{Now: time.Now()}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				n := float64(g*1000 + i)
				s := v.NewScope(map[string]any{"visits": n, "name": "x", "tags": []any{"a"}}, nil, env)
				if got, err := lets.Run(s); err != nil || got != 2*n+1 {
					t.Errorf("lets: %v %v, want %v", got, err, 2*n+1)
					return
				}
				if i%10 == 0 {
					if _, err := greedy.Run(s); err == nil {
						t.Error("over the budget, no error")
						return
					}
					// Within the budget after a run that spent it all.
					if got, err := small.Bool(s); err != nil || !got {
						t.Errorf("small: %v %v", got, err)
						return
					}
				}
				if got, err := fresh.Bool(s); err != nil || !got {
					t.Errorf("old on create: %v %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func errorsAs(err error, re **lang.RunError) bool {
	r, ok := err.(*lang.RunError)
	*re = r
	return ok
}

// TestWorkingTimeFunctions runs the working-time functions on the
// default calendar and on a named one, in the business time zone and the
// calendar's own.
func TestWorkingTimeFunctions(t *testing.T) {
	v := testVars()
	utc := lang.DefaultCalendar(time.UTC) // a calendar whose zone is not the business one
	env := lang.Env{Now: time.Date(2026, 12, 4, 17, 0, 0, 0, shanghai), Calendar: func(name string) *lang.Calendar {
		if name == "london" {
			return utc
		}
		return nil // the built-in default
	}}
	cases := []struct {
		src  string
		want lang.Want
		out  any
	}{
		{"addWorkHours(now(), 2)", lang.Want{Kind: lang.KindDateTime}, "2026-12-07T02:00:00.000Z"}, // Monday 10:00 in Shanghai
		{"addWorkHours(now(), 2, 'default')", lang.Want{Kind: lang.KindDateTime}, "2026-12-07T02:00:00.000Z"},
		{"addWorkHours(now(), -1)", lang.Want{Kind: lang.KindDateTime}, "2026-12-04T08:00:00.000Z"},
		{"addWorkHours(now(), 2, 'london')", lang.Want{Kind: lang.KindDateTime}, "2026-12-04T11:00:00.000Z"}, // 09:00 UTC + 2h
		{"workHoursBetween(now(), addDays(now(), 3))", lang.Want{Kind: lang.KindNumber}, 9.0},                // Friday 17–18, Monday 09–17
		{"workHoursBetween(addDays(now(), 3), now(), 'london')", lang.Want{Kind: lang.KindNumber}, -9.0},     // Friday 09–18 UTC
		{"addWorkDays(now(), 1)", lang.Want{Kind: lang.KindDateTime}, "2026-12-07T09:00:00.000Z"},
		{"addWorkDays(now(), -5, 'london')", lang.Want{Kind: lang.KindDateTime}, "2026-11-27T09:00:00.000Z"},
		{"isWorkingTime(now())", lang.Want{Kind: lang.KindBool}, true},
		{"isWorkingTime(addHours(now(), 1))", lang.Want{Kind: lang.KindBool}, false},
		{"isWorkingTime(now(), 'london')", lang.Want{Kind: lang.KindBool}, true},
		{"isWorkingDay(addDays(now(), 1))", lang.Want{Kind: lang.KindBool}, false},
		{"nextWorkingTime(addHours(now(), 1))", lang.Want{Kind: lang.KindDateTime}, "2026-12-07T01:00:00.000Z"},
		{"addWorkHours(opened_at, 2)", lang.Want{Kind: lang.KindDateTime}, nil}, // no value in, none out
		{"isWorkingTime(opened_at)", lang.Want{Kind: lang.KindBool}, nil},
	}
	for _, c := range cases {
		p, err := v.Compile(c.src, c.want)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		got, err := p.Run(v.NewScope(map[string]any{}, nil, env))
		if err != nil || !reflect.DeepEqual(got, c.out) {
			t.Errorf("%s = %#v (%v), want %#v", c.src, got, err, c.out)
		}
	}
	// A calendar that does not exist, a span beyond the horizon: run-time
	// errors that say so.
	for src, msg := range map[string]string{
		"addWorkHours(now(), 1, 'nope')":                 `there is no calendar "nope"`,
		"addWorkHours(now(), 1, name)":                   "there is no calendar of that name",
		"addWorkHours(now(), 1e6)":                       "more than a hundred years",
		"addWorkDays(now(), 1e5)":                        "more than a hundred years",
		"workHoursBetween(now(), addDays(now(), 99999))": "more than a hundred years",
	} {
		p, err := v.Compile(src, lang.Want{})
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		_, err = p.Run(v.NewScope(map[string]any{"name": "Zhang San"}, nil, env))
		var re *lang.RunError
		if !errorsAs(err, &re) || !strings.Contains(re.Msg, msg) || strings.Contains(re.Msg, "Zhang") {
			t.Errorf("%s: %v, want %q", src, err, msg)
		}
	}
}

func TestCalendarRefs(t *testing.T) {
	v := testVars()
	src := `workHoursBetween(opened_at, addWorkHours(opened_at, 2, "cn_office"), 'cn_office') + ` +
		`(isWorkingTime(opened_at, "default") ? 1 : 0) + (isWorkingDay(opened_at, "hk") ? 1 : 0) + (isWorkingTime(opened_at, name) ? 1 : 0)`
	p, err := v.Compile(src, lang.Want{Kind: lang.KindNumber})
	if err != nil {
		t.Fatal(err)
	}
	want := []lang.CalendarRef{{Name: "cn_office", Offset: strings.Index(src, `"cn_office"`)}, {Name: "hk", Offset: strings.Index(src, `"hk"`)}}
	if !reflect.DeepEqual(p.Calendars, want) {
		t.Errorf("calendars %+v, want %+v", p.Calendars, want)
	}
	for _, src := range []string{"addWorkHours(opened_at, 'x')", "isWorkingTime(opened_at, 2)", "addWorkDays(name, 1)", "workHoursBetween(opened_at, 1)"} {
		if _, err := v.Compile(src, lang.Want{}); err == nil || morph.AsError(err).Fields[0].Code != "type_mismatch" {
			t.Errorf("%s: %v, want a type mismatch", src, err)
		}
	}
}

func TestFunctionsDocumented(t *testing.T) {
	for _, f := range lang.Functions() {
		if f.Doc == "" || !strings.HasPrefix(f.Doc, f.Name+"(") {
			t.Errorf("%s: doc %q", f.Name, f.Doc)
		}
	}
}

// FuzzExpr compiles and runs arbitrary expressions: every outcome is a
// compile error with an offset inside the source, or a result or a
// *RunError — never a panic, never a result of another type than asked.
func FuzzExpr(f *testing.F) {
	for _, s := range []string{
		"visits * 10 + (tier == 'vip' ? 30 : 0)", "tier == 'vip' && phone == ''", "addDays(close_date, 3)",
		"workHoursBetween(opened_at, now())", "coalesce(extra.a, name)", "changed('tier')", "old.visits > visits",
		"count(tags, # == 'a') > 0", "1..100000", "round(amount.amount / 3, 2)", "normalizePhone(phone)",
		"let x = 1; x + visits", "name matches '^a+$'", "user.roles", "extra?.a?.b ?? 'z'", "date('x')",
		"any(tags, all(tags, true))", "$run", "[1, 'a', nil]", "{'a': 1}", "tags[99]", `"` + strings.Repeat("a", 100),
	} {
		f.Add(s, uint8(0))
	}
	v := testVars()
	wants := []lang.Want{{}, {Kind: lang.KindBool}, {Kind: lang.KindNumber}, {Kind: lang.KindString},
		{Kind: lang.KindDate}, {Kind: lang.KindDateTime}, {Kind: lang.KindStrings}, {Kind: lang.KindNumber, Money: true}}
	now := time.Date(2026, 12, 3, 10, 30, 0, 0, shanghai)
	f.Fuzz(func(t *testing.T, src string, w uint8) {
		want := wants[int(w)%len(wants)]
		p, err := v.Compile(src, want)
		if err != nil {
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalid || len(me.Fields) != 1 {
				t.Fatalf("%q: unexpected error %v", src, err)
			}
			if off := me.Fields[0].Offset; off < 0 || off > len([]rune(src)) {
				t.Fatalf("%q: offset %d outside the source", src, off)
			}
			return
		}
		s := v.NewScope(map[string]any{"name": "a", "tags": []any{"a"}, "extra": map[string]any{"a": 1.0}}, nil, lang.Env{Now: now})
		out, err := p.Run(s)
		if err != nil {
			if _, ok := err.(*lang.RunError); !ok {
				t.Fatalf("%q: run error of type %T", src, err)
			}
			return
		}
		if out == nil {
			return
		}
		ok := true
		switch want.Kind {
		case lang.KindBool:
			_, ok = out.(bool)
		case lang.KindString, lang.KindDate, lang.KindDateTime:
			_, ok = out.(string)
		case lang.KindStrings:
			_, ok = out.([]any)
		case lang.KindNumber:
			_, isNum := out.(float64)
			_, isMoney := out.(map[string]any)
			ok = isNum || want.Money && isMoney
		}
		if !ok {
			t.Fatalf("%q: result %#v for %v", src, out, want)
		}
	})
}
