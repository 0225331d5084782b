package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/morphcrm/morph/engine/store"
)

// auditTable is the table of store.AuditCollection.
const auditTable = "c_" + store.AuditCollection

// entries is the encoded form of the audit entries a write carries.
type entries struct {
	ids  []string
	docs [][]byte
}

// encodeEntries encodes the entries (an entry with an empty id is none)
// before the write reaches the writer, so the writer only executes.
func encodeEntries(audit []store.Record) (entries, error) {
	var out entries
	for _, a := range audit {
		if a.ID == "" {
			continue
		}
		doc, err := encode(a.Data)
		if err != nil {
			return entries{}, err
		}
		out.ids = append(out.ids, a.ID)
		out.docs = append(out.docs, doc)
	}
	return out, nil
}

// auditStmt prepares the insert of an entry on the writer's connection.
// An entry whose id is stored already is left as it is: an entry is stored
// at most once, under its id.
func (s *Store) auditStmt(ctx context.Context) (*sql.Stmt, error) {
	st, err := s.stmt(ctx, true, `INSERT OR IGNORE INTO "`+auditTable+`" (id, version, data) VALUES (?, 1, ?)`)
	if err != nil {
		return nil, s.readError(store.AuditCollection, err)
	}
	return st, nil
}

// errAbort wraps the failure to store an entry after its write succeeded
// in the same transaction: the transaction cannot be committed without the
// entry, so it is rolled back as a whole (a group commit fails every write
// of the group, a batch fails as a batch). Only an I/O failure or lack of
// space brings it about.
type errAbort struct{ err error }

func (e errAbort) Error() string { return e.err.Error() }
func (e errAbort) Unwrap() error { return e.err }

func isAbort(err error) bool {
	var a errAbort
	return errors.As(err, &a)
}

// withEntries runs write in tx and, when it succeeded, stores the entries
// in the same transaction: its commit makes both durable together. A
// failed write stores no entry (SQLite undoes only the failed statement);
// an entry that cannot be stored after a successful write is errAbort.
func (s *Store) withEntries(ctx context.Context, tx *sql.Tx, st *sql.Stmt, es entries, write func() error) error {
	if err := write(); err != nil || len(es.ids) == 0 {
		return err
	}
	txst := tx.StmtContext(ctx, st)
	for i, id := range es.ids {
		if _, err := txst.ExecContext(ctx, id, es.docs[i]); err != nil {
			return errAbort{failed("store audit entry", err)}
		}
	}
	return nil
}
