package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// maxSequenceAttempts bounds the retries of one NextSequence.
const maxSequenceAttempts = 1000

// NextSequence increments and returns a named counter, kept in _sequences
// as {_id: name, n: last value}.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	if name == "" || len(name) > 200 {
		return 0, fmt.Errorf("mongo: sequence name %q", name)
	}
	if s.server == ferretV1 {
		return s.nextNumbered(ctx, name)
	}
	c := s.db.Collection(sequencesColl)
	var m bson.M
	var err error
	// Two first increments may both try to create the counter; the loser
	// gets a duplicate key error and increments again.
	for attempt := 0; attempt < 10; attempt++ {
		err = c.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: name}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: int64(1)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
		).Decode(&m)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, failed("sequence "+name, err)
	}
	n, ok := plain(m["n"]).(float64)
	if !ok {
		return 0, fmt.Errorf("mongo: sequence %s holds %T", name, m["n"])
	}
	return int64(n), nil
}

// nextNumbered is NextSequence for FerretDB, whose $inc is not atomic: each
// number is handed out by inserting a document {_id: "name#n"} into
// _sequence_numbers, which only one caller can do. The counter document
// remembers roughly the last number so the search starts near it; it may
// lag behind (its updates can cross), which costs retries, never a number
// twice. The numbered documents are never removed: they are what makes a
// number taken.
func (s *Store) nextNumbered(ctx context.Context, name string) (int64, error) {
	counters, numbers := s.db.Collection(sequencesColl), s.db.Collection(numbersColl)
	var m bson.M
	err := counters.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&m)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, failed("sequence "+name, err)
	}
	last, _ := plain(m["n"]).(float64)
	n := int64(last)
	for attempt := 0; ; attempt++ {
		if attempt == maxSequenceAttempts {
			return 0, fmt.Errorf("mongo: sequence %s: no free number after %d attempts", name, attempt)
		}
		n++
		_, err := numbers.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s#%d", name, n)}})
		if err == nil {
			break
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, failed("sequence "+name, err)
		}
	}
	// The number is ours now; the counter is only where the next search
	// starts, so failing to move it (or losing a race to create it) is harmless.
	counters.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: name}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "n", Value: n}}}},
		options.Update().SetUpsert(true))
	return n, nil
}
