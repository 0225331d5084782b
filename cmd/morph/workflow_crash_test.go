package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
)

// noteDef is what the crash test's rule creates for each item.
const noteDef = `{"$id": "note", "type": "object", "properties": {
	"item": {"type": "string", "x-type": "relation", "x-ref": "item"},
	"text": {"type": "string"}}}`

// SIGKILL of the real server while items are created and their after-save
// rule (create a note, notify the owner, call a webhook, set a field) is
// queued or half run; after a restart every stored item's actions have
// fired exactly once: one note, one notification, its field set, and its
// webhook delivery received (under one delivery id). On SQLite and, with
// MORPH_TEST_MONGO_URI set, on that MongoDB server.
func TestCrashWorkflowQueue(t *testing.T) {
	stores := map[string]func(t *testing.T) string{"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }}
	if os.Getenv(mongotest.EnvURI) != "" {
		stores["mongo"] = func(t *testing.T) string { return mongotest.URI(t) }
	}
	for name, storeURL := range stores {
		for _, after := range []int{30, 150} {
			t.Run(fmt.Sprintf("%s/after %d", name, after), func(t *testing.T) { crashWorkflow(t, storeURL(t), after) })
		}
	}
}

func crashWorkflow(t *testing.T, store string, after int) {
	var mu sync.Mutex
	deliveries := map[string]int{} // X-Morph-Delivery → calls
	records := map[string]int{}    // item id → distinct deliveries
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Record map[string]any
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		mu.Lock()
		id := r.Header.Get("X-Morph-Delivery")
		if deliveries[id] == 0 {
			rid, _ := body.Record["id"].(string)
			records[rid]++
		}
		deliveries[id]++
		mu.Unlock()
	}))
	defer recv.Close()
	rule := `{"entity": "item", "trigger": {"type": "created"}, "actions": [
		{"type": "create", "entity": "note", "values": {"item": "id", "text": "name"}},
		{"type": "notify", "to": "[owner]", "message": {"en": "{{id}}", "zh-CN": "{{id}}"}},
		{"type": "webhook", "url": "` + recv.URL + `/hook", "secret": "k"},
		{"type": "set", "after": true, "values": {"extra": "'done'"}}]}`
	s := killDuring(t, store, after, 4, func(s *server) {
		for _, c := range []struct{ path, body string }{{"/api/entities/note", noteDef}, {"/api/workflows/follow", rule}} {
			if st, _, body, err := s.call("PUT", c.path, c.body); err != nil || st != 201 {
				t.Fatalf("PUT %s: %d %s %v", c.path, st, body, err)
			}
		}
	}, func(s *server, w int, stop <-chan struct{}, ack func()) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			st, _, _, err := s.call("POST", "/api/records/item", fmt.Sprintf(`{"name": "w%d-%d", "n": %d}`, w, i, i))
			if err != nil || st != 201 {
				return
			}
			ack()
		}
	})

	// Wait for the restarted server to finish the queue.
	var items map[string]item
	notes := map[string]int{}
	done := false
	for range 600 {
		items = allItems(t, s)
		notes = map[string]int{}
		for _, n := range listAll(t, s, "/api/records/note?limit=500&fields=item") {
			id, _ := n["item"].(string)
			notes[id]++
		}
		mu.Lock()
		delivered := len(records)
		mu.Unlock()
		finished := 0
		for _, it := range listAll(t, s, "/api/records/item?limit=500&fields=extra") {
			if it["extra"] == "done" {
				finished++
			}
		}
		if len(notes) == len(items) && delivered == len(items) && finished == len(items) {
			done = true
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !done {
		t.Fatalf("the queue did not finish: %d items, %d with notes, %d delivered\n%s", len(items), len(notes), len(records), s.logs)
	}
	if len(items) < after {
		t.Fatalf("%d items, %d acknowledged", len(items), after)
	}
	notified := map[string]int{}
	for _, n := range listAll(t, s, "/api/notifications?limit=200") {
		msg, _ := n["message"].(map[string]any)
		id, _ := msg["en"].(string)
		notified[id]++
	}
	mu.Lock()
	defer mu.Unlock()
	for id := range items {
		if notes[id] != 1 || notified[id] != 1 || records[id] != 1 {
			t.Errorf("item %s: %d notes, %d notifications, %d deliveries", id, notes[id], notified[id], records[id])
		}
	}
	again := 0
	for _, n := range deliveries {
		again += n - 1
	}
	t.Logf("%d items; %d webhook calls repeated under their delivery id (a kill between the call and its record)", len(items), again)
}

// listAll reads every page of a list route (items and next).
func listAll(t *testing.T, s *server, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	after := ""
	for {
		st, _, body, err := s.call("GET", path+"&after="+url.QueryEscape(after), "")
		if err != nil || st != 200 {
			t.Fatalf("GET %s: %d %s %v", path, st, body, err)
		}
		var page struct {
			Items []map[string]any
			Next  string
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// SIGKILL of the real server while reminders are created with times a
// moment ahead, so that some of their timers have fired, some are firing
// and some are due later; after a restart every reminder's date rule has
// fired exactly once: one ping record and one notification each.
func TestCrashTimers(t *testing.T) {
	stores := map[string]func(t *testing.T) string{"sqlite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }}
	if os.Getenv(mongotest.EnvURI) != "" {
		stores["mongo"] = func(t *testing.T) string { return mongotest.URI(t) }
	}
	for name, storeURL := range stores {
		t.Run(name, func(t *testing.T) { crashTimers(t, storeURL(t)) })
	}
}

func crashTimers(t *testing.T, store string) {
	const reminderDef = `{"$id": "reminder", "type": "object", "properties": {
		"name": {"type": "string"}, "at": {"type": "string", "format": "date-time", "x-type": "datetime"}}}`
	const pingDef = `{"$id": "ping", "type": "object", "properties": {
		"reminder": {"type": "string", "x-type": "relation", "x-ref": "reminder"}}}`
	rule := `{"entity": "reminder", "trigger": {"type": "date", "field": "at"}, "actions": [
		{"type": "create", "entity": "ping", "values": {"reminder": "id"}},
		{"type": "notify", "to": "[owner]", "message": {"en": "{{id}}"}}]}`
	s := killDuring(t, store, 40, 3, func(s *server) {
		for _, c := range []struct{ path, body string }{{"/api/entities/reminder", reminderDef}, {"/api/entities/ping", pingDef}, {"/api/workflows/ring", rule}} {
			if st, _, body, err := s.call("PUT", c.path, c.body); err != nil || st != 201 {
				t.Fatalf("PUT %s: %d %s %v", c.path, st, body, err)
			}
		}
	}, func(s *server, w int, stop <-chan struct{}, ack func()) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			at := time.Now().Add(time.Duration(200+(i%10)*200) * time.Millisecond).UTC().Format(time.RFC3339Nano)
			st, _, _, err := s.call("POST", "/api/records/reminder", fmt.Sprintf(`{"name": "w%d-%d", "at": %q}`, w, i, at))
			if err != nil || st != 201 {
				return
			}
			ack()
			time.Sleep(20 * time.Millisecond)
		}
	})
	// Wait for every reminder's run to end: its last action, the
	// notification, done. A run the kill cut between its two actions is
	// taken up again when its claim's lease ends.
	var reminders []map[string]any
	pings, notified := map[string]int{}, map[string]int{}
	for range 600 {
		reminders = listAll(t, s, "/api/records/reminder?limit=500&fields=name")
		pings, notified = map[string]int{}, map[string]int{}
		for _, p := range listAll(t, s, "/api/records/ping?limit=500&fields=reminder") {
			id, _ := p["reminder"].(string)
			pings[id]++
		}
		for _, n := range listAll(t, s, "/api/notifications?limit=200") {
			msg, _ := n["message"].(map[string]any)
			id, _ := msg["en"].(string)
			notified[id]++
		}
		if len(pings) == len(reminders) && len(notified) == len(reminders) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(reminders) < 40 || len(pings) != len(reminders) || len(notified) != len(reminders) {
		t.Fatalf("%d reminders, %d with pings, %d notified\n%s", len(reminders), len(pings), len(notified), s.logs)
	}
	for _, r := range reminders {
		id := r["id"].(string)
		if pings[id] != 1 || notified[id] != 1 {
			t.Errorf("reminder %s: %d pings, %d notifications", id, pings[id], notified[id])
		}
	}
}
