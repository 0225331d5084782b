package engine

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// An engine's entry ids sort as the entries' times do, and entries of one
// millisecond in the order they were made; after the clock went back they
// still only grow (the workflow pump follows the log by id).
func TestAuditIDsFollowTheEntriesTimes(t *testing.T) {
	var g entryIDs
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	type entry struct {
		at time.Time
		id string
	}
	var made []entry
	add := func(at time.Time) entry {
		e := entry{at, g.next(FormatTime(at))}
		u, err := uuid.Parse(e.id)
		if err != nil || u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Fatalf("%s is not a UUIDv7: %v", e.id, err)
		}
		if len(made) > 0 && e.id <= made[len(made)-1].id {
			t.Fatalf("entry %d (%s, at %s) does not sort after the one before (%s, at %s)",
				len(made), e.id, FormatTime(at), made[len(made)-1].id, FormatTime(made[len(made)-1].at))
		}
		made = append(made, e)
		return e
	}
	for range 5000 { // a clock that stands still
		add(base)
	}
	for i := range 100 { // one that moves on, within and across milliseconds
		add(base.Add(time.Duration(i) * 300 * time.Microsecond))
	}
	// The floor of a time splits the entries where their times do.
	for _, cut := range []time.Time{base, base.Add(-3 * time.Millisecond), base.Add(2500 * time.Microsecond), base.Add(time.Hour)} {
		floor := AuditIDFloor(cut)
		for _, e := range made {
			if atOrAfter := FormatTime(e.at) >= FormatTime(cut); (e.id >= floor) != atOrAfter {
				t.Fatalf("entry at %s, id %s: id >= the floor of %s is %v, at >= it %v", FormatTime(e.at), e.id, FormatTime(cut), !atOrAfter, atOrAfter)
			}
		}
	}
	// The clock goes back an hour: the ids go on from the last one, and
	// take the clock's time again once it has caught up.
	last := made[len(made)-1]
	back := add(base.Add(-time.Hour))
	if back.id[:13] != last.id[:13] {
		t.Fatalf("after the clock went back, %s does not keep the last millisecond of %s", back.id, last.id)
	}
	later := add(base.Add(time.Minute))
	if later.id < AuditIDFloor(base.Add(time.Minute)) || later.id >= AuditIDFloor(base.Add(time.Minute+time.Millisecond)) {
		t.Fatalf("%s is not of its entry's millisecond %s", later.id, FormatTime(base.Add(time.Minute)))
	}
	var other entryIDs // another engine's ids are its own, and as many
	seen := map[string]bool{}
	for _, e := range made {
		seen[e.id] = true
	}
	for range 5000 {
		if id := other.next(FormatTime(base)); seen[id] {
			t.Fatalf("%s made twice", id)
		}
	}
}
