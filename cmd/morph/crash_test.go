package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
)

// SIGKILL of the real server while it acknowledges writes of every kind —
// bulk loads, PATCH storms on a few records, definition changes that build
// and drop indexes — at a fixed set of moments (after so many acknowledged
// writes). After a restart the store opens cleanly, every acknowledged write
// is there with its version, nothing is half applied, and the definitions
// and their indexes agree. On SQLite and, with MORPH_TEST_MONGO_URI set, on
// that MongoDB server.
func TestCrashDuringWrites(t *testing.T) {
	stores := []struct {
		name string
		url  func(t *testing.T) string
	}{{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "m.db") }}}
	if os.Getenv(mongotest.EnvURI) != "" {
		stores = append(stores, struct {
			name string
			url  func(t *testing.T) string
		}{"mongo", func(t *testing.T) string { return mongotest.URI(t) }})
	}
	for _, st := range stores {
		for _, sc := range []struct {
			name  string
			kills []int // acknowledged writes before the kill, one run each
			run   func(t *testing.T, store string, after int)
		}{
			{"bulk", []int{2, 12}, crashBulk},
			{"patch storm", []int{10, 300}, crashPatches},
			{"definitions", []int{1, 6}, crashDefinitions},
		} {
			for _, after := range sc.kills {
				t.Run(fmt.Sprintf("%s/%s/after %d", st.name, sc.name, after), func(t *testing.T) {
					sc.run(t, st.url(t), after)
				})
			}
		}
	}
}

// itemDef is the entity the crash tests write. With indexed, n is indexed
// and an indexed field extra exists; without, neither.
func itemDef(indexed bool) string {
	extra := ""
	if indexed {
		extra = `, "extra": {"type": "string", "x-type": "text", "x-indexed": true}`
	}
	return fmt.Sprintf(`{"$id": "item", "type": "object", "properties": {
		"name": {"type": "string", "x-type": "text"},
		"batch": {"type": "integer", "x-type": "integer", "x-indexed": true},
		"n": {"type": "integer", "x-type": "integer", "x-indexed": %v}%s}, "required": ["name"]}`, indexed, extra)
}

var client = &http.Client{Timeout: 30 * time.Second}

// call sends a request with a JSON body (none when body is empty) and
// returns the response.
func (s *server) call(method, path, body string) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, out, err
}

// killDuring starts a server on store with item defined and prepare run,
// runs work on several goroutines and kills the server with SIGKILL once
// work has acknowledged after writes. It returns the server started again
// on the same store. A worker returns when stop is closed or the server
// does not answer.
func killDuring(t *testing.T, store string, after, workers int, prepare func(s *server), work func(s *server, w int, stop <-chan struct{}, ack func())) *server {
	t.Helper()
	s := start(t, store, "--example", "none")
	if st, _, body, err := s.call("PUT", "/api/entities/item", itemDef(true)); err != nil || st != 201 {
		t.Fatalf("define item: %d %s %v", st, body, err)
	}
	if prepare != nil {
		prepare(s)
	}
	var acked atomic.Int64
	reached, stop, idle := make(chan struct{}), make(chan struct{}), make(chan struct{})
	ack := func() {
		if acked.Add(1) == int64(after) {
			close(reached)
		}
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(s, w, stop, ack)
		}()
	}
	go func() { wg.Wait(); close(idle) }()
	select {
	case <-reached:
	case <-idle:
	case <-time.After(60 * time.Second):
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	close(stop)
	<-idle
	<-s.done
	s.done <- nil
	if n := acked.Load(); n < int64(after) {
		t.Fatalf("%d writes acknowledged before the kill, want %d:\n%s", n, after, s.logs)
	}
	s = start(t, store, "--example", "none")
	if !strings.HasPrefix(store, "sqlite:") {
		settle(t, s)
	}
	return s
}

// settle waits until a database server has finished the writes the killed
// process had sent it: a server goes on with a request whose client died,
// so right after the restart records may still be arriving. It waits for
// two counts a quarter of a second apart to agree, for at most 20 s.
func settle(t *testing.T, s *server) {
	t.Helper()
	last := -1
	for range 80 {
		st, _, body, err := s.call("GET", "/api/records/item?count=true&limit=1&fields=n", "")
		if err != nil || st != 200 {
			t.Fatalf("count items: %d %s %v", st, body, err)
		}
		var page struct{ Total int }
		json.Unmarshal(body, &page)
		if page.Total == last {
			return
		}
		last = page.Total
		time.Sleep(250 * time.Millisecond)
	}
}

// item is a stored item as the crash tests read it back.
type item struct {
	ID      string
	Version int64
	Batch   int
	N       int
}

// allItems reads every item, page by page.
func allItems(t *testing.T, s *server) map[string]item {
	t.Helper()
	out := map[string]item{}
	after := ""
	for {
		st, _, body, err := s.call("GET", "/api/records/item?limit=500&fields=batch,n&after="+url.QueryEscape(after), "")
		if err != nil || st != 200 {
			t.Fatalf("list items: %d %s %v", st, body, err)
		}
		var page struct {
			Items []item
			Next  string
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if _, dup := out[it.ID]; dup {
				t.Fatalf("%s listed twice", it.ID)
			}
			out[it.ID] = it
		}
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
}

// checkFilters checks that filters on the indexed field n find exactly the
// records a full read found: a count over all of them and a few single
// values.
func checkFilters(t *testing.T, s *server, items map[string]item) {
	t.Helper()
	count := func(filter string) (int, []item) {
		st, _, body, err := s.call("GET", "/api/records/item?count=true&limit=5&fields=batch,n&filter="+url.QueryEscape(filter), "")
		if err != nil || st != 200 {
			t.Fatalf("filter %s: %d %s %v", filter, st, body, err)
		}
		var page struct {
			Items []item
			Total int
		}
		json.Unmarshal(body, &page)
		return page.Total, page.Items
	}
	if n, _ := count("n >= 0"); n != len(items) {
		t.Errorf("n >= 0 counts %d items, a full read %d", n, len(items))
	}
	ids := make([]string, 0, len(items))
	for id := range items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i := 0; i < len(ids); i += max(1, len(ids)/5) {
		want := items[ids[i]]
		matching := 0
		for _, it := range items {
			if it.N == want.N {
				matching++
			}
		}
		if n, got := count(fmt.Sprintf("n == %d", want.N)); n != matching || !slices.ContainsFunc(got, func(g item) bool { return g.ID == want.ID }) {
			t.Errorf("n == %d: %d items %v, want %d with %s", want.N, n, got, matching, want.ID)
		}
	}
}

// SIGKILL during a stream of bulk loads: every acknowledged load is there
// whole; on SQLite, where a load is one transaction, every other load is
// there whole or not at all.
func crashBulk(t *testing.T, store string, after int) {
	const size = 200
	var mu sync.Mutex
	sent, acked := map[int][]string{}, map[int]bool{}
	var batches atomic.Int64
	s := killDuring(t, store, after, 2, nil, func(s *server, w int, stop <-chan struct{}, ack func()) {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b := int(batches.Add(1))
			items := make([]map[string]any, size)
			ids := make([]string, size)
			for i := range items {
				ids[i] = uuid.Must(uuid.NewV7()).String()
				items[i] = map[string]any{"id": ids[i], "name": fmt.Sprintf("批量%d-%d", b, i), "batch": b, "n": b*size + i}
			}
			mu.Lock()
			sent[b] = ids
			mu.Unlock()
			body, _ := json.Marshal(map[string]any{"items": items})
			st, _, out, err := s.call("POST", "/api/records/item/bulk", string(body))
			if err != nil {
				return
			}
			if st != 200 || !bytes.Contains(out, []byte(fmt.Sprintf(`"succeeded":%d`, size))) {
				t.Errorf("bulk %d: %d %.300s", b, st, out)
				return
			}
			mu.Lock()
			acked[b] = true
			mu.Unlock()
			ack()
		}
	})
	items := allItems(t, s)
	known := 0
	for b, ids := range sent {
		present := 0
		for _, id := range ids {
			if it, ok := items[id]; ok {
				present++
				if it.Version != 1 || it.Batch != b {
					t.Errorf("bulk %d: record %+v", b, it)
				}
			}
		}
		known += present
		switch {
		case acked[b] && present != size:
			t.Errorf("acknowledged bulk %d: %d of %d records after the restart", b, present, size)
		case strings.HasPrefix(store, "sqlite:") && present != 0 && present != size:
			t.Errorf("bulk %d half applied: %d of %d records", b, present, size)
		}
	}
	if known != len(items) {
		t.Errorf("%d records stored, %d of them sent", len(items), known)
	}
	checkFilters(t, s, items)
	t.Logf("%d of %d bulk loads acknowledged, %d records after the restart", len(acked), len(sent), len(items))
}

// SIGKILL during a storm of PATCHes (without If-Match) on a few records:
// each record is at least at the last version acknowledged for it, with
// the value of that write when it is that version, and no two
// acknowledged writes of a record share a version.
func crashPatches(t *testing.T, store string, after int) {
	const records = 3
	type write struct {
		version int64
		n       int
	}
	var mu sync.Mutex
	ids := make([]string, records)
	acked := make([][]write, records)
	sent := make([]map[int]bool, records)
	var seq atomic.Int64
	prepare := func(s *server) {
		for r := range ids {
			st, _, body, err := s.call("POST", "/api/records/item", fmt.Sprintf(`{"name": "热点%d", "n": 0}`, r))
			var it item
			json.Unmarshal(body, &it)
			if err != nil || st != 201 || it.ID == "" {
				t.Fatalf("create: %d %s %v", st, body, err)
			}
			ids[r], sent[r], acked[r] = it.ID, map[int]bool{0: true}, []write{{1, 0}}
		}
	}
	s := killDuring(t, store, after, 2*records, prepare, func(s *server, w int, stop <-chan struct{}, ack func()) {
		r := w % records
		for {
			select {
			case <-stop:
				return
			default:
			}
			n := int(seq.Add(1))
			mu.Lock()
			sent[r][n] = true
			mu.Unlock()
			st, _, body, err := s.call("PATCH", "/api/records/item/"+ids[r], fmt.Sprintf(`{"n": %d}`, n))
			if err != nil {
				return
			}
			var it item
			json.Unmarshal(body, &it)
			if st != 200 || it.N != n {
				t.Errorf("patch: %d %s", st, body)
				return
			}
			mu.Lock()
			acked[r] = append(acked[r], write{it.Version, n})
			mu.Unlock()
			ack()
		}
	})
	items := allItems(t, s)
	for r, id := range ids {
		got, ok := items[id]
		if !ok {
			t.Fatalf("record %s lost", id)
		}
		byVersion := map[int64]int{}
		var last int64
		for _, w := range acked[r] {
			if n, dup := byVersion[w.version]; dup {
				t.Errorf("record %d: writes %d and %d were both acknowledged as version %d", r, n, w.n, w.version)
			}
			byVersion[w.version] = w.n
			last = max(last, w.version)
		}
		n, isAcked := byVersion[got.Version]
		switch {
		case got.Version < last:
			t.Errorf("record %d at version %d, but version %d was acknowledged", r, got.Version, last)
		case isAcked && got.N != n:
			t.Errorf("record %d version %d holds n=%d, acknowledged with n=%d", r, got.Version, got.N, n)
		case !sent[r][got.N]:
			t.Errorf("record %d holds n=%d, never sent to it", r, got.N)
		}
	}
	checkFilters(t, s, items)
}

// SIGKILL while the definition is changed back and forth between building
// two indexes and dropping them, and records are written: the definition is
// at least at its last acknowledged version (and is that version's document
// when it is that version), the store's indexes are the ones it implies,
// filters on the indexed fields work, and every acknowledged record is
// there.
func crashDefinitions(t *testing.T, store string, after int) {
	type put struct {
		version int64
		indexed bool
	}
	var mu sync.Mutex
	var puts []put
	created := map[string]int{}
	var seq atomic.Int64
	s := killDuring(t, store, after, 3, nil, func(s *server, w int, stop <-chan struct{}, ack func()) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if w == 0 { // the definition changes; the others write records
				indexed := i%2 == 1
				st, h, body, err := s.call("PUT", "/api/entities/item", itemDef(indexed))
				if err != nil {
					return
				}
				v, _ := strconv.ParseInt(strings.Trim(h.Get("ETag"), `"`), 10, 64)
				if st != 200 || v == 0 {
					t.Errorf("put definition: %d %s", st, body)
					return
				}
				mu.Lock()
				puts = append(puts, put{v, indexed})
				mu.Unlock()
				ack()
				continue
			}
			n := int(seq.Add(1))
			st, _, body, err := s.call("POST", "/api/records/item", fmt.Sprintf(`{"name": "记录%d", "n": %d}`, n, n))
			if err != nil {
				return
			}
			var it item
			json.Unmarshal(body, &it)
			if st != 201 || it.ID == "" {
				t.Errorf("create: %d %s", st, body)
				return
			}
			mu.Lock()
			created[it.ID] = n
			mu.Unlock()
		}
	})

	st, h, body, err := s.call("GET", "/api/entities/item", "")
	if err != nil || st != 200 {
		t.Fatalf("definition after the restart: %d %s %v", st, body, err)
	}
	version, _ := strconv.ParseInt(strings.Trim(h.Get("ETag"), `"`), 10, 64)
	indexed := bytes.Contains(body, []byte(`"extra"`))
	last := puts[len(puts)-1]
	for _, p := range puts {
		if p.version == version && p.indexed != indexed {
			t.Errorf("definition version %d has extra=%v, acknowledged with %v", version, indexed, p.indexed)
		}
	}
	if version < last.version {
		t.Errorf("definition at version %d, but version %d was acknowledged", version, last.version)
	}
	if path, ok := strings.CutPrefix(store, "sqlite:"); ok {
		want := []string{"x_c_item__i_batch", "x_c_item__i_created_at", "x_c_item__i_owner_created_at", "x_c_item__i_owner_updated_at", "x_c_item__i_updated_at"}
		if indexed {
			want = append(want, "x_c_item__i_extra", "x_c_item__i_n")
		}
		slices.Sort(want)
		if got := sqliteIndexes(t, path, "c_item"); !slices.Equal(got, want) {
			t.Errorf("indexes %v for a definition with extra=%v, want %v", got, indexed, want)
		}
	}
	if indexed {
		if st, _, body, _ := s.call("GET", "/api/records/item?count=true&filter="+url.QueryEscape(`extra == "x"`), ""); st != 200 || !bytes.Contains(body, []byte(`"total":0`)) {
			t.Errorf("filter on extra: %d %s", st, body)
		}
	}
	items := allItems(t, s)
	for id, n := range created {
		if it, ok := items[id]; !ok || it.Version != 1 || it.N != n {
			t.Errorf("acknowledged record %s (n=%d): %+v, present %v", id, n, it, ok)
		}
	}
	checkFilters(t, s, items)
	t.Logf("%d definition changes and %d records acknowledged; after the restart version %d, %d records", len(puts), len(created), version, len(items))
}

// sqliteIndexes lists the indexes Morph made on a table of the database
// file at path, read beside the server that has it open.
func sqliteIndexes(t *testing.T, path, table string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE 'x\_%' ESCAPE '\' ORDER BY name`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		out = append(out, name)
	}
	return out
}
