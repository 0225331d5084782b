package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"time"

	"github.com/morphcrm/morph/engine/store"
)

// A writeOp is one single-record write waiting for the writer.
type writeOp struct {
	ctx   context.Context
	table string // whose generation the write bumps
	audit bool   // the write also stores audit entries
	fn    func(ctx context.Context, tx *sql.Tx) error
	done  chan error
}

// maxGroup bounds how many waiting writes share one commit.
const maxGroup = 128

// writeTimeout bounds one statement of a group: a statement is never
// interrupted by its caller's context, since interrupting a statement
// inside a transaction would roll back the whole group.
const writeTimeout = 30 * time.Second

var errClosed = errors.New("sqlite: store closed")

// write runs fn in the writer's next transaction and returns its result
// once that transaction has committed (so a nil error means durable).
func (s *Store) write(ctx context.Context, table string, audit bool, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	op := &writeOp{ctx: ctx, table: table, audit: audit, fn: fn, done: make(chan error, 1)}
	defer func() {
		if r := recover(); r != nil { // send on a closed channel: the store is closed
			err = errClosed
		}
	}()
	select {
	case s.writes <- op:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		// The write may still commit; the caller learns only that it did
		// not wait for the outcome.
		return ctx.Err()
	}
}

// writer commits waiting writes in groups: every write that is waiting
// when a transaction starts joins it, and so does every write that arrives
// while the transaction's statements run, so concurrent writers share the
// cost of a commit (its write-ahead log frames are most of a small write's
// cost). Before it starts one, the writer lets the goroutines that are ready
// to run go first (runtime.Gosched: nothing when none is), so that requests
// about to hand over their writes join the group rather than wait for the
// next commit. A failing statement fails alone (SQLite undoes only that
// statement); a failing commit fails the whole group.
func (s *Store) writer() {
	defer close(s.done)
	for op := range s.writes {
		runtime.Gosched()
		s.commitGroup(op)
		s.writerCheckpoint()
	}
}

// next returns a write that is waiting, or nil when none is.
func (s *Store) next() *writeOp {
	select {
	case o, ok := <-s.writes:
		if ok {
			return o
		}
	default:
	}
	return nil
}

func (s *Store) commitGroup(first *writeOp) {
	group := []*writeOp{first}
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for o := s.next(); o != nil && len(group) < maxGroup; o = s.next() {
			group = append(group, o)
		}
		failGroup(group, failed("begin", err))
		return
	}
	var errs []error
	for i := 0; i < len(group); i++ {
		op := group[i]
		if err := op.ctx.Err(); err != nil {
			errs = append(errs, err)
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := op.fn(ctx, tx)
			cancel()
			errs = append(errs, err)
			if errors.Is(err, store.ErrFull) || isAbort(err) {
				// SQLite may have rolled the whole transaction back, or a
				// write's audit entry could not be stored with it: the group
				// fails as one, and nothing of it is kept.
				tx.Rollback()
				failGroup(group, err)
				return
			}
		}
		if i == len(group)-1 && len(group) < maxGroup {
			if o := s.next(); o != nil {
				group = append(group, o)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tx.Rollback()
		failGroup(group, failed("commit", err))
		return
	}
	s.genMu.Lock()
	for i, op := range group {
		if errs[i] == nil {
			s.gen[op.table]++
			if op.audit {
				s.gen[auditTable]++
			}
		}
	}
	s.genMu.Unlock()
	for i, op := range group {
		op.done <- errs[i]
	}
}

func failGroup(group []*writeOp, err error) {
	for _, op := range group {
		op.done <- err
	}
}

// bump records a committed write outside the writer (batches, schema changes).
func (s *Store) bump(table string) {
	s.genMu.Lock()
	s.gen[table]++
	s.genMu.Unlock()
}
