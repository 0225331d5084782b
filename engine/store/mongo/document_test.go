package mongo

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"

	"github.com/morphcrm/morph/engine/store"
)

func TestPlainValues(t *testing.T) {
	when := time.Date(2026, 3, 4, 5, 6, 7, 800e6, time.UTC)
	in := bson.M{
		"i32":  int32(7),
		"i64":  int64(-8),
		"f":    2.5,
		"s":    "文本",
		"b":    true,
		"null": primitive.Null{},
		"nil":  nil,
		"m":    bson.M{"d": bson.D{{Key: "x", Value: int32(1)}}},
		"a":    bson.A{int64(1), bson.A{"y"}, bson.M{}},
		"t":    primitive.NewDateTimeFromTime(when),
	}
	want := map[string]any{
		"i32":  7.0,
		"i64":  -8.0,
		"f":    2.5,
		"s":    "文本",
		"b":    true,
		"null": nil,
		"nil":  nil,
		"m":    map[string]any{"d": map[string]any{"x": 1.0}},
		"a":    []any{1.0, []any{"y"}, map[string]any{}},
		"t":    "2026-03-04T05:06:07.800Z",
	}
	if got := plain(in); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
	rec := record(bson.M{"_id": "r1", "_v": int32(4), "n": int64(3)})
	if rec.ID != "r1" || rec.Version != 4 || !reflect.DeepEqual(rec.Data, map[string]any{"n": 3.0}) {
		t.Errorf("record: %+v", rec)
	}
}

func TestDocumentRefusesReservedNames(t *testing.T) {
	for _, k := range []string{"_id", "_v", "$set", "a.b", ""} {
		_, err := document(store.Record{ID: "x", Version: 1, Data: map[string]any{k: 1.0}})
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q: got %v, want ErrInvalid", k, err)
		}
	}
	d, err := document(store.Record{ID: "x", Version: 3, Data: map[string]any{"b": 1.0, "a": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := bson.MarshalExtJSON(d, false, false)
	if want := `{"_id":"x","_v":3,"a":"s","b":1.0}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestCompareOrdersLikeMongoDB(t *testing.T) {
	// In ascending order, one value per line; equal neighbours share a line.
	order := [][]any{
		{nil},
		{-1.5},
		{2.0},
		{""},
		{"a"},
		{"b"},
		{map[string]any{"a": 1.0}},
		{[]any{1.0}},
		{false},
		{true},
	}
	for i, row := range order {
		for j, other := range order {
			c := compare(row[0], other[0])
			switch {
			case i < j && c >= 0, i > j && c <= 0, i == j && c != 0:
				t.Errorf("compare(%v, %v) = %d", row[0], other[0], c)
			}
		}
	}
}
