package sla_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/sla"
)

const ticketDef = `{"$id": "ticket", "type": "object", "properties": {
	"subject":  {"type": "string"},
	"priority": {"type": "string", "enum": ["low", "normal", "high", "urgent"], "default": "normal", "x-type": "select"},
	"status":   {"type": "string", "enum": ["open", "waiting_customer", "resolved", "closed"], "default": "open", "x-type": "select"},
	"first_response_at": {"type": "string", "format": "date-time", "x-type": "datetime"},
	"response_due":      {"type": "string", "format": "date-time", "x-type": "datetime"},
	"resolution_due":    {"type": "string", "format": "date-time", "x-type": "datetime"},
	"response_met_at":   {"type": "string", "format": "date-time", "x-type": "datetime"},
	"resolution_met_at": {"type": "string", "format": "date-time", "x-type": "datetime"},
	"response_remaining":   {"type": "number", "x-type": "number"},
	"resolution_remaining": {"type": "number", "x-type": "number"},
	"sla_breached": {"type": "boolean", "x-type": "boolean"},
	"note": {"type": "string"}}, "required": ["subject"]}`

// policy: urgent 1 h / 8 h, high 2 / 16, everything else 2 / 24, on the
// example's cn_office calendar (09:00–12:00, 13:30–18:00 Mon–Fri, 2026's
// holidays and make-up days).
const policy = `{"name": "ticket_sla", "label": {"en": "Ticket SLA", "zh-CN": "工单 SLA"}, "entity": "ticket", "active": true,
	"calendar": "cn_office", "priority": "priority",
	"targets": {"urgent": {"response": 1, "resolution": 8}, "high": {"response": 2, "resolution": 16}, "*": {"response": 2, "resolution": 24}},
	"start": "created",
	"pause_when": "status == 'waiting_customer'",
	"responded_when": "first_response_at != nil",
	"resolved_when": "status in ['resolved', 'closed']",
	"fields": {"response_due": "response_due", "resolution_due": "resolution_due",
		"response_met_at": "response_met_at", "resolution_met_at": "resolution_met_at",
		"response_remaining": "response_remaining", "resolution_remaining": "resolution_remaining",
		"breached": "sla_breached"}}`

var admin = engine.Actor{ID: "u-admin", Name: "Ada", Roles: []string{schema.AdminRole}, Via: "session"}

// clock is a clock the tests set.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

var shanghai = time.FixedZone("CST", 8*3600)

// at reads a wall-clock time in Shanghai ("2026-12-01 10:00").
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// stored is the stored form of a wall-clock time in Shanghai.
func stored(t testing.TB, s string) string { return engine.FormatTime(at(t, s)) }

type env struct {
	eng   *engine.Engine
	svc   *sla.Service
	clock *clock
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// eachStore runs fn on SQLite and on MongoDB (an embedded FerretDB, or the
// server of MORPH_TEST_MONGO_URI), with the ticket entity, the cn_office
// calendar and the policy saved.
func eachStore(t *testing.T, fn func(t *testing.T, e *env)) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := open(t, st)
		if _, _, err := e.svc.Put(ctx, admin, "ticket_sla", []byte(policy), 0); err != nil {
			t.Fatalf("policy: %v", detail(err))
		}
		fn(t, e)
	})
}

func open(t testing.TB, st store.Store) *env {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)}
	eng, err := engine.New(ctx, st, engine.Options{Logger: quiet(), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	cals, err := examples.Calendars("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	for _, cal := range cals {
		if _, _, err := eng.PutCalendar(ctx, engine.System, cal.Name, cal.JSON); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := eng.PutEntity(ctx, engine.System, "ticket", []byte(ticketDef)); err != nil {
		t.Fatal(err)
	}
	svc, err := sla.New(ctx, eng, sla.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	return &env{eng: eng, svc: svc, clock: c}
}

func detail(err error) string {
	if me := morph.AsError(err); me != nil {
		var b strings.Builder
		b.WriteString(me.Text.EN)
		for _, f := range me.Fields {
			b.WriteString("; " + f.Path + " " + f.Code + ": " + f.Text.EN)
		}
		return b.String()
	}
	return err.Error()
}

func (e *env) create(t *testing.T, when string, data map[string]any) engine.Record {
	t.Helper()
	e.clock.set(at(t, when))
	if data["subject"] == nil {
		data["subject"] = "printer"
	}
	r, err := e.eng.Create(context.Background(), admin, "ticket", data)
	if err != nil {
		t.Fatalf("create: %v", detail(err))
	}
	return r
}

func (e *env) patch(t *testing.T, when string, id string, data map[string]any) engine.Record {
	t.Helper()
	e.clock.set(at(t, when))
	r, err := e.eng.Update(context.Background(), admin, "ticket", id, data, 0)
	if err != nil {
		t.Fatalf("update at %s: %v", when, detail(err))
	}
	return r
}

// expect compares the maintained fields with want (wall-clock times in
// Shanghai; "" for absent).
func expect(t *testing.T, r engine.Record, want map[string]any) {
	t.Helper()
	for f, w := range want {
		got := r.Data[f]
		switch w := w.(type) {
		case string:
			if w == "" {
				if got != nil {
					t.Errorf("%s = %v, want none", f, got)
				}
				continue
			}
			if got != stored(t, w) {
				t.Errorf("%s = %v, want %s (%s)", f, got, stored(t, w), w)
			}
		default:
			if got != w {
				t.Errorf("%s = %v (%T), want %v", f, got, got, w)
			}
		}
	}
}

// Deadlines of a create: working hours counted across lunch, nights,
// weekends, the National Day holiday and a make-up working Saturday.
func TestDeadlineOnCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name, created, priority string
			response, resolution    string
		}{
			{"within a day", "2026-12-01 10:00", "normal", "2026-12-01 12:00", "2026-12-04 11:30"},
			{"across lunch", "2026-12-07 11:00", "urgent", "2026-12-07 12:00", "2026-12-08 11:30"},
			{"in the lunch break", "2026-12-07 12:30", "urgent", "2026-12-07 14:30", "2026-12-08 14:00"},
			{"at night", "2026-12-01 20:00", "high", "2026-12-02 11:00", "2026-12-04 10:00"},
			{"before the day starts", "2026-12-02 07:00", "urgent", "2026-12-02 10:00", "2026-12-03 09:30"},
			{"over a weekend", "2026-12-04 17:00", "normal", "2026-12-07 10:00", "2026-12-10 09:30"},
			{"on a Sunday", "2026-12-06 15:00", "urgent", "2026-12-07 10:00", "2026-12-08 09:30"},
			{"into the National Day holiday", "2026-09-30 17:30", "urgent", "2026-10-08 09:30", "2026-10-08 18:00"},
			{"onto a make-up Saturday", "2026-10-09 17:30", "urgent", "2026-10-10 09:30", "2026-10-10 18:00"},
			{"no priority: the * target", "2026-12-01 10:00", "", "2026-12-01 12:00", "2026-12-04 11:30"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				data := map[string]any{}
				if tc.priority != "" {
					data["priority"] = tc.priority
				}
				r := e.create(t, tc.created, data)
				expect(t, r, map[string]any{"response_due": tc.response, "resolution_due": tc.resolution,
					"response_met_at": "", "response_remaining": "", "sla_breached": false})
			})
		}
	})
}

// Pausing clears the deadlines and keeps the working time left; resuming
// sets them from it, so they move by the paused working time.
func TestPauseResume(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.create(t, "2026-12-01 10:00", map[string]any{"priority": "urgent"})
		expect(t, r, map[string]any{"response_due": "2026-12-01 11:00", "resolution_due": "2026-12-02 10:30"})

		r = e.patch(t, "2026-12-01 10:30", r.ID, map[string]any{"status": "waiting_customer"})
		expect(t, r, map[string]any{"response_due": "", "resolution_due": "", "response_remaining": 0.5, "resolution_remaining": 7.5})

		// Other changes while paused leave it paused.
		r = e.patch(t, "2026-12-01 16:00", r.ID, map[string]any{"note": "called"})
		expect(t, r, map[string]any{"response_due": "", "response_remaining": 0.5, "resolution_remaining": 7.5})

		// Resumed the next morning: 7 working hours were paused
		// (Tue 10:30–12:00, 13:30–18:00, Wed 09:00–10:00).
		r = e.patch(t, "2026-12-02 10:00", r.ID, map[string]any{"status": "open"})
		expect(t, r, map[string]any{"response_due": "2026-12-02 10:30", "resolution_due": "2026-12-03 10:00",
			"response_remaining": "", "resolution_remaining": "", "sla_breached": false})

		// A pause over a weekend and a resume on Monday.
		r = e.patch(t, "2026-12-04 17:00", r.ID, map[string]any{"status": "waiting_customer", "first_response_at": stored(t, "2026-12-02 10:10")})
		expect(t, r, map[string]any{"response_met_at": "2026-12-04 17:00", "response_due": "2026-12-02 10:30",
			"resolution_due": "", "sla_breached": true})
	})
}

// A pause across a weekend and a holiday counts no working time at all.
func TestPauseOverHoliday(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.create(t, "2026-09-29 09:00", map[string]any{"priority": "high", "first_response_at": stored(t, "2026-09-29 09:00")})
		expect(t, r, map[string]any{"response_met_at": "2026-09-29 09:00", "response_due": "2026-09-29 11:00",
			"resolution_due": "2026-10-08 10:00"})
		r = e.patch(t, "2026-09-30 16:00", r.ID, map[string]any{"status": "waiting_customer"})
		expect(t, r, map[string]any{"resolution_due": "", "resolution_remaining": 3.0})
		// Resumed after the holiday: only the two working hours of the
		// pause (Wednesday 16:00–18:00) move the deadline.
		r = e.patch(t, "2026-10-08 09:00", r.ID, map[string]any{"status": "open"})
		expect(t, r, map[string]any{"resolution_due": "2026-10-08 12:00", "resolution_remaining": ""})
	})
}

// A priority change recomputes the deadlines from the start, minus the
// paused working time; while paused it moves what is left.
func TestPriorityChange(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.create(t, "2026-12-01 10:00", map[string]any{"priority": "normal"})
		expect(t, r, map[string]any{"response_due": "2026-12-01 12:00", "resolution_due": "2026-12-04 11:30"})
		r = e.patch(t, "2026-12-01 10:30", r.ID, map[string]any{"priority": "urgent"})
		expect(t, r, map[string]any{"response_due": "2026-12-01 11:00", "resolution_due": "2026-12-02 10:30", "sla_breached": false})

		// Paused for a working day (Tue 11:00 → Wed 11:00, 7.5 h): the
		// deadline moves from Wed 10:30 to Thu 10:30.
		e.patch(t, "2026-12-01 11:00", r.ID, map[string]any{"status": "waiting_customer", "first_response_at": stored(t, "2026-12-01 10:50")})
		r = e.patch(t, "2026-12-02 11:00", r.ID, map[string]any{"status": "open"})
		expect(t, r, map[string]any{"response_met_at": "2026-12-01 11:00", "response_due": "2026-12-01 11:00",
			"resolution_due": "2026-12-03 10:30"})

		// Down to normal: 24 h from the start plus the 7.5 paused.
		r = e.patch(t, "2026-12-02 11:30", r.ID, map[string]any{"priority": "normal"})
		expect(t, r, map[string]any{"resolution_due": "2026-12-07 11:30", "response_due": "2026-12-01 11:00",
			"response_met_at": "2026-12-01 11:00"})

		// While paused, the working time left moves by the difference.
		e.patch(t, "2026-12-02 14:00", r.ID, map[string]any{"status": "waiting_customer"})
		r = e.patch(t, "2026-12-02 15:00", r.ID, map[string]any{"priority": "high"})
		expect(t, r, map[string]any{"resolution_due": "", "resolution_remaining": 13.5})
		// From the start: 16 h plus 11.5 paused (7.5, then Wed 14:00–Thu 09:00).
		r = e.patch(t, "2026-12-03 09:00", r.ID, map[string]any{"status": "open"})
		expect(t, r, map[string]any{"resolution_due": "2026-12-04 16:30"})
	})
}

// Met targets keep their deadline and when they were met, also when the
// record changes later; one met late, or found overdue, is breached.
func TestMetAndBreached(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.create(t, "2026-12-01 10:00", map[string]any{"priority": "urgent"})
		r = e.patch(t, "2026-12-01 10:20", r.ID, map[string]any{"first_response_at": stored(t, "2026-12-01 10:20")})
		expect(t, r, map[string]any{"response_met_at": "2026-12-01 10:20", "response_due": "2026-12-01 11:00", "sla_breached": false})

		// A writer cannot move what the policy maintains.
		r = e.patch(t, "2026-12-01 10:30", r.ID, map[string]any{"priority": "normal", "response_due": stored(t, "2026-12-09 10:00"),
			"response_met_at": nil, "resolution_due": stored(t, "2026-12-31 10:00")})
		expect(t, r, map[string]any{"response_met_at": "2026-12-01 10:20", "response_due": "2026-12-01 11:00",
			"resolution_due": "2026-12-04 11:30"})

		// Overdue at a write: breached, and it stays so.
		r = e.patch(t, "2026-12-04 12:00", r.ID, map[string]any{"note": "still broken"})
		expect(t, r, map[string]any{"sla_breached": true, "resolution_met_at": ""})
		r = e.patch(t, "2026-12-04 12:10", r.ID, map[string]any{"status": "resolved", "sla_breached": false})
		expect(t, r, map[string]any{"sla_breached": true, "resolution_met_at": "2026-12-04 12:10", "resolution_due": "2026-12-04 11:30"})

		// Reopened: resolution stays met.
		r = e.patch(t, "2026-12-07 09:00", r.ID, map[string]any{"status": "open"})
		expect(t, r, map[string]any{"resolution_met_at": "2026-12-04 12:10", "resolution_due": "2026-12-04 11:30"})

		// Met on time: not breached.
		r = e.create(t, "2026-12-07 09:00", map[string]any{"priority": "high"})
		r = e.patch(t, "2026-12-07 10:00", r.ID, map[string]any{"status": "closed", "first_response_at": stored(t, "2026-12-07 09:30")})
		expect(t, r, map[string]any{"sla_breached": false, "response_met_at": "2026-12-07 10:00", "resolution_met_at": "2026-12-07 10:00",
			"response_due": "2026-12-07 11:00", "resolution_due": "2026-12-09 10:00"})

		// Created already resolved and paused: met at once.
		r = e.create(t, "2026-12-07 09:00", map[string]any{"status": "resolved"})
		expect(t, r, map[string]any{"resolution_met_at": "2026-12-07 09:00", "response_met_at": "", "response_due": "2026-12-07 11:00"})
		r = e.create(t, "2026-12-07 09:00", map[string]any{"status": "waiting_customer"})
		expect(t, r, map[string]any{"response_due": "", "response_remaining": 2.0, "resolution_remaining": 24.0})
	})
}

// An inactive or deleted policy sets nothing; records keep what it set.
func TestInactiveAndDeleted(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		r := e.create(t, "2026-12-01 10:00", map[string]any{})
		in, err := e.svc.Get(admin, "ticket_sla")
		if err != nil || !in.Valid || !in.Active || in.Version != 1 {
			t.Fatalf("get: %+v %v", in, err)
		}
		off := strings.Replace(policy, `"active": true`, `"active": false`, 1)
		if _, _, err := e.svc.Put(ctx, admin, "ticket_sla", []byte(off), 1); err != nil {
			t.Fatal(detail(err))
		}
		r2 := e.create(t, "2026-12-01 10:00", map[string]any{})
		expect(t, r2, map[string]any{"response_due": "", "resolution_due": ""})
		if err := e.svc.Delete(ctx, admin, "ticket_sla", 1); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale delete: %v", err)
		}
		if err := e.svc.Delete(ctx, admin, "ticket_sla", 2); err != nil {
			t.Fatal(err)
		}
		r = e.patch(t, "2026-12-01 11:00", r.ID, map[string]any{"priority": "urgent"})
		expect(t, r, map[string]any{"response_due": "2026-12-01 12:00"})
		if len(e.svc.List(admin)) != 0 {
			t.Fatal("deleted policy listed")
		}
	})
}

// Bad policies are refused with every problem at its JSON pointer, and
// nothing is stored.
func TestBadPolicies(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for _, tc := range []struct {
			name    string
			from    []string // replaced in policy by to
			to      []string
			code    morph.Code
			wants   []string // "path code"
			offsets map[string]int
		}{
			{"unknown entity", []string{`"entity": "ticket"`}, []string{`"entity": "case"`}, morph.EInvalid, []string{"/entity unknown_entity"}, nil},
			{"field missing", []string{`"response_due": "response_due"`}, []string{`"response_due": "reply_due"`}, morph.EInvalid,
				[]string{"/fields/response_due unknown_field"}, nil},
			{"field of the wrong type", []string{`"breached": "sla_breached"`, `"resolution_remaining": "resolution_remaining"`},
				[]string{`"breached": "note"`, `"resolution_remaining": "resolution_due"`}, morph.EInvalid,
				[]string{"/fields/breached field_type", "/fields/resolution_remaining field_type"}, nil},
			{"field named twice", []string{`"resolution_met_at": "resolution_met_at"`}, []string{`"resolution_met_at": "response_met_at"`}, morph.EInvalid,
				[]string{"/fields/resolution_met_at duplicate"}, nil},
			{"pausing without remaining fields", []string{`"response_remaining": "response_remaining", `}, []string{""}, morph.EInvalid,
				[]string{"/fields/response_remaining required"}, nil},
			{"unknown calendar", []string{`"calendar": "cn_office"`}, []string{`"calendar": "mars"`}, morph.EInvalid, []string{"/calendar unknown_calendar"}, nil},
			{"bad expressions", []string{`"pause_when": "status == 'waiting_customer'"`, `first_response_at != nil`},
				[]string{`"pause_when": "status == "`, `first_respons_at != nil`}, morph.EInvalid,
				[]string{"/pause_when syntax", "/responded_when unknown_field"}, map[string]int{"/responded_when": 0}},
			{"not a condition", []string{`"resolved_when": "status in ['resolved', 'closed']"`}, []string{`"resolved_when": "status"`}, morph.EInvalid,
				[]string{"/resolved_when result_type"}, nil},
			{"bad priority option", []string{`"high": {`}, []string{`"highest": {`}, morph.EInvalid, []string{"/targets/highest unknown_option"}, nil},
			{"priority not a select", []string{`"priority": "priority"`}, []string{`"priority": "subject"`}, morph.EInvalid, []string{"/priority field_type"}, nil},
			{"options without a target", []string{`, "*": {"response": 2, "resolution": 24}`}, []string{""}, morph.EInvalid, []string{"/targets missing_target"}, nil},
			{"hours out of range", []string{`"urgent": {"response": 1`}, []string{`"urgent": {"response": 0`}, morph.EInvalid, []string{"/targets/urgent/response range"}, nil},
			{"resolution before response", []string{`"urgent": {"response": 1, "resolution": 8}`}, []string{`"urgent": {"response": 9, "resolution": 8}`}, morph.EInvalid,
				[]string{"/targets/urgent/resolution range"}, nil},
			{"unknown key", []string{`"start": "created"`}, []string{`"start": "created", "stop": "never"`}, morph.EInvalid, []string{" unknown_key"}, nil},
			{"name not the URL's", []string{`"name": "ticket_sla"`}, []string{`"name": "other"`}, morph.EInvalid, []string{"/name name"}, nil},
			{"second active policy of the entity", []string{`"name": "ticket_sla"`}, []string{`"name": "ticket_sla_2"`}, morph.EInvalid, []string{"/active conflict"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				doc := policy
				for i, f := range tc.from {
					if !strings.Contains(doc, f) {
						t.Fatalf("policy lacks %q", f)
					}
					doc = strings.Replace(doc, f, tc.to[i], 1)
				}
				name := "ticket_sla"
				if tc.name == "second active policy of the entity" {
					name = "ticket_sla_2"
				}
				before := e.svc.List(admin)
				_, _, err := e.svc.Put(ctx, admin, name, []byte(doc), 0)
				me := morph.AsError(err)
				if me == nil || me.Code != tc.code {
					t.Fatalf("err %v, want %s", err, tc.code)
				}
				got := map[string]bool{}
				for _, f := range me.Fields {
					got[f.Path+" "+f.Code] = true
					if off, ok := tc.offsets[f.Path]; ok && f.Offset != off {
						t.Errorf("%s offset %d, want %d", f.Path, f.Offset, off)
					}
					if f.Text.ZH == "" {
						t.Errorf("%s has no Chinese text", f.Path)
					}
				}
				for _, w := range tc.wants {
					if !got[w] {
						t.Errorf("errors %v lack %q (%s)", got, w, detail(err))
					}
				}
				after := e.svc.List(admin)
				if len(after) != len(before) || after[0].Version != before[0].Version {
					t.Errorf("the store changed: %+v", after)
				}
			})
		}
		// Only administrators save.
		rep := engine.Actor{ID: "u-rep", Roles: []string{"service_agent"}}
		if _, _, err := e.svc.Put(ctx, rep, "x", []byte(policy), 0); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("rep: %v", err)
		}
	})
}

// A policy whose entity loses a field it maintains stays stored but does
// nothing, and says so.
func TestPolicyNoLongerFits(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		def := strings.Replace(ticketDef, `"sla_breached": {"type": "boolean", "x-type": "boolean"},`, "", 1)
		if _, err := e.eng.PutEntity(ctx, engine.System, "ticket", []byte(def)); err != nil {
			t.Fatal(detail(err))
		}
		in, err := e.svc.Get(admin, "ticket_sla")
		if err != nil || in.Valid {
			t.Fatalf("still valid: %+v %v", in, err)
		}
		r := e.create(t, "2026-12-01 10:00", map[string]any{})
		expect(t, r, map[string]any{"response_due": ""})
	})
}

// A condition that fails at run time is the policy's 422, never a 500.
func TestConditionFails(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		doc := strings.Replace(policy, `"pause_when": "status == 'waiting_customer'"`, `"pause_when": "date(note) > now()"`, 1)
		if _, _, err := e.svc.Put(ctx, admin, "ticket_sla", []byte(doc), 0); err != nil {
			t.Fatal(detail(err))
		}
		_, err := e.eng.Create(ctx, admin, "ticket", map[string]any{"subject": "x", "note": "tomorrow"})
		if me := morph.AsError(err); me == nil || me.Code != morph.EExpression || !strings.Contains(me.Text.EN, "ticket_sla") {
			t.Fatalf("err %v", err)
		}
		var me *morph.Error
		if !errors.As(err, &me) || me.Code.Status() != 422 {
			t.Fatalf("status %v", err)
		}
	})
}
