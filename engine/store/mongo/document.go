package mongo

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/morphcrm/morph/engine/store"
)

// document builds the stored form of a record: {_id, _v, ...Data}, the
// fields in name order and their values as given, so that a record read
// back has the same Data.
func document(rec store.Record) (bson.D, error) {
	d := make(bson.D, 0, len(rec.Data)+2)
	d = append(d, bson.E{Key: "_id", Value: rec.ID}, bson.E{Key: "_v", Value: rec.Version})
	keys := make([]string, 0, len(rec.Data))
	for k := range rec.Data {
		if k == "" || k == "_id" || k == "_v" || k == outboxKey || strings.HasPrefix(k, "$") || strings.Contains(k, ".") {
			return nil, fmt.Errorf("%w: field name %q", store.ErrInvalid, k)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d = append(d, bson.E{Key: k, Value: rec.Data[k]})
	}
	return d, nil
}

// record turns a decoded document back into a store record with plain values.
func record(m bson.M) store.Record {
	var rec store.Record
	rec.ID, _ = m["_id"].(string)
	if v, ok := plain(m["_v"]).(float64); ok {
		rec.Version = int64(v)
	}
	rec.Data = make(map[string]any, len(m))
	for k, v := range m {
		if k != "_id" && k != "_v" && k != outboxKey {
			rec.Data[k] = plain(v)
		}
	}
	return rec
}

// plain converts decoded BSON values to the store's JSON-like values:
// map[string]any, []any, string, float64, bool and nil.
func plain(v any) any {
	switch x := v.(type) {
	case bson.M:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case bson.D:
		out := make(map[string]any, len(x))
		for _, e := range x {
			out[e.Key] = plain(e.Value)
		}
		return out
	case bson.A:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case primitive.Decimal128:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return nil
		}
		return f
	case primitive.DateTime:
		return x.Time().UTC().Format("2006-01-02T15:04:05.000Z")
	case primitive.ObjectID:
		return x.Hex()
	case primitive.Null, primitive.Undefined:
		return nil
	}
	return v
}

// typeRank orders values of different types as MongoDB does: null, numbers,
// strings, objects, arrays, booleans.
func typeRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case float64:
		return 1
	case string:
		return 2
	case map[string]any:
		return 3
	case []any:
		return 4
	case bool:
		return 5
	}
	return 6
}

// compare orders two plain values: by type rank, then by value. Objects and
// arrays compare by their JSON form, which is only a stable tie-break.
func compare(a, b any) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case float64:
		y := b.(float64)
		switch {
		case x < y || (math.IsNaN(x) && !math.IsNaN(y)):
			return -1
		case x > y || (!math.IsNaN(x) && math.IsNaN(y)):
			return 1
		}
		return 0
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case nil:
		return 0
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return strings.Compare(string(ja), string(jb))
}
