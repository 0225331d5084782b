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
	ids, docs []string
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
func (s *Store) auditStmt(ctx context.Context) (*sql.Stmt, error) {
	st, err := s.stmt(ctx, true, `INSERT INTO "`+auditTable+`" (id, version, data) VALUES (?, 1, jsonb(?))`)
	if err != nil {
		return nil, s.readError(store.AuditCollection, err)
	}
	return st, nil
}

// withEntries runs write in tx and stores the entries after it, both or
// neither: with entries to store, a savepoint undoes the write when an
// entry cannot be stored, and the entries are stored only when the write
// succeeded. The transaction's commit then makes them durable together.
func (s *Store) withEntries(ctx context.Context, tx *sql.Tx, st *sql.Stmt, es entries, write func() error) error {
	if len(es.ids) == 0 {
		return write()
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT audit`); err != nil {
		return failed("savepoint", err)
	}
	err := write()
	if err == nil {
		txst := tx.StmtContext(ctx, st)
		for i, id := range es.ids {
			if _, ierr := txst.ExecContext(ctx, id, es.docs[i]); ierr != nil {
				err = s.writeError(store.AuditCollection, auditTable, ierr)
				break
			}
		}
	}
	if err != nil {
		if errors.Is(err, store.ErrFull) {
			return err // SQLite may have rolled the whole transaction back
		}
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO audit`); rerr != nil {
			return failed("rollback to savepoint", rerr)
		}
	}
	if _, rerr := tx.ExecContext(ctx, `RELEASE audit`); rerr != nil && err == nil {
		return failed("release savepoint", rerr)
	}
	return err
}
