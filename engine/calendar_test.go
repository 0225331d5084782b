package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
)

const cnOfficeCal = `{"label": {"en": "China office", "zh-CN": "中国办公室"}, "timezone": "Asia/Shanghai",
 "week": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]], "tue": [["09:00", "12:00"], ["13:30", "18:00"]],
          "wed": [["09:00", "12:00"], ["13:30", "18:00"]], "thu": [["09:00", "12:00"], ["13:30", "18:00"]],
          "fri": [["09:00", "12:00"], ["13:30", "18:00"]]},
 "holidays": ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"], "workdays": ["2026-10-10"]}`

// ticketDef computes deadlines on calendars: the named cn_office and the
// default one.
const ticketDef = `{"$id": "ticket", "type": "object", "properties": {
	"title": {"type": "string"},
	"opened_at": {"type": "string", "format": "date-time", "x-type": "datetime"},
	"due": {"type": "string", "format": "date-time", "x-type": "formula", "x-expr": "addWorkHours(opened_at, 2, \"cn_office\")"},
	"due_default": {"type": "string", "format": "date-time", "x-type": "formula", "x-expr": "addWorkHours(opened_at, 1)"},
	"in_hours": {"type": "boolean", "x-type": "formula", "x-expr": "isWorkingTime(opened_at, 'cn_office')"}}}`

// Calendars are definitions: saved by administrators, checked, versioned,
// audited, in the catalog at once; expressions that name one by a constant
// are refused until it exists, and it cannot be deleted while they do.
func TestCalendars(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		clerk := engine.Actor{ID: "u-clerk", Roles: []string{"clerk"}}

		// An entity naming a calendar that does not exist is refused at
		// the expression, with the name's place in it.
		_, err := eng.PutEntity(ctx, admin, "ticket", []byte(ticketDef))
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalid || len(me.Fields) != 2 || me.Fields[1].Path != "/properties/in_hours/x-expr" || me.Fields[0].Path != "/properties/due/x-expr" ||
			me.Fields[0].Code != "unknown_calendar" || me.Fields[0].Offset != strings.Index(`addWorkHours(opened_at, 2, "cn_office")`, `"cn_office"`) {
			t.Fatalf("unknown calendar: %+v", err)
		}

		if _, _, err := eng.PutCalendar(ctx, clerk, "cn_office", []byte(cnOfficeCal)); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a non-administrator saves a calendar: %v", err)
		}
		if _, _, err := eng.PutCalendar(ctx, admin, "cn_office", []byte(`{"timezone": "Mars/Olympus", "week": {}}`)); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a bad calendar: %v", err)
		}
		if _, _, err := eng.PutCalendar(ctx, admin, "cn_office", []byte(`{"name": "other", "timezone": "UTC", "week": {"mon": [["09:00", "18:00"]]}}`)); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("a name other than the URL's: %v", err)
		}
		if _, ok := eng.Catalog().Calendar("cn_office"); ok {
			t.Fatal("a refused calendar is in the catalog")
		}
		info, created, err := eng.PutCalendar(ctx, admin, "cn_office", []byte(cnOfficeCal))
		if err != nil || !created || info.Version != 1 || info.Timezone != "Asia/Shanghai" || info.Label.ZH != "中国办公室" {
			t.Fatalf("save: %+v %v %v", info, created, err)
		}
		if _, _, err := eng.PutCalendar(ctx, admin, "cn_office", []byte(cnOfficeCal), engine.IfVersion(7)); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("a stale If-Match: %v", err)
		}
		if info, created, err = eng.PutCalendar(ctx, admin, "cn_office", []byte(cnOfficeCal), engine.IfVersion(1)); err != nil || created || info.Version != 2 {
			t.Fatalf("save again: %+v %v %v", info, created, err)
		}
		if got := eng.Catalog().CalendarNames(); strings.Join(got, ",") != "cn_office,default" {
			t.Fatalf("names %v", got)
		}
		if def, ok := eng.Catalog().Calendar("default"); !ok || !def.Builtin || def.Version != 0 {
			t.Fatalf("the built-in default: %+v", def)
		}
		if w, ok := eng.Catalog().WorkCalendar(""); !ok || w.WeekHours() != 45 || w.Location() != time.UTC {
			t.Fatalf("the built-in default's hours: %v", w)
		}
		if w, ok := eng.Catalog().WorkCalendar("cn_office"); !ok || w.WeekHours() != 37.5 {
			t.Fatalf("cn_office's hours: %v", w)
		}
		if _, ok := eng.Catalog().WorkCalendar("ghost"); ok {
			t.Fatal("an unknown calendar")
		}

		// Now the entity compiles, and its formulas use the calendars.
		put(t, eng, "ticket", ticketDef)
		rec, err := eng.Create(ctx, admin, "ticket", map[string]any{"title": "t", "opened_at": "2026-09-30T09:00:00.000Z"}) // 17:00 in Shanghai
		if err != nil {
			t.Fatal(err)
		}
		// 17:00–18:00 on 30 September, then National Day and the weekend
		// until Thursday 8 October 09:00–10:00 (02:00 UTC). The default
		// calendar is 09:00–18:00 in the business time zone, UTC here.
		if rec.Data["due"] != "2026-10-08T02:00:00.000Z" || rec.Data["due_default"] != "2026-09-30T10:00:00.000Z" || rec.Data["in_hours"] != true {
			t.Fatalf("computed %v", rec.Data)
		}

		// A saved calendar named default replaces the built-in one.
		if _, _, err := eng.PutCalendar(ctx, admin, "default", []byte(`{"timezone": "UTC", "week": {"thu": [["00:00", "24:00"]]}}`)); err != nil {
			t.Fatal(err)
		}
		rec, err = eng.Update(ctx, admin, "ticket", rec.ID, map[string]any{"title": "u"}, rec.Version)
		if err != nil || rec.Data["due_default"] != "2026-10-01T01:00:00.000Z" {
			t.Fatalf("update: %v %v", rec.Data, err)
		}

		// cn_office is in use: it cannot be deleted. default is not named
		// by a constant: deleting it brings back the built-in one.
		if err := eng.DeleteCalendar(ctx, admin, "cn_office"); morph.ErrorCode(err) != morph.EInUse || !strings.Contains(err.Error(), "/entities/ticket/properties/due/x-expr") {
			t.Fatalf("delete in use: %v", err)
		}
		if err := eng.DeleteCalendar(ctx, clerk, "default"); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a non-administrator deletes: %v", err)
		}
		if err := eng.DeleteCalendar(ctx, admin, "default", engine.IfVersion(5)); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("delete with a stale version: %v", err)
		}
		if err := eng.DeleteCalendar(ctx, admin, "default"); err != nil {
			t.Fatal(err)
		}
		if err := eng.DeleteCalendar(ctx, admin, "default"); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("delete the built-in default: %v", err)
		}
		if def, _ := eng.Catalog().Calendar("default"); !def.Builtin {
			t.Fatal("the built-in default is back")
		}

		// Every change was audited, with the write.
		if got := auditLog(t, eng, engine.AuditQuery{Kind: "calendar"}); len(got) != 4 ||
			got[0].Action != engine.AuditUndefine || got[0].Entity != "default" || got[3].Entity != "cn_office" || got[3].Actor != admin.ID {
			t.Fatalf("audit %+v", got)
		}

		// The builder's check refuses an unknown calendar too.
		chk, err := eng.CheckExpression(admin, "ticket", `workHoursBetween(opened_at, now(), "hk")`, "formula", "")
		if err != nil || chk.OK || len(chk.Problems) != 1 || chk.Problems[0].Code != "unknown_calendar" || chk.Problems[0].Offset != 35 {
			t.Fatalf("check: %+v %v", chk, err)
		}

		// Another instance over the same store sees the calendar.
		other, err := engine.New(ctx, st, engine.Options{Now: func() time.Time { return time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := other.Catalog().Calendar("cn_office"); !ok || c.Version != 2 {
			t.Fatalf("another instance: %+v", c)
		}
		if _, _, err := eng.PutCalendar(ctx, admin, "hk", []byte(`{"timezone": "Asia/Hong_Kong", "week": {"mon": [["09:00", "18:00"]]}}`)); err != nil {
			t.Fatal(err)
		}
		if changed, err := other.Refresh(ctx); err != nil || !changed {
			t.Fatalf("refresh: %v %v", changed, err)
		}
		if _, ok := other.Catalog().Calendar("hk"); !ok {
			t.Fatal("refresh missed a new calendar")
		}
	})
}
