package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Concurrent writes of one unique value, by creates and by patches of
// different records: exactly one wins, every other gets the field's 409,
// and one record holds the value.
func TestUniqueValueRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		const n = 20
		race := func(name string, req func(i int) response, win int) {
			t.Helper()
			statuses := make([]response, n)
			var wg sync.WaitGroup
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = req(i)
				}()
			}
			wg.Wait()
			wins := 0
			for _, r := range statuses {
				switch {
				case r.Status == win:
					wins++
				case r.Status != 409 || !strings.Contains(r.Body, `"path":"/email"`):
					t.Errorf("%s: %d %s", name, r.Status, r.Body)
				}
			}
			if wins != 1 {
				t.Errorf("%s: %d writes won, want exactly 1", name, wins)
			}
		}
		count := func(email string) any {
			return s.do("GET", "/api/records/customer?count=true&filter="+urlq(`email == "`+email+`"`), "").JSON(t)["total"]
		}

		race("create", func(i int) response {
			// The same address in different cases: one value once normalised.
			email := "race@example.com"
			if i%2 == 1 {
				email = "RACE@Example.com"
			}
			return s.do("POST", "/api/records/customer", fmt.Sprintf(`{"name": "c%d", "email": %q}`, i, email))
		}, 201)
		if got := count("race@example.com"); got != float64(1) {
			t.Fatalf("%v customers with the raced address, want 1", got)
		}

		ids := make([]string, n)
		for i := range ids {
			ids[i] = s.create("customer", fmt.Sprintf(`{"name": "p%d"}`, i))["id"].(string)
		}
		race("patch", func(i int) response {
			return s.do("PATCH", "/api/records/customer/"+ids[i], `{"email": "patched@example.com"}`)
		}, 200)
		if got := count("patched@example.com"); got != float64(1) {
			t.Fatalf("%v customers with the patched address, want 1", got)
		}
	})
}
