package mongo

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
)

func auditEntry(id string) store.Record {
	return store.Record{ID: id, Version: 1, Data: map[string]any{"action": "x", "at": "2026-01-01T00:00:00.000Z"}}
}

func auditIDs(t *testing.T, s *Store) []string {
	t.Helper()
	recs, err := s.Find(context.Background(), store.AuditCollection, query.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	sort.Strings(out)
	return out
}

// A process that stops between a write and the relay of its entries
// leaves them in the record's outbox (or, for a delete, pending): they are
// not in the audit log until the store is opened again, then exactly once.
func TestOutboxRecovery(t *testing.T) {
	for _, server := range []string{"as detected", "FerretDB v1 claims"} {
		t.Run(server, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			uri := mongotest.URI(t)
			s, err := Open(ctx, uri)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if server != "as detected" {
				s.server = ferretV1
			}
			crash := true
			s.hooks.beforeRelay = func() bool { return crash }
			rec := func(id string, v int64) store.Record {
				return store.Record{ID: id, Version: v, Data: map[string]any{"n": float64(v)}}
			}
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(s.EnsureCollection(ctx, store.AuditCollection, nil))
			must(s.EnsureCollection(ctx, "c", nil))
			must(s.Insert(ctx, "c", rec("a", 1), auditEntry("e1")))
			must(s.Update(ctx, "c", rec("a", 2), auditEntry("e2")))
			must(s.Insert(ctx, "c", rec("b", 1), auditEntry("e3")))
			must(s.Delete(ctx, "c", "b", 1, auditEntry("e4")))
			errs, err := s.InsertMany(ctx, "c", []store.Record{rec("m1", 1), rec("m2", 1)}, auditEntry("e5"), auditEntry("e6"))
			must(err)
			must(errs[0])
			must(errs[1])
			// An update whose record holds an unrelayed outbox relays it
			// first: e2 is not lost when d's next write replaces it.
			must(s.Insert(ctx, "c", rec("d", 1), auditEntry("e7")))
			crash = false
			must(s.Update(ctx, "c", rec("d", 2), auditEntry("e8")))
			// The update of a and the delete of b relayed the outboxes they
			// found (e1, e3); their own entries (e2, e4) wait.
			if got := auditIDs(t, s); !reflect.DeepEqual(got, []string{"e1", "e3", "e7", "e8"}) {
				t.Fatalf("before recovery the log holds %v", got)
			}
			// Relayed writes leave no outbox behind.
			errs, err = s.InsertMany(ctx, "c", []store.Record{rec("m3", 1), rec("m4", 1)}, auditEntry("e10"), auditEntry("e11"))
			must(err)
			must(errs[0])
			s.flushClears(ctx)
			n, err := s.db.Collection(collPrefix+"c").CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{"d", "m3", "m4"}}}},
				{Key: outboxKey, Value: bson.D{{Key: "$exists", Value: true}}}})
			must(err)
			if n != 0 {
				t.Fatalf("%d relayed writes keep their outbox", n)
			}
			// Records read back never show their outbox; queries cannot name it.
			r, err := s.Get(ctx, "c", "a")
			must(err)
			if !reflect.DeepEqual(r.Data, map[string]any{"n": 2.0}) {
				t.Fatalf("record data %v", r.Data)
			}
			if _, err := s.Find(ctx, "c", query.Query{Filter: query.Cmp{Field: outboxKey, Op: query.Ne, Value: nil}}); err == nil {
				t.Fatal("a query names the outbox")
			}

			// A pending delete whose record is still there is under way
			// until its lease ends: recovery leaves it, then drops it.
			must(s.Insert(ctx, "c", rec("p", 1)))
			must(s.beginDelete(ctx, "c", "p", 1, bson.A{bson.D{{Key: "_id", Value: "e9"}, {Key: "_v", Value: int64(1)}}}))

			s2, err := Open(ctx, uri) // recovery runs at open
			must(err)
			defer s2.Close()
			want := []string{"e1", "e10", "e11", "e2", "e3", "e4", "e5", "e6", "e7", "e8"}
			if got := auditIDs(t, s2); !reflect.DeepEqual(got, want) {
				t.Fatalf("after recovery the log holds %v, want %v", got, want)
			}
			must(s2.Recover(ctx))
			if got := auditIDs(t, s2); !reflect.DeepEqual(got, want) {
				t.Fatalf("after a second recovery the log holds %v", got)
			}
			pc := s2.db.Collection(pendingColl)
			if n, _ := pc.CountDocuments(ctx, bson.D{}); n != 1 {
				t.Fatalf("%d pending deletes, want the one under way", n)
			}
			_, err = pc.UpdateOne(ctx, bson.D{}, bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now().Add(-pendingLease - time.Second).UnixMilli()}}}})
			must(err)
			must(s2.Recover(ctx))
			if n, _ := pc.CountDocuments(ctx, bson.D{}); n != 0 {
				t.Fatalf("%d pending deletes after the lease", n)
			}
			if got := auditIDs(t, s2); !reflect.DeepEqual(got, want) {
				t.Fatalf("a delete that did not happen was logged: %v", got)
			}
			n, err = s2.db.Collection(collPrefix+"c").CountDocuments(ctx, bson.D{{Key: outboxKey, Value: bson.D{{Key: "$exists", Value: true}}}})
			must(err)
			if n != 0 {
				t.Fatalf("%d outboxes left", n)
			}
		})
	}
}
