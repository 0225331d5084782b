package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Insert stores a new record.
func (s *Store) Insert(ctx context.Context, name string, rec store.Record) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	_, err = c.InsertOne(ctx, document(rec))
	if mongo.IsDuplicateKeyError(err) {
		return s.duplicate(ctx, name, c, rec, err.Error(), true)
	}
	return s.writeError(name, err)
}

// InsertMany inserts the records unordered; each failure is reported alone.
func (s *Store) InsertMany(ctx context.Context, name string, recs []store.Record) ([]error, error) {
	c, err := s.coll(name)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(recs))
	if len(recs) == 0 {
		return errs, nil
	}
	docs := make([]any, len(recs))
	for i, r := range recs {
		docs[i] = document(r)
	}
	_, err = c.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return errs, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 {
		return nil, fmt.Errorf("mongo: %s: %w", name, err)
	}
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(errs) {
			continue
		}
		if we.Code == 11000 || we.Code == 11001 {
			errs[we.Index] = s.duplicate(ctx, name, c, recs[we.Index], we.Message, true)
		} else {
			errs[we.Index] = fmt.Errorf("mongo: %s: %s", name, we.Message)
		}
	}
	return errs, nil
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
		return store.Record{}, fmt.Errorf("mongo: %s: %w", name, err)
	}
	return record(m), nil
}

// GetMany returns the records with the given ids that exist.
func (s *Store) GetMany(ctx context.Context, name string, ids []string) ([]store.Record, error) {
	var out []store.Record
	for len(ids) > 0 {
		n := min(500, len(ids))
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

// Update replaces a record at the expected version.
func (s *Store) Update(ctx context.Context, name string, rec store.Record) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	release, err := s.claim(ctx, name, rec.ID, rec.Version-1)
	if err != nil {
		return err
	}
	defer release()
	res, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: rec.ID}, {Key: "_v", Value: rec.Version - 1}}, document(rec))
	if isDuplicate(err) {
		return s.duplicate(ctx, name, c, rec, err.Error(), false)
	}
	if err != nil {
		return s.writeError(name, err)
	}
	if res.MatchedCount > 0 {
		return nil
	}
	return s.missingOrConflict(ctx, c, rec.ID)
}

// Delete removes a record, at the given version unless it is 0.
func (s *Store) Delete(ctx context.Context, name, id string, version int64) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	f := bson.D{{Key: "_id", Value: id}}
	if version > 0 {
		f = append(f, bson.E{Key: "_v", Value: version})
		release, err := s.claim(ctx, name, id, version)
		if err != nil {
			return err
		}
		defer release()
	}
	res, err := c.DeleteOne(ctx, f)
	if err != nil {
		return fmt.Errorf("mongo: %s: %w", name, err)
	}
	if res.DeletedCount > 0 {
		return nil
	}
	return s.missingOrConflict(ctx, c, id)
}

func (s *Store) missingOrConflict(ctx context.Context, c *mongo.Collection, id string) error {
	err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "_v", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongo: %w", err)
	}
	return store.ErrConflict
}

// Find returns the matching records in order.
func (s *Store) Find(ctx context.Context, name string, q query.Query) ([]store.Record, error) {
	c, err := s.coll(name)
	if err != nil {
		return nil, err
	}
	f, err := filter(q.Filter)
	if err != nil {
		return nil, err
	}
	opts := options.Find()
	if len(q.Sort) > 0 {
		sd := bson.D{}
		for _, so := range q.Sort {
			fp, err := field(so.Field)
			if err != nil {
				return nil, err
			}
			dir := 1
			if so.Desc {
				dir = -1
			}
			sd = append(sd, bson.E{Key: fp, Value: dir})
		}
		opts.SetSort(sd)
	}
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	cur, err := c.Find(ctx, f, opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: %s: %w", name, err)
	}
	defer cur.Close(ctx)
	var out []store.Record
	for cur.Next(ctx) {
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			return nil, fmt.Errorf("mongo: %s: %w", name, err)
		}
		out = append(out, record(m))
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongo: %s: %w", name, err)
	}
	return out, nil
}

// Count returns how many records match.
func (s *Store) Count(ctx context.Context, name string, expr query.Expr) (int64, error) {
	c, err := s.coll(name)
	if err != nil {
		return 0, err
	}
	f, err := filter(expr)
	if err != nil {
		return 0, err
	}
	n, err := c.CountDocuments(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("mongo: %s: %w", name, err)
	}
	return n, nil
}

// Aggregate groups with $match and $group, using only $sum, $min and $max.
func (s *Store) Aggregate(ctx context.Context, name string, expr query.Expr, by []string, aggs []query.Agg) ([]query.Group, error) {
	c, err := s.coll(name)
	if err != nil {
		return nil, err
	}
	f, err := filter(expr)
	if err != nil {
		return nil, err
	}
	var id any
	if len(by) > 0 {
		keys := bson.D{}
		for i, b := range by {
			fp, err := field(b)
			if err != nil {
				return nil, err
			}
			keys = append(keys, bson.E{Key: fmt.Sprintf("k%d", i), Value: "$" + fp})
		}
		id = keys
	}
	group := bson.D{{Key: "_id", Value: id}}
	for i, a := range aggs {
		var acc bson.D
		switch a.Func {
		case query.Count:
			acc = bson.D{{Key: "$sum", Value: 1}}
		case query.Sum, query.Min, query.Max:
			fp, err := field(a.Field)
			if err != nil {
				return nil, err
			}
			acc = bson.D{{Key: "$" + string(a.Func), Value: "$" + fp}}
		default:
			return nil, fmt.Errorf("%w: aggregate %q", store.ErrInvalid, a.Func)
		}
		group = append(group, bson.E{Key: fmt.Sprintf("a%d", i), Value: acc})
	}
	s.mu.RLock()
	inGo := s.aggInGo
	s.mu.RUnlock()
	if inGo {
		return aggregateInGo(ctx, c, f, by, aggs)
	}
	pipeline := mongo.Pipeline{{{Key: "$match", Value: f}}, {{Key: "$group", Value: group}}}
	cur, err := c.Aggregate(ctx, pipeline)
	if isNotImplemented(err) {
		// FerretDB v1 has $sum and $count but not $min and $max.
		s.mu.Lock()
		s.aggInGo = true
		s.mu.Unlock()
		return aggregateInGo(ctx, c, f, by, aggs)
	}
	if err != nil {
		return nil, fmt.Errorf("mongo: %s: %w", name, err)
	}
	defer cur.Close(ctx)
	var out []query.Group
	for cur.Next(ctx) {
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			return nil, err
		}
		g := query.Group{Key: make([]any, len(by)), Values: make([]any, len(aggs))}
		if keys, ok := plain(m["_id"]).(map[string]any); ok {
			for i := range by {
				g.Key[i] = keys[fmt.Sprintf("k%d", i)]
			}
		}
		for i, a := range aggs {
			g.Values[i] = a.Result(plain(m[fmt.Sprintf("a%d", i)]))
		}
		out = append(out, g)
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	return finishGroups(out, by, aggs), nil
}

// finishGroups gives the one group over all records when nothing matched,
// and orders the groups by key.
func finishGroups(out []query.Group, by []string, aggs []query.Agg) []query.Group {
	if len(by) == 0 && len(out) == 0 {
		// $group over no documents yields nothing; one group over all is expected.
		g := query.Group{Key: []any{}, Values: make([]any, len(aggs))}
		for i, a := range aggs {
			g.Values[i] = a.Zero()
		}
		out = append(out, g)
	}
	sortGroups(out)
	return out
}

// isDuplicate reports a unique index violation. FerretDB v1 reports one
// met during an update as an internal error carrying SQLite's message.
func isDuplicate(err error) bool {
	return err != nil && (mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed"))
}

// sortGroups orders groups by their keys as the stores sort values.
func sortGroups(gs []query.Group) {
	sort.SliceStable(gs, func(i, j int) bool {
		for k := range gs[i].Key {
			if c := compare(gs[i].Key[k], gs[j].Key[k]); c != 0 {
				return c < 0
			}
		}
		return false
	})
}

// claim takes the write claim on version v of a record where the server
// needs one (see Store.claims); release gives it back once the write is done,
// after which the version no longer matches any writer's filter.
func (s *Store) claim(ctx context.Context, name, id string, v int64) (release func(), err error) {
	if !s.claims {
		return func() {}, nil
	}
	c := s.db.Collection("morph_claims")
	key := fmt.Sprintf("%s/%s@%d", name, id, v)
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, store.ErrConflict
		}
		return nil, fmt.Errorf("mongo: claim: %w", err)
	}
	return func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		c.DeleteOne(dctx, bson.D{{Key: "_id", Value: key}})
	}, nil
}

// NextSequence increments and returns a named counter.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	if s.claims {
		return s.nextClaimed(ctx, name)
	}
	c := s.db.Collection("morph_sequences")
	var m bson.M
	var err error
	// Two first increments may both try to create the counter; the loser
	// gets a duplicate key error and simply increments again.
	for attempt := 0; attempt < 10; attempt++ {
		err = c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: name}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "value", Value: int64(1)}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&m)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return 0, fmt.Errorf("mongo: sequence %s: %w", name, err)
	}
	v, _ := plain(m["value"]).(float64)
	return int64(v), nil
}

// nextClaimed is NextSequence for servers without atomic updates: each
// number is claimed by inserting a document whose id holds it, which only
// one caller can do; the counter is the highest claimed number.
func (s *Store) nextClaimed(ctx context.Context, name string) (int64, error) {
	c := s.db.Collection("morph_sequence_claims")
	var last bson.M
	err := c.FindOne(ctx, bson.D{{Key: "name", Value: name}}, options.FindOne().SetSort(bson.D{{Key: "n", Value: -1}})).Decode(&last)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("mongo: sequence %s: %w", name, err)
	}
	n, _ := plain(last["n"]).(float64)
	for attempt := 0; attempt < 1000; attempt++ {
		n++
		_, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("%s#%d", name, int64(n))}, {Key: "name", Value: name}, {Key: "n", Value: int64(n)}})
		if err == nil {
			return int64(n), nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return 0, fmt.Errorf("mongo: sequence %s: %w", name, err)
		}
	}
	return 0, fmt.Errorf("mongo: sequence %s: too much contention", name)
}

// filter translates the query form to a MongoDB filter.
func filter(e query.Expr) (bson.D, error) {
	switch x := e.(type) {
	case nil:
		return bson.D{}, nil
	case query.And:
		if len(x) == 0 {
			return bson.D{}, nil
		}
		parts, err := filters(x)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: "$and", Value: parts}}, nil
	case query.Or:
		if len(x) == 0 {
			return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}, nil
		}
		parts, err := filters(x)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: "$or", Value: parts}}, nil
	case query.Not:
		inner, err := filter(x.X)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: "$nor", Value: bson.A{inner}}}, nil
	case query.Cmp:
		return cmp(x)
	}
	return nil, fmt.Errorf("%w: unknown filter node %T", store.ErrInvalid, e)
}

func filters(parts []query.Expr) (bson.A, error) {
	out := make(bson.A, len(parts))
	for i, p := range parts {
		f, err := filter(p)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func value(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, float64, int64:
		return x, nil
	case int:
		return int64(x), nil
	}
	return nil, fmt.Errorf("%w: value of type %T", store.ErrInvalid, v)
}

func cmp(c query.Cmp) (bson.D, error) {
	fp, err := field(c.Field)
	if err != nil {
		return nil, err
	}
	op := func(o string, v any) (bson.D, error) {
		val, err := value(v)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: fp, Value: bson.D{{Key: o, Value: val}}}}, nil
	}
	switch c.Op {
	case query.Eq:
		return op("$eq", c.Value)
	case query.Ne:
		return op("$ne", c.Value)
	case query.Lt, query.Lte, query.Gt, query.Gte:
		if c.Value == nil {
			return bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}, nil
		}
		return op("$"+string(c.Op), c.Value)
	case query.In, query.Nin:
		list, ok := c.Value.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s needs a list", store.ErrInvalid, c.Op)
		}
		arr := make(bson.A, len(list))
		for i, v := range list {
			if arr[i], err = value(v); err != nil {
				return nil, err
			}
		}
		return bson.D{{Key: fp, Value: bson.D{{Key: "$" + string(c.Op), Value: arr}}}}, nil
	case query.Contains, query.StartsWith:
		s, ok := c.Value.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %s needs text", store.ErrInvalid, c.Op)
		}
		re := regexp.QuoteMeta(s)
		if c.Op == query.StartsWith {
			re = "^" + re
		}
		return bson.D{{Key: fp, Value: bson.D{{Key: "$regex", Value: re}}}}, nil
	case query.Has:
		val, err := value(c.Value)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: fp, Value: bson.D{{Key: "$elemMatch", Value: bson.D{{Key: "$eq", Value: val}}}}}}, nil
	}
	return nil, fmt.Errorf("%w: operator %q", store.ErrInvalid, c.Op)
}
