package mongo

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

func TestFilterTranslation(t *testing.T) {
	tests := []struct {
		name string
		in   query.Expr
		want string
	}{
		{"nil matches all", nil, `{}`},
		{"empty and matches all", query.And{}, `{}`},
		{"empty or matches none", query.Or{}, `{"_id":{"$in":[]}}`},
		{"id is _id", query.Cmp{Field: "id", Op: query.Eq, Value: "a"}, `{"_id":{"$eq":"a"}}`},
		{"version is _v", query.Cmp{Field: "version", Op: query.Gte, Value: int64(2)}, `{"_v":{"$gte":2}}`},
		{"eq nil", query.Cmp{Field: "a", Op: query.Eq}, `{"a":{"$eq":null}}`},
		{"ne nil", query.Cmp{Field: "a", Op: query.Ne}, `{"a":{"$ne":null}}`},
		{"lt nil matches none", query.Cmp{Field: "a", Op: query.Lt}, `{"_id":{"$in":[]}}`},
		{"nested path", query.Cmp{Field: "addr.city", Op: query.Gt, Value: 1.5}, `{"addr.city":{"$gt":1.5}}`},
		{"in", query.Cmp{Field: "a", Op: query.In, Value: []any{"x", nil}}, `{"a":{"$in":["x"]}}`},
		{"nin", query.Cmp{Field: "a", Op: query.Nin, Value: []any{true}}, `{"a":{"$nin":[true]}}`},
		{"contains quotes the text", query.Cmp{Field: "a", Op: query.Contains, Value: "a.b*(c)"}, `{"a":{"$regex":"a\\.b\\*\\(c\\)"}}`},
		{"starts with anchors", query.Cmp{Field: "a", Op: query.StartsWith, Value: "^x$"}, `{"a":{"$regex":"^\\^x\\$"}}`},
		{"has", query.Cmp{Field: "tags", Op: query.Has, Value: "vip"}, `{"tags":{"$elemMatch":{"$eq":"vip"}}}`},
		{"has null matches none", query.Cmp{Field: "tags", Op: query.Has}, `{"_id":{"$in":[]}}`},
		{"not", query.Not{X: query.Cmp{Field: "a", Op: query.Eq, Value: "x"}}, `{"$nor":[{"a":{"$eq":"x"}}]}`},
		{"and or", query.And{query.Or{query.Cmp{Field: "a", Op: query.Eq, Value: "x"}}, query.Cmp{Field: "b", Op: query.Ne, Value: false}},
			`{"$and":[{"$or":[{"a":{"$eq":"x"}}]},{"b":{"$ne":false}}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := filter(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := bson.MarshalExtJSON(f, false, false)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFilterInvalid(t *testing.T) {
	deep := query.Expr(query.Cmp{Field: "a", Op: query.Eq, Value: "x"})
	for i := 0; i <= maxFilterDepth+1; i++ {
		deep = query.Not{X: deep}
	}
	tests := []struct {
		name string
		in   query.Expr
	}{
		{"operator in path", query.Cmp{Field: "$where", Op: query.Eq, Value: "x"}},
		{"empty path", query.Cmp{Field: "", Op: query.Eq, Value: "x"}},
		{"path with a space", query.Cmp{Field: "a b", Op: query.Eq, Value: "x"}},
		{"unknown operator", query.Cmp{Field: "a", Op: "regex", Value: "x"}},
		{"document value", query.Cmp{Field: "a", Op: query.Eq, Value: map[string]any{"$gt": ""}}},
		{"in without a list", query.Cmp{Field: "a", Op: query.In, Value: "x"}},
		{"list with a document", query.Cmp{Field: "a", Op: query.Nin, Value: []any{map[string]any{}}}},
		{"contains a number", query.Cmp{Field: "a", Op: query.Contains, Value: 1.0}},
		{"has on id", query.Cmp{Field: "id", Op: query.Has, Value: "x"}},
		{"invalid inside or", query.Or{query.Cmp{Field: "a.", Op: query.Eq}}},
		{"too deep", deep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := filter(tt.in); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}
