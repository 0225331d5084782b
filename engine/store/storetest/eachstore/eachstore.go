// Package eachstore runs a test on each store Morph supports: the embedded
// SQLite store in a temporary directory, and MongoDB (mongotest's server).
//
// Typical use, in any package's tests:
//
//	eachstore.Run(t, func(t *testing.T, st store.Store) { ... })
package eachstore

import (
	"context"
	"testing"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
	"github.com/morphcrm/morph/engine/store/sqlite"
)

// Kinds names the stores, as the subtests are named.
var Kinds = []string{"sqlite", "mongo"}

// Open opens a fresh, empty store of kind for t, closed when t ends.
func Open(t *testing.T, kind string) store.Store {
	t.Helper()
	ctx := context.Background()
	var st store.Store
	var err error
	if kind == "sqlite" {
		st, err = sqlite.Open(ctx, t.TempDir()+"/m.db")
	} else {
		st, err = mongo.Open(ctx, mongotest.URI(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Run runs fn as a subtest on a fresh store of each kind.
func Run(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) { fn(t, Open(t, kind)) })
	}
}
