package lang_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema/lang"
)

var fields = map[string]lang.Field{
	"name":         {Kind: lang.KindString, Path: "name"},
	"stage":        {Kind: lang.KindString, Path: "stage"},
	"team":         {Kind: lang.KindString, Path: "team"},
	"owner":        {Kind: lang.KindString, Path: "owner"},
	"id":           {Kind: lang.KindString, Path: "id"},
	"amount":       {Kind: lang.KindNumber, Path: "amount.amount"},
	"visits":       {Kind: lang.KindNumber, Path: "visits"},
	"vip":          {Kind: lang.KindBool, Path: "vip"},
	"day":          {Kind: lang.KindDate, Path: "day"},
	"at":           {Kind: lang.KindDateTime, Path: "at"},
	"tags":         {Kind: lang.KindStrings, Path: "tags"},
	"extra":        {Kind: lang.KindObject, Path: "extra"},
	"address.city": {Kind: lang.KindString, Path: "address.city"},
	"标签":           {Kind: lang.KindString, Path: "label"},
}

// resolve knows the fields above, any path under "meta" (as a JSON
// object's members are resolved) and f0, f1 … (for long lists).
func resolve(name string) (lang.Field, bool) {
	if f, ok := fields[name]; ok {
		return f, true
	}
	if strings.HasPrefix(name, "meta.") {
		return lang.Field{Kind: lang.KindString, Path: name}, true
	}
	var n int
	if _, err := fmt.Sscanf(name, "f%d", &n); err == nil && name == fmt.Sprintf("f%d", n) {
		return lang.Field{Kind: lang.KindNumber, Path: name}, true
	}
	return lang.Field{}, false
}

// env: 09:30 on 1 May 2026 in China, which is 01:30 UTC.
var env = lang.Env{
	Now:  time.Date(2026, 5, 1, 9, 30, 0, 0, time.FixedZone("CST", 8*3600)),
	User: lang.User{ID: "u7", Team: "east", Roles: []string{"sales", "manager"}},
}

func cmp(f string, op query.Op, v any) query.Cmp { return query.Cmp{Field: f, Op: op, Value: v} }

var (
	vipTrue = cmp("vip", query.Eq, true)
	won     = cmp("stage", query.Eq, "won")
)

func TestFilter(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want query.Expr
	}{
		// every comparison, field on either side
		{`amount == 5`, cmp("amount.amount", query.Eq, 5.0)},
		{`5 == amount`, cmp("amount.amount", query.Eq, 5.0)},
		{`amount != 5`, cmp("amount.amount", query.Ne, 5.0)},
		{`5 != amount`, cmp("amount.amount", query.Ne, 5.0)},
		{`amount < 5`, cmp("amount.amount", query.Lt, 5.0)},
		{`5 < amount`, cmp("amount.amount", query.Gt, 5.0)},
		{`amount <= 5`, cmp("amount.amount", query.Lte, 5.0)},
		{`5 <= amount`, cmp("amount.amount", query.Gte, 5.0)},
		{`amount > 5`, cmp("amount.amount", query.Gt, 5.0)},
		{`5 > amount`, cmp("amount.amount", query.Lt, 5.0)},
		{`amount >= 5`, cmp("amount.amount", query.Gte, 5.0)},
		{`5 >= amount`, cmp("amount.amount", query.Lte, 5.0)},
		{`1 < amount < 10`, query.And{cmp("amount.amount", query.Gt, 1.0), cmp("amount.amount", query.Lt, 10.0)}},

		// number literals
		{`visits <= 2.5`, cmp("visits", query.Lte, 2.5)},
		{`visits < -1`, cmp("visits", query.Lt, -1.0)},
		{`visits > - 3`, cmp("visits", query.Gt, -3.0)},
		{`visits < +4`, cmp("visits", query.Lt, 4.0)},
		{`visits == -(-1)`, cmp("visits", query.Eq, 1.0)},
		{`visits > 1_000`, cmp("visits", query.Gt, 1000.0)},
		{`visits == 0x10`, cmp("visits", query.Eq, 16.0)},
		{`visits > 1e3`, cmp("visits", query.Gt, 1000.0)},

		// text
		{`stage == "won"`, won},
		{`"won" == stage`, won},
		{`stage == 'won'`, won},
		{`stage != "won"`, cmp("stage", query.Ne, "won")},
		{`name < "m"`, cmp("name", query.Lt, "m")},
		{`name == ""`, cmp("name", query.Eq, "")},
		{`name contains "云帆"`, cmp("name", query.Contains, "云帆")},
		{`name startsWith "杭州"`, cmp("name", query.StartsWith, "杭州")},
		{`name not contains "x"`, query.Not{X: cmp("name", query.Contains, "x")}},
		{`name not startsWith "x"`, query.Not{X: cmp("name", query.StartsWith, "x")}},

		// yes/no
		{`vip == true`, vipTrue},
		{`false != vip`, cmp("vip", query.Ne, false)},
		{`vip`, vipTrue},
		{`!vip`, query.Not{X: vipTrue}},
		{`not vip`, query.Not{X: vipTrue}},
		{`!!vip`, vipTrue},

		// and, or, not, nesting, parentheses
		{`not (stage == "lost")`, query.Not{X: cmp("stage", query.Eq, "lost")}},
		{`stage == "won" && amount > 10`, query.And{won, cmp("amount.amount", query.Gt, 10.0)}},
		{`stage == "won" and amount > 10 and vip`, query.And{won, cmp("amount.amount", query.Gt, 10.0), vipTrue}},
		{`vip && (stage == "won" && (amount > 1 && visits > 2))`, query.And{vipTrue, won, cmp("amount.amount", query.Gt, 1.0), cmp("visits", query.Gt, 2.0)}},
		{`stage == "a" || stage == "b" or stage == "c"`, query.Or{cmp("stage", query.Eq, "a"), cmp("stage", query.Eq, "b"), cmp("stage", query.Eq, "c")}},
		{`vip || stage == "won" && visits > 3`, query.Or{vipTrue, query.And{won, cmp("visits", query.Gt, 3.0)}}},
		{`(vip || stage == "won") && visits >= 3`, query.And{query.Or{vipTrue, won}, cmp("visits", query.Gte, 3.0)}},
		{`!(vip || stage == "won")`, query.Not{X: query.Or{vipTrue, won}}},
		{"stage == \"won\"\n\t&& vip", query.And{won, vipTrue}},
		{strings.Repeat("(", 1000) + "vip" + strings.Repeat(")", 1000), vipTrue},

		// nil
		{`name == nil`, cmp("name", query.Eq, nil)},
		{`nil == name`, cmp("name", query.Eq, nil)},
		{`name != nil`, cmp("name", query.Ne, nil)},
		{`nil != day`, cmp("day", query.Ne, nil)},
		{`tags == nil`, cmp("tags", query.Eq, nil)},

		// in, not in
		{`stage in ["won", "lost"]`, cmp("stage", query.In, []any{"won", "lost"})},
		{`stage in ["won",]`, cmp("stage", query.In, []any{"won"})},
		{`stage not in ["won"]`, cmp("stage", query.Nin, []any{"won"})},
		{`not (stage in ["won"])`, cmp("stage", query.Nin, []any{"won"})},
		{`!(stage in ["won"])`, cmp("stage", query.Nin, []any{"won"})},
		{`stage in []`, cmp("stage", query.In, []any{})},
		{`amount in [1, 2.5, -3]`, cmp("amount.amount", query.In, []any{1.0, 2.5, -3.0})},
		{`vip in [true]`, cmp("vip", query.In, []any{true})},
		{`day in ["2026-01-01", today()]`, cmp("day", query.In, []any{"2026-01-01", "2026-05-01"})},
		{`at in ["2026-05-01T08:00:00+08:00"]`, cmp("at", query.In, []any{"2026-05-01T00:00:00.000Z"})},
		{`owner in [user.id, "u9"]`, cmp("owner", query.In, []any{"u7", "u9"})},
		{`team in user.roles`, cmp("team", query.In, []any{"sales", "manager"})},
		{`"vip" in tags`, cmp("tags", query.Has, "vip")},
		{`"vip" not in tags`, query.Not{X: cmp("tags", query.Has, "vip")}},
		{`user.team in tags`, cmp("tags", query.Has, "east")},

		// dates and datetimes
		{`day >= "2026-01-01"`, cmp("day", query.Gte, "2026-01-01")},
		{`day < today()`, cmp("day", query.Lt, "2026-05-01")},
		{`today() > day`, cmp("day", query.Lt, "2026-05-01")},
		{`day <= now()`, cmp("day", query.Lte, "2026-05-01")},
		{`at < now()`, cmp("at", query.Lt, "2026-05-01T01:30:00.000Z")},
		{`now() >= at`, cmp("at", query.Lte, "2026-05-01T01:30:00.000Z")},
		{`at >= today()`, cmp("at", query.Gte, "2026-04-30T16:00:00.000Z")},
		{`at >= "2026-05-01T08:00:00+08:00"`, cmp("at", query.Gte, "2026-05-01T00:00:00.000Z")},
		{`at >= "2026-05-01T00:00:00.123456Z"`, cmp("at", query.Gte, "2026-05-01T00:00:00.123Z")},
		{`at > "2026-05-01"`, cmp("at", query.Gt, "2026-04-30T16:00:00.000Z")},
		{`at > "2026-05-01 08:00"`, cmp("at", query.Gt, "2026-05-01T00:00:00.000Z")},
		{`at > "2026-05-01T08:00:30"`, cmp("at", query.Gt, "2026-05-01T00:00:30.000Z")},

		// constants of the environment
		{`owner == user.id`, cmp("owner", query.Eq, "u7")},
		{`user.id == owner`, cmp("owner", query.Eq, "u7")},
		{`team == user.team`, cmp("team", query.Eq, "east")},
		{`owner == user.id || "manager" in user.roles`, query.And{}},
		{`owner == user.id && "manager" in user.roles`, cmp("owner", query.Eq, "u7")},
		{`owner == user.id || "admin" in user.roles`, cmp("owner", query.Eq, "u7")},
		{`"admin" not in user.roles && vip`, vipTrue},

		// conditions on constants only are decided here
		{`true`, query.And{}},
		{`false`, query.Or{}},
		{`!false`, query.And{}},
		{`true && vip`, vipTrue},
		{`false || vip`, vipTrue},
		{`false && vip`, query.Or{}},
		{`vip || true`, query.And{}},
		{`1 == 1`, query.And{}},
		{`1 != 1.0`, query.Or{}},
		{`"a" < "b"`, query.And{}},
		{`nil == nil`, query.And{}},
		{`nil != "a"`, query.And{}},
		{`"b" in ["a", "b"]`, query.And{}},
		{`"c" in ["a", "b"]`, query.Or{}},
		{`"abc" contains "b"`, query.And{}},
		{`"abc" startsWith "b"`, query.Or{}},
		{`vip == !true`, cmp("vip", query.Eq, false)},

		// paths
		{`address.city == "杭州"`, cmp("address.city", query.Eq, "杭州")},
		{`address?.city == "杭州"`, cmp("address.city", query.Eq, "杭州")},
		{`address.city startsWith "杭"`, cmp("address.city", query.StartsWith, "杭")},
		{`meta.source.kind == "web"`, cmp("meta.source.kind", query.Eq, "web")},
		{`meta["source"] == "web"`, cmp("meta.source", query.Eq, "web")},
		{`id in ["a", "b"]`, cmp("id", query.In, []any{"a", "b"})},
		{`标签 == "x"`, cmp("label", query.Eq, "x")},

		// blank: no filter
		{``, nil},
		{" \n\t", nil},
	} {
		t.Run(tc.src[:min(len(tc.src), 60)], func(t *testing.T) {
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
		// syntax
		{`stage == `, "syntax", 9},
		{`(stage == "a"`, "syntax", 13},
		{`stage == "a" or`, "syntax", 15},
		{`stage === "a"`, "syntax", 8},
		{`stage == "a" "b"`, "syntax", 13},
		{`stage == "a`, "syntax", 11},

		// bounds
		{strings.Repeat("a", lang.MaxFilterLen+1), "too_long", lang.MaxFilterLen},
		{strings.Repeat("vip || ", 120) + "vip", "too_complex", 704},
		{`stage in [` + strings.Repeat(`"a", `, 250) + `"b"]`, "too_complex", -1},
		{strings.Repeat("!", 300) + "vip", "too_complex", -1},

		// unknown fields; offsets count runes, not bytes
		{`colour == "red"`, "unknown_field", 0},
		{`stage == "a" && colour == "red"`, "unknown_field", 16},
		{`name == "云帆" && colour == 1`, "unknown_field", 16},
		{`address.colour == "x"`, "unknown_field", 0},
		{`vip && 名称 == "x"`, "unknown_field", 7},
		{`at > today`, "unknown_field", 5},
		{`stage in names`, "unknown_field", 9},
		{`user == "u7"`, "unknown_field", 0},

		// types
		{`amount > "lots"`, "type_mismatch", 9},
		{`"lots" < amount`, "type_mismatch", 0},
		{`stage > 3`, "type_mismatch", 8},
		{`stage == true`, "type_mismatch", 9},
		{`vip == "yes"`, "type_mismatch", 7},
		{`vip > true`, "type_mismatch", 0},
		{`true < vip`, "type_mismatch", 7},
		{`tags == "x"`, "type_mismatch", 0},
		{`tags < "x"`, "type_mismatch", 0},
		{`tags in ["x"]`, "type_mismatch", 0},
		{`"x" in stage`, "type_mismatch", 7},
		{`1 in tags`, "type_mismatch", 0},
		{`visits contains "1"`, "type_mismatch", 0},
		{`tags contains "1"`, "type_mismatch", 0},
		{`name contains 1`, "type_mismatch", 14},
		{`"x" startsWith name`, "type_mismatch", 15},
		{`1 contains "x"`, "type_mismatch", 0},
		{`extra == nil`, "type_mismatch", 0},
		{`extra.a == 1`, "unknown_field", 0},
		{`day > "May first"`, "type_mismatch", 6},
		{`day > "2026-02-30"`, "type_mismatch", 6},
		{`day == "2026-05-01T00:00:00Z"`, "type_mismatch", 7},
		{`day > 20260501`, "type_mismatch", 6},
		{`at > "yesterday"`, "type_mismatch", 5},
		{`at > 1`, "type_mismatch", 5},
		{`name == now()`, "type_mismatch", 8},
		{`amount > nil`, "type_mismatch", 9},
		{`nil < amount`, "type_mismatch", 0},
		{`nil < nil`, "type_mismatch", 4},
		{`"a" == 1`, "type_mismatch", 4},
		{`true < false`, "type_mismatch", 5},
		{`stage == user.roles`, "type_mismatch", 9},
		{`stage == ["a"]`, "type_mismatch", 9},
		{`user.roles == "a"`, "type_mismatch", 11},
		{`stage in ["a", nil]`, "type_mismatch", 15},
		{`amount in [1, "a"]`, "type_mismatch", 14},
		{`amount in user.roles`, "type_mismatch", 10},
		{`stage`, "type_mismatch", 0},
		{`vip && address.city`, "type_mismatch", 7},

		// outside the subset
		{`amount + 1 > 3`, "not_supported", 7},
		{`amount > 1 + 2`, "not_supported", 11},
		{`amount > 2 * 3`, "not_supported", 11},
		{`-amount > 3`, "not_supported", 0},
		{`at < now() + duration("1h")`, "not_supported", 11},
		{`stage == name`, "not_supported", 6},
		{`stage in [name]`, "not_supported", 10},
		{`stage in tags`, "not_supported", 6},
		{`stage in "won"`, "not_supported", 9},
		{`stage in ["a", ["b"]]`, "not_supported", 15},
		{`user.roles in ["a"]`, "not_supported", 0},
		{`len(name) > 3`, "not_supported", 0},
		{`stage == upper("a")`, "not_supported", 9},
		{`name.upper() == "A"`, "not_supported", 5},
		{`name | upper() == "A"`, "not_supported", 7},
		{`now(1) < at`, "not_supported", 0},
		{`today("x") == day`, "not_supported", 0},
		{`"won"`, "not_supported", 0},
		{`user.id`, "not_supported", 0},
		{`42`, "not_supported", 0},
		{`not stage == "lost"`, "not_supported", 0},
		{`stage == "a" ? true : false`, "not_supported", 0},
		{`if vip { true } else { false }`, "not_supported", 3},
		{`let x = 1; x == 1`, "not_supported", 4},
		{`vip; vip`, "not_supported", 0},
		{`all(tags, # == "a")`, "not_supported", 0},
		{`stage endsWith "x"`, "not_supported", 6},
		{`name matches "^a"`, "not_supported", 5},
		{`(stage ?? "x") == "y"`, "not_supported", 7},
		{`stage ?? "x" == "y"`, "syntax", 13},
		{`visits in 1..3`, "not_supported", 11},
		{`tags[0] == "a"`, "not_supported", 0},
		{`name[1:2] == "a"`, "not_supported", 4},
		{`meta["a b"] == "x"`, "not_supported", 0},
		{`{"a": 1}`, "not_supported", 0},
		{`[vip]`, "not_supported", 0},
	} {
		t.Run(tc.src[:min(len(tc.src), 60)], func(t *testing.T) {
			got, err := lang.Filter(tc.src, resolve, env)
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 {
				t.Fatalf("want an invalid_filter error, got %#v, %v", got, err)
			}
			fe := me.Fields[0]
			if fe.Path != "filter" || fe.Code != tc.code {
				t.Fatalf("field error %+v (%s), want code %s", fe, fe.Text.EN, tc.code)
			}
			if tc.offset >= 0 && fe.Offset != tc.offset {
				t.Fatalf("offset %d, want %d (%s)", fe.Offset, tc.offset, fe.Text.EN)
			}
			if fe.Text.EN == "" || fe.Text.ZH == "" || me.Text.EN == "" || me.Text.ZH == "" {
				t.Fatalf("message not bilingual: %+v %+v", me.Text, fe.Text)
			}
			if tc.code != "too_long" {
				pos := fmt.Sprintf("%d", fe.Offset+1)
				if !strings.Contains(fe.Text.EN, pos) || !strings.Contains(fe.Text.ZH, pos) {
					t.Fatalf("message does not give the position %s: %+v", pos, fe.Text)
				}
			}
		})
	}
}

func TestFilterMessages(t *testing.T) {
	for _, tc := range []struct{ src, en, zh string }{
		{`stage == "a" && colour == "red"`, `Unknown field "colour" (at character 17)`, `字段 "colour" 不存在（第 17 个字符处）`},
		{`address.colour == "x"`, `"address.colour"`, `"address.colour"`},
		{`amount > "lots"`, "amount is compared with a value of the wrong type: a number expected", "需要数字"},
		{`len(name) > 3`, "function len", "函数 len"},
		{`stage == `, "ends too early", "不完整"},
	} {
		_, err := lang.Filter(tc.src, resolve, env)
		me := morph.AsError(err)
		if me == nil {
			t.Fatalf("%s: no error", tc.src)
		}
		if got := me.Fields[0].Text; !strings.Contains(got.EN, tc.en) || !strings.Contains(got.ZH, tc.zh) {
			t.Errorf("%s: message %+v, want %q and %q in it", tc.src, got, tc.en, tc.zh)
		}
	}
}

// A kept parse must not alias the caller's string, whose memory servers reuse.
func TestFilterKeepsNoCallerMemory(t *testing.T) {
	buf := []byte(`stage == "keep-1"`)
	src := unsafe.String(&buf[0], len(buf))
	if _, err := lang.Filter(src, resolve, env); err != nil {
		t.Fatal(err)
	}
	copy(buf, `stage == "keep-2"`)
	got, err := lang.Filter(`stage == "keep-1"`, resolve, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := cmp("stage", query.Eq, "keep-1"); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// Kept parses are shared between goroutines (run with -race).
func TestFilterConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				src := fmt.Sprintf(`visits > %d && stage in ["won", "lost"]`, i%20)
				got, err := lang.Filter(src, resolve, env)
				want := query.And{cmp("visits", query.Gt, float64(i%20)), cmp("stage", query.In, []any{"won", "lost"})}
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Errorf("%s: %#v, %v", src, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestSortSpec(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []query.Sort
	}{
		{"name", []query.Sort{{Field: "name"}}},
		{"-amount, name,+visits", []query.Sort{{Field: "amount.amount", Desc: true}, {Field: "name"}, {Field: "visits"}}},
		{" -day , vip ,at,id ", []query.Sort{{Field: "day", Desc: true}, {Field: "vip"}, {Field: "at"}, {Field: "id"}}},
		{"address.city,-标签", []query.Sort{{Field: "address.city"}, {Field: "label", Desc: true}}},
	} {
		got, err := lang.SortSpec(tc.src, resolve)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
	many := make([]string, lang.MaxSortKeys+1)
	for i := range many {
		many[i] = fmt.Sprintf("f%d", i)
	}
	for _, tc := range []struct {
		src    string
		code   string
		offset int
	}{
		{"", "syntax", 0},
		{"name,", "syntax", 5},
		{"name,,visits", "syntax", 5},
		{" , name", "syntax", 1},
		{"-", "syntax", 1},
		{"- name", "syntax", 1},
		{"name,colour", "unknown_field", 5},
		{"标签, colour", "unknown_field", 4},
		{"-colour", "unknown_field", 1},
		{"tags", "not_sortable", 0},
		{"name, -extra", "not_sortable", 7},
		{"name,-name", "duplicate", 6},
		{strings.Join(many, ","), "too_long", len(strings.Join(many[:lang.MaxSortKeys], ",")) + 1},
		{strings.Repeat("a", lang.MaxListLen+1), "too_long", lang.MaxListLen},
	} {
		_, err := lang.SortSpec(tc.src, resolve)
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 {
			t.Errorf("%q: want an invalid_filter error, got %v", tc.src, err)
			continue
		}
		if fe := me.Fields[0]; fe.Path != "sort" || fe.Code != tc.code || fe.Offset != tc.offset || fe.Text.ZH == "" {
			t.Errorf("%q: %+v, want code %s at %d", tc.src, fe, tc.code, tc.offset)
		}
	}
}

func TestFields(t *testing.T) {
	got, err := lang.Fields("name, stage,name,标签", resolve)
	if want := []string{"name", "stage", "标签"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	for _, tc := range []struct {
		src    string
		code   string
		offset int
	}{
		{"name,nosuch", "unknown_field", 5},
		{"name,address.city", "unknown_field", 5},
		{"标签,  colour", "unknown_field", 5},
		{"", "syntax", 0},
		{"name,", "syntax", 5},
	} {
		_, err := lang.Fields(tc.src, resolve)
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 {
			t.Errorf("%q: want an invalid_filter error, got %v", tc.src, err)
			continue
		}
		if fe := me.Fields[0]; fe.Path != "fields" || fe.Code != tc.code || fe.Offset != tc.offset {
			t.Errorf("%q: %+v, want code %s at %d", tc.src, fe, tc.code, tc.offset)
		}
	}
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`stage == "won" && amount > 1000`, `"vip" in tags || !vip`, `name startsWith "杭" and day < today()`,
		`stage not in ["a", "b"]`, `at >= now()`, `address.city != nil`, `(((vip)))`, `owner == user.id`,
		`amount > -1e308`, `1 < amount < 10`, `"manager" in user.roles || owner == user.id`, `team in user.roles`,
		`at > "2026-05-01T08:00:00+08:00"`, `day == "2026-02-29"`, `meta["a.b"] == "x"`, `meta.x?.y == "z"`,
		`name not contains "x"`, `!(stage in [])`, `stage in [nil]`, `"a" in ["a", 1, nil, true]`,
		`x ?? y`, `a | b`, `let x = 1; x`, `stage == "a" ? true : false`, `"\u0000" in tags`, `tags[0]`,
		`amount > 0x7fffffffffffffff`, `visits == 1e400`, `名称 == "x"`, `"` + strings.Repeat("a", 100),
		`now() < today()`, `not not not vip`, `vip == nil == nil`, `extra.a.b.c == 1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := lang.Filter(src, resolve, env)
		if err != nil {
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 || me.Fields[0].Path != "filter" {
				t.Fatalf("%q: unexpected error: %v", src, err)
			}
			if off := me.Fields[0].Offset; off < 0 || off > len([]rune(src)) {
				t.Fatalf("%q: offset %d outside the source", src, off)
			}
			return
		}
		if err := query.Validate(e); err != nil {
			t.Fatalf("%q gave an invalid query: %v", src, err)
		}
	})
}

func BenchmarkFilter(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := lang.Filter(`owner == "rep07" && stage in ["won", "negotiation"] && amount > 1000`, resolve, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFilterParsed measures a filter too long to be kept: parse and translation.
func BenchmarkFilterParsed(b *testing.B) {
	src := `owner == "rep07" && stage in ["won", "negotiation"] && amount > 1000` + strings.Repeat(" ", 512)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := lang.Filter(src, resolve, env); err != nil {
			b.Fatal(err)
		}
	}
}
