package engine

import (
	"encoding/binary"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Audit entries are kept and listed in the order of their ids: an entry's
// id is a UUIDv7 (RFC 9562) whose timestamp is the entry's time (at, to the
// millisecond), so that "newest first" is the order of the primary key and
// the log needs no index of its own on the time, and the indexes by record
// and by actor end with the id alone. The 42 bits after the timestamp count
// up within a millisecond from a random start (RFC 9562's method 2), so that
// entries of one millisecond, even under a clock that stands still, keep the
// order in which they were made; 32 random bits end the id.
//
// An engine's ids only ever grow: after its clock went back, the entries
// take the last millisecond again (and count on) until the clock has caught
// up with it. Readers that follow the log by id (the workflow pump) then
// never find an entry behind one they have read already; such an entry's id
// says a later time than its at.

// entryIDs makes an engine's entry ids.
type entryIDs struct {
	mu  sync.Mutex
	ms  int64  // the millisecond of the last id
	seq uint64 // its counter
}

// seqBits is the width of the counter; a millisecond's counter starts
// below half its range, so it cannot run over.
const seqBits = 42

// next returns a new id for an entry of time at (FormatTime; an unreadable
// time is taken as now).
func (g *entryIDs) next(at string) string {
	ms := entryMillis(at)
	g.mu.Lock()
	if ms > g.ms {
		g.ms, g.seq = ms, rand.Uint64N(1<<(seqBits-1))
	} else {
		g.seq++
	}
	ms, seq := g.ms, g.seq
	g.mu.Unlock()
	return entryUUID(ms, seq, rand.Uint32()).String()
}

// AuditIDFloor is the least id an entry of the millisecond of t or later
// can have: at >= t (to the millisecond) is id >= AuditIDFloor(t). Ids
// compare as strings in time order.
func AuditIDFloor(t time.Time) string {
	return entryUUID(max(t.UnixMilli(), 0), 0, 0).String()
}

// entryUUID lays out an entry id: 48 bits of Unix milliseconds, the
// version (7), the counter's 12 high bits, the variant (10), its 30 low
// bits and 32 bits of rest.
func entryUUID(ms int64, seq uint64, rest uint32) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[0:8], uint64(ms)<<16|0x7000|(seq>>30)&0x0fff)
	binary.BigEndian.PutUint32(u[8:12], 0x80000000|uint32(seq&(1<<30-1)))
	binary.BigEndian.PutUint32(u[12:16], rest)
	return u
}

// entryMillis reads the Unix milliseconds of an entry's time.
func entryMillis(at string) int64 {
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		t = time.Now()
	}
	return max(t.UnixMilli(), 0)
}
