// Package mongotest starts a MongoDB-compatible server for tests: an
// embedded FerretDB (SQLite handler) inside the test process, or the real
// MongoDB named by MORPH_TEST_MONGO_URI.
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

var dbSeq atomic.Int64

// URI returns the URI of a fresh, empty database for one test. With
// MORPH_TEST_MONGO_URI set it is a new database on that server, dropped when
// the test ends; otherwise an embedded FerretDB is started for the test.
func URI(t testing.TB) string {
	t.Helper()
	if base := os.Getenv("MORPH_TEST_MONGO_URI"); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatalf("MORPH_TEST_MONGO_URI: %v", err)
		}
		u.Path = fmt.Sprintf("/morph_test_%d_%d", time.Now().UnixNano(), dbSeq.Add(1))
		uri := u.String()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
			if err == nil {
				c.Database(u.Path[1:]).Drop(ctx)
				c.Disconnect(ctx)
			}
		})
		return uri
	}
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
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	u, err := url.Parse(f.MongoDBURI())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/morph"
	return u.String()
}
