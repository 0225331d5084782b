package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
)

// SIGKILL of the real server while it acknowledges creates, patches and
// deletes: after a restart every acknowledged write has its audit entry, and
// no entry tells of a change the store does not hold. On SQLite, where the
// entry is committed with the write, the log is exact also for the writes
// the kill cut short: each record's entries are its versions one by one. On
// MongoDB (with MORPH_TEST_MONGO_URI), whose outbox is relayed at the next
// open, a write the killed process sent may still reach the server after
// the restart's recovery: there the test asks for the acknowledged writes'
// entries and no entry beyond the stored state.
func TestCrashAuditEntries(t *testing.T) {
	stores := map[string]func(t *testing.T) string{"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }}
	if os.Getenv(mongotest.EnvURI) != "" {
		stores["mongo"] = func(t *testing.T) string { return mongotest.URI(t) }
	}
	for name, storeURL := range stores {
		for _, after := range []int{20, 200} {
			t.Run(fmt.Sprintf("%s/after %d", name, after), func(t *testing.T) { crashAudit(t, storeURL(t), after, name == "sqlite") })
		}
	}
}

// lifecycle is what a worker did to one record: the acknowledged writes.
type lifecycle struct {
	created bool
	updates []int64 // acknowledged versions of patches
	deleted bool
}

func crashAudit(t *testing.T, store string, after int, exact bool) {
	var mu sync.Mutex
	records := map[string]*lifecycle{} // every id a create was sent for
	s := killDuring(t, store, after, 4, nil, func(s *server, w int, stop <-chan struct{}, ack func()) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := uuid.Must(uuid.NewV7()).String()
			lc := &lifecycle{}
			mu.Lock()
			records[id] = lc
			mu.Unlock()
			st, _, _, err := s.call("POST", "/api/records/item", fmt.Sprintf(`{"id": %q, "name": "审计%d", "n": %d}`, id, w, i))
			if err != nil || st != 201 {
				return
			}
			mu.Lock()
			lc.created = true
			mu.Unlock()
			ack()
			for p := 0; p < 2; p++ {
				st, _, body, err := s.call("PATCH", "/api/records/item/"+id, fmt.Sprintf(`{"n": %d}`, 1000+p))
				if err != nil || st != 200 {
					return
				}
				var it item
				json.Unmarshal(body, &it)
				mu.Lock()
				lc.updates = append(lc.updates, it.Version)
				mu.Unlock()
				ack()
			}
			if i%2 == 0 {
				st, _, _, err := s.call("DELETE", "/api/records/item/"+id, "")
				if err != nil || st != 204 {
					return
				}
				mu.Lock()
				lc.deleted = true
				mu.Unlock()
				ack()
			}
		}
	})
	acked := 0
	for id, lc := range records {
		version := int64(0) // 0: the record is not there
		st, _, body, err := s.call("GET", "/api/records/item/"+id, "")
		switch {
		case err != nil:
			t.Fatal(err)
		case st == 200:
			var it item
			json.Unmarshal(body, &it)
			version = it.Version
		case st != 404:
			t.Fatalf("get %s: %d %s", id, st, body)
		}
		st, _, body, err = s.call("GET", "/api/audit?limit=500&record="+url.QueryEscape(id), "")
		if err != nil || st != 200 {
			t.Fatalf("audit of %s: %d %s %v", id, st, body, err)
		}
		var page struct {
			Items []struct {
				Action  string
				Version int64
			}
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		creates, deletes, updates := 0, 0, map[int64]int{}
		var maxUpdate int64
		for _, a := range page.Items {
			switch a.Action {
			case "create":
				creates++
			case "delete":
				deletes++
			case "update":
				updates[a.Version]++
				maxUpdate = max(maxUpdate, a.Version)
			}
		}
		// Acknowledged writes have their entries.
		if lc.created {
			acked++
			if creates != 1 {
				t.Errorf("%s: acknowledged create has %d entries", id, creates)
			}
		}
		for _, v := range lc.updates {
			acked++
			if updates[v] != 1 {
				t.Errorf("%s: acknowledged update to version %d has %d entries", id, v, updates[v])
			}
		}
		if lc.deleted {
			acked++
			if deletes != 1 {
				t.Errorf("%s: acknowledged delete has %d entries", id, deletes)
			}
		}
		// No entry without its change.
		if version > 0 && (deletes > 0 || maxUpdate > version) {
			t.Errorf("%s at version %d has entries of a delete (%d) or a later version (%d)", id, version, deletes, maxUpdate)
		}
		if creates > 1 || deletes > 1 {
			t.Errorf("%s: %d create and %d delete entries", id, creates, deletes)
		}
		if !exact {
			continue
		}
		// The store held each change with its entry, no more, no less.
		switch {
		case version > 0:
			ok := creates == 1 && len(updates) == int(version-1)
			for v := int64(2); v <= version; v++ {
				ok = ok && updates[v] == 1
			}
			if !ok {
				t.Errorf("%s at version %d: entries %+v", id, version, page.Items)
			}
		case creates > 0 && deletes != 1:
			t.Errorf("%s is gone without a delete entry: %+v", id, page.Items)
		case creates == 0 && len(page.Items) > 0:
			t.Errorf("%s never stored, yet has entries %+v", id, page.Items)
		}
	}
	if acked < after {
		t.Fatalf("%d acknowledged writes checked, want at least %d", acked, after)
	}
}
