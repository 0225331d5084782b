package engine_test

import (
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// indexRecorder is a store that keeps the indexes it was last asked for.
type indexRecorder struct {
	store.Store
	last map[string][]store.Index
}

func (r *indexRecorder) EnsureCollection(ctx context.Context, coll string, idx []store.Index) error {
	r.last[coll] = idx
	return r.Store.EnsureCollection(ctx, coll, idx)
}

// The composite indexes of x-indexes reach the store with their directions.
func TestCompositeIndexesReachTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "morph.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &indexRecorder{Store: st, last: map[string][]store.Index{}}
	eng, err := engine.New(ctx, rec, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, eng, "deal", `{"$id": "deal", "type": "object", "properties": {"amount": {"x-type": "currency"}, "stage": {"type": "string"}},
		"x-indexes": [["owner", "-amount"], ["stage", "updated_at"]]}`)
	got := map[string]store.Index{}
	for _, ix := range rec.last["deal"] {
		if strings.HasPrefix(ix.Name, "k_") {
			got[ix.Name[:len(ix.Name)-9]] = store.Index{Fields: ix.Fields, Desc: ix.Desc}
		}
	}
	want := map[string]store.Index{
		"k_owner_amount":     {Fields: []string{"owner", "amount.amount"}, Desc: []bool{false, true}},
		"k_stage_updated_at": {Fields: []string{"stage", "updated_at"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("store indexes %+v\nwant %+v", got, want)
	}
}
