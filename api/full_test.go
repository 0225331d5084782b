package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// A store without room answers writes with 507 storage_full and changes
// nothing; /healthz says so until space is freed; then writes succeed and
// every acknowledged record is there. SQLite's page limit stands in for a
// full disk.
func TestStorageFull(t *testing.T) {
	s := newServer(t, "sqlite", companyDef, customerDef)
	ctx := context.Background()
	var clock atomic.Int64 // a controllable clock, in Unix seconds
	clock.Store(time.Now().Unix())
	eng, err := engine.New(ctx, s.st, engine.Options{Now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	if err != nil {
		t.Fatal(err)
	}
	s.app = api.New(eng, api.Options{})
	db := s.st.(*sqlite.Store)
	pad := strings.Repeat("x", 3000)
	if err := db.SetMaxPages(ctx, 1); err != nil { // no growth beyond the current size
		t.Fatal(err)
	}
	var acked []string
	var refused response
	for i := 0; i < 5000; i++ {
		r := s.do("POST", "/api/records/customer", fmt.Sprintf(`{"name": "c%d", "address": {"pad": %q}}`, i, pad))
		if r.Status != 201 {
			refused = r
			break
		}
		acked = append(acked, r.JSON(t)["id"].(string))
	}
	if refused.Status != 507 {
		t.Fatalf("the write without room: %d %s", refused.Status, refused.Body)
	}
	health := func(status int, want string) {
		t.Helper()
		scenario{method: "GET", path: "/healthz", wantStatus: status, want: []string{want}}.run(t, s)
	}
	for _, sc := range []scenario{
		{name: "create", method: "POST", path: "/api/records/customer", body: `{"name": "one more", "address": {"pad": "` + pad + `"}}`,
			wantStatus: 507, want: []string{`"code":"storage_full"`, `"status":507`, "no space left"}},
		{name: "in Chinese", method: "POST", path: "/api/records/customer", body: `{"name": "再一个", "address": {"pad": "` + pad + `"}}`,
			headers: []string{"Accept-Language: zh-CN"}, wantStatus: 507, want: []string{"存储空间已满"}},
		{name: "bulk", method: "POST", path: "/api/records/customer/bulk",
			body:       `{"items": [{"name": "b1", "address": {"pad": "` + pad + `"}}, {"name": "b2", "address": {"pad": "` + pad + `"}}]}`,
			wantStatus: 507, want: []string{`"code":"storage_full"`}},
		{name: "health", method: "GET", path: "/healthz", wantStatus: 503, want: []string{`"status":"storage_full"`}},
	} {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
	}
	total := func() float64 {
		return s.do("GET", "/api/records/customer?count=true&limit=1", "").JSON(t)["total"].(float64)
	}
	if n := total(); n != float64(len(acked)) {
		t.Fatalf("%v records after the refused writes, want the %d acknowledged", n, len(acked))
	}

	// Room again, without a write through the server: /healthz keeps its
	// answer for a while, then finds out with a write of its own.
	if err := db.SetMaxPages(ctx, 1<<30); err != nil {
		t.Fatal(err)
	}
	health(503, `"status":"storage_full"`)
	clock.Add(60)
	health(200, `"status":"ok"`)
	s.create("customer", `{"name": "after", "address": {"pad": "`+pad+`"}}`)
	for _, id := range acked {
		if r := s.do("GET", "/api/records/customer/"+id, ""); r.Status != 200 {
			t.Fatalf("acknowledged record %s: %d %s", id, r.Status, r.Body)
		}
	}
	if n := total(); n != float64(len(acked)+1) {
		t.Fatalf("%v records, want %d", n, len(acked)+1)
	}
}
