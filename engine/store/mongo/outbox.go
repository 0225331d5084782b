package mongo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/store"
)

// Audit entries without transactions.
//
// An insert or update carries its audit entries inside the record's own
// document, under outboxKey: the document and its entries are written in one
// single-document (atomic) write. The adapter then relays them: it inserts
// them into the audit collection by their ids (a repeat is a duplicate key,
// ignored) and clears the outbox if the document still has the version it
// wrote. A replacement or deletion never drops a pending outbox: its filter
// asks for a document without one, and when a document has one, the writer
// relays it first and tries again. Recover relays every outbox left by a
// process that stopped between the write and the relay.
//
// A delete's document disappears, so its entries wait in pendingColl
// instead: written there before the delete (one document per record
// version, holding the entries), copied into the audit collection once the
// delete succeeded, removed when it failed. Recover decides what a stopped
// process left: the record gone → the delete happened (of several pending
// versions of one record, the highest is the one that was deleted); the
// record still at that version after pendingLease → it did not.
//
// On FerretDB v2 outboxes are cleared later, or (collections with unique
// indexes) never: see clear.go and keepOutbox.
//
// So an acknowledged write's entries are in the audit collection when the
// write returns (or, if the relay itself failed, in the record's outbox or
// pendingColl until Recover or the record's next write brings them in);
// a failed write's entries never reach it; the audit collection holds only
// relayed entries, so its reads never show an uncommitted one.

const (
	outboxKey   = "_outbox"        // a document's pending audit entries
	pendingColl = "_audit_pending" // entries of deletes under way: {_id: coll/id@v, coll, rec, v, at, entries}
	// pendingLease is how long a pending delete whose record is still there
	// is taken to be under way; after it, the delete is known not to have
	// happened.
	pendingLease = 2 * time.Minute
	// relayTimeout bounds the relay of a write whose caller has gone.
	relayTimeout = 30 * time.Second
)

// entryDocs builds the stored form of the audit entries of a write (an
// entry with an empty id is none).
func entryDocs(audit []store.Record) (bson.A, error) {
	var out bson.A
	for _, a := range audit {
		if a.ID == "" {
			continue
		}
		d, err := document(a)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// withOutbox adds the entries to a record's document.
func withOutbox(doc bson.D, entries bson.A) bson.D {
	if len(entries) == 0 {
		return doc
	}
	return append(doc, bson.E{Key: outboxKey, Value: entries})
}

// relayCtx is the context of a relay: it goes on when the caller's ends.
func relayCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), relayTimeout)
}

// insertEntries copies entries into the audit collection; entries already
// there (by id) are left as they are.
func (s *Store) insertEntries(ctx context.Context, entries bson.A) error {
	if len(entries) == 0 {
		return nil
	}
	c := s.db.Collection(collPrefix + store.AuditCollection)
	_, err := c.InsertMany(ctx, []any(entries), options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil && len(bwe.WriteErrors) > 0 {
		for _, we := range bwe.WriteErrors {
			if we.Code != 11000 && we.Code != 11001 && !strings.Contains(we.Message, "UNIQUE constraint failed") {
				return failed("relay audit entries", we)
			}
		}
		return nil
	}
	if isDuplicate(err) {
		return nil
	}
	return failed("relay audit entries", err)
}

// relay copies a written document's entries into the audit collection and
// clears its outbox. A failure leaves the entries in the outbox, where
// Recover or the record's next write finds them; the write itself stands.
func (s *Store) relay(ctx context.Context, c *mongo.Collection, name, id string, v int64, entries bson.A) {
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
	switch {
	case s.keepOutbox(name):
	case s.server == documentDB:
		s.deferClear(name, id, v)
	default:
		s.clearOutbox(ctx, c, name, id, v)
	}
}

// keepOutbox reports whether relayed outboxes of a collection are left in
// their documents until their next write: on FerretDB v2, for collections
// with unique indexes, whose every second write of a document may deadlock
// with concurrent writes of its unique values (see clear.go). Such a
// document's next write finds the outbox and relays it again (a repeat is
// harmless), and Recover skips entries already in the audit collection.
func (s *Store) keepOutbox(name string) bool {
	if s.server != documentDB {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, ix := range s.indexes[name] {
		if ix.Unique {
			return true
		}
	}
	return false
}

// relayMissing copies into the audit collection the entries not there yet:
// one read for their ids, one insert for the missing ones.
func (s *Store) relayMissing(ctx context.Context, entries bson.A) error {
	if len(entries) == 0 {
		return nil
	}
	ids := entryIDs(entries)
	cur, err := s.db.Collection(collPrefix+store.AuditCollection).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("mongo: recover audit entries: %w", err)
	}
	var have []bson.M
	if err := cur.All(ctx, &have); err != nil {
		return fmt.Errorf("mongo: recover audit entries: %w", err)
	}
	stored := map[any]bool{}
	for _, m := range have {
		stored[m["_id"]] = true
	}
	var missing bson.A
	for i, e := range entries {
		if i < len(ids) && !stored[ids[i]] {
			missing = append(missing, e)
		}
	}
	return s.insertEntries(ctx, missing)
}

// clearOutbox removes a document's outbox if it is still at version v.
// On FerretDB v1, whose updates are not atomic with their filter, it holds
// the claim of the version while doing so, and leaves the outbox when
// another writer holds it (that writer relays it).
func (s *Store) clearOutbox(ctx context.Context, c *mongo.Collection, name, id string, v int64) {
	f := bson.D{{Key: "_id", Value: id}, {Key: "_v", Value: v}}
	if s.server == ferretV1 {
		release, err := s.claimOnce(ctx, name, id, v)
		if err != nil {
			return
		}
		defer release()
		if s.checkVersion(ctx, c, name, id, v) != nil {
			return
		}
		f = f[:1]
	}
	c.UpdateOne(ctx, f, bson.D{{Key: "$unset", Value: bson.D{{Key: outboxKey, Value: ""}}}})
}

// pendingOutbox reads a document's version and its pending entries:
// ErrNotFound when it is missing.
func (s *Store) pendingOutbox(ctx context.Context, c *mongo.Collection, name, id string) (int64, bson.A, error) {
	var m bson.M
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "_v", Value: 1}, {Key: outboxKey, Value: 1}})).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil, store.ErrNotFound
	}
	if err != nil {
		return 0, nil, opError("read version in", name, err)
	}
	v := int64(-1)
	if f, ok := plain(m["_v"]).(float64); ok {
		v = int64(f)
	}
	return v, outboxOf(m), nil
}

// outboxOf returns the entries of a decoded document's outbox.
func outboxOf(m bson.M) bson.A {
	switch x := m[outboxKey].(type) {
	case bson.A:
		return x
	case []any:
		return bson.A(x)
	}
	return nil
}

// settle handles a guarded write that matched nothing: it tells a missing
// record (ErrNotFound) from another version (ErrConflict); when the record
// is at version want, it held an outbox: settle relays it (if another
// writer has not done so meanwhile) and reports that the write may be
// tried again (retry).
func (s *Store) settle(ctx context.Context, c *mongo.Collection, name, id string, want int64) (retry bool, err error) {
	v, entries, err := s.pendingOutbox(ctx, c, name, id)
	if err != nil {
		return false, err
	}
	if want != 0 && v != want {
		return false, store.ErrConflict
	}
	if len(entries) == 0 {
		return true, nil // its outbox was relayed meanwhile
	}
	if err := s.insertEntries(ctx, entries); err != nil {
		return false, err
	}
	_, err = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "_v", Value: v}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: outboxKey, Value: ""}}}})
	if err != nil {
		return false, opError("clear outbox in", name, err)
	}
	return true, nil
}

// flushHeld relays and clears a document's outbox on FerretDB v1, where
// the caller holds the claim of version v (so nobody else writes it).
func (s *Store) flushHeld(ctx context.Context, c *mongo.Collection, name, id string, v int64) error {
	got, entries, err := s.pendingOutbox(ctx, c, name, id)
	if err != nil {
		return err
	}
	if got != v {
		return store.ErrConflict
	}
	if len(entries) == 0 {
		return nil
	}
	if err := s.insertEntries(ctx, entries); err != nil {
		return err
	}
	if _, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$unset", Value: bson.D{{Key: outboxKey, Value: ""}}}}); err != nil {
		return opError("clear outbox in", name, err)
	}
	return nil
}

// noOutbox is the part of a guarded write's filter that leaves documents
// with a pending outbox alone.
var noOutbox = bson.E{Key: outboxKey, Value: bson.D{{Key: "$exists", Value: false}}}

// pendingID names the pending delete of one version of a record.
func pendingID(name, id string, v int64) string { return fmt.Sprintf("%s/%s@%d", name, id, v) }

// beginDelete keeps a delete's entries in pendingColl before the delete.
// A pending delete of the same version left by another writer is replaced:
// of two deletes of one version only one can succeed, and each removes its
// own entries from the audit collection when it fails.
func (s *Store) beginDelete(ctx context.Context, name, id string, v int64, entries bson.A) error {
	_, err := s.db.Collection(pendingColl).ReplaceOne(ctx, bson.D{{Key: "_id", Value: pendingID(name, id, v)}},
		bson.D{{Key: "_id", Value: pendingID(name, id, v)}, {Key: "coll", Value: name}, {Key: "rec", Value: id},
			{Key: "v", Value: v}, {Key: "at", Value: time.Now().UnixMilli()}, {Key: "entries", Value: entries}},
		options.Replace().SetUpsert(true))
	if err != nil {
		return failed("keep pending audit entries", err)
	}
	return nil
}

// endDelete settles a delete's entries: into the audit collection when the
// delete succeeded, away when it failed. Pending deletes of the record left
// by stopped writers go too once it is deleted.
func (s *Store) endDelete(ctx context.Context, name, id string, v int64, entries bson.A, deleted bool) {
	ctx, cancel := relayCtx(ctx)
	defer cancel()
	pc := s.db.Collection(pendingColl)
	if !deleted {
		ids := entryIDs(entries)
		s.db.Collection(collPrefix+store.AuditCollection).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		pc.DeleteOne(ctx, bson.D{{Key: "_id", Value: pendingID(name, id, v)}, {Key: "entries._id", Value: bson.D{{Key: "$in", Value: ids}}}})
		return
	}
	if s.hooks.beforeRelay != nil && s.hooks.beforeRelay() {
		return
	}
	if s.insertEntries(ctx, entries) != nil {
		return
	}
	pc.DeleteMany(ctx, bson.D{{Key: "coll", Value: name}, {Key: "rec", Value: id}})
}

func entryIDs(entries bson.A) bson.A {
	ids := make(bson.A, 0, len(entries))
	for _, e := range entries {
		switch d := e.(type) {
		case bson.D:
			for _, el := range d {
				if el.Key == "_id" {
					ids = append(ids, el.Value)
				}
			}
		case bson.M:
			ids = append(ids, d["_id"])
		}
	}
	return ids
}

// Recover relays every outbox left by a writer that stopped between a
// write and its relay, and decides the pending deletes (see above). It runs
// when the store opens; running it again, or on several instances at once,
// is harmless.
func (s *Store) Recover(ctx context.Context) error {
	if err := s.recoverDeletes(ctx); err != nil {
		return err
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("mongo: recover audit entries: list collections: %w", err)
	}
	sort.Strings(names)
	for _, cn := range names {
		if !strings.HasPrefix(cn, collPrefix) || cn == collPrefix+store.AuditCollection {
			continue
		}
		name := strings.TrimPrefix(cn, collPrefix)
		c := s.db.Collection(cn)
		cur, err := c.Find(ctx, bson.D{{Key: outboxKey, Value: bson.D{{Key: "$exists", Value: true}}}},
			options.Find().SetProjection(bson.D{{Key: "_v", Value: 1}, {Key: outboxKey, Value: 1}}))
		if err != nil {
			return fmt.Errorf("mongo: recover audit entries of %s: %w", name, err)
		}
		var docs []bson.M
		err = cur.All(ctx, &docs)
		if err != nil {
			return fmt.Errorf("mongo: recover audit entries of %s: %w", name, err)
		}
		for start := 0; start < len(docs); start += 500 {
			batch := docs[start:min(start+500, len(docs))]
			var entries bson.A
			for _, m := range batch {
				entries = append(entries, outboxOf(m)...)
			}
			if err := s.relayMissing(ctx, entries); err != nil {
				return err
			}
			if s.keepOutbox(name) {
				continue
			}
			for _, m := range batch {
				id, _ := m["_id"].(string)
				v, _ := plain(m["_v"]).(float64)
				s.clearOutbox(ctx, c, name, id, int64(v))
			}
		}
	}
	return nil
}

// recoverDeletes decides the pending deletes.
func (s *Store) recoverDeletes(ctx context.Context) error {
	pc := s.db.Collection(pendingColl)
	cur, err := pc.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("mongo: recover pending deletes: %w", err)
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("mongo: recover pending deletes: %w", err)
	}
	// The highest pending version of each record.
	type key struct{ coll, rec string }
	highest := map[key]int64{}
	for _, m := range docs {
		k := key{fmt.Sprint(m["coll"]), fmt.Sprint(m["rec"])}
		v, _ := plain(m["v"]).(float64)
		if int64(v) > highest[k] {
			highest[k] = int64(v)
		}
	}
	for _, m := range docs {
		name, id := fmt.Sprint(m["coll"]), fmt.Sprint(m["rec"])
		fv, _ := plain(m["v"]).(float64)
		at, _ := plain(m["at"]).(float64)
		v := int64(fv)
		c, err := s.coll(name)
		if err != nil {
			pc.DeleteOne(ctx, bson.D{{Key: "_id", Value: m["_id"]}})
			continue
		}
		cv, _, err := s.pendingOutbox(ctx, c, name, id)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && v != 0 && cv < v):
			// Deleted (and perhaps created again since): the highest
			// pending version is the one deleted.
			if v == highest[key{name, id}] {
				if err := s.insertEntries(ctx, outboxOf(bson.M{outboxKey: m["entries"]})); err != nil {
					return err
				}
			}
		case err != nil:
			return err
		case (cv == v || v == 0) && time.Since(time.UnixMilli(int64(at))) < pendingLease:
			continue // may be under way
		}
		pc.DeleteOne(ctx, bson.D{{Key: "_id", Value: m["_id"]}})
	}
	return nil
}
