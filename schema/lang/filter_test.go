package lang_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema/lang"
)

var fields = map[string]lang.Field{
	"name":         {Kind: lang.KindString, Path: "name"},
	"stage":        {Kind: lang.KindString, Path: "stage"},
	"amount":       {Kind: lang.KindNumber, Path: "amount.amount"},
	"visits":       {Kind: lang.KindNumber, Path: "visits"},
	"vip":          {Kind: lang.KindBool, Path: "vip"},
	"day":          {Kind: lang.KindDate, Path: "day"},
	"at":           {Kind: lang.KindDateTime, Path: "at"},
	"tags":         {Kind: lang.KindStrings, Path: "tags"},
	"extra":        {Kind: lang.KindObject, Path: "extra"},
	"address.city": {Kind: lang.KindString, Path: "address.city"},
	"owner":        {Kind: lang.KindString, Path: "owner"},
	"id":           {Kind: lang.KindString, Path: "id"},
}

func resolve(name string) (lang.Field, bool) { f, ok := fields[name]; return f, ok }

var env = lang.Env{Now: time.Date(2026, 5, 1, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)), User: lang.User{ID: "u7", Team: "east"}}

func cmp(f string, op query.Op, v any) query.Cmp { return query.Cmp{Field: f, Op: op, Value: v} }

func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want query.Expr
	}{
		{`stage == "won"`, cmp("stage", query.Eq, "won")},
		{`"won" == stage`, cmp("stage", query.Eq, "won")},
		{`stage != "won"`, cmp("stage", query.Ne, "won")},
		{`amount > 1000`, cmp("amount.amount", query.Gt, 1000.0)},
		{`1000 < amount`, cmp("amount.amount", query.Gt, 1000.0)},
		{`1000 >= amount`, cmp("amount.amount", query.Lte, 1000.0)},
		{`amount <= 2.5`, cmp("amount.amount", query.Lte, 2.5)},
		{`visits < -1`, cmp("visits", query.Lt, -1.0)},
		{`vip == true`, cmp("vip", query.Eq, true)},
		{`vip`, cmp("vip", query.Eq, true)},
		{`!vip`, query.Not{X: cmp("vip", query.Eq, true)}},
		{`not (stage == "lost")`, query.Not{X: cmp("stage", query.Eq, "lost")}},
		{`stage == "won" && amount > 10`, query.And{cmp("stage", query.Eq, "won"), cmp("amount.amount", query.Gt, 10.0)}},
		{`stage == "won" and amount > 10 and vip`, query.And{cmp("stage", query.Eq, "won"), cmp("amount.amount", query.Gt, 10.0), cmp("vip", query.Eq, true)}},
		{`stage == "a" || stage == "b" or stage == "c"`, query.Or{cmp("stage", query.Eq, "a"), cmp("stage", query.Eq, "b"), cmp("stage", query.Eq, "c")}},
		{`(stage == "a" || vip) && visits >= 3`, query.And{query.Or{cmp("stage", query.Eq, "a"), cmp("vip", query.Eq, true)}, cmp("visits", query.Gte, 3.0)}},
		{`stage in ["won", "lost"]`, cmp("stage", query.In, []any{"won", "lost"})},
		{`stage not in ["won"]`, cmp("stage", query.Nin, []any{"won"})},
		{`"vip" in tags`, cmp("tags", query.Has, "vip")},
		{`"vip" not in tags`, query.Not{X: cmp("tags", query.Has, "vip")}},
		{`name contains "云帆"`, cmp("name", query.Contains, "云帆")},
		{`name startsWith "杭州"`, cmp("name", query.StartsWith, "杭州")},
		{`name == nil`, cmp("name", query.Eq, nil)},
		{`nil != name`, cmp("name", query.Ne, nil)},
		{`day >= "2026-01-01"`, cmp("day", query.Gte, "2026-01-01")},
		{`day < today()`, cmp("day", query.Lt, "2026-05-01")},
		{`at < now()`, cmp("at", query.Lt, "2026-05-01T01:30:00.000Z")},
		{`at >= "2026-05-01T08:00:00+08:00"`, cmp("at", query.Gte, "2026-05-01T00:00:00.000Z")},
		{`at >= "2026-05-01"`, cmp("at", query.Gte, "2026-05-01T00:00:00.000Z")},
		{`owner == user.id`, cmp("owner", query.Eq, "u7")},
		{`address.city == "杭州"`, cmp("address.city", query.Eq, "杭州")},
		{`id in ["a", "b"]`, cmp("id", query.In, []any{"a", "b"})},
		{`true`, query.And{}},
	} {
		t.Run(tc.src, func(t *testing.T) {
			got, err := lang.Filter(tc.src, resolve, env)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
			if err := query.Validate(got); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	for _, tc := range []struct {
		src    string
		code   string
		offset int
	}{
		{`stage == `, "syntax", -1},
		{`stage === "a"`, "syntax", -1},
		{`colour == "red"`, "unknown_field", 0},
		{`stage == "a" && colour == "red"`, "unknown_field", 16},
		{`amount > "lots"`, "type_mismatch", 9},
		{`stage > 3`, "type_mismatch", 8},
		{`vip > true`, "type_mismatch", 6},
		{`tags == "x"`, "type_mismatch", 0},
		{`"x" in stage`, "type_mismatch", 7},
		{`visits contains "1"`, "type_mismatch", 0},
		{`extra == nil`, "type_mismatch", 0},
		{`day > "May first"`, "type_mismatch", 6},
		{`amount + 1 > 3`, "not_supported", -1},
		{`stage == name`, "not_supported", 6},
		{`len(name) > 3`, "not_supported", -1},
		{`stage == upper("a")`, "not_supported", 9},
		{`stage`, "type_mismatch", 0},
		{`stage in names`, "not_supported", 9},
		{`amount > nil`, "type_mismatch", -1},
		{`"a" == "a"`, "not_supported", -1},
		{strings.Repeat("a", 5000), "too_long", 0},
		{strings.Repeat(`stage == "a" || `, 80) + `stage == "b"`, "", -1},
	} {
		t.Run(tc.src[:min(len(tc.src), 40)], func(t *testing.T) {
			_, err := lang.Filter(tc.src, resolve, env)
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 {
				t.Fatalf("want an invalid_filter error, got %v", err)
			}
			fe := me.Fields[0]
			if fe.Path != "filter" || (tc.code != "" && fe.Code != tc.code) {
				t.Fatalf("field error %+v, want code %s", fe, tc.code)
			}
			if tc.offset >= 0 && fe.Offset != tc.offset {
				t.Fatalf("offset %d, want %d (%s)", fe.Offset, tc.offset, fe.Text.EN)
			}
			if fe.Text.EN == "" || fe.Text.ZH == "" {
				t.Fatalf("message not bilingual: %+v", fe.Text)
			}
		})
	}
}

func TestSortAndFields(t *testing.T) {
	s, err := lang.SortSpec("-amount, name,+visits", resolve)
	if err != nil {
		t.Fatal(err)
	}
	want := []query.Sort{{Field: "amount.amount", Desc: true}, {Field: "name"}, {Field: "visits"}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("sort %v", s)
	}
	for _, tc := range []struct {
		src    string
		offset int
	}{{"name,colour", 5}, {"name,,visits", 5}, {"tags", 0}, {"-extra", 0}} {
		_, err := lang.SortSpec(tc.src, resolve)
		me := morph.AsError(err)
		if me == nil || me.Fields[0].Path != "sort" || me.Fields[0].Offset != tc.offset {
			t.Errorf("%s: %v", tc.src, err)
		}
	}
	f, err := lang.Fields("name, stage,name", resolve)
	if err != nil || !reflect.DeepEqual(f, []string{"name", "stage"}) {
		t.Fatalf("fields %v %v", f, err)
	}
	if _, err := lang.Fields("name,nosuch", resolve); morph.ErrorCode(err) != morph.EInvalidFilter {
		t.Fatalf("unknown field in fields: %v", err)
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`stage == "won" && amount > 1000`, `"vip" in tags || !vip`, `name startsWith "杭" and day < today()`,
		`stage not in ["a", "b"]`, `at >= now()`, `address.city != nil`, `(((vip)))`, `owner == user.id`,
		`amount > -1e308`, `x ?? y`, `a | b`, `let x = 1; x`, `stage == "a" ? true : false`, `"\u0000" in tags`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := lang.Filter(src, resolve, env)
		if err != nil {
			if morph.ErrorCode(err) != morph.EInvalidFilter {
				t.Fatalf("%q: unexpected error kind: %v", src, err)
			}
			return
		}
		if err := query.Validate(e); err != nil {
			t.Fatalf("%q gave an invalid query: %v", src, err)
		}
	})
}

func BenchmarkFilter(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := lang.Filter(`owner == "rep07" && stage in ["won", "negotiation"] && amount > 1000`, resolve, env); err != nil {
			b.Fatal(err)
		}
	}
}
