package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	driver "go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
	"github.com/morphcrm/morph/engine/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t)
		return s
	})
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// open returns a store on a fresh database and a raw handle on the same
// database, to look at or plant documents behind the store's back.
func open(t *testing.T) (*mongo.Store, *driver.Database) {
	t.Helper()
	uri := mongotest.URI(t)
	return openAt(t, uri), rawDB(t, uri)
}

func openAt(t *testing.T, uri string) *mongo.Store {
	t.Helper()
	s, err := mongo.Open(testCtx(t), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func rawDB(t *testing.T, uri string) *driver.Database {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	c, err := driver.Connect(testCtx(t), options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Disconnect(context.Background()) })
	return c.Database(u.Path[1:])
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen(t *testing.T) {
	ctx := testCtx(t)
	if _, err := mongo.Open(ctx, "http://localhost"); err == nil {
		t.Error("a URI that is not mongodb:// opened")
	}
	s, db := open(t)
	must(t, s.Insert(ctx, "items", store.Record{ID: "a", Version: 1, Data: map[string]any{"n": 1.0}}))
	names, err := db.ListCollectionNames(ctx, bson.D{})
	must(t, err)
	if !contains(names, "c_items") {
		t.Errorf("collections of the URI's database: %v, want c_items among them", names)
	}
	var doc bson.M
	must(t, db.Collection("c_items").FindOne(ctx, bson.D{}).Decode(&doc))
	if doc["_id"] != "a" || doc["n"] != 1.0 || doc["_v"] != int64(1) {
		t.Errorf("stored document %v", doc)
	}
	if _, ok := doc["id"]; ok {
		t.Errorf("stored document %v keeps the id twice", doc)
	}
}

func TestDefaultDatabase(t *testing.T) {
	uri := mongotest.StartFerretDB(t) // a server of its own: the default database is shared otherwise
	u, _ := url.Parse(uri)
	u.Path = ""
	ctx := testCtx(t)
	s, err := mongo.Open(ctx, u.String())
	must(t, err)
	defer s.Close()
	must(t, s.Insert(ctx, "items", store.Record{ID: "a", Version: 1, Data: map[string]any{}}))
	u.Path = "/morph"
	names, err := rawDB(t, u.String()).ListCollectionNames(ctx, bson.D{})
	must(t, err)
	if !contains(names, "c_items") {
		t.Errorf("collections of database morph: %v", names)
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// Documents written by other tools may hold numbers as int32 or int64;
// filters, sorts and aggregates treat them as numbers all the same, and
// Data gives them back as float64.
func TestNumbersOfAnyStoredType(t *testing.T) {
	ctx := testCtx(t)
	s, db := open(t)
	must(t, s.EnsureCollection(ctx, "nums", nil))
	_, err := db.Collection("c_nums").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "i32"}, {Key: "_v", Value: int32(1)}, {Key: "n", Value: int32(2)}},
		bson.D{{Key: "_id", Value: "i64"}, {Key: "_v", Value: int64(1)}, {Key: "n", Value: int64(3)}},
		bson.D{{Key: "_id", Value: "dbl"}, {Key: "_v", Value: 1.0}, {Key: "n", Value: 2.5}},
	})
	must(t, err)
	tests := []struct {
		filter query.Expr
		want   []string
	}{
		{query.Cmp{Field: "n", Op: query.Eq, Value: 2.0}, []string{"i32"}},
		{query.Cmp{Field: "n", Op: query.Eq, Value: int64(3)}, []string{"i64"}},
		{query.Cmp{Field: "n", Op: query.Gt, Value: 2.0}, []string{"dbl", "i64"}},
		{query.Cmp{Field: "n", Op: query.Lte, Value: int64(2)}, []string{"i32"}},
		{query.Cmp{Field: "n", Op: query.In, Value: []any{3.0, int64(2)}}, []string{"i32", "i64"}},
		{query.Cmp{Field: "version", Op: query.Eq, Value: int64(1)}, []string{"dbl", "i32", "i64"}},
	}
	for _, tt := range tests {
		recs, err := s.Find(ctx, "nums", query.Query{Filter: tt.filter})
		must(t, err)
		if got := ids(recs); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: got %v, want %v", tt.filter, got, tt.want)
		}
	}
	recs, err := s.Find(ctx, "nums", query.Query{Sort: []query.Sort{{Field: "n", Desc: true}}})
	must(t, err)
	var order []string
	for _, r := range recs {
		order = append(order, r.ID)
		if _, ok := r.Data["n"].(float64); !ok || r.Version != 1 {
			t.Errorf("%s: n is %T, version %d", r.ID, r.Data["n"], r.Version)
		}
	}
	if want := []string{"i64", "dbl", "i32"}; !reflect.DeepEqual(order, want) {
		t.Errorf("sorted by n descending: %v, want %v", order, want)
	}
	groups, err := s.Aggregate(ctx, "nums", nil, nil, []query.Agg{{Func: query.Sum, Field: "n"}, {Func: query.Max, Field: "n"}})
	must(t, err)
	if len(groups) != 1 || groups[0].Values[0] != 7.5 || groups[0].Values[1] != 3.0 {
		t.Errorf("sum and max of n: %+v", groups)
	}
}

func ids(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	sort.Strings(out)
	return out
}

// A field missing from some documents and null in others makes one group.
func TestAggregateMissingAndNullOneGroup(t *testing.T) {
	ctx := testCtx(t)
	s, db := open(t)
	must(t, s.EnsureCollection(ctx, "g", nil))
	_, err := db.Collection("c_g").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "1"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: nil}, {Key: "n", Value: 1.0}},
		bson.D{{Key: "_id", Value: "2"}, {Key: "_v", Value: int64(1)}, {Key: "n", Value: 2.0}},
		bson.D{{Key: "_id", Value: "3"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "x"}, {Key: "n", Value: 4.0}},
	})
	must(t, err)
	count, sum, low := query.Agg{Func: query.Count}, query.Agg{Func: query.Sum, Field: "n"}, query.Agg{Func: query.Min, Field: "n"}
	tests := []struct {
		aggs      []query.Agg
		nulls, xs []any
	}{
		{[]query.Agg{count}, []any{int64(2)}, []any{int64(1)}},
		{[]query.Agg{sum}, []any{3.0}, []any{4.0}},
		{[]query.Agg{count, sum}, []any{int64(2), 3.0}, []any{int64(1), 4.0}},
		{[]query.Agg{sum, count, low}, []any{3.0, int64(2), 1.0}, []any{4.0, int64(1), 4.0}},
	}
	for _, tt := range tests {
		groups, err := s.Aggregate(ctx, "g", nil, []string{"k"}, tt.aggs)
		must(t, err)
		want := []query.Group{{Key: []any{nil}, Values: tt.nulls}, {Key: []any{"x"}, Values: tt.xs}}
		if !reflect.DeepEqual(groups, want) {
			t.Errorf("%v: got %+v, want %+v", tt.aggs, groups, want)
		}
	}
}

func TestUniqueIndexes(t *testing.T) {
	ctx := testCtx(t)
	uri := mongotest.URI(t)
	s := openAt(t, uri)
	must(t, s.EnsureCollection(ctx, "people", []store.Index{
		{Name: "u_email", Fields: []string{"email"}, Unique: true},
		{Name: "u_name", Fields: []string{"first", "last"}, Unique: true},
		{Name: "city", Fields: []string{"addr.city"}},
	}))
	put := func(id string, data map[string]any) error {
		return s.Insert(ctx, "people", store.Record{ID: id, Version: 1, Data: data})
	}
	// Records missing any field of a unique index never clash on it.
	must(t, put("1", map[string]any{"first": "Li"}))
	must(t, put("2", map[string]any{"first": "Li"}))
	must(t, put("3", map[string]any{"last": "Wang"}))
	must(t, put("4", map[string]any{}))
	must(t, put("5", map[string]any{"first": "Li", "last": "Wang", "email": "li@example.com", "addr": map[string]any{"city": "上海"}}))
	must(t, put("6", map[string]any{"addr": map[string]any{"city": "上海"}})) // not unique

	tests := []struct {
		name  string
		err   error
		index string
	}{
		{"same email", put("7", map[string]any{"email": "li@example.com"}), "u_email"},
		{"same full name", put("8", map[string]any{"first": "Li", "last": "Wang"}), "u_name"},
		{"same id", put("5", map[string]any{"email": "other@example.com"}), ""},
		{"update to a taken email", s.Update(ctx, "people", store.Record{ID: "4", Version: 2, Data: map[string]any{"email": "li@example.com"}}), "u_email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.index == "" {
				if !errors.Is(tt.err, store.ErrDuplicateID) {
					t.Fatalf("got %v, want ErrDuplicateID", tt.err)
				}
				return
			}
			var ue *store.UniqueError
			if !errors.As(tt.err, &ue) {
				t.Fatalf("got %v, want a UniqueError", tt.err)
			}
			if ue.Collection != "people" || ue.Index != tt.index || len(ue.Fields) == 0 {
				t.Errorf("got %+v, want index %s with its fields", ue, tt.index)
			}
		})
	}

	// Another process on the same database, which has not ensured the
	// collection, still names the index.
	other := openAt(t, uri)
	err := other.Insert(ctx, "people", store.Record{ID: "9", Version: 1, Data: map[string]any{"email": "li@example.com"}})
	var ue *store.UniqueError
	if !errors.As(err, &ue) || ue.Index != "u_email" || !reflect.DeepEqual(ue.Fields, []string{"email"}) {
		t.Errorf("from another store: %v (%+v)", err, ue)
	}
}

func TestIndexesFollowTheList(t *testing.T) {
	ctx := testCtx(t)
	s, db := open(t)
	list := func() map[string]bool {
		cur, err := db.Collection("c_ix").Indexes().List(ctx)
		must(t, err)
		var specs []bson.M
		must(t, cur.All(ctx, &specs))
		out := map[string]bool{}
		for _, sp := range specs {
			u, _ := sp["unique"].(bool)
			out[sp["name"].(string)] = u
		}
		return out
	}
	steps := []struct {
		idx  []store.Index
		want map[string]bool
	}{
		{[]store.Index{{Name: "a", Fields: []string{"a"}}, {Name: "b", Fields: []string{"b"}, Unique: true}},
			map[string]bool{"_id_": true, "x_a": false, "x_b": true}},
		{[]store.Index{{Name: "a", Fields: []string{"a"}}, {Name: "b", Fields: []string{"b"}, Unique: true}},
			map[string]bool{"_id_": true, "x_a": false, "x_b": true}},
		{[]store.Index{{Name: "b", Fields: []string{"b"}}, {Name: "c", Fields: []string{"c", "d"}}},
			map[string]bool{"_id_": true, "x_b": false, "x_c": false}},
		{nil, map[string]bool{"_id_": true}},
	}
	for i, st := range steps {
		must(t, s.EnsureCollection(ctx, "ix", st.idx))
		if got := list(); !reflect.DeepEqual(got, st.want) {
			// "_id_" may not report unique: compare without it.
			delete(got, "_id_")
			want := map[string]bool{}
			for k, v := range st.want {
				if k != "_id_" {
					want[k] = v
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("step %d: indexes %v, want %v", i, got, st.want)
			}
		}
	}
	for _, bad := range [][]store.Index{
		{{Name: "Bad-Name", Fields: []string{"a"}}},
		{{Name: "a", Fields: []string{"$a"}}},
		{{Name: "a"}},
		{{Name: "a", Fields: []string{"a"}}, {Name: "a", Fields: []string{"b"}}},
	} {
		if err := s.EnsureCollection(ctx, "ix", bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%v: got %v, want ErrInvalid", bad, err)
		}
	}
}

func TestInsertManyItemErrors(t *testing.T) {
	ctx := testCtx(t)
	s, _ := open(t)
	must(t, s.EnsureCollection(ctx, "batch", []store.Index{{Name: "u_k", Fields: []string{"k"}, Unique: true}}))
	errs, err := s.InsertMany(ctx, "batch", []store.Record{
		{ID: "1", Version: 1, Data: map[string]any{"k": "a"}},
		{ID: "2", Version: 1, Data: map[string]any{"$k": "b"}},
		{ID: "3", Version: 1, Data: map[string]any{"k": "a"}},
		{ID: "1", Version: 1, Data: map[string]any{"k": "c"}},
		{ID: "5", Version: 1, Data: map[string]any{"k": "e"}},
	})
	must(t, err)
	if errs[0] != nil || errs[4] != nil {
		t.Errorf("good items failed: %v", errs)
	}
	if !errors.Is(errs[1], store.ErrInvalid) {
		t.Errorf("item with a bad field name: %v", errs[1])
	}
	if !store.IsUnique(errs[2]) {
		t.Errorf("item with a taken value: %v", errs[2])
	}
	if !errors.Is(errs[3], store.ErrDuplicateID) {
		t.Errorf("item with a taken id: %v", errs[3])
	}
	if n, err := s.Count(ctx, "batch", nil); err != nil || n != 2 {
		t.Errorf("count %d (%v), want 2", n, err)
	}
}

func TestVersionsAndCounters(t *testing.T) {
	ctx := testCtx(t)
	s, db := open(t)
	must(t, s.Insert(ctx, "v", store.Record{ID: "a", Version: 1, Data: map[string]any{"n": 1.0}}))
	must(t, s.Update(ctx, "v", store.Record{ID: "a", Version: 2, Data: map[string]any{"n": 2.0}}))
	if err := s.Update(ctx, "v", store.Record{ID: "a", Version: 2, Data: map[string]any{"n": 3.0}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale update: %v", err)
	}
	if err := s.Update(ctx, "v", store.Record{ID: "b", Version: 2, Data: map[string]any{}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing record: %v", err)
	}
	if err := s.Delete(ctx, "v", "a", 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale delete: %v", err)
	}
	if r, err := s.Get(ctx, "v", "a"); err != nil || r.Version != 2 || r.Data["n"] != 2.0 {
		t.Errorf("after the stale writes: %+v %v", r, err)
	}
	must(t, s.Delete(ctx, "v", "a", 2))
	if err := s.Delete(ctx, "v", "a", 0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of a deleted record: %v", err)
	}
	// The version claims of FerretDB are given back.
	if n, err := db.Collection("_claims").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("%d claims left (%v)", n, err)
	}

	for want := int64(1); want <= 3; want++ {
		n, err := s.NextSequence(ctx, "invoice")
		if err != nil || n != want {
			t.Fatalf("sequence: %d (%v), want %d", n, err, want)
		}
	}
	var counter bson.M
	must(t, db.Collection("_sequences").FindOne(ctx, bson.D{{Key: "_id", Value: "invoice"}}).Decode(&counter))
	if v, ok := counter["n"].(int64); !ok || v != 3 {
		t.Errorf("counter document %v, want n: 3", counter)
	}
}

func TestContextEnds(t *testing.T) {
	s, _ := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]error{
		"Insert":     s.Insert(ctx, "c", store.Record{ID: "a", Version: 1, Data: map[string]any{}}),
		"Find":       func() error { _, err := s.Find(ctx, "c", query.Query{}); return err }(),
		"Count":      func() error { _, err := s.Count(ctx, "c", nil); return err }(),
		"Sequence":   func() error { _, err := s.NextSequence(ctx, "c"); return err }(),
		"Aggregate":  func() error { _, err := s.Aggregate(ctx, "c", nil, nil, []query.Agg{{Func: query.Count}}); return err }(),
		"Ensure":     s.EnsureCollection(ctx, "c", nil),
		"Update":     s.Update(ctx, "c", store.Record{ID: "a", Version: 2, Data: map[string]any{}}),
		"DeleteAny":  s.Delete(ctx, "c", "a", 0),
		"InsertMany": func() error { _, err := s.InsertMany(ctx, "c", []store.Record{{ID: "b", Version: 1}}); return err }(),
	}
	for name, err := range calls {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with an ended context: %v", name, err)
		}
	}
}

// Non-unique indexes end with the id, in the direction of their last field;
// unique ones hold their fields only. An index of the name with other keys
// or directions, as older versions made them, is rebuilt.
func TestIndexKeys(t *testing.T) {
	ctx := testCtx(t)
	s, db := open(t)
	keys := func() map[string]string {
		t.Helper()
		cur, err := db.Collection("c_keys").Indexes().List(ctx)
		must(t, err)
		var specs []bson.D
		must(t, cur.All(ctx, &specs))
		out := map[string]string{}
		for _, sp := range specs {
			m := sp.Map()
			if m["name"] == "_id_" {
				continue
			}
			var parts []string
			for _, k := range m["key"].(bson.D) {
				dir := "+"
				if n, _ := k.Value.(int32); n < 0 || k.Value == int64(-1) || k.Value == -1.0 {
					dir = "-"
				}
				parts = append(parts, dir+k.Key)
			}
			out[m["name"].(string)] = strings.Join(parts, " ")
		}
		return out
	}
	idx := []store.Index{
		{Name: "a", Fields: []string{"a"}},
		{Name: "a_b", Fields: []string{"a", "b"}, Desc: []bool{false, true}},
		{Name: "b_a", Fields: []string{"b", "a"}, Desc: []bool{true}},
		{Name: "c_id", Fields: []string{"c", "id"}, Desc: []bool{false, true}},
		{Name: "u", Fields: []string{"u"}, Unique: true},
		{Name: "u_v", Fields: []string{"u", "v"}, Desc: []bool{false, true}, Unique: true},
	}
	want := map[string]string{
		"x_a":    "+a +_id",
		"x_a_b":  "+a -b -_id",
		"x_b_a":  "-b +a +_id",
		"x_c_id": "+c -_id",
		"x_u":    "+u",
		"x_u_v":  "+u -v",
	}
	must(t, s.EnsureCollection(ctx, "keys", idx))
	if got := keys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("index keys:\n got %v\nwant %v", got, want)
	}

	// Indexes of the same names made without the trailing id or with other
	// directions.
	c := db.Collection("c_keys")
	_, err := c.Indexes().DropAll(ctx)
	must(t, err)
	for _, m := range []driver.IndexModel{
		{Keys: bson.D{{Key: "a", Value: 1}}, Options: options.Index().SetName("x_a")},
		{Keys: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("x_a_b")},
		{Keys: bson.D{{Key: "b", Value: -1}, {Key: "a", Value: 1}, {Key: "_id", Value: -1}}, Options: options.Index().SetName("x_b_a")},
		{Keys: bson.D{{Key: "u", Value: -1}}, Options: options.Index().SetName("x_u").SetUnique(true)},
	} {
		_, err := c.Indexes().CreateOne(ctx, m)
		must(t, err)
	}
	must(t, s.EnsureCollection(ctx, "keys", idx))
	if got := keys(); !reflect.DeepEqual(got, want) {
		t.Fatalf("index keys after rebuilding:\n got %v\nwant %v", got, want)
	}
}

// $min and $max skip missing and null values, in groups of any key and in
// the group over all records alike.
func TestMinMaxSkipMissingAndNull(t *testing.T) {
	ctx := testCtx(t)
	s, db := open(t)
	must(t, s.EnsureCollection(ctx, "mm", nil))
	_, err := db.Collection("c_mm").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "1"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "a"}, {Key: "n", Value: 3.0}},
		bson.D{{Key: "_id", Value: "2"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "a"}, {Key: "n", Value: nil}},
		bson.D{{Key: "_id", Value: "3"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "a"}},
		bson.D{{Key: "_id", Value: "4"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "b"}, {Key: "n", Value: 5.0}},
		bson.D{{Key: "_id", Value: "5"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "b"}},
		bson.D{{Key: "_id", Value: "6"}, {Key: "_v", Value: int64(1)}, {Key: "k", Value: "c"}},
	})
	must(t, err)
	low, high := query.Agg{Func: query.Min, Field: "n"}, query.Agg{Func: query.Max, Field: "n"}
	tests := []struct {
		name string
		by   []string
		aggs []query.Agg
		want []query.Group
	}{
		{"min alone", nil, []query.Agg{low}, []query.Group{{Key: []any{}, Values: []any{3.0}}}},
		{"max alone", nil, []query.Agg{high}, []query.Group{{Key: []any{}, Values: []any{5.0}}}},
		{"both", nil, []query.Agg{low, high}, []query.Group{{Key: []any{}, Values: []any{3.0, 5.0}}}},
		{"by key", []string{"k"}, []query.Agg{low, high}, []query.Group{
			{Key: []any{"a"}, Values: []any{3.0, 3.0}},
			{Key: []any{"b"}, Values: []any{5.0, 5.0}},
			{Key: []any{"c"}, Values: []any{nil, nil}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Aggregate(ctx, "mm", nil, tt.by, tt.aggs)
			must(t, err)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// A sorted page larger than one batch of the server (16 MiB) comes back
// whole: on DocumentDB, where a page is asked for as a single batch, a
// batch cut at that size is read again.
func TestPageOverOneBatch(t *testing.T) {
	ctx := testCtx(t)
	s, _ := open(t)
	must(t, s.EnsureCollection(ctx, "big", []store.Index{{Name: "n", Fields: []string{"n"}}}))
	blob := strings.Repeat("x", 1<<20)
	recs := make([]store.Record, 20)
	for i := range recs {
		recs[i] = store.Record{ID: fmt.Sprintf("r%02d", i), Version: 1, Data: map[string]any{"n": float64(i), "blob": blob}}
	}
	errs, err := s.InsertMany(ctx, "big", recs)
	must(t, err)
	for _, e := range errs {
		must(t, e)
	}
	got, err := s.Find(ctx, "big", query.Query{Sort: []query.Sort{{Field: "n", Desc: true}, {Field: "id", Desc: true}}, Limit: 19})
	must(t, err)
	if len(got) != 19 || got[0].ID != "r19" || got[18].ID != "r01" {
		t.Fatalf("%d records, from %s to %s; want 19, r19 to r01", len(got), got[0].ID, got[len(got)-1].ID)
	}
}

// Groups larger together than one batch of the server come back whole.
func TestGroupsOverOneBatch(t *testing.T) {
	ctx := testCtx(t)
	s, _ := open(t)
	must(t, s.EnsureCollection(ctx, "bigkeys", nil))
	recs := make([]store.Record, 20)
	for i := range recs {
		recs[i] = store.Record{ID: fmt.Sprintf("r%02d", i), Version: 1, Data: map[string]any{"k": fmt.Sprintf("%02d", i) + strings.Repeat("x", 1<<20)}}
	}
	errs, err := s.InsertMany(ctx, "bigkeys", recs)
	must(t, err)
	for _, e := range errs {
		must(t, e)
	}
	groups, err := s.Aggregate(ctx, "bigkeys", nil, []string{"k"}, []query.Agg{{Func: query.Count}})
	must(t, err)
	if len(groups) != 20 {
		t.Fatalf("%d groups, want 20", len(groups))
	}
	for i, g := range groups {
		if k, _ := g.Key[0].(string); !strings.HasPrefix(k, fmt.Sprintf("%02d", i)) || g.Values[0] != int64(1) {
			t.Fatalf("group %d: key %.8q…, values %v", i, k, g.Values)
		}
	}
}

// A page or a group list of more records than a server's default first
// batch (101 documents) comes back whole.
func TestManyInOneBatch(t *testing.T) {
	ctx := testCtx(t)
	s, _ := open(t)
	must(t, s.EnsureCollection(ctx, "many", []store.Index{{Name: "n", Fields: []string{"n"}}}))
	recs := make([]store.Record, 250)
	for i := range recs {
		recs[i] = store.Record{ID: fmt.Sprintf("r%03d", i), Version: 1, Data: map[string]any{"n": float64(i)}}
	}
	errs, err := s.InsertMany(ctx, "many", recs)
	must(t, err)
	for _, e := range errs {
		must(t, e)
	}
	for _, limit := range []int{200, 250, 500} {
		got, err := s.Find(ctx, "many", query.Query{Sort: []query.Sort{{Field: "n"}, {Field: "id"}}, Limit: limit})
		must(t, err)
		if want := min(limit, 250); len(got) != want || got[want-1].ID != fmt.Sprintf("r%03d", want-1) {
			t.Errorf("limit %d: %d records, want %d", limit, len(got), want)
		}
	}
	groups, err := s.Aggregate(ctx, "many", nil, []string{"n"}, []query.Agg{{Func: query.Count}})
	must(t, err)
	if len(groups) != 250 {
		t.Errorf("%d groups, want 250", len(groups))
	}
}
