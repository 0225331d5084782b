// Package mongotest gives tests a MongoDB-compatible server: an embedded
// FerretDB v1 (SQLite handler) inside the test process, or the real MongoDB
// named by the MORPH_TEST_MONGO_URI environment variable.
//
// Typical use, in any package's tests:
//
//	st, err := mongo.Open(ctx, mongotest.URI(t))
package mongotest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

// EnvURI names the environment variable that points the tests at a real
// MongoDB, e.g. mongodb://localhost:27017.
const EnvURI = "MORPH_TEST_MONGO_URI"

var dbSeq atomic.Int64

// URI returns the URI of a fresh, empty database for one test. With
// MORPH_TEST_MONGO_URI set it is a new database on that server, dropped when
// the test ends; otherwise it is StartFerretDB's.
func URI(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURI)
	if base == "" {
		return StartFerretDB(t)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURI, err)
	}
	db := fmt.Sprintf("morph_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano(), dbSeq.Add(1))
	u.Path = "/" + db
	uri := u.String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
		if err != nil {
			t.Errorf("drop test database %s: %v", db, err)
			return
		}
		defer c.Disconnect(ctx)
		if err := c.Database(db).Drop(ctx); err != nil {
			t.Errorf("drop test database %s: %v", db, err)
		}
	})
	return uri
}

// StartFerretDB starts an embedded FerretDB with its SQLite handler in a
// temporary directory of the test, listening on a loopback port, and returns
// the URI of its database "morph". The server stops when the test ends
// (after the cleanups registered later, such as closing a store on it).
func StartFerretDB(t testing.TB) (uri string) {
	t.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + t.TempDir() + "/",
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatalf("ferretdb: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	// MongoDBURI waits until the listener is up, which never happens when
	// Run fails first.
	ready := make(chan string, 1)
	go func() { ready <- f.MongoDBURI() }()
	var raw string
	select {
	case raw = <-ready:
	case <-done:
		t.Fatalf("ferretdb stopped before listening: %v", runErr)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("ferretdb URI: %v", err)
	}
	u.Path = "/morph"
	return u.String()
}
