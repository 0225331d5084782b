package mongo

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
)

// Deferred clearing of outboxes (FerretDB v2).
//
// FerretDB v2's unique indexes are PostgreSQL exclusion constraints: every
// write of a document checks its unique values again, and concurrent writes
// of one value deadlock (PostgreSQL aborts one after a second). Clearing an
// outbox right after a write is a second write of the document while other
// requests may be racing for its unique values, so there the adapter clears
// outboxes a little later, in batches, and in collections with unique
// indexes not at all (see keepOutbox). Until then a write of the document
// finds the outbox and relays it itself (see settle); the entries are in the
// audit collection already.

// clearDelay is how long a relayed outbox waits before it is cleared.
const clearDelay = 500 * time.Millisecond

type clearReq struct {
	name, id string
	v        int64
}

type clearer struct {
	mu      sync.Mutex
	pending []clearReq
	timer   *time.Timer
	closed  bool
}

// deferClear queues the clearing of an outbox whose entries are relayed.
func (s *Store) deferClear(name, id string, v int64) {
	s.clears.mu.Lock()
	defer s.clears.mu.Unlock()
	if s.clears.closed {
		return // Recover or the document's next write clears it
	}
	s.clears.pending = append(s.clears.pending, clearReq{name, id, v})
	if s.clears.timer == nil {
		s.clears.timer = time.AfterFunc(clearDelay, func() { s.flushClears(context.Background()) })
	}
}

// flushClears clears the queued outboxes: one update per collection and
// version.
func (s *Store) flushClears(ctx context.Context) {
	s.clears.mu.Lock()
	reqs := s.clears.pending
	s.clears.pending, s.clears.timer = nil, nil
	s.clears.mu.Unlock()
	if len(reqs) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, relayTimeout)
	defer cancel()
	type key struct {
		name string
		v    int64
	}
	groups := map[key]bson.A{}
	for _, r := range reqs {
		k := key{r.name, r.v}
		groups[k] = append(groups[k], r.id)
	}
	for k, ids := range groups {
		c, err := s.coll(k.name)
		if err != nil {
			continue
		}
		transient(ctx, func() (any, error) {
			return c.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "_v", Value: k.v}},
				bson.D{{Key: "$unset", Value: bson.D{{Key: outboxKey, Value: ""}}}})
		})
	}
}

// closeClears clears what is queued and stops queueing.
func (s *Store) closeClears() {
	s.clears.mu.Lock()
	s.clears.closed = true
	if s.clears.timer != nil {
		s.clears.timer.Stop()
	}
	s.clears.mu.Unlock()
	s.flushClears(context.Background())
}
