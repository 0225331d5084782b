package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// A write that arrives while a group's statements run joins that group's
// transaction instead of waiting for the next commit.
func TestWritesJoinTheRunningGroup(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "morph.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	running, release := make(chan struct{}), make(chan struct{})
	txs := make(chan *sql.Tx, 2)
	first := make(chan error, 1)
	go func() {
		first <- s.write(ctx, "t", false, func(ctx context.Context, tx *sql.Tx) error {
			txs <- tx
			close(running)
			<-release
			return nil
		})
	}()
	<-running
	second := make(chan error, 1)
	go func() {
		second <- s.write(ctx, "t", false, func(ctx context.Context, tx *sql.Tx) error {
			txs <- tx
			return nil
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); len(s.writes) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second write never reached the writer")
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if a, b := <-txs, <-txs; a != b {
		t.Fatal("the write that arrived during the group's statements was committed in a transaction of its own")
	}
}
