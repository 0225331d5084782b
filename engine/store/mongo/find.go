package mongo

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// maxFilterDepth bounds the nesting of And, Or and Not in a filter.
const maxFilterDepth = 64

// singleBatchCut is the size from which a single batch that came back
// with fewer documents than asked may have been cut at the server's 16 MiB
// batch limit; the engine's records are far smaller than the difference.
const singleBatchCut = 8 << 20

// Find returns the matching records in order.
//
// On DocumentDB a sorted find answers through a cursor that holds its
// PostgreSQL connection, which FerretDB closes once the cursor is read: each
// such find would start a PostgreSQL backend of its own. There a find with a
// limit asks for a single batch (a negative limit), and is read again
// through a cursor in the rare case that the batch came back short and
// large enough to have been cut.
func (s *Store) Find(ctx context.Context, name string, q query.Query) ([]store.Record, error) {
	c, err := s.coll(name)
	if err != nil {
		return nil, err
	}
	f, err := filter(q.Filter)
	if err != nil {
		return nil, err
	}
	if q.Limit < 0 {
		return nil, fmt.Errorf("%w: limit %d", store.ErrInvalid, q.Limit)
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
	if q.Limit > 0 && s.server == documentDB {
		// A single batch holds at most 101 documents unless its size is
		// given (FerretDB v2 keeps to that also with a negative limit).
		out, size, err := find(ctx, c, f, opts.SetLimit(-int64(q.Limit)).SetBatchSize(int32(q.Limit)))
		if err != nil || len(out) == q.Limit || size < singleBatchCut {
			return out, wrapFind(name, err)
		}
	}
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit))
	}
	out, _, err := find(ctx, c, f, opts)
	return out, wrapFind(name, err)
}

// find reads the records a find returns and their size in bytes.
func find(ctx context.Context, c *mongo.Collection, f bson.D, opts *options.FindOptions) ([]store.Record, int, error) {
	cur, err := c.Find(ctx, f, opts)
	if err != nil {
		return nil, 0, err
	}
	defer cur.Close(ctx)
	var out []store.Record
	size := 0
	for cur.Next(ctx) {
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			return nil, 0, err
		}
		size += len(cur.Current)
		out = append(out, record(m))
	}
	return out, size, cur.Err()
}

func wrapFind(name string, err error) error {
	if err != nil {
		return opError("find in", name, err)
	}
	return nil
}

// Count returns how many records match. On DocumentDB it uses the count
// command: CountDocuments' $match and $group answer through a cursor that
// costs a PostgreSQL backend of its own there (see Find), count does not.
// (On MongoDB, count without a filter may answer from metadata, which can
// be off after an unclean shutdown, so MongoDB keeps CountDocuments.)
func (s *Store) Count(ctx context.Context, name string, expr query.Expr) (int64, error) {
	c, err := s.coll(name)
	if err != nil {
		return 0, err
	}
	f, err := filter(expr)
	if err != nil {
		return 0, err
	}
	var n int64
	if s.server == documentDB {
		var res struct{ N int64 }
		err = s.db.RunCommand(ctx, bson.D{{Key: "count", Value: c.Name()}, {Key: "query", Value: f}}).Decode(&res)
		n = res.N
	} else {
		n, err = c.CountDocuments(ctx, f)
	}
	if err != nil {
		return 0, opError("count in", name, err)
	}
	return n, nil
}

// matchNothing is a filter no document matches.
var matchNothing = bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: bson.A{}}}}}

// filter translates the query form to a MongoDB filter.
func filter(e query.Expr) (bson.D, error) { return translate(e, 0) }

func translate(e query.Expr, depth int) (bson.D, error) {
	if depth > maxFilterDepth {
		return nil, fmt.Errorf("%w: filter nested deeper than %d", store.ErrInvalid, maxFilterDepth)
	}
	switch x := e.(type) {
	case nil:
		return bson.D{}, nil
	case query.And:
		if len(x) == 0 {
			return bson.D{}, nil
		}
		parts, err := translateAll(x, depth)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: "$and", Value: parts}}, nil
	case query.Or:
		if len(x) == 0 {
			return matchNothing, nil
		}
		parts, err := translateAll(x, depth)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: "$or", Value: parts}}, nil
	case query.Not:
		inner, err := translate(x.X, depth+1)
		if err != nil {
			return nil, err
		}
		return bson.D{{Key: "$nor", Value: bson.A{inner}}}, nil
	case query.Cmp:
		return cmp(x)
	}
	return nil, fmt.Errorf("%w: unknown filter node %T", store.ErrInvalid, e)
}

func translateAll(parts []query.Expr, depth int) (bson.A, error) {
	out := make(bson.A, len(parts))
	for i, p := range parts {
		f, err := translate(p, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// value checks a comparison value. Numbers are compared by value whatever
// their stored type (int32, int64 or double), on MongoDB and FerretDB alike.
func value(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, float64, int64:
		return x, nil
	case int:
		return int64(x), nil
	}
	return nil, fmt.Errorf("%w: value of type %T", store.ErrInvalid, v)
}

// cmp translates one comparison. MongoDB's own semantics give the
// contract's: {f: {$eq: null}} matches missing or null, {$ne: null} present
// and not null, and $nin matches documents without the field.
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
			return matchNothing, nil
		}
		return op("$"+string(c.Op), c.Value)
	case query.In, query.Nin:
		list, ok := c.Value.([]any)
		if !ok {
			return nil, fmt.Errorf("%w: %s on %q needs a list", store.ErrInvalid, c.Op, c.Field)
		}
		// A null in the list matches nothing (as in query.Match and the
		// other store); MongoDB's would match a missing field.
		arr := make(bson.A, 0, len(list))
		for _, v := range list {
			if v == nil {
				continue
			}
			bv, err := value(v)
			if err != nil {
				return nil, err
			}
			arr = append(arr, bv)
		}
		return bson.D{{Key: fp, Value: bson.D{{Key: "$" + string(c.Op), Value: arr}}}}, nil
	case query.Contains, query.StartsWith:
		s, ok := c.Value.(string)
		if !ok {
			return nil, fmt.Errorf("%w: %s on %q needs text", store.ErrInvalid, c.Op, c.Field)
		}
		// A pattern may not hold a NUL byte (MongoDB refuses it); the
		// escape matches one.
		re := strings.ReplaceAll(regexp.QuoteMeta(s), "\x00", `\x00`)
		if c.Op == query.StartsWith {
			re = "^" + re
		}
		return bson.D{{Key: fp, Value: bson.D{{Key: "$regex", Value: re}}}}, nil
	case query.Has:
		if fp != c.Field {
			return nil, fmt.Errorf("%w: has on %s", store.ErrInvalid, c.Field)
		}
		if c.Value == nil {
			return matchNothing, nil // no element equals null
		}
		val, err := value(c.Value)
		if err != nil {
			return nil, err
		}
		// $elemMatch, unlike plain equality, does not match a scalar field
		// that equals the value: only an array holding it.
		return bson.D{{Key: fp, Value: bson.D{{Key: "$elemMatch", Value: bson.D{{Key: "$eq", Value: val}}}}}}, nil
	}
	return nil, fmt.Errorf("%w: operator %q", store.ErrInvalid, c.Op)
}
