package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
)

func TestListFilterSortPage(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		co := s.create("company", `{"name": "深圳鹏程电子有限公司", "region": "south"}`)
		tiers := []string{"vip", "key", "normal"}
		for i := 0; i < 30; i++ {
			s.create("customer", fmt.Sprintf(`{"name": "c%02d", "tier": %q, "amount": %d, "visits": %d, "tags": ["t%d"], "company": %q, "address": {"city": "c%d"}}`,
				i, tiers[i%3], i*100, i%5, i%2, co["id"], i%4))
		}
		ids := func(r response) []string {
			var out []string
			for _, it := range r.JSON(t)["items"].([]any) {
				out = append(out, it.(map[string]any)["name"].(string))
			}
			return out
		}

		for _, tc := range []struct {
			filter string
			want   int
		}{
			{`tier == "vip"`, 10},
			{`tier != "vip"`, 20},
			{`amount >= 2500`, 5},
			{`amount < 300 || amount > 2800`, 4},
			{`tier in ["vip", "key"] && visits > 2`, 8},
			{`!(tier == "normal")`, 20},
			{`name startsWith "c1"`, 10},
			{`name contains "2"`, 12},
			{`"t1" in tags`, 15},
			{`phone == nil`, 30},
			{`address.city == "c3"`, 7},
			{`company == "` + co["id"].(string) + `"`, 30},
		} {
			r := s.do("GET", "/api/records/customer?limit=500&count=true&filter="+urlq(tc.filter), "")
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", tc.filter, r.Status, r.Body)
			}
			m := r.JSON(t)
			if n := len(m["items"].([]any)); n != tc.want || m["total"] != float64(tc.want) {
				t.Errorf("%s: %d items, total %v; want %d", tc.filter, n, m["total"], tc.want)
			}
		}

		// Sort on two keys, then walk the pages with the cursor while inserting.
		first := ids(s.do("GET", "/api/records/customer?sort=tier,-amount&limit=3", ""))
		if fmt.Sprint(first) != "[c28 c25 c22]" {
			t.Fatalf("sort tier,-amount: %v", first)
		}
		seen := map[string]bool{}
		after := ""
		for page := 0; page < 20; page++ {
			r := s.do("GET", "/api/records/customer?sort=-amount&limit=7&after="+after, "")
			if r.Status != 200 {
				t.Fatalf("page %d: %d %s", page, r.Status, r.Body)
			}
			for _, n := range ids(r) {
				if seen[n] {
					t.Fatalf("%s seen twice", n)
				}
				seen[n] = true
			}
			s.create("customer", fmt.Sprintf(`{"name": "new%d", "amount": %d}`, page, 5000+page)) // sorts before the cursor: never shown
			next, _ := r.JSON(t)["next"].(string)
			if next == "" {
				break
			}
			after = next
		}
		for i := 0; i < 30; i++ {
			if !seen[fmt.Sprintf("c%02d", i)] {
				t.Errorf("c%02d skipped by pagination", i)
			}
		}

		// A cursor from another sort is refused.
		next := s.do("GET", "/api/records/customer?sort=-amount&limit=2", "").JSON(t)["next"].(string)
		if r := s.do("GET", "/api/records/customer?sort=name&after="+next, ""); r.Status != 400 {
			t.Errorf("cursor with another sort: %d", r.Status)
		}

		// A page sent on as stored equals the same page decoded and projected
		// to every field.
		all := "id,version,name,tier,amount,visits,tags,company,address,created_at,created_by,updated_at,updated_by,owner"
		plain := s.do("GET", "/api/records/customer?sort=name&limit=5", "").JSON(t)
		projected := s.do("GET", "/api/records/customer?sort=name&limit=5&fields="+all, "").JSON(t)
		if fmt.Sprint(plain) != fmt.Sprint(projected) {
			t.Fatalf("pages differ:\n%v\n%v", plain, projected)
		}

		// A projected page pages on by a field it does not show.
		var names []any
		for after := ""; len(names) < 6; {
			page := s.do("GET", "/api/records/customer?sort=-amount&limit=3&fields=name&after="+after, "").JSON(t)
			for _, it := range page["items"].([]any) {
				item := it.(map[string]any)
				if len(item) != 3 || item["id"] == nil || item["version"] == nil {
					t.Fatalf("fields=name gave %v", item)
				}
				names = append(names, item["name"])
			}
			if after, _ = page["next"].(string); after == "" && len(names) < 6 {
				t.Fatalf("projected pages ended after %v", names)
			}
		}
		var want []any
		for _, it := range s.do("GET", "/api/records/customer?sort=-amount&limit=6", "").JSON(t)["items"].([]any) {
			want = append(want, it.(map[string]any)["name"])
		}
		if fmt.Sprint(names) != fmt.Sprint(want) {
			t.Fatalf("projected pages %v, unprojected page %v", names, want)
		}

		// fields and expand.
		r := s.do("GET", "/api/records/customer?filter="+urlq(`name == "c01"`)+"&fields=name,company&expand=company", "")
		item := r.JSON(t)["items"].([]any)[0].(map[string]any)
		if _, has := item["tier"]; has {
			t.Errorf("fields did not project: %v", item)
		}
		exp, _ := item["_expand"].(map[string]any)
		if exp == nil || exp["company"].(map[string]any)["name"] != "深圳鹏程电子有限公司" {
			t.Errorf("expand: %v", item)
		}
	})
}

func TestBulk(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		r := s.do("POST", "/api/records/customer/bulk", `{"items": [
			{"name": "a", "email": "a@example.com"},
			{"name": "b", "email": "b@example.com", "tier": "gold"},
			{"name": "c", "email": "a@example.com"},
			{"name": "d", "email": "d@example.com"}]}`)
		if r.Status != 200 {
			t.Fatalf("bulk: %d %s", r.Status, r.Body)
		}
		m := r.JSON(t)
		items := m["items"].([]any)
		want := []float64{201, 400, 409, 201}
		for i, it := range items {
			if st := it.(map[string]any)["status"]; st != want[i] {
				t.Errorf("item %d: status %v, want %v: %v", i, st, want[i], it)
			}
		}
		if m["succeeded"] != float64(2) || m["failed"] != float64(2) {
			t.Errorf("counts: %v", m)
		}

		// Upsert by a unique key: one existing record updated, one created.
		r = s.do("POST", "/api/records/customer/bulk", `{"key": "email", "items": [
			{"name": "A2", "email": "A@example.com", "visits": 9},
			{"name": "e", "email": "e@example.com"}]}`)
		items = r.JSON(t)["items"].([]any)
		if items[0].(map[string]any)["status"] != float64(200) || items[1].(map[string]any)["status"] != float64(201) {
			t.Fatalf("upsert: %s", r.Body)
		}
		list := s.do("GET", "/api/records/customer?count=true&filter="+urlq(`email == "a@example.com"`), "").JSON(t)
		got := list["items"].([]any)[0].(map[string]any)
		if list["total"] != float64(1) || got["name"] != "A2" || got["visits"] != float64(9) || got["version"] != float64(2) {
			t.Fatalf("upserted record: %v", list)
		}
		if r := s.do("POST", "/api/records/customer/bulk", `{"key": "name", "items": []}`); r.Status != 400 {
			t.Errorf("key on a non-unique field: %d %s", r.Status, r.Body)
		}
	})
}

// Two filters whose values differ only in where a NUL splits them never
// share a count.
func TestCountOfFiltersWithNUL(t *testing.T) {
	const placeDef = `{"$id": "place", "type": "object", "properties": {
		"name": {"type": "string", "x-type": "text"}, "city": {"type": "string", "x-type": "text"}}}`
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, placeDef)
		s.create("place", `{"name": "ckT", "city": "b\u0000string:"}`)
		list := func(filter string) string { return "/api/records/place?count=true&filter=" + urlq(filter) }
		for _, sc := range []scenario{
			{name: "stored", path: list(`name == "ckT" && city == "b\u0000string:"`), want: []string{`"total":1`, `"ckT"`}},
			{name: "other split", path: list(`name == "ckT\u0000string:b" && city == ""`), want: []string{`"total":0`}, notWant: []string{`"ckT"`}},
		} {
			t.Run(sc.name, func(t *testing.T) {
				sc.method, sc.wantStatus = "GET", 200
				sc.run(t, s)
			})
		}
	})
}

// Two bulk upserts of the same new keys at once: the one whose inserts lose
// the race updates the records the other created, item by item.
func TestConcurrentBulkUpserts(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		// Both requests look their keys up before either inserts: the first
		// new item of each waits for the other's.
		var arrived atomic.Int32
		both := make(chan struct{})
		eng, err := engine.New(context.Background(), s.st, engine.Options{Hooks: engine.Hooks{
			BeforeValidate: func(ctx context.Context, w *engine.Write) error {
				if w.Old == nil {
					switch arrived.Add(1) {
					case 1:
						<-both
					case 2:
						close(both)
					}
				}
				return nil
			}}})
		if err != nil {
			t.Fatal(err)
		}
		s.app = api.New(eng, api.Options{})
		const n = 20
		body := func(who string) string {
			items := make([]string, n)
			for i := range items {
				items[i] = fmt.Sprintf(`{"name": "%s%02d", "email": "race%02d@example.com", "visits": 1}`, who, i, i)
			}
			return `{"key": "email", "items": [` + strings.Join(items, ",") + `]}`
		}
		var wg sync.WaitGroup
		res := make([]response, 2)
		for i, who := range []string{"a", "b"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res[i] = s.do("POST", "/api/records/customer/bulk", body(who))
			}()
		}
		wg.Wait()
		updated := 0
		for _, r := range res {
			if r.Status != 200 || !strings.Contains(r.Body, fmt.Sprintf(`"succeeded":%d`, n)) {
				t.Fatalf("bulk upsert: %d %s", r.Status, r.Body)
			}
			updated += strings.Count(r.Body, `"status":200`)
		}
		if updated != n {
			t.Errorf("%d items updated, want %d (each key created by one request, updated by the other)", updated, n)
		}
		list := s.do("GET", "/api/records/customer?count=true&limit=100", "").JSON(t)
		if list["total"] != float64(n) {
			t.Fatalf("%v records, want %d", list["total"], n)
		}
		for _, it := range list["items"].([]any) {
			if v := it.(map[string]any)["version"]; v != float64(2) {
				t.Errorf("record %v: version %v, want 2", it, v)
			}
		}
	})
}
