package mongo

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// maxGroups bounds the groups one Aggregate returns.
const maxGroups = 100000

// Aggregate groups with $match and $group, using only the accumulators
// $sum, $min and $max. On DocumentDB, $min skips missing and null values
// through minIgnoringNull.
//
// FerretDB v1 has no $min or $max in $group, and its $group feeds the
// documents of a group to the first accumulator only (the others see none).
// There, a group-by with more than one aggregate or with $min or $max is
// computed here from the matching documents, reading only the fields it
// needs; FerretDB reads the whole collection for a $group anyway.
func (s *Store) Aggregate(ctx context.Context, name string, expr query.Expr, by []string, aggs []query.Agg) ([]query.Group, error) {
	c, err := s.coll(name)
	if err != nil {
		return nil, err
	}
	f, err := filter(expr)
	if err != nil {
		return nil, err
	}
	inGo := s.server == ferretV1 && len(aggs) > 1
	group := bson.D{{Key: "_id", Value: nil}}
	if len(by) > 0 {
		keys := bson.D{}
		for i, b := range by {
			fp, err := field(b)
			if err != nil {
				return nil, err
			}
			keys = append(keys, bson.E{Key: fmt.Sprintf("k%d", i), Value: "$" + fp})
		}
		group[0].Value = keys
	}
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
			if a.Func == query.Min && s.server == documentDB {
				acc = minIgnoringNull(fp)
			}
			inGo = inGo || (s.server == ferretV1 && a.Func != query.Sum)
		default:
			return nil, fmt.Errorf("%w: aggregate %q", store.ErrInvalid, a.Func)
		}
		group = append(group, bson.E{Key: fmt.Sprintf("a%d", i), Value: acc})
	}
	var out []query.Group
	if inGo {
		out, err = aggregateHere(ctx, c, f, by, aggs)
	} else {
		out, err = s.aggregateOnServer(ctx, c, f, group, by, aggs)
	}
	if err != nil {
		return nil, opError("aggregate", name, err)
	}
	return finishGroups(out, by, aggs), nil
}

// minIgnoringNull is $min of a field for DocumentDB, whose $min counts a
// missing or null value as the smallest (MongoDB's ignores them): such
// values stand in as MaxKey, above every other, and a minimum that is
// MaxKey is null (aggregateOnServer reads MaxKey as nil).
func minIgnoringNull(fp string) bson.D {
	return bson.D{{Key: "$min", Value: bson.D{{Key: "$ifNull", Value: bson.A{"$" + fp, primitive.MaxKey{}}}}}}
}

func (s *Store) aggregateOnServer(ctx context.Context, c *mongo.Collection, f, group bson.D, by []string, aggs []query.Agg) ([]query.Group, error) {
	pipeline := mongo.Pipeline{{{Key: "$match", Value: f}}, {{Key: "$group", Value: group}}}
	cur, err := s.groupCursor(ctx, c, pipeline)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var out []query.Group
	for cur.Next(ctx) {
		if len(out) == maxGroups {
			return nil, fmt.Errorf("more than %d groups", maxGroups)
		}
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			return nil, err
		}
		g := query.Group{Key: make([]any, len(by)), Values: make([]any, len(aggs))}
		// A group-by field missing from the documents is missing from the
		// group's _id too: its key is nil, as for null.
		if keys, ok := plain(m["_id"]).(map[string]any); ok {
			for i := range by {
				g.Key[i] = keys[fmt.Sprintf("k%d", i)]
			}
		}
		for i, a := range aggs {
			v := m[fmt.Sprintf("a%d", i)]
			if _, max := v.(primitive.MaxKey); max {
				v = nil
			}
			g.Values[i] = a.Result(plain(v))
		}
		out = append(out, g)
	}
	return out, cur.Err()
}

// groupCursor runs the pipeline. On DocumentDB, where an aggregate answers
// through a cursor that costs a PostgreSQL backend of its own (see Find), it
// asks for the groups in a single batch (cursor.singleBatch, which MongoDB
// does not take), and runs the pipeline again through a cursor in the rare
// case that the batch may have been cut at 16 MiB. The batch's size is
// given: without it a single batch holds at most 101 groups there.
func (s *Store) groupCursor(ctx context.Context, c *mongo.Collection, pipeline mongo.Pipeline) (*mongo.Cursor, error) {
	if s.server != documentDB {
		return c.Aggregate(ctx, pipeline)
	}
	var res struct {
		Cursor struct {
			ID         int64      `bson:"id"`
			FirstBatch []bson.Raw `bson:"firstBatch"`
		} `bson:"cursor"`
	}
	cmd := bson.D{{Key: "aggregate", Value: c.Name()}, {Key: "pipeline", Value: pipeline},
		{Key: "cursor", Value: bson.D{{Key: "singleBatch", Value: true}, {Key: "batchSize", Value: math.MaxInt32}}}}
	if err := c.Database().RunCommand(ctx, cmd).Decode(&res); err != nil {
		return nil, err
	}
	docs := make([]any, len(res.Cursor.FirstBatch))
	size := 0
	for i, d := range res.Cursor.FirstBatch {
		docs[i] = d
		size += len(d)
	}
	if res.Cursor.ID == 0 && size < singleBatchCut {
		return mongo.NewCursorFromDocuments(docs, nil, nil)
	}
	if res.Cursor.ID != 0 {
		c.Database().RunCommand(ctx, bson.D{{Key: "killCursors", Value: c.Name()}, {Key: "cursors", Value: bson.A{res.Cursor.ID}}})
	}
	return c.Aggregate(ctx, pipeline)
}

// aggregateHere reads the matching documents (only the fields it needs)
// and groups them here.
func aggregateHere(ctx context.Context, c *mongo.Collection, f bson.D, by []string, aggs []query.Agg) ([]query.Group, error) {
	proj := bson.D{}
	for _, b := range by {
		fp, _ := field(b)
		proj = append(proj, bson.E{Key: fp, Value: 1})
	}
	for _, a := range aggs {
		if a.Func != query.Count {
			fp, _ := field(a.Field)
			proj = append(proj, bson.E{Key: fp, Value: 1})
		}
	}
	if len(proj) == 0 {
		proj = append(proj, bson.E{Key: "_id", Value: 1})
	}
	cur, err := c.Find(ctx, f, options.Find().SetProjection(dedupe(proj)))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	groups := map[string]int{}
	var out []query.Group
	for cur.Next(ctx) {
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			return nil, err
		}
		rec := record(m)
		get := func(p string) any {
			switch p {
			case "id":
				return rec.ID
			case "version":
				return float64(rec.Version)
			}
			return store.Lookup(rec.Data, p)
		}
		key := make([]any, len(by))
		for i, b := range by {
			key[i] = get(b)
		}
		kb, err := json.Marshal(key)
		if err != nil {
			return nil, err
		}
		gi, ok := groups[string(kb)]
		if !ok {
			if len(out) == maxGroups {
				return nil, fmt.Errorf("more than %d groups", maxGroups)
			}
			g := query.Group{Key: key, Values: make([]any, len(aggs))}
			for i, a := range aggs {
				g.Values[i] = a.Zero()
			}
			gi = len(out)
			groups[string(kb)] = gi
			out = append(out, g)
		}
		vals := out[gi].Values
		for i, a := range aggs {
			if a.Func == query.Count {
				vals[i] = vals[i].(int64) + 1
			} else {
				vals[i] = accumulate(a.Func, vals[i], get(a.Field))
			}
		}
	}
	return out, cur.Err()
}

// accumulate folds v into an aggregate's value acc as MongoDB does:
// $sum adds numbers and ignores the rest, $min and $max ignore missing and
// null values and compare the others in MongoDB's order of types.
func accumulate(fn query.AggFunc, acc, v any) any {
	switch fn {
	case query.Count:
		return acc.(int64) + v.(int64)
	case query.Sum:
		n, ok := v.(float64)
		if !ok {
			return acc
		}
		sum, _ := acc.(float64)
		return sum + n
	case query.Min, query.Max:
		if v == nil {
			return acc
		}
		if acc == nil {
			return v
		}
		if c := compare(v, acc); (fn == query.Min && c < 0) || (fn == query.Max && c > 0) {
			return v
		}
	}
	return acc
}

// dedupe drops repeated fields from a projection.
func dedupe(d bson.D) bson.D {
	seen := map[string]bool{}
	out := d[:0]
	for _, e := range d {
		if !seen[e.Key] {
			seen[e.Key] = true
			out = append(out, e)
		}
	}
	return out
}

// finishGroups orders the groups by key and merges those whose keys are
// equal as values (MongoDB groups a missing field apart from a null one);
// with no group-by fields it gives the one group over all records even
// when nothing matched.
func finishGroups(gs []query.Group, by []string, aggs []query.Agg) []query.Group {
	if len(by) == 0 && len(gs) == 0 {
		g := query.Group{Key: []any{}, Values: make([]any, len(aggs))}
		for i, a := range aggs {
			g.Values[i] = a.Zero()
		}
		return []query.Group{g}
	}
	sort.SliceStable(gs, func(i, j int) bool { return compareKeys(gs[i].Key, gs[j].Key) < 0 })
	out := gs[:0]
	for _, g := range gs {
		if n := len(out); n > 0 && compareKeys(out[n-1].Key, g.Key) == 0 {
			for i, a := range aggs {
				out[n-1].Values[i] = accumulate(a.Func, out[n-1].Values[i], g.Values[i])
			}
			continue
		}
		out = append(out, g)
	}
	return out
}

func compareKeys(a, b []any) int {
	for k := range a {
		if c := compare(a[k], b[k]); c != 0 {
			return c
		}
	}
	return 0
}
