// Package sqlite is the embedded store: SQLite through modernc.org/sqlite
// (pure Go). Each collection is a table holding the document in a JSONB
// column; secondary indexes are expression indexes over document paths.
//
// Writes go through a pool of one connection, so they are serialised and
// never meet SQLITE_BUSY; reads use a pool of their own and, under WAL, are
// never blocked by the writer. synchronous=NORMAL in WAL mode keeps every
// committed write across a crash of the process.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/morphcrm/morph/engine/store"
)

// Store implements store.Store on a SQLite database file.
type Store struct {
	w, r *sql.DB

	mu      sync.RWMutex
	indexes map[string]map[string]store.Index // table → SQLite index name → index
	stmts   map[stmtKey]*sql.Stmt

	writes chan *writeOp // single-record writes, committed in groups by writer
	done   chan struct{} // closed when writer has stopped
	closed sync.Once

	unlock func() // releases the database file's lock

	ck     *sql.DB       // the checkpointer's connection
	ckStop chan struct{} // closed to stop the checkpointer
	ckDone chan struct{} // closed when it has stopped
	// ckWriter asks the writer to finish a checkpoint itself: set when the
	// log has grown past walRestartFrames because writes never paused long
	// enough for the checkpointer to catch up.
	ckWriter atomic.Bool
	// file is the database file, for the checkpointer's syncs. It stays
	// open until the connections have closed: closing a descriptor of the
	// file would drop every POSIX lock this process holds on it, SQLite's
	// included.
	file *os.File
	// render is an in-memory database that only renders documents the Go
	// reader leaves to SQLite's json(): a list doing so holds a reader
	// connection, so asking the read pool could wait for itself.
	render *sql.DB

	// gen counts committed writes per table; cached counts are valid while
	// their table's generation is unchanged.
	genMu  sync.Mutex
	gen    map[string]uint64
	counts map[countKey]countEntry
}

type stmtKey struct {
	write bool
	sql   string
}

// maxStmts bounds the prepared-statement cache.
const maxStmts = 512

var _ store.Store = (*Store)(nil)

var collRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open opens (creating if needed) the database file at path. The file
// belongs to the store until Close: a second Open of it, in this process
// or another, fails.
func Open(ctx context.Context, path string) (_ *Store, err error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	real, err := realPath(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if fi, err := os.Stat(real); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("sqlite: %s is a directory, not a database file", path)
	}
	unlock, err := lockFile(real)
	if err != nil {
		return nil, err
	}
	var opened []*sql.DB
	defer func() {
		if err != nil {
			for _, db := range opened {
				db.Close()
			}
			unlock()
		}
	}()
	pragmas := fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)"
	dsn := "file:" + path + "?" + pragmas
	open := func(dsn string, conns int) (*sql.DB, error) {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		opened = append(opened, db)
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		db.SetConnMaxLifetime(0)
		return db, nil
	}
	// The writer does not checkpoint the write-ahead log after every commit:
	// a checkpointer connection does, beside it, so commits stay short (see
	// checkpointer). journal_size_limit shrinks the log file back when it
	// restarts after a burst.
	w, err := open(dsn+"&_txlock=immediate&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)", 1)
	if err != nil {
		return nil, err
	}
	r, err := open(dsn+"&_pragma=query_only(1)", max(4, runtime.GOMAXPROCS(0)*2))
	if err != nil {
		return nil, err
	}
	ck, err := open(dsn, 1)
	if err != nil {
		return nil, err
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS morph_sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`); err != nil {
		return nil, openError(path, err)
	}
	if err := writable(ctx, w); err != nil {
		return nil, openError(path, err)
	}
	// Opened here, connected on its first use only.
	render, err := open("file::memory:", 2)
	if err != nil {
		return nil, err
	}
	file, err := os.OpenFile(real, os.O_RDWR, 0)
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Store{w: w, r: r, ck: ck, file: file, render: render, unlock: unlock,
		indexes: map[string]map[string]store.Index{}, stmts: map[stmtKey]*sql.Stmt{},
		writes: make(chan *writeOp, 256), done: make(chan struct{}),
		ckStop: make(chan struct{}), ckDone: make(chan struct{}),
		gen: map[string]uint64{}, counts: map[countKey]countEntry{}}
	go s.writer()
	go s.checkpointer()
	return s, nil
}

// realPath is path with every symbolic link resolved, also when the file
// does not exist yet: each name of one database file (through "..", a
// linked directory or a link to the file) takes the same lock.
func realPath(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if p, err := filepath.EvalSymlinks(abs); err == nil {
		return p, nil
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(abs)), nil
}

// writable writes to the database and rolls the write back: a database
// that can only be read (a read-only file, directory or file system) is
// refused when the store opens rather than on its first write. (Beginning
// a write transaction is not enough: SQLite refuses a read-only file only
// when a page is written.)
func writable(ctx context.Context, w *sql.DB) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `CREATE TABLE morph_write_check (x)`)
	return err
}

// openError says why the database file could not be opened, in the
// operator's terms where SQLite's own are obscure.
func openError(path string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return notWritable(path, err)
		}
	}
	return fmt.Errorf("sqlite: open %s: %w", path, err)
}

// notWritable is the error of a store whose file or directory is read-only.
func notWritable(path string, err error) error {
	return fmt.Errorf("sqlite: %s cannot be written: the store needs write access to the file and its directory (check permissions, immutable attributes and read-only mounts): %w", path, err)
}

// checkpointInterval is how often the checkpointer copies committed pages
// from the write-ahead log into the database file.
const checkpointInterval = 100 * time.Millisecond

// busyTimeout is how long a connection waits for a lock; restartWait is
// how long the writer waits for readers to let the log restart.
const (
	busyTimeout = 10 * time.Second
	restartWait = 10 * time.Millisecond
)

// walRestartFrames is the log length (in pages, 4 KiB each) past which the
// writer finishes a checkpoint itself. A variable for the tests.
var walRestartFrames = 4096

// catchUpPasses is how many more passes the checkpointer makes before it
// hands a checkpoint over to the writer (see checkpointer), unless the log
// has grown past runawayFactor times walRestartFrames meanwhile.
const (
	catchUpPasses = 2
	runawayFactor = 4
)

// checkpointer copies committed pages into the database file while the
// writer goes on. A checkpoint running beside the writer never catches up
// with a writer that never pauses, and the log only starts again from its
// beginning once every frame in it has been copied: under a steady stream
// of writes it would grow without bound (and every write would extend the
// file). So when the log is long the checkpointer asks the writer to finish
// the job between two commits, when no frame can be added.
//
// Writes wait while the writer checkpoints, so the checkpointer first
// leaves it as little as it can. The writer's part is to copy the frames
// committed since the checkpointer's last pass and then to sync the
// database file, which writes out every page copied since the file was
// last synced: SQLite syncs it only when a pass reaches the end of the
// log, which under steady writes the checkpointer's never do. So before
// it asks, the checkpointer syncs the file and makes another pass, a few
// times over (each copies what was committed during the one before, so
// each is shorter than the last), and syncs once more. (A sync that fails
// here fails SQLite's own next sync too: Linux reports a write-back error
// to every descriptor of the file that was open when it happened.) Syncs
// can be slow on a busy disk while the writes go on: once the log is
// several times the restart length, bounding it comes first, and the
// checkpointer hands over at once.
func (s *Store) checkpointer() {
	defer close(s.ckDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ckStop:
			return
		case <-t.C:
			log, err := s.checkpointPass()
			if err != nil || log < walRestartFrames {
				continue
			}
			for range catchUpPasses {
				if log >= runawayFactor*walRestartFrames || s.file.Sync() != nil {
					break
				}
				if log, err = s.checkpointPass(); err != nil {
					break
				}
			}
			if log < runawayFactor*walRestartFrames {
				s.file.Sync()
			}
			s.ckWriter.Store(true)
		}
	}
}

// checkpointPass copies the committed frames into the database file, as
// far as readers allow, without waiting for anyone, and returns the log's
// length in frames.
func (s *Store) checkpointPass() (log int, err error) {
	var busy, done int
	err = s.ck.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done)
	return log, err
}

// writerCheckpoint runs on the writer's connection between transactions
// when the checkpointer asked for it. With no write in progress it copies
// the frames left, waits a moment for readers of older snapshots to finish,
// and so lets the next transaction start the log again from its beginning.
// It runs at most once per request of the checkpointer, and waits for
// readers at most restartWait: a long read never stalls the writes.
func (s *Store) writerCheckpoint() {
	if !s.ckWriter.CompareAndSwap(true, false) {
		return
	}
	ctx := context.Background()
	c, err := s.w.Conn(ctx)
	if err != nil {
		return
	}
	defer c.Close()
	c.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout(%d)`, restartWait.Milliseconds()))
	c.ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`)
	c.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout(%d)`, busyTimeout.Milliseconds()))
}

// Close stops the writer and the checkpointer, checkpoints the whole log
// and closes the connections.
func (s *Store) Close() error {
	s.closed.Do(func() {
		close(s.writes)
		close(s.ckStop)
	})
	<-s.done
	<-s.ckDone
	s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	s.mu.Lock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = map[stmtKey]*sql.Stmt{}
	s.mu.Unlock()
	err := errors.Join(s.r.Close(), s.ck.Close(), s.w.Close(), s.render.Close(), s.file.Close())
	s.unlock()
	return err
}

// stmt returns a cached prepared statement for q on the write or read pool.
func (s *Store) stmt(ctx context.Context, write bool, q string) (*sql.Stmt, error) {
	k := stmtKey{write, q}
	s.mu.RLock()
	st := s.stmts[k]
	s.mu.RUnlock()
	if st != nil {
		return st, nil
	}
	db := s.r
	if write {
		db = s.w
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.stmts[k]; old != nil {
		st.Close()
		return old, nil
	}
	if len(s.stmts) >= maxStmts {
		for key, old := range s.stmts {
			old.Close()
			delete(s.stmts, key)
		}
	}
	s.stmts[k] = st
	return st, nil
}

// dropStmts forgets the statements on a table whose schema changed.
func (s *Store) dropStmts(table string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.stmts {
		if strings.Contains(k.sql, `"`+table+`"`) {
			st.Close()
			delete(s.stmts, k)
		}
	}
}

func table(coll string) (string, error) {
	if !collRE.MatchString(coll) {
		return "", fmt.Errorf("%w: collection name %q", store.ErrInvalid, coll)
	}
	return "c_" + coll, nil
}

// sqliteIndexName is the SQLite name of a store index.
func sqliteIndexName(tbl, name string) string { return "x_" + tbl + "__" + name }

// indexColumns are the indexed expressions of ix, each followed by DESC
// where the field is descending. Lists end their order with the id, in the
// direction of the last sort key, so a non-unique index ends with the id in
// the direction of its last field: it then serves "filter, sort, then id"
// pages, read forwards or backwards, without a sort step.
func indexColumns(ix store.Index) ([]string, error) {
	cols := make([]string, 0, len(ix.Fields)+1)
	for i, f := range ix.Fields {
		c, err := column(f)
		if err != nil {
			return nil, err
		}
		if ix.Descending(i) {
			c += " DESC"
		}
		cols = append(cols, c)
	}
	if !ix.Unique {
		id := "id"
		if ix.Descending(len(ix.Fields) - 1) {
			id += " DESC"
		}
		cols = append(cols, id)
	}
	return cols, nil
}

// EnsureCollection creates the table and makes its indexes exactly idx.
func (s *Store) EnsureCollection(ctx context.Context, coll string, idx []store.Index) error {
	tbl, err := table(coll)
	if err != nil {
		return err
	}
	create := `CREATE TABLE IF NOT EXISTS "` + tbl + `" (id TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL, data BLOB NOT NULL)`
	if tbl == auditTable {
		// The audit log's rows are kept in its primary key (time-ordered
		// ids): one b-tree fewer for every entry written.
		create += ` WITHOUT ROWID`
	}
	if _, err := s.w.ExecContext(ctx, create); err != nil {
		return failed("create "+coll, err)
	}
	want := map[string]string{}
	specs := map[string]store.Index{}
	for _, ix := range idx {
		if !collRE.MatchString(ix.Name) || len(ix.Fields) == 0 {
			return fmt.Errorf("%w: index %q", store.ErrInvalid, ix.Name)
		}
		if ix.Multi {
			continue // an expression index holds a list as one value: no help for element lookups
		}
		cols, err := indexColumns(ix)
		if err != nil {
			return err
		}
		name := sqliteIndexName(tbl, ix.Name)
		unique := ""
		if ix.Unique {
			unique = "UNIQUE "
		}
		want[name] = fmt.Sprintf(`CREATE %sINDEX "%s" ON "%s" (%s)`, unique, name, tbl, strings.Join(cols, ", "))
		specs[name] = ix
	}
	rows, err := s.w.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE 'x\_%' ESCAPE '\'`, tbl)
	if err != nil {
		return fmt.Errorf("sqlite: list indexes of %s: %w", coll, err)
	}
	have := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return err
		}
		have[name] = def
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	changed := false
	for name, def := range have {
		if want[name] != def {
			if _, err := s.w.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
				return fmt.Errorf("sqlite: drop index %s: %w", name, err)
			}
			changed = true
		}
	}
	for name, def := range want {
		if have[name] == def {
			continue
		}
		changed = true
		if _, err := s.w.ExecContext(ctx, def); err != nil {
			if isConstraint(err) {
				ix := specs[name]
				return &store.UniqueError{Collection: coll, Index: ix.Name, Fields: ix.Fields}
			}
			return failed("create index "+name, err)
		}
	}
	s.mu.Lock()
	s.indexes[tbl] = specs
	s.mu.Unlock()
	s.bump(tbl)
	// No ANALYZE: with its sqlite_stat4 samples SQLite re-prepares a
	// statement whenever a bound value changes, which costs more on every
	// list than a better plan could save on equality filters over indexes.
	if changed {
		s.dropStmts(tbl)
	}
	return nil
}

// DropCollection drops the table and its indexes.
func (s *Store) DropCollection(ctx context.Context, coll string) error {
	tbl, err := table(coll)
	if err != nil {
		return err
	}
	s.dropStmts(tbl)
	if _, err := s.w.ExecContext(ctx, `DROP TABLE IF EXISTS "`+tbl+`"`); err != nil {
		return fmt.Errorf("sqlite: drop %s: %w", coll, err)
	}
	s.mu.Lock()
	delete(s.indexes, tbl)
	s.mu.Unlock()
	s.bump(tbl)
	return nil
}

// isFull reports whether err is SQLite's "database or disk is full": the
// disk, or the page limit of the database, has no room for the write.
func isFull(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_FULL
}

// failed wraps the error of a write's step (begin, commit, a statement):
// lack of space as store.ErrFull.
func failed(what string, err error) error {
	if isFull(err) {
		return fmt.Errorf("sqlite: %s: %w (%v)", what, store.ErrFull, err)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// SetMaxPages bounds the database to n pages (of 4 KiB): writes that would
// grow it further fail with store.ErrFull, as on a full disk. It serves
// quotas and tests.
func (s *Store) SetMaxPages(ctx context.Context, n int64) error {
	_, err := s.w.ExecContext(ctx, fmt.Sprintf(`PRAGMA max_page_count = %d`, n))
	return err
}

func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

var uniqueIndexRE = regexp.MustCompile(`index '([^']+)'`)

// writeError maps a constraint violation to the store's errors.
func (s *Store) writeError(coll, tbl string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) || isFull(err) {
		return s.readError(coll, err)
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrDuplicateID
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		msg := se.Error()
		if strings.Contains(msg, tbl+".id") {
			return store.ErrDuplicateID
		}
		ue := &store.UniqueError{Collection: coll}
		if m := uniqueIndexRE.FindStringSubmatch(msg); m != nil {
			s.mu.RLock()
			ix, ok := s.indexes[tbl][m[1]]
			s.mu.RUnlock()
			if ok {
				ue.Index, ue.Fields = ix.Name, ix.Fields
			} else {
				ue.Index = strings.TrimPrefix(m[1], sqliteIndexName(tbl, ""))
			}
		}
		return ue
	}
	return s.readError(coll, err)
}
