package mongo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
)

// openClaiming opens a store that writes as it does on FerretDB (version
// claims, numbered counters), whatever the server.
func openClaiming(t *testing.T) (*Store, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	s, err := Open(ctx, mongotest.URI(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	s.server = ferretV1
	return s, ctx
}

func TestClaims(t *testing.T) {
	s, ctx := openClaiming(t)
	claims := s.db.Collection(claimsColl)
	if err := s.Insert(ctx, "c", store.Record{ID: "a", Version: 1, Data: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	plant := func(v int64, age time.Duration) {
		t.Helper()
		_, err := claims.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("c/a@%d", v)}, {Key: "at", Value: time.Now().Add(-age).UnixMilli()}})
		if err != nil {
			t.Fatal(err)
		}
	}

	// A claim held by a live writer makes the others conflict.
	plant(1, 0)
	if err := s.Update(ctx, "c", store.Record{ID: "a", Version: 2, Data: map[string]any{"n": 1.0}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update against a held claim: %v", err)
	}
	if err := s.Delete(ctx, "c", "a", 1); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("delete against a held claim: %v", err)
	}
	if _, err := claims.DeleteMany(ctx, bson.D{}); err != nil {
		t.Fatal(err)
	}

	// A claim left by a writer that stopped is taken over after the lease.
	plant(1, claimLease+time.Second)
	if err := s.Update(ctx, "c", store.Record{ID: "a", Version: 2, Data: map[string]any{"n": 2.0}}); err != nil {
		t.Fatalf("update against a stale claim: %v", err)
	}
	if r, err := s.Get(ctx, "c", "a"); err != nil || r.Version != 2 || r.Data["n"] != 2.0 {
		t.Fatalf("after the update: %+v %v", r, err)
	}
	if n, err := claims.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("%d claims left (%v)", n, err)
	}

	// Concurrent writers of one version: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, "c", store.Record{ID: "a", Version: 3, Data: map[string]any{}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent updates won", wins)
	}
}

func TestNumberedSequence(t *testing.T) {
	s, ctx := openClaiming(t)
	next := func(want int64) {
		t.Helper()
		n, err := s.NextSequence(ctx, "seq")
		if err != nil || n != want {
			t.Fatalf("got %d (%v), want %d", n, err, want)
		}
	}
	next(1)
	next(2)
	next(3)
	// The counter document lags behind (crossed updates, a lost write):
	// numbers already handed out are skipped, never given twice.
	if _, err := s.db.Collection(sequencesColl).UpdateOne(ctx, bson.D{{Key: "_id", Value: "seq"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: int64(1)}}}}); err != nil {
		t.Fatal(err)
	}
	next(4)
	if _, err := s.db.Collection(sequencesColl).DeleteOne(ctx, bson.D{{Key: "_id", Value: "seq"}}); err != nil {
		t.Fatal(err)
	}
	next(5)
	if n, err := s.NextSequence(ctx, "other"); err != nil || n != 1 {
		t.Fatalf("a new counter starts at %d (%v)", n, err)
	}
}
