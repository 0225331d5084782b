package engine

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/morphcrm/morph/engine/store/sqlite"
)

// A save that adds an index to an entity of many records answers before the
// index is built (a unique one excepted); the index is built after it.
func TestIndexesBuiltAfterTheAnswer(t *testing.T) {
	defer func(n int) { indexSyncLimit = n }(indexSyncLimit)
	indexSyncLimit = 5
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := New(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const def = `{"$id": "thing", "title": "Thing", "type": "object", "properties": {
		"a": {"type": "string", "x-type": "text"%s}, "b": {"type": "string", "x-type": "text"%s}}}`
	if _, err := eng.PutEntity(ctx, System, "thing", []byte(fmt.Sprintf(def, "", ""))); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := eng.Create(ctx, System, "thing", map[string]any{"a": fmt.Sprint(i % 3), "b": fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	has := func(index string) bool {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, index).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	release := make(chan struct{})
	eng.builds.before = func() { <-release }
	if _, err := eng.PutEntity(ctx, System, "thing", []byte(fmt.Sprintf(def, `, "x-indexed": true`, `, "x-unique": true`))); err != nil {
		t.Fatal(err)
	}
	if !has("x_c_thing__u_b") {
		t.Error("a unique index must exist when the save answers")
	}
	if has("x_c_thing__i_a") {
		t.Error("the index was built before the save answered")
	}
	close(release)
	eng.builds.wg.Wait()
	if !has("x_c_thing__i_a") {
		t.Error("the index was not built after the save")
	}
	// Records can be listed by it meanwhile and after.
	res, err := eng.List(ctx, System, "thing", ListRequest{Filter: "a == '1'", Count: true})
	if err != nil || res.Total != 7 {
		t.Fatalf("list: %d %v", res.Total, err)
	}
}
