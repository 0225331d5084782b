package engine_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/schema"
)

const contactDef = `{"$id": "contact", "type": "object", "properties": {
	"name":  {"type": "string", "x-personal": true},
	"email": {"type": "string", "x-type": "email", "x-personal": true, "x-unique": true},
	"phone": {"type": "string", "x-type": "phone", "x-personal": true},
	"tier":  {"type": "string", "enum": ["a", "b"]},
	"code":  {"type": "string", "x-unique": true}}, "required": ["name"]}`

const dealDef = `{"$id": "deal", "type": "object", "properties": {
	"title":   {"type": "string"},
	"contact": {"type": "string", "x-type": "relation", "x-ref": "contact"}}}`

var admin = engine.Actor{ID: "u-admin", Name: "Ada", Roles: []string{schema.AdminRole}, Addr: "10.0.0.1", Via: "session"}

// eachStore runs fn on an engine over the embedded store and over MongoDB
// (an embedded FerretDB, or the server of MORPH_TEST_MONGO_URI), with a
// clock that moves a millisecond per reading.
func eachStore(t *testing.T, fn func(t *testing.T, eng *engine.Engine, st store.Store)) {
	eachstore.Run(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		var tick atomic.Int64
		start := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		eng, err := engine.New(ctx, st, engine.Options{Now: func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Millisecond) }})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, eng, st)
	})
}

func auditLog(t *testing.T, eng *engine.Engine, q engine.AuditQuery) []engine.AuditEntry {
	t.Helper()
	q.Limit = engine.MaxLimit
	p, err := eng.AuditLog(context.Background(), admin, q)
	if err != nil {
		t.Fatal(err)
	}
	return p.Entries
}

// Every kind of write leaves one entry with the changed fields and their
// values; writes that fail leave none.
func TestAuditEntriesOfWrites(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		if _, err := eng.PutEntity(ctx, admin, "contact", []byte(contactDef)); err != nil {
			t.Fatal(err)
		}
		defs := auditLog(t, eng, engine.AuditQuery{Kind: engine.KindEntity})
		if len(defs) != 1 || defs[0].Action != engine.AuditDefine || defs[0].Entity != "contact" || defs[0].Actor != "u-admin" ||
			!reflect.DeepEqual(defs[0].New, map[string]any{"version": 1.0}) {
			t.Fatalf("definition entries %+v", defs)
		}

		rec, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "Li Lei", "code": "C1", "tier": "a"})
		if err != nil {
			t.Fatal(err)
		}
		got := auditLog(t, eng, engine.AuditQuery{Record: rec.ID})
		if len(got) != 1 {
			t.Fatalf("entries after create: %+v", got)
		}
		c := got[0]
		if c.Action != engine.AuditCreate || c.Kind != engine.KindRecord || c.Entity != "contact" || c.Version != 1 ||
			c.Actor != "u-admin" || c.Name != "Ada" || c.Addr != "10.0.0.1" || c.Via != "session" ||
			!reflect.DeepEqual(c.Fields, []string{"code", "name", "owner", "tier"}) || c.Old != nil ||
			!reflect.DeepEqual(c.New, map[string]any{"code": "C1", "name": "Li Lei", "owner": "u-admin", "tier": "a"}) {
			t.Fatalf("create entry %+v", c)
		}

		if _, err := eng.Update(ctx, admin, "contact", rec.ID, map[string]any{"tier": "b", "code": nil, "phone": "13800138000"}, 0); err != nil {
			t.Fatal(err)
		}
		got = auditLog(t, eng, engine.AuditQuery{Record: rec.ID, Action: engine.AuditUpdate})
		if len(got) != 1 {
			t.Fatalf("update entries %+v", got)
		}
		u := got[0]
		if u.Version != 2 || !reflect.DeepEqual(u.Fields, []string{"code", "phone", "tier"}) ||
			!reflect.DeepEqual(u.Old, map[string]any{"code": "C1", "tier": "a"}) ||
			!reflect.DeepEqual(u.New, map[string]any{"phone": "+8613800138000", "tier": "b"}) {
			t.Fatalf("update entry %+v", u)
		}

		// Failed writes: a duplicate unique value, a stale version, a
		// missing record, an invalid record.
		if _, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "X", "code": "C2"}); err != nil {
			t.Fatal(err)
		}
		before := len(auditLog(t, eng, engine.AuditQuery{}))
		if _, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "Y", "code": "C2"}); morph.ErrorCode(err) != morph.EDuplicate {
			t.Fatalf("duplicate: %v", err)
		}
		if _, err := eng.Update(ctx, admin, "contact", rec.ID, map[string]any{"tier": "a"}, 1); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale update: %v", err)
		}
		if err := eng.Delete(ctx, admin, "contact", rec.ID, 1); morph.ErrorCode(err) != morph.EVersion {
			t.Fatalf("stale delete: %v", err)
		}
		if err := eng.Delete(ctx, admin, "contact", "0190a1b2-0000-7000-8000-000000000000", 0); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("delete of a missing record: %v", err)
		}
		if _, err := eng.Create(ctx, admin, "contact", map[string]any{"tier": "z"}); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("invalid record: %v", err)
		}
		if after := len(auditLog(t, eng, engine.AuditQuery{})); after != before {
			t.Fatalf("failed writes left %d entries", after-before)
		}

		// Delete: every field's last value.
		if err := eng.Delete(ctx, admin, "contact", rec.ID, 2); err != nil {
			t.Fatal(err)
		}
		got = auditLog(t, eng, engine.AuditQuery{Record: rec.ID, Action: engine.AuditDelete})
		if len(got) != 1 || got[0].Version != 2 || !reflect.DeepEqual(got[0].Fields, []string{"name", "owner", "phone", "tier"}) ||
			got[0].New != nil || got[0].Old["phone"] != "+8613800138000" {
			t.Fatalf("delete entries %+v", got)
		}

		// Bulk, with upserts: one entry per item stored, none for the failed.
		items := []map[string]any{
			{"name": "B1", "code": "C2", "tier": "b"}, // updates X
			{"name": "B2", "code": "C3"},
			{"name": "B3", "code": "C3"}, // the same key again: updates B2's record
			{"tier": "q"},                // invalid
		}
		res, err := eng.CreateMany(ctx, admin, "contact", items, engine.BulkOptions{Key: "code"})
		if err != nil {
			t.Fatal(err)
		}
		stored := 0
		for _, r := range res {
			if r.Err == nil {
				stored++
				want := engine.AuditCreate
				if r.Updated {
					want = engine.AuditUpdate
				}
				found := false
				for _, a := range auditLog(t, eng, engine.AuditQuery{Record: r.Record.ID}) {
					found = found || (a.Action == want && a.Version == r.Record.Version)
				}
				if !found {
					t.Fatalf("bulk item %d (%s, version %d) has no entry", r.Index, want, r.Record.Version)
				}
			}
		}
		if stored != 3 {
			t.Fatalf("bulk results %+v", res)
		}
		if after := len(auditLog(t, eng, engine.AuditQuery{})); after != before+1+stored {
			t.Fatalf("entries after bulk: %d, want %d", after, before+1+stored)
		}

		// Deleting the definition is logged too.
		if err := eng.DeleteEntity(ctx, admin, "contact"); err != nil {
			t.Fatal(err)
		}
		defs = auditLog(t, eng, engine.AuditQuery{Kind: engine.KindEntity, Action: engine.AuditUndefine})
		if len(defs) != 1 || !reflect.DeepEqual(defs[0].Old, map[string]any{"version": 1.0}) {
			t.Fatalf("undefine entries %+v", defs)
		}
	})
}

// A record's history pages newest first; a deleted record's history stays
// readable by administrators; a record that never existed is not found.
func TestHistory(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "contact", contactDef)
		rec, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "v1"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 2; i <= 5; i++ {
			if _, err := eng.Update(ctx, admin, "contact", rec.ID, map[string]any{"name": "v" + string(rune('0'+i))}, 0); err != nil {
				t.Fatal(err)
			}
		}
		// A reader sees the history of what it may read, masked as the
		// record is; a user who may not read the record gets 404.
		putRole(t, eng, "reader", `{"entities": {"contact": {"read": "all", "fields": {"*": "read", "name": "masked"}}}}`)
		putRole(t, eng, "own_reader", `{"entities": {"contact": {"read": "own", "fields": {"*": "read"}}}}`)
		user := engine.Actor{ID: "u-1", Roles: []string{"reader"}}
		if _, err := eng.History(ctx, engine.Actor{ID: "u-2", Roles: []string{"own_reader"}}, "contact", rec.ID, engine.PageRequest{}); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("history of a record the caller may not read: %v", err)
		}
		if p, err := eng.History(ctx, user, "contact", rec.ID, engine.PageRequest{Limit: 1}); err != nil || p.Entries[0].New["name"] == "v5" || p.Entries[0].Old["name"] == "v4" || p.Entries[0].New["name"] == nil {
			t.Fatalf("a masked field in the history: %+v, %v", p, err)
		}
		var versions []int64
		page := engine.PageRequest{Limit: 2}
		for n := 0; ; n++ {
			p, err := eng.History(ctx, user, "contact", rec.ID, page)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range p.Entries {
				versions = append(versions, a.Version)
			}
			if p.Next == "" {
				break
			}
			if n > 5 {
				t.Fatal("pages never end")
			}
			page.After = p.Next
		}
		if !reflect.DeepEqual(versions, []int64{5, 4, 3, 2, 1}) {
			t.Fatalf("versions %v", versions)
		}
		if _, err := eng.History(ctx, user, "contact", rec.ID, engine.PageRequest{After: "nonsense"}); morph.ErrorCode(err) != morph.EInvalidFilter {
			t.Fatalf("bad cursor: %v", err)
		}
		if _, err := eng.History(ctx, user, "contact", "0190a1b2-0000-7000-8000-000000000000", engine.PageRequest{}); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("never existed: %v", err)
		}
		if _, err := eng.History(ctx, admin, "contact", "0190a1b2-0000-7000-8000-000000000000", engine.PageRequest{}); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("never existed (admin): %v", err)
		}
		if err := eng.Delete(ctx, admin, "contact", rec.ID, 0); err != nil {
			t.Fatal(err)
		}
		p, err := eng.History(ctx, admin, "contact", rec.ID, engine.PageRequest{})
		if err != nil || len(p.Entries) != 6 || p.Entries[0].Action != engine.AuditDelete {
			t.Fatalf("history of a deleted record: %+v, %v", p, err)
		}
		if _, err := eng.History(ctx, user, "contact", rec.ID, engine.PageRequest{}); morph.ErrorCode(err) != morph.ENotFound {
			t.Fatalf("deleted record's history for a user: %v", err)
		}
	})
}

// The audit log is for administrators; its filters select by actor,
// entity, record, action, kind and time.
func TestAuditLogFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "contact", contactDef)
		put(t, eng, "deal", dealDef)
		putRole(t, eng, "sales", `{"entities": {"contact": {"read": "all", "fields": {"*": "read"}},
			"deal": {"create": true, "read": "own", "update": "own", "fields": {"*": "edit"}}}}`)
		bob := engine.Actor{ID: "u-bob", Roles: []string{"sales"}}
		c1, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "A"})
		if err != nil {
			t.Fatal(err)
		}
		d1, err := eng.Create(ctx, bob, "deal", map[string]any{"title": "D", "contact": c1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Update(ctx, bob, "deal", d1.ID, map[string]any{"title": "D2"}, 0); err != nil {
			t.Fatal(err)
		}
		if err := eng.Audit(ctx, bob, engine.AuditEntry{Action: engine.AuditLogin, Kind: "session"}); err != nil {
			t.Fatal(err)
		}

		if _, err := eng.AuditLog(ctx, bob, engine.AuditQuery{}); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("a user reads the log: %v", err)
		}
		count := func(q engine.AuditQuery) int { return len(auditLog(t, eng, q)) }
		for _, tc := range []struct {
			name string
			q    engine.AuditQuery
			want int
		}{
			{"all", engine.AuditQuery{}, 7}, // 2 entities, 1 role, 3 record writes, 1 login
			{"actor", engine.AuditQuery{Actor: "u-bob"}, 3},
			{"entity", engine.AuditQuery{Entity: "deal", Kind: engine.KindRecord}, 2},
			{"record", engine.AuditQuery{Record: d1.ID}, 2},
			{"action", engine.AuditQuery{Action: engine.AuditUpdate}, 1},
			{"kind", engine.AuditQuery{Kind: engine.KindEntity}, 2},
			{"from", engine.AuditQuery{From: d1.Data["created_at"].(string)}, 3},
			{"to", engine.AuditQuery{To: d1.Data["created_at"].(string)}, 4},
			{"combined", engine.AuditQuery{Actor: "u-bob", Action: engine.AuditCreate, Entity: "deal"}, 1},
		} {
			if got := count(tc.q); got != tc.want {
				t.Errorf("%s: %d entries, want %d", tc.name, got, tc.want)
			}
		}
		all := auditLog(t, eng, engine.AuditQuery{})
		if all[0].Action != engine.AuditLogin || all[len(all)-1].Action != engine.AuditDefine {
			t.Fatalf("not newest first: %+v", all)
		}
		if _, err := eng.AuditLog(ctx, admin, engine.AuditQuery{From: "yesterday"}); morph.ErrorCode(err) != morph.EInvalid {
			t.Fatalf("bad from: %v", err)
		}
	})
}

// Export gathers the record, the records pointing at it and its history,
// and is audited; erasure anonymises the personal fields in the record and
// in its history. Both are for administrators only.
func TestExportAndErase(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "contact", contactDef)
		put(t, eng, "deal", dealDef)
		c, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "Han Meimei", "email": "hm@example.com", "tier": "a"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Update(ctx, admin, "contact", c.ID, map[string]any{"phone": "13800138000"}, 0); err != nil {
			t.Fatal(err)
		}
		d, err := eng.Create(ctx, admin, "deal", map[string]any{"title": "Big", "contact": c.ID})
		if err != nil {
			t.Fatal(err)
		}
		user := engine.Actor{ID: "u-1"}
		if _, err := eng.ExportRecord(ctx, user, "contact", c.ID); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("export by a user: %v", err)
		}
		if _, err := eng.Erase(ctx, user, "contact", c.ID); morph.ErrorCode(err) != morph.EForbidden {
			t.Fatalf("erase by a user: %v", err)
		}
		x, err := eng.ExportRecord(ctx, admin, "contact", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if x.Record["email"] != "hm@example.com" || len(x.References) != 1 || x.References[0].Entity != "deal" ||
			len(x.References[0].Records) != 1 || x.References[0].Records[0]["id"] != d.ID || len(x.History) != 2 ||
			!reflect.DeepEqual(x.Personal, []string{"name", "email", "phone"}) {
			t.Fatalf("export %+v", x)
		}
		if got := auditLog(t, eng, engine.AuditQuery{Action: engine.AuditExport}); len(got) != 1 || got[0].Record != c.ID {
			t.Fatalf("export entries %+v", got)
		}

		er, err := eng.Erase(ctx, admin, "contact", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(er.Fields, []string{"name", "email", "phone"}) || er.Entries != 2 {
			t.Fatalf("erasure %+v", er)
		}
		rec, err := eng.Get(ctx, admin, "contact", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Data["name"] != engine.Erased || rec.Data["email"] != nil || rec.Data["phone"] != nil || rec.Data["tier"] != "a" {
			t.Fatalf("record after erasure %v", rec.Data)
		}
		p, err := eng.History(ctx, admin, "contact", c.ID, engine.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Entries {
			for _, m := range []map[string]any{a.Old, a.New} {
				for _, f := range []string{"name", "email", "phone"} {
					if v, ok := m[f]; ok && v != engine.Erased {
						t.Fatalf("entry %s keeps %s = %v", a.Action, f, v)
					}
				}
			}
			if a.Action == engine.AuditErase && (a.Old != nil || a.New != nil || !reflect.DeepEqual(a.Fields, []string{"name", "email", "phone"})) {
				t.Fatalf("erase entry %+v", a)
			}
		}
		if p.Entries[0].Action != engine.AuditErase || p.Entries[len(p.Entries)-1].New["tier"] != "a" {
			t.Fatalf("history after erasure %+v", p.Entries)
		}
		if _, err := eng.Erase(ctx, admin, "deal", d.ID); morph.ErrorCode(err) != morph.EUnprocessable {
			t.Fatalf("erase without personal fields: %v", err)
		}
	})
}

// Concurrent updates of one record each leave exactly one entry, of the
// version they wrote: on MongoDB, writes that meet another's unrelayed
// outbox relay it rather than drop it.
func TestAuditConcurrentUpdates(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "contact", contactDef)
		rec, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "hot"})
		if err != nil {
			t.Fatal(err)
		}
		const writers = 12
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := eng.Update(ctx, admin, "contact", rec.ID, map[string]any{"code": fmt.Sprintf("c%d", i)}, 0)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := auditLog(t, eng, engine.AuditQuery{Record: rec.ID, Action: engine.AuditUpdate})
		seen := map[int64]int{}
		for _, a := range got {
			seen[a.Version]++
		}
		for v := int64(2); v <= writers+1; v++ {
			if seen[v] != 1 {
				t.Errorf("version %d has %d entries", v, seen[v])
			}
		}
		if len(got) != writers {
			t.Errorf("%d update entries, want %d", len(got), writers)
		}
	})
}

// The log keeps the entries of an entity's records after the entity is
// deleted, and administrators read them with their values: the log is
// where what was deleted is still known.
func TestAuditLogOfADeletedEntity(t *testing.T) {
	eachStore(t, func(t *testing.T, eng *engine.Engine, st store.Store) {
		ctx := context.Background()
		put(t, eng, "contact", contactDef)
		c, err := eng.Create(ctx, admin, "contact", map[string]any{"name": "Li Lei", "tier": "a"})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.DeleteEntity(ctx, admin, "contact"); err != nil {
			t.Fatal(err)
		}
		got := auditLog(t, eng, engine.AuditQuery{Record: c.ID})
		if len(got) != 1 || got[0].New["name"] != "Li Lei" || got[0].New["tier"] != "a" {
			t.Fatalf("the create entry of a deleted entity's record, as an administrator reads it: %+v", got)
		}
	})
}
