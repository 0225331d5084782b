package mongo

import (
	"context"
	"encoding/json"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// maxGroups bounds the groups aggregateInGo holds in memory.
const maxGroups = 100000

// aggregateInGo reads the matching records (only the fields it needs) and
// groups them here, for servers whose $group lacks an accumulator.
func aggregateInGo(ctx context.Context, c *mongo.Collection, f bson.D, by []string, aggs []query.Agg) ([]query.Group, error) {
	proj := bson.D{}
	for _, b := range by {
		proj = append(proj, bson.E{Key: b, Value: 1})
	}
	for _, a := range aggs {
		if a.Field != "" {
			proj = append(proj, bson.E{Key: a.Field, Value: 1})
		}
	}
	cur, err := c.Find(ctx, f, options.Find().SetProjection(proj))
	if err != nil {
		return nil, fmt.Errorf("mongo: aggregate: %w", err)
	}
	defer cur.Close(ctx)
	groups := map[string]*query.Group{}
	var order []*query.Group
	for cur.Next(ctx) {
		var m bson.M
		if err := cur.Decode(&m); err != nil {
			return nil, err
		}
		data, _ := plain(m).(map[string]any)
		key := make([]any, len(by))
		for i, b := range by {
			key[i] = store.Lookup(data, b)
		}
		kb, _ := json.Marshal(key)
		g := groups[string(kb)]
		if g == nil {
			if len(groups) >= maxGroups {
				return nil, fmt.Errorf("mongo: aggregate: more than %d groups", maxGroups)
			}
			g = &query.Group{Key: key, Values: make([]any, len(aggs))}
			for i, a := range aggs {
				g.Values[i] = a.Zero()
			}
			groups[string(kb)] = g
			order = append(order, g)
		}
		for i, a := range aggs {
			v := store.Lookup(data, a.Field)
			switch a.Func {
			case query.Count:
				g.Values[i] = g.Values[i].(int64) + 1
			case query.Sum:
				if n, ok := v.(float64); ok {
					g.Values[i] = g.Values[i].(float64) + n
				}
			case query.Min, query.Max:
				if v == nil {
					continue
				}
				if g.Values[i] == nil || (compare(v, g.Values[i]) < 0) == (a.Func == query.Min) && compare(v, g.Values[i]) != 0 {
					g.Values[i] = v
				}
			}
		}
	}
	if err := cur.Err(); err != nil {
		return nil, err
	}
	out := make([]query.Group, len(order))
	for i, g := range order {
		out[i] = *g
	}
	return finishGroups(out, by, aggs), nil
}

// compare orders two values as MongoDB does: numbers before strings.
func compare(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	case string:
		y := b.(string)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case float64:
		return 1
	case string:
		return 2
	}
	return 3
}
