package api_test

import (
	"fmt"
	"testing"
)

// A walk through a list, page by page with the cursor, while other
// requests insert records: every record that existed before the walk is
// seen exactly once and no record is seen twice, whatever the sort and
// filter.
func TestPagingUnderConcurrentInserts(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		tiers := []string{"vip", "key", "normal"}
		record := func(prefix string, i int) string {
			amount := fmt.Sprintf(`, "amount": %d`, (i*37)%1500)
			if i%6 == 0 {
				amount = "" // no amount: first ascending, last descending
			}
			return fmt.Sprintf(`{"name": "%s%03d", "tier": %q%s}`, prefix, (i*53)%100, tiers[i%3], amount)
		}
		for i := 0; i < 24; i++ {
			s.create("customer", record("p", i))
		}
		inserted := 0
		for _, tc := range []struct{ sort, filter string }{
			{"", ""},
			{"amount", ""},
			{"tier,-amount", ""},
			{"-created_at", ""},
			{"name", `amount > 500 || tier == "key"`},
		} {
			t.Run(tc.sort+" "+tc.filter, func(t *testing.T) {
				query := "/api/records/customer?sort=" + urlq(tc.sort) + "&filter=" + urlq(tc.filter)
				existing := map[string]bool{}
				for _, it := range s.do("GET", query+"&limit=500", "").JSON(t)["items"].([]any) {
					existing[it.(map[string]any)["id"].(string)] = true
				}
				if len(existing) < 8 {
					t.Fatalf("only %d records to walk", len(existing))
				}

				// Each page fetched lets the inserter add a few records, while
				// the walk goes on to the next page.
				const maxPages, perPage, maxInserts = 100, 2, 12
				pages, done := make(chan struct{}, maxPages), make(chan struct{})
				go func() {
					defer close(done)
					n := 0
					for range pages {
						for k := 0; k < perPage && n < maxInserts; k, n = k+1, n+1 {
							inserted++
							if r := s.do("POST", "/api/records/customer", record("n", inserted)); r.Status != 201 {
								t.Errorf("insert: %d %s", r.Status, r.Body)
								return
							}
						}
					}
				}()
				seen := map[string]bool{}
				after := ""
				for page := 0; ; page++ {
					if page == maxPages {
						t.Fatal("the walk does not end")
					}
					r := s.do("GET", query+"&limit=4&after="+urlq(after), "")
					if r.Status != 200 {
						t.Fatalf("page %d: %d %s", page, r.Status, r.Body)
					}
					pages <- struct{}{}
					m := r.JSON(t)
					for _, it := range m["items"].([]any) {
						id := it.(map[string]any)["id"].(string)
						if seen[id] {
							t.Errorf("%s seen twice", id)
						}
						seen[id] = true
					}
					if after, _ = m["next"].(string); after == "" {
						break
					}
				}
				close(pages)
				<-done
				for id := range existing {
					if !seen[id] {
						t.Errorf("%s skipped", id)
					}
				}
			})
		}
	})
}
