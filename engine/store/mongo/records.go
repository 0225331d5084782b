package mongo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// getManyBatch is how many ids one GetMany round trip asks for.
const getManyBatch = 500

// Insert stores a new record with its audit entries in its outbox, then
// relays them (see outbox.go).
func (s *Store) Insert(ctx context.Context, name string, rec store.Record, audit ...store.Record) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	doc, err := document(rec)
	if err != nil {
		return err
	}
	entries, err := entryDocs(audit)
	if err != nil {
		return err
	}
	unlock := s.uniqueWrites(name)
	_, err = transient(ctx, func() (*mongo.InsertOneResult, error) { return c.InsertOne(ctx, withOutbox(doc, entries)) })
	unlock()
	if isDuplicate(err) {
		return s.duplicate(ctx, name, c, rec, err.Error(), true)
	}
	if err != nil {
		return opError("insert into", name, err)
	}
	s.relay(ctx, c, name, rec.ID, rec.Version, entries)
	return nil
}

// InsertMany inserts the records in one unordered batch; each failure is
// reported alone and does not stop the others. The entries of the records
// stored are relayed together: one insert into the audit collection and
// one update per version clearing the outboxes.
func (s *Store) InsertMany(ctx context.Context, name string, recs []store.Record, audit ...store.Record) ([]error, error) {
	c, err := s.coll(name)
	if err != nil {
		return nil, err
	}
	if len(audit) != 0 && len(audit) != len(recs) {
		return nil, fmt.Errorf("%w: %d audit entries for %d records", store.ErrInvalid, len(audit), len(recs))
	}
	errs := make([]error, len(recs))
	if len(recs) == 0 {
		return errs, nil
	}
	docs := make([]any, 0, len(recs))
	pos := make([]int, 0, len(recs)) // index in docs → index in recs
	outboxes := make([]bson.A, len(recs))
	for i, r := range recs {
		doc, err := document(r)
		if err == nil && len(audit) > 0 {
			outboxes[i], err = entryDocs(audit[i : i+1])
		}
		if err != nil {
			errs[i] = err
			continue
		}
		docs = append(docs, withOutbox(doc, outboxes[i]))
		pos = append(pos, i)
	}
	if len(docs) == 0 {
		return errs, nil
	}
	_, err = c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 || bwe.WriteConcernError != nil {
			return nil, opError("insert into", name, err)
		}
		for _, we := range bwe.WriteErrors {
			if we.Index < 0 || we.Index >= len(pos) {
				return nil, fmt.Errorf("mongo: insert into %s: write error for item %d of %d", name, we.Index, len(pos))
			}
			i := pos[we.Index]
			if we.Code == 11000 || we.Code == 11001 {
				errs[i] = s.duplicate(ctx, name, c, recs[i], we.Message, true)
			} else {
				errs[i] = opError("insert into", name, we)
			}
		}
	}
	s.relayMany(ctx, c, name, recs, outboxes, errs)
	return errs, nil
}

// relayMany relays the entries of the records of a batch that were stored.
func (s *Store) relayMany(ctx context.Context, c *mongo.Collection, name string, recs []store.Record, outboxes []bson.A, errs []error) {
	var entries bson.A
	byVersion := map[int64]bson.A{}
	for i, ob := range outboxes {
		if errs[i] == nil && len(ob) > 0 {
			entries = append(entries, ob...)
			byVersion[recs[i].Version] = append(byVersion[recs[i].Version], recs[i].ID)
		}
	}
	if len(entries) == 0 {
		return
	}
	ctx, cancel := relayCtx(ctx)
	defer cancel()
	if s.hooks.beforeRelay != nil && s.hooks.beforeRelay() {
		return
	}
	if s.insertEntries(ctx, entries) != nil {
		return
	}
	if s.server == ferretV1 {
		s.clearClaimed(ctx, c, name, byVersion)
		return
	}
	if s.keepOutbox(name) {
		return
	}
	if s.server == documentDB {
		for v, ids := range byVersion {
			for _, id := range ids {
				s.deferClear(name, id.(string), v)
			}
		}
		return
	}
	for v, ids := range byVersion {
		c.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "_v", Value: v}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: outboxKey, Value: ""}}}})
	}
}

// Get returns one record.
func (s *Store) Get(ctx context.Context, name, id string) (store.Record, error) {
	c, err := s.coll(name)
	if err != nil {
		return store.Record{}, err
	}
	var m bson.M
	err = c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return store.Record{}, store.ErrNotFound
	}
	if err != nil {
		return store.Record{}, opError("get from", name, err)
	}
	return record(m), nil
}

// GetMany returns the records with the given ids that exist, asking for
// getManyBatch ids per round trip.
func (s *Store) GetMany(ctx context.Context, name string, ids []string) ([]store.Record, error) {
	var out []store.Record
	for len(ids) > 0 {
		n := min(getManyBatch, len(ids))
		list := make([]any, n)
		for i, id := range ids[:n] {
			list[i] = id
		}
		ids = ids[n:]
		recs, err := s.Find(ctx, name, query.Query{Filter: query.Cmp{Field: "id", Op: query.In, Value: list}})
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// Update replaces a record at the expected version, with its audit
// entries in its outbox, then relays them (see outbox.go). A pending outbox
// of the stored document is relayed before it is replaced.
//
// On MongoDB the replacement's filter holds the version, which the server
// checks atomically. On FerretDB the writer first claims the version it
// replaces; holding the claim, it checks the stored version and replaces the
// document by id (a filter on the id alone is also the only one FerretDB
// answers without scanning the collection).
func (s *Store) Update(ctx context.Context, name string, rec store.Record, audit ...store.Record) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	doc, err := document(rec)
	if err != nil {
		return err
	}
	entries, err := entryDocs(audit)
	if err != nil {
		return err
	}
	doc = withOutbox(doc, entries)
	prev := rec.Version - 1
	f := bson.D{{Key: "_id", Value: rec.ID}, {Key: "_v", Value: prev}, noOutbox}
	if s.keepOutbox(name) {
		// The outbox it replaces was relayed before its write was
		// acknowledged (see keepOutbox).
		f = f[:2]
	}
	if s.server == ferretV1 {
		release, err := s.claim(ctx, name, rec.ID, prev)
		if err != nil {
			return err
		}
		defer release()
		if err := s.flushHeld(ctx, c, name, rec.ID, prev); err != nil {
			return err
		}
		f = f[:1]
	}
	for attempt := 0; ; attempt++ {
		unlock := s.uniqueWrites(name)
		res, err := transient(ctx, func() (*mongo.UpdateResult, error) { return c.ReplaceOne(ctx, f, doc) })
		unlock()
		if isDuplicate(err) {
			return s.duplicate(ctx, name, c, rec, err.Error(), false)
		}
		if err != nil {
			return opError("update in", name, err)
		}
		if res.MatchedCount > 0 {
			break
		}
		retry, err := s.settle(ctx, c, name, rec.ID, prev)
		if err != nil {
			return err
		}
		if !retry || attempt >= 3 {
			return store.ErrConflict
		}
	}
	s.relay(ctx, c, name, rec.ID, rec.Version, entries)
	return nil
}

// Delete removes a record, at the given version unless it is 0. Its audit
// entries wait in pendingColl until the delete's outcome is known (see
// outbox.go); a pending outbox of the document is relayed first.
func (s *Store) Delete(ctx context.Context, name, id string, version int64, audit ...store.Record) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	entries, err := entryDocs(audit)
	if err != nil {
		return err
	}
	f := bson.D{{Key: "_id", Value: id}}
	if s.server == ferretV1 {
		if version != 0 {
			release, err := s.claim(ctx, name, id, version)
			if err != nil {
				return err
			}
			defer release()
			if err := s.flushHeld(ctx, c, name, id, version); err != nil {
				return err
			}
		} else if err := s.flushAny(ctx, c, name, id); err != nil {
			return err
		}
	} else {
		if version != 0 {
			f = append(f, bson.E{Key: "_v", Value: version})
		}
		if !s.keepOutbox(name) {
			f = append(f, noOutbox)
		}
	}
	if len(entries) > 0 {
		if err := s.beginDelete(ctx, name, id, version, entries); err != nil {
			return err
		}
	}
	err = s.deleteOne(ctx, c, name, id, version, f)
	if len(entries) > 0 {
		s.endDelete(ctx, name, id, version, entries, err == nil)
	}
	return err
}

// deleteOne runs a guarded delete, relaying a pending outbox that stops it.
func (s *Store) deleteOne(ctx context.Context, c *mongo.Collection, name, id string, version int64, f bson.D) error {
	for attempt := 0; ; attempt++ {
		res, err := transient(ctx, func() (*mongo.DeleteResult, error) { return c.DeleteOne(ctx, f) })
		if err != nil {
			return opError("delete from", name, err)
		}
		if res.DeletedCount > 0 {
			return nil
		}
		if s.server == ferretV1 {
			return s.checkVersion(ctx, c, name, id, -1)
		}
		retry, err := s.settle(ctx, c, name, id, version)
		if err != nil {
			return err
		}
		if !retry || attempt >= 3 {
			return store.ErrConflict
		}
	}
}

// transient runs a single-document write again when the server aborted it
// for a transient reason: a write conflict (MongoDB) or a deadlock that
// PostgreSQL detected (FerretDB v2 — its unique indexes are exclusion
// constraints, which deadlock when concurrent writes of one value meet the
// outbox's clearing of the document holding it). The aborted write changed
// nothing, so running it again is safe.
func transient[T any](ctx context.Context, write func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		res, err := write()
		if err == nil || attempt >= 8 || !isTransient(err) {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, err
		case <-time.After(time.Duration(1+rand.IntN(4<<min(attempt, 4))) * time.Millisecond):
		}
	}
}

// uniqueWrites takes, on FerretDB v2, the lock of a collection with unique
// indexes for one single-document write, and returns its release. There
// unique indexes are PostgreSQL exclusion constraints, and writes racing
// for one value deadlock each other (PostgreSQL resolves each deadlock
// after a second, one pair at a time): twenty concurrent writes of one
// e-mail address took longer than a request may. Taking them one after
// another in this process makes the losers fail at once with the unique
// violation. Elsewhere (MongoDB, FerretDB v1) it does nothing.
func (s *Store) uniqueWrites(name string) func() {
	if !s.keepOutbox(name) { // FerretDB v2 and a unique index: the same condition
		return func() {}
	}
	m, _ := s.writeLocks.LoadOrStore(name, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// isTransient reports whether a write was aborted for a transient reason.
func isTransient(err error) bool {
	var se mongo.ServerError
	return strings.Contains(err.Error(), "deadlock detected") || (errors.As(err, &se) && se.HasErrorCode(112)) // WriteConflict
}

// flushAny relays a document's pending outbox whatever its version (an
// unguarded delete on FerretDB v1).
func (s *Store) flushAny(ctx context.Context, c *mongo.Collection, name, id string) error {
	_, entries, err := s.pendingOutbox(ctx, c, name, id)
	if err != nil || len(entries) == 0 {
		if errors.Is(err, store.ErrNotFound) {
			return nil // the delete reports it
		}
		return err
	}
	return s.insertEntries(ctx, entries)
}

// checkVersion returns ErrNotFound when the record is missing and
// ErrConflict when its version is not want (always, when want is -1).
func (s *Store) checkVersion(ctx context.Context, c *mongo.Collection, name, id string, want int64) error {
	var m bson.M
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_v", Value: 1}})).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return store.ErrNotFound
	}
	if err != nil {
		return opError("read version in", name, err)
	}
	if v, ok := plain(m["_v"]).(float64); !ok || int64(v) != want {
		return store.ErrConflict
	}
	return nil
}

// claimLease is how long a claim holds against other writers. A claim
// outlives its writer only when the process stops between claiming and
// releasing; after the lease the record can be written again.
const claimLease = 2 * time.Minute

// claim takes the write claim on version v of a record by inserting a
// document whose _id names it, which only one writer can do; release gives
// it back once the write is done, after which the version no longer matches
// any writer's expectation. A claim held by another writer is a conflict.
func (s *Store) claim(ctx context.Context, name, id string, v int64) (release func(), err error) {
	// A claim held briefly (a relay clearing an outbox) is waited for.
	for try := 1; ; try++ {
		release, err := s.claimOnce(ctx, name, id, v)
		if !errors.Is(err, store.ErrConflict) || try == 4 {
			return release, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(try) * 2 * time.Millisecond):
		}
	}
}

// clearClaimed clears the outboxes of many records on FerretDB v1, whose
// updates are not atomic with their filter: it claims their versions in one
// batch, clears the outboxes of the records it could claim, and releases
// the claims. An outbox left (its record's version claimed by a writer) is
// relayed by that writer or by Recover.
func (s *Store) clearClaimed(ctx context.Context, c *mongo.Collection, name string, byVersion map[int64]bson.A) {
	cc := s.db.Collection(claimsColl)
	for v, ids := range byVersion {
		keys := make([]any, len(ids))
		at := time.Now().UnixMilli()
		for i, id := range ids {
			keys[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("%s/%s@%d", name, id, v)}, {Key: "at", Value: at}}
		}
		_, err := cc.InsertMany(ctx, keys, options.InsertMany().SetOrdered(false))
		held := map[int]bool{}
		if err != nil {
			var bwe mongo.BulkWriteException
			if !errors.As(err, &bwe) {
				continue
			}
			for _, we := range bwe.WriteErrors {
				held[we.Index] = true
			}
		}
		var claimed, claimKeys bson.A
		for i, id := range ids {
			if !held[i] {
				claimed = append(claimed, id)
				claimKeys = append(claimKeys, fmt.Sprintf("%s/%s@%d", name, id, v))
			}
		}
		if len(claimed) > 0 {
			c.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: claimed}}}, {Key: "_v", Value: v}},
				bson.D{{Key: "$unset", Value: bson.D{{Key: outboxKey, Value: ""}}}})
			cc.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: claimKeys}}}})
		}
	}
}

// claimOnce is claim without waiting.
func (s *Store) claimOnce(ctx context.Context, name, id string, v int64) (release func(), err error) {
	c := s.db.Collection(claimsColl)
	key := fmt.Sprintf("%s/%s@%d", name, id, v)
	for attempt := 0; ; attempt++ {
		_, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: time.Now().UnixMilli()}})
		if err == nil {
			break
		}
		if !mongo.IsDuplicateKeyError(err) {
			return nil, fmt.Errorf("mongo: claim %s: %w", key, err)
		}
		if attempt > 0 || !s.dropStaleClaim(ctx, c, key) {
			return nil, store.ErrConflict
		}
	}
	return func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		c.DeleteOne(dctx, bson.D{{Key: "_id", Value: key}})
	}, nil
}

// dropStaleClaim removes the claim key when its lease has run out and
// reports whether it did.
func (s *Store) dropStaleClaim(ctx context.Context, c *mongo.Collection, key string) bool {
	var m bson.M
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&m); err != nil {
		return errors.Is(err, mongo.ErrNoDocuments) // released meanwhile: try again
	}
	at, ok := plain(m["at"]).(float64)
	if !ok || time.Since(time.UnixMilli(int64(at))) < claimLease {
		return false
	}
	res, err := c.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "at", Value: m["at"]}})
	return err == nil && res.DeletedCount > 0
}

// outOfDiskSpace is MongoDB's error code for a write refused for lack of
// space; a disk that fills mid-write is reported with the system's message.
const outOfDiskSpace = 14031

// failed wraps the error of a write: lack of space as store.ErrFull.
func failed(what string, err error) error {
	var se mongo.ServerError
	var we mongo.WriteError
	if (errors.As(err, &se) && se.HasErrorCode(outOfDiskSpace)) || (errors.As(err, &we) && we.Code == outOfDiskSpace) ||
		strings.Contains(err.Error(), "No space left on device") {
		return fmt.Errorf("mongo: %s: %w (%v)", what, store.ErrFull, err)
	}
	return fmt.Errorf("mongo: %s: %w", what, err)
}
