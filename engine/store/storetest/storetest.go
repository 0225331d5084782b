// Package storetest is the conformance suite of the storage port: every
// adapter runs it and must pass every case, so the engine can rely on the
// same semantics whichever store holds the data.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Run runs every case against stores made by open. open returns a fresh,
// empty store; it may be called once per case.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CRUD", testCRUD},
		{"RoundTrip", testRoundTrip},
		{"Filters", testFilters},
		{"FiltersWithNUL", testFiltersWithNUL},
		{"Sort", testSort},
		{"Pagination", testPagination},
		{"Count", testCount},
		{"Aggregate", testAggregate},
		{"Unique", testUnique},
		{"IndexesFollow", testIndexesFollow},
		{"CompositeIndex", testCompositeIndex},
		{"Versions", testVersions},
		{"Sequence", testSequence},
		{"InsertMany", testInsertMany},
		{"Invalid", testInvalid},
		{"Drop", testDrop},
		{"Missing", testMissing},
		{"Audit", testAudit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ensure(t *testing.T, s store.Store, coll string, idx ...store.Index) {
	t.Helper()
	must(t, s.EnsureCollection(ctx(t), coll, idx))
}

func rec(id string, data map[string]any) store.Record {
	return store.Record{ID: id, Version: 1, Data: data}
}

func ids(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func sortedIDs(recs []store.Record) []string {
	out := ids(recs)
	sort.Strings(out)
	return out
}

func testCRUD(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "crud")
	must(t, s.Insert(c, "crud", rec("a", map[string]any{"name": "Alpha"})))
	if err := s.Insert(c, "crud", rec("a", map[string]any{"name": "Again"})); !errors.Is(err, store.ErrDuplicateID) {
		t.Fatalf("duplicate id: %v", err)
	}
	got, err := s.Get(c, "crud", "a")
	must(t, err)
	if got.ID != "a" || got.Version != 1 || got.Data["name"] != "Alpha" {
		t.Fatalf("get: %+v", got)
	}
	if _, err := s.Get(c, "crud", "zz"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	must(t, s.Insert(c, "crud", rec("b", map[string]any{"name": "Beta"})))
	many, err := s.GetMany(c, "crud", []string{"a", "b", "nope"})
	must(t, err)
	if !reflect.DeepEqual(sortedIDs(many), []string{"a", "b"}) {
		t.Fatalf("get many: %v", ids(many))
	}
	must(t, s.Update(c, "crud", store.Record{ID: "a", Version: 2, Data: map[string]any{"name": "Alpha 2"}}))
	got, _ = s.Get(c, "crud", "a")
	if got.Version != 2 || got.Data["name"] != "Alpha 2" {
		t.Fatalf("after update: %+v", got)
	}
	if err := s.Update(c, "crud", store.Record{ID: "zz", Version: 2, Data: map[string]any{}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	must(t, s.Delete(c, "crud", "a", 2))
	if _, err := s.Get(c, "crud", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.Delete(c, "crud", "a", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}
	must(t, s.Delete(c, "crud", "b", 0))
}

func testRoundTrip(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "trip")
	data := map[string]any{
		"text": "杭州云帆科技有限公司 «quotes» \"and\" 'apostrophes' \\ back",
		"num":  1234.5, "int": 42.0, "neg": -7.25, "zero": 0.0, "big": 9007199254740991.0,
		"yes": true, "no": false,
		"nested": map[string]any{"city": "杭州", "geo": map[string]any{"lat": 30.27, "lng": 120.15}},
		"list":   []any{"a", "b", 3.0, true, map[string]any{"k": "v"}},
		"empty":  []any{},
		"money":  map[string]any{"amount": 99.99, "currency": "CNY"},
	}
	must(t, s.Insert(c, "trip", rec("r", data)))
	got, err := s.Get(c, "trip", "r")
	must(t, err)
	if !reflect.DeepEqual(got.Data, data) {
		t.Fatalf("round trip changed the data:\n got %#v\nwant %#v", got.Data, data)
	}
}

// people is the fixture of the filter, sort and count cases.
func people(t *testing.T, s store.Store, coll string) []store.Record {
	t.Helper()
	ensure(t, s, coll, store.Index{Name: "i_age", Fields: []string{"age"}}, store.Index{Name: "i_city", Fields: []string{"address.city"}})
	rows := []store.Record{
		rec("p01", map[string]any{"name": "Ann", "age": 31.0, "vip": true, "tags": []any{"x", "y"}, "address": map[string]any{"city": "杭州"}, "score": 10.0}),
		rec("p02", map[string]any{"name": "Bob", "age": 25.0, "vip": false, "tags": []any{"y"}, "address": map[string]any{"city": "上海"}, "score": 20.0}),
		rec("p03", map[string]any{"name": "Cai", "age": 40.0, "vip": true, "tags": []any{}, "address": map[string]any{"city": "杭州"}}),
		rec("p04", map[string]any{"name": "Dee", "age": 25.0, "address": map[string]any{"city": "北京"}, "score": 5.0}),
		rec("p05", map[string]any{"name": "Annette", "vip": false, "tags": []any{"z"}, "nick": nil}),
		rec("p06", map[string]any{"name": "eve", "age": 58.5, "vip": true, "tags": []any{"x"}, "address": map[string]any{"city": "深圳"}, "score": 20.0}),
	}
	for _, r := range rows {
		must(t, s.Insert(ctx(t), coll, r))
	}
	return rows
}

// longList is n strings that no record holds, then extra.
func longList(n int, extra ...any) []any {
	l := make([]any, 0, n+len(extra))
	for i := range n {
		l = append(l, fmt.Sprintf("none-%06d", i))
	}
	return append(l, extra...)
}

func testFilters(t *testing.T, s store.Store) {
	rows := people(t, s, "people")
	for _, tc := range []struct {
		name string
		f    query.Expr
		want []string
	}{
		{"eq string", query.Cmp{Field: "name", Op: query.Eq, Value: "Bob"}, []string{"p02"}},
		{"eq number", query.Cmp{Field: "age", Op: query.Eq, Value: 25.0}, []string{"p02", "p04"}},
		{"eq int64", query.Cmp{Field: "age", Op: query.Eq, Value: int64(40)}, []string{"p03"}},
		{"eq bool", query.Cmp{Field: "vip", Op: query.Eq, Value: true}, []string{"p01", "p03", "p06"}},
		{"eq false", query.Cmp{Field: "vip", Op: query.Eq, Value: false}, []string{"p02", "p05"}},
		{"eq nil is missing or null", query.Cmp{Field: "age", Op: query.Eq, Value: nil}, []string{"p05"}},
		{"eq nil on null value", query.Cmp{Field: "nick", Op: query.Eq, Value: nil}, []string{"p01", "p02", "p03", "p04", "p05", "p06"}},
		{"ne nil is present", query.Cmp{Field: "score", Op: query.Ne, Value: nil}, []string{"p01", "p02", "p04", "p06"}},
		{"ne value includes missing", query.Cmp{Field: "age", Op: query.Ne, Value: 25.0}, []string{"p01", "p03", "p05", "p06"}},
		{"lt", query.Cmp{Field: "age", Op: query.Lt, Value: 31.0}, []string{"p02", "p04"}},
		{"lte", query.Cmp{Field: "age", Op: query.Lte, Value: 31.0}, []string{"p01", "p02", "p04"}},
		{"gt", query.Cmp{Field: "age", Op: query.Gt, Value: 40.0}, []string{"p06"}},
		{"gte", query.Cmp{Field: "age", Op: query.Gte, Value: 40.0}, []string{"p03", "p06"}},
		{"gt string", query.Cmp{Field: "name", Op: query.Gt, Value: "C"}, []string{"p03", "p04", "p06"}},
		{"in", query.Cmp{Field: "name", Op: query.In, Value: []any{"Ann", "Dee", "Zed"}}, []string{"p01", "p04"}},
		{"in empty", query.Cmp{Field: "name", Op: query.In, Value: []any{}}, nil},
		{"nin includes missing", query.Cmp{Field: "age", Op: query.Nin, Value: []any{25.0, 31.0}}, []string{"p03", "p05", "p06"}},
		{"nin empty", query.Cmp{Field: "name", Op: query.Nin, Value: []any{}}, []string{"p01", "p02", "p03", "p04", "p05", "p06"}},
		{"contains", query.Cmp{Field: "name", Op: query.Contains, Value: "nn"}, []string{"p01", "p05"}},
		{"contains is case-sensitive", query.Cmp{Field: "name", Op: query.Contains, Value: "ANN"}, nil},
		{"contains treats patterns literally", query.Cmp{Field: "name", Op: query.Contains, Value: "A.n"}, nil},
		{"startsWith", query.Cmp{Field: "name", Op: query.StartsWith, Value: "Ann"}, []string{"p01", "p05"}},
		{"startsWith literal %", query.Cmp{Field: "name", Op: query.StartsWith, Value: "%"}, nil},
		{"has", query.Cmp{Field: "tags", Op: query.Has, Value: "x"}, []string{"p01", "p06"}},
		{"nested", query.Cmp{Field: "address.city", Op: query.Eq, Value: "杭州"}, []string{"p01", "p03"}},
		{"nested in", query.Cmp{Field: "address.city", Op: query.In, Value: []any{"北京", "深圳"}}, []string{"p04", "p06"}},
		{"id", query.Cmp{Field: "id", Op: query.In, Value: []any{"p02", "p03"}}, []string{"p02", "p03"}},
		// Lists longer than one bind parameter a value allows (SQLite: 32,766),
		// as a team tree of many users makes.
		{"in long list", query.Cmp{Field: "name", Op: query.In, Value: longList(40000, "Bob", "eve")}, []string{"p02", "p06"}},
		{"in long list of numbers and bools", query.Cmp{Field: "age", Op: query.In, Value: append(longList(100), 25.0, true, nil)}, []string{"p02", "p04"}},
		{"in with null matches no missing value", query.Cmp{Field: "age", Op: query.In, Value: []any{nil, 40.0}}, []string{"p03"}},
		{"nin with null", query.Cmp{Field: "age", Op: query.Nin, Value: []any{nil, 25.0}}, []string{"p01", "p03", "p05", "p06"}},
		{"nin long list", query.Cmp{Field: "name", Op: query.Nin, Value: longList(40000, "Bob", "eve")}, []string{"p01", "p03", "p04", "p05"}},
		{"id in long list", query.Cmp{Field: "id", Op: query.In, Value: longList(40000, "p03")}, []string{"p03"}},
		{"id gt", query.Cmp{Field: "id", Op: query.Gt, Value: "p04"}, []string{"p05", "p06"}},
		{"version", query.Cmp{Field: "version", Op: query.Eq, Value: 1.0}, []string{"p01", "p02", "p03", "p04", "p05", "p06"}},
		{"and", query.And{query.Cmp{Field: "vip", Op: query.Eq, Value: true}, query.Cmp{Field: "age", Op: query.Lt, Value: 50.0}}, []string{"p01", "p03"}},
		{"or", query.Or{query.Cmp{Field: "name", Op: query.Eq, Value: "Bob"}, query.Cmp{Field: "age", Op: query.Gt, Value: 50.0}}, []string{"p02", "p06"}},
		{"not", query.Not{X: query.Cmp{Field: "vip", Op: query.Eq, Value: true}}, []string{"p02", "p04", "p05"}},
		{"not over missing", query.Not{X: query.Cmp{Field: "age", Op: query.Gt, Value: 30.0}}, []string{"p02", "p04", "p05"}},
		{"not and", query.Not{X: query.And{query.Cmp{Field: "vip", Op: query.Eq, Value: true}, query.Cmp{Field: "age", Op: query.Gt, Value: 35.0}}}, []string{"p01", "p02", "p04", "p05"}},
		{"empty and matches all", query.And{}, []string{"p01", "p02", "p03", "p04", "p05", "p06"}},
		{"empty or matches none", query.Or{}, nil},
		{"nested logic", query.Or{query.And{query.Cmp{Field: "address.city", Op: query.Eq, Value: "杭州"}, query.Not{X: query.Cmp{Field: "tags", Op: query.Has, Value: "x"}}}, query.Cmp{Field: "score", Op: query.Eq, Value: 5.0}}, []string{"p03", "p04"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Find(ctx(t), "people", query.Query{Filter: tc.f})
			must(t, err)
			if g := sortedIDs(got); !reflect.DeepEqual(g, append([]string{}, tc.want...)) && !(len(g) == 0 && len(tc.want) == 0) {
				t.Fatalf("got %v, want %v", g, tc.want)
			}
			n, err := s.Count(ctx(t), "people", tc.f)
			must(t, err)
			if n != int64(len(tc.want)) {
				t.Fatalf("count %d, want %d", n, len(tc.want))
			}
			// query.Match, which evaluates a filter on one record in
			// memory, agrees with the store.
			var matched []string
			for _, r := range rows {
				doc := map[string]any{"id": r.ID, "version": float64(r.Version)}
				for k, v := range r.Data {
					doc[k] = v
				}
				if query.Match(tc.f, doc) {
					matched = append(matched, r.ID)
				}
			}
			if !reflect.DeepEqual(matched, tc.want) {
				t.Fatalf("query.Match: %v, want %v", matched, tc.want)
			}
		})
	}
}

// testFiltersWithNUL: text holding a NUL byte is stored, and compared and
// searched byte for byte (SQLite's length() stops at a NUL; MongoDB refuses
// a NUL in a regular expression).
func testFiltersWithNUL(t *testing.T, s store.Store) {
	ensure(t, s, "nul")
	must(t, s.Insert(ctx(t), "nul", rec("n1", map[string]any{"s": "a\x00b"})))
	must(t, s.Insert(ctx(t), "nul", rec("n2", map[string]any{"s": "a"})))
	for _, tc := range []struct {
		name string
		f    query.Expr
		want []string
	}{
		{"eq", query.Cmp{Field: "s", Op: query.Eq, Value: "a\x00b"}, []string{"n1"}},
		{"contains NUL", query.Cmp{Field: "s", Op: query.Contains, Value: "\x00"}, []string{"n1"}},
		{"contains across NUL", query.Cmp{Field: "s", Op: query.Contains, Value: "a\x00b"}, []string{"n1"}},
		{"startsWith through NUL", query.Cmp{Field: "s", Op: query.StartsWith, Value: "a\x00"}, []string{"n1"}},
		{"startsWith past the value", query.Cmp{Field: "s", Op: query.StartsWith, Value: "a\x00c"}, nil},
		{"startsWith before NUL", query.Cmp{Field: "s", Op: query.StartsWith, Value: "a"}, []string{"n1", "n2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Find(ctx(t), "nul", query.Query{Filter: tc.f})
			must(t, err)
			if g := sortedIDs(got); !reflect.DeepEqual(g, append([]string{}, tc.want...)) && !(len(g) == 0 && len(tc.want) == 0) {
				t.Fatalf("got %v, want %v", g, tc.want)
			}
		})
	}
	r, err := s.Get(ctx(t), "nul", "n1")
	must(t, err)
	if r.Data["s"] != "a\x00b" {
		t.Fatalf("read back %q", r.Data["s"])
	}
}

func testSort(t *testing.T, s store.Store) {
	people(t, s, "sorted")
	for _, tc := range []struct {
		name string
		sort []query.Sort
		want []string
	}{
		{"asc missing first", []query.Sort{{Field: "age"}, {Field: "id"}}, []string{"p05", "p02", "p04", "p01", "p03", "p06"}},
		{"desc missing last", []query.Sort{{Field: "age", Desc: true}, {Field: "id"}}, []string{"p06", "p03", "p01", "p02", "p04", "p05"}},
		{"two keys", []query.Sort{{Field: "score", Desc: true}, {Field: "name"}}, []string{"p02", "p06", "p01", "p04", "p05", "p03"}},
		{"nested", []query.Sort{{Field: "address.city"}, {Field: "id", Desc: true}}, []string{"p05", "p02", "p04", "p03", "p01", "p06"}},
		{"id desc", []query.Sort{{Field: "id", Desc: true}}, []string{"p06", "p05", "p04", "p03", "p02", "p01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Find(ctx(t), "sorted", query.Query{Sort: tc.sort})
			must(t, err)
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Fatalf("got %v, want %v", ids(got), tc.want)
			}
			lim, err := s.Find(ctx(t), "sorted", query.Query{Sort: tc.sort, Limit: 2})
			must(t, err)
			if !reflect.DeepEqual(ids(lim), tc.want[:2]) {
				t.Fatalf("limit 2: got %v", ids(lim))
			}
		})
	}
}

func sortVal(r store.Record, f string) any {
	if f == "id" {
		return r.ID
	}
	return r.Data[f]
}

// Pages follow query.After with an id tiebreak; records inserted between
// pages never make a page repeat or skip a record that existed before.
func testPagination(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "pages", store.Index{Name: "i_rank", Fields: []string{"rank"}})
	for i := 0; i < 23; i++ {
		d := map[string]any{"rank": float64(i % 5)}
		if i%7 == 0 {
			d = map[string]any{} // no rank: sorts first ascending, last descending
		}
		must(t, s.Insert(c, "pages", rec(fmt.Sprintf("r%02d", i), d)))
	}
	for _, desc := range []bool{false, true} {
		t.Run(fmt.Sprintf("desc=%v", desc), func(t *testing.T) {
			sorts := []query.Sort{{Field: "rank", Desc: desc}, {Field: "id", Desc: desc}}
			all, err := s.Find(c, "pages", query.Query{Sort: sorts})
			must(t, err)
			var got []string
			var filter query.Expr
			for page := 0; page < 20; page++ {
				recs, err := s.Find(c, "pages", query.Query{Filter: filter, Sort: sorts, Limit: 4})
				must(t, err)
				if len(recs) == 0 {
					break
				}
				got = append(got, ids(recs)...)
				last := recs[len(recs)-1]
				// Insert records that sort before and after the cursor.
				must(t, s.Insert(c, "pages", rec(fmt.Sprintf("n%v%02d", desc, page), map[string]any{"rank": float64(page % 5)})))
				filter = query.After(sorts, []any{sortVal(last, "rank"), last.ID})
			}
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Fatalf("%s appears twice: %v", id, got)
				}
				seen[id] = true
			}
			for _, r := range all {
				if !seen[r.ID] {
					t.Fatalf("%s skipped: %v", r.ID, got)
				}
			}
		})
	}
}

func testCount(t *testing.T, s store.Store) {
	people(t, s, "counted")
	n, err := s.Count(ctx(t), "counted", nil)
	must(t, err)
	if n != 6 {
		t.Fatalf("count all: %d", n)
	}
	// A count follows every kind of write (stores may cache counts).
	c := ctx(t)
	vip := query.Cmp{Field: "vip", Op: query.Eq, Value: true}
	step := func(want int64) {
		t.Helper()
		n, err := s.Count(c, "counted", vip)
		must(t, err)
		if n != want {
			t.Fatalf("count %d, want %d", n, want)
		}
	}
	step(3)
	must(t, s.Insert(c, "counted", rec("p07", map[string]any{"vip": true})))
	step(4)
	must(t, s.Update(c, "counted", store.Record{ID: "p07", Version: 2, Data: map[string]any{"vip": false}}))
	step(3)
	must(t, s.Delete(c, "counted", "p01", 0))
	step(2)
	errs, err := s.InsertMany(c, "counted", []store.Record{rec("p08", map[string]any{"vip": true}), rec("p09", map[string]any{"vip": true})})
	must(t, err)
	must(t, errors.Join(errs...))
	step(4)
	ensure(t, s, "empty_coll")
	if n, err := s.Count(ctx(t), "empty_coll", nil); err != nil || n != 0 {
		t.Fatalf("count empty: %d %v", n, err)
	}

	// Filters whose values differ only in where a NUL splits them are
	// different filters, and have different counts.
	must(t, s.Insert(c, "counted", rec("n01", map[string]any{"name": "ckT", "city": "b\x00string:"})))
	for _, tc := range []struct {
		name, city string
		want       int64
	}{{"ckT", "b\x00string:", 1}, {"ckT\x00string:b", "", 0}} {
		f := query.And{query.Cmp{Field: "name", Op: query.Eq, Value: tc.name}, query.Cmp{Field: "city", Op: query.Eq, Value: tc.city}}
		if n, err := s.Count(c, "counted", f); err != nil || n != tc.want {
			t.Fatalf("count name %q city %q: %d %v, want %d", tc.name, tc.city, n, err, tc.want)
		}
	}
}

func testAggregate(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "deals")
	for i, d := range []map[string]any{
		{"stage": "won", "owner": "u1", "amount": 100.0},
		{"stage": "won", "owner": "u2", "amount": 250.0},
		{"stage": "won", "owner": "u1", "amount": 50.0},
		{"stage": "lost", "owner": "u1", "amount": 70.0},
		{"stage": "open", "owner": "u2"},
		{"owner": "u3", "amount": 5.0},
	} {
		must(t, s.Insert(c, "deals", rec(fmt.Sprintf("d%d", i), d)))
	}
	aggs := []query.Agg{{Func: query.Count}, {Func: query.Sum, Field: "amount"}, {Func: query.Min, Field: "amount"}, {Func: query.Max, Field: "amount"}}
	for _, tc := range []struct {
		name   string
		filter query.Expr
		by     []string
		want   []query.Group
	}{
		{"one key", nil, []string{"stage"}, []query.Group{
			{Key: []any{nil}, Values: []any{int64(1), 5.0, 5.0, 5.0}},
			{Key: []any{"lost"}, Values: []any{int64(1), 70.0, 70.0, 70.0}},
			{Key: []any{"open"}, Values: []any{int64(1), 0.0, nil, nil}},
			{Key: []any{"won"}, Values: []any{int64(3), 400.0, 50.0, 250.0}},
		}},
		{"two keys with filter", query.Cmp{Field: "stage", Op: query.Eq, Value: "won"}, []string{"stage", "owner"}, []query.Group{
			{Key: []any{"won", "u1"}, Values: []any{int64(2), 150.0, 50.0, 100.0}},
			{Key: []any{"won", "u2"}, Values: []any{int64(1), 250.0, 250.0, 250.0}},
		}},
		{"no key", nil, nil, []query.Group{{Key: []any{}, Values: []any{int64(6), 475.0, 5.0, 250.0}}}},
		{"no key nothing matches", query.Cmp{Field: "stage", Op: query.Eq, Value: "none"}, nil, []query.Group{{Key: []any{}, Values: []any{int64(0), 0.0, nil, nil}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Aggregate(c, "deals", tc.filter, tc.by, aggs)
			must(t, err)
			for i := range got {
				for j, v := range got[i].Values {
					if n, ok := v.(int64); ok && aggs[j].Func != query.Count {
						got[i].Values[j] = float64(n)
					}
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func uniqueErr(t *testing.T, err error, index string) {
	t.Helper()
	var ue *store.UniqueError
	if !errors.As(err, &ue) {
		t.Fatalf("want a *store.UniqueError, got %v", err)
	}
	if ue.Index != index {
		t.Fatalf("unique error names index %q, want %q", ue.Index, index)
	}
}

func testUnique(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "uniq", store.Index{Name: "u_email", Fields: []string{"email"}, Unique: true}, store.Index{Name: "i_team_email", Fields: []string{"team", "email"}})
	must(t, s.Insert(c, "uniq", rec("a", map[string]any{"email": "a@x.cn"})))
	uniqueErr(t, s.Insert(c, "uniq", rec("b", map[string]any{"email": "a@x.cn"})), "u_email")
	// Records without the field never clash.
	must(t, s.Insert(c, "uniq", rec("c", map[string]any{"name": "no mail"})))
	must(t, s.Insert(c, "uniq", rec("d", map[string]any{"name": "no mail either"})))
	must(t, s.Insert(c, "uniq", rec("e", map[string]any{"email": "e@x.cn"})))
	uniqueErr(t, s.Update(c, "uniq", store.Record{ID: "e", Version: 2, Data: map[string]any{"email": "a@x.cn"}}), "u_email")
	got, err := s.Get(c, "uniq", "e")
	must(t, err)
	if got.Version != 1 || got.Data["email"] != "e@x.cn" {
		t.Fatalf("a refused update changed the record: %+v", got)
	}
	// A unique index over existing duplicates is refused.
	ensure(t, s, "dups")
	must(t, s.Insert(c, "dups", rec("1", map[string]any{"code": "A"})))
	must(t, s.Insert(c, "dups", rec("2", map[string]any{"code": "A"})))
	err = s.EnsureCollection(c, "dups", []store.Index{{Name: "u_code", Fields: []string{"code"}, Unique: true}})
	uniqueErr(t, err, "u_code")
}

func testIndexesFollow(t *testing.T, s store.Store) {
	c := ctx(t)
	idx := []store.Index{{Name: "u_code", Fields: []string{"code"}, Unique: true}}
	ensure(t, s, "follow", idx...)
	ensure(t, s, "follow", idx...) // idempotent
	must(t, s.Insert(c, "follow", rec("1", map[string]any{"code": "A"})))
	uniqueErr(t, s.Insert(c, "follow", rec("2", map[string]any{"code": "A"})), "u_code")
	ensure(t, s, "follow", store.Index{Name: "i_code", Fields: []string{"code"}}) // no longer unique
	must(t, s.Insert(c, "follow", rec("2", map[string]any{"code": "A"})))
	n, err := s.Count(c, "follow", query.Cmp{Field: "code", Op: query.Eq, Value: "A"})
	must(t, err)
	if n != 2 {
		t.Fatalf("count %d", n)
	}
}

// A composite index with a descending field is built, serves pages in its
// order (forwards and backwards, id last in the last key's direction), is
// rebuilt when it changes and dropped when it is no longer listed.
func testCompositeIndex(t *testing.T, s store.Store) {
	c := ctx(t)
	byAmount := store.Index{Name: "k_owner_amount", Fields: []string{"owner", "amount.amount"}, Desc: []bool{false, true}}
	unique := byAmount
	unique.Unique = true
	money := func(id, owner string, amount float64) store.Record {
		return rec(id, map[string]any{"owner": owner, "amount": map[string]any{"amount": amount, "currency": "CNY"}})
	}
	ensure(t, s, "deals", unique)
	must(t, s.Insert(c, "deals", money("a", "u1", 5)))
	must(t, s.Insert(c, "deals", money("b", "u1", 9)))
	must(t, s.Insert(c, "deals", money("x", "u2", 9)))
	uniqueErr(t, s.Insert(c, "deals", money("c", "u1", 9)), "k_owner_amount") // built

	ensure(t, s, "deals") // dropped: the same keys are allowed again
	must(t, s.Insert(c, "deals", money("c", "u1", 9)))

	ensure(t, s, "deals", byAmount)
	ensure(t, s, "deals", byAmount) // idempotent
	must(t, s.Insert(c, "deals", money("d", "u1", 1)))
	must(t, s.Insert(c, "deals", rec("f", map[string]any{"owner": "u1"})))
	mine := query.Cmp{Field: "owner", Op: query.Eq, Value: "u1"}
	desc := []query.Sort{{Field: "amount.amount", Desc: true}, {Field: "id", Desc: true}}
	asc := []query.Sort{{Field: "amount.amount"}, {Field: "id"}}
	for _, tc := range []struct {
		name string
		idx  store.Index
		sort []query.Sort
		want []string
	}{
		{"descending", byAmount, desc, []string{"c", "b", "a", "d", "f"}},
		{"backwards", byAmount, asc, []string{"f", "d", "a", "b", "c"}},
		{"rebuilt ascending", store.Index{Name: "k_owner_amount", Fields: byAmount.Fields}, desc, []string{"c", "b", "a", "d", "f"}},
		{"rebuilt ascending, backwards", store.Index{Name: "k_owner_amount", Fields: byAmount.Fields}, asc, []string{"f", "d", "a", "b", "c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ensure(t, s, "deals", tc.idx)
			got, err := s.Find(c, "deals", query.Query{Filter: mine, Sort: tc.sort})
			must(t, err)
			if !reflect.DeepEqual(ids(got), tc.want) {
				t.Fatalf("got %v, want %v", ids(got), tc.want)
			}
			page, err := s.Find(c, "deals", query.Query{Filter: mine, Sort: tc.sort, Limit: 2})
			must(t, err)
			if !reflect.DeepEqual(ids(page), tc.want[:2]) {
				t.Fatalf("first page: got %v", ids(page))
			}
			next := query.After(tc.sort, []any{page[1].Data["amount"].(map[string]any)["amount"], page[1].ID})
			rest, err := s.Find(c, "deals", query.Query{Filter: query.And{mine, next}, Sort: tc.sort, Limit: 2})
			must(t, err)
			if !reflect.DeepEqual(ids(rest), tc.want[2:4]) {
				t.Fatalf("second page: got %v, want %v", ids(rest), tc.want[2:4])
			}
		})
	}
}

func testVersions(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "ver")
	must(t, s.Insert(c, "ver", rec("r", map[string]any{"n": 1.0})))
	must(t, s.Update(c, "ver", store.Record{ID: "r", Version: 2, Data: map[string]any{"n": 2.0}}))
	if err := s.Update(c, "ver", store.Record{ID: "r", Version: 2, Data: map[string]any{"n": 3.0}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	if err := s.Delete(c, "ver", "r", 1); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	got, _ := s.Get(c, "ver", "r")
	if got.Version != 2 || got.Data["n"] != 2.0 {
		t.Fatalf("a stale write changed the record: %+v", got)
	}
	// Of many concurrent updates from the same version exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(c, "ver", store.Record{ID: "r", Version: 3, Data: map[string]any{"n": float64(10 + i)}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("concurrent update: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent updates won", wins)
	}
}

func testSequence(t *testing.T, s store.Store) {
	c := ctx(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int64]bool{}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				n, err := s.NextSequence(c, "seq.a")
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[n] {
					t.Errorf("%d handed out twice", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for n := int64(1); n <= 80; n++ {
		if !seen[n] {
			t.Fatalf("%d skipped", n)
		}
	}
	if n, err := s.NextSequence(c, "seq.b"); err != nil || n != 1 {
		t.Fatalf("a new counter starts at %d (%v)", n, err)
	}
}

func testInsertMany(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "batch", store.Index{Name: "u_k", Fields: []string{"k"}, Unique: true})
	must(t, s.Insert(c, "batch", rec("x", map[string]any{"k": "taken"})))
	errs, err := s.InsertMany(c, "batch", []store.Record{
		rec("1", map[string]any{"k": "one"}),
		rec("2", map[string]any{"k": "taken"}),
		rec("x", map[string]any{"k": "new"}),
		rec("4", map[string]any{"k": "four"}),
	})
	must(t, err)
	if len(errs) != 4 || errs[0] != nil || errs[3] != nil {
		t.Fatalf("per-item errors: %v", errs)
	}
	uniqueErr(t, errs[1], "u_k")
	if !errors.Is(errs[2], store.ErrDuplicateID) {
		t.Fatalf("duplicate id in a batch: %v", errs[2])
	}
	all, err := s.Find(c, "batch", query.Query{})
	must(t, err)
	if !reflect.DeepEqual(sortedIDs(all), []string{"1", "4", "x"}) {
		t.Fatalf("stored: %v", sortedIDs(all))
	}
}

func testInvalid(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "inv")
	for _, q := range []query.Query{
		{Filter: query.Cmp{Field: "a'; DROP TABLE x; --", Op: query.Eq, Value: "x"}},
		{Filter: query.Cmp{Field: "a", Op: "like", Value: "x"}},
		{Sort: []query.Sort{{Field: "$where"}}},
	} {
		if _, err := s.Find(c, "inv", q); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: %v", q, err)
		}
	}
	if err := s.EnsureCollection(c, "Bad-Name", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bad collection name: %v", err)
	}
}

func testDrop(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "gone")
	must(t, s.Insert(c, "gone", rec("a", map[string]any{})))
	must(t, s.DropCollection(c, "gone"))
	must(t, s.DropCollection(c, "gone"))
	ensure(t, s, "gone")
	if n, err := s.Count(c, "gone", nil); err != nil || n != 0 {
		t.Fatalf("after drop: %d %v", n, err)
	}
}

// testMissing: operations on a collection that does not exist — dropped
// while they were under way — fail with ErrNoCollection, or (on stores that
// create collections on first use) read nothing and write.
func testMissing(t *testing.T, s store.Store) {
	c := ctx(t)
	ensure(t, s, "left")
	must(t, s.Insert(c, "left", rec("a", map[string]any{"n": 1.0})))
	must(t, s.DropCollection(c, "left"))
	missing := func(op string, err error) {
		t.Helper()
		if err != nil && !errors.Is(err, store.ErrNoCollection) {
			t.Errorf("%s on a dropped collection: %v, want nil or ErrNoCollection", op, err)
		}
	}
	_, err := s.Get(c, "left", "a")
	if !errors.Is(err, store.ErrNotFound) {
		missing("Get", err)
	}
	recs, err := s.Find(c, "left", query.Query{Filter: query.Cmp{Field: "n", Op: query.Gt, Value: 0.0}})
	missing("Find", err)
	if len(recs) != 0 {
		t.Errorf("Find on a dropped collection: %v", recs)
	}
	_, err = s.GetMany(c, "left", []string{"a"})
	missing("GetMany", err)
	_, err = s.Count(c, "left", nil)
	missing("Count", err)
	_, err = s.Aggregate(c, "left", nil, nil, []query.Agg{{Func: query.Count}})
	missing("Aggregate", err)
	err = s.Update(c, "left", store.Record{ID: "a", Version: 2, Data: map[string]any{}})
	if !errors.Is(err, store.ErrNotFound) {
		missing("Update", err)
	}
	err = s.Delete(c, "left", "a", 0)
	if !errors.Is(err, store.ErrNotFound) {
		missing("Delete", err)
	}
	errs, err := s.InsertMany(c, "left", []store.Record{rec("b", nil)})
	missing("InsertMany", err)
	for _, e := range errs {
		missing("InsertMany item", e)
	}
	missing("Insert", s.Insert(c, "left", rec("c", nil)))
}
