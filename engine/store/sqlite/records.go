package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Insert stores a new record, and its audit entries in the same transaction.
func (s *Store) Insert(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	tbl, err := table(coll)
	if err != nil {
		return err
	}
	doc, err := encode(rec.Data)
	if err != nil {
		return err
	}
	es, ast, err := s.prepareEntries(ctx, audit)
	if err != nil {
		return err
	}
	st, err := s.stmt(ctx, true, `INSERT INTO "`+tbl+`" (id, version, data) VALUES (?, ?, ?)`)
	if err != nil {
		return s.readError(coll, err)
	}
	return s.write(ctx, tbl, ast != nil, func(ctx context.Context, tx *sql.Tx) error {
		return s.withEntries(ctx, tx, ast, es, func() error {
			if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, rec.ID, rec.Version, doc); err != nil {
				return s.writeError(coll, tbl, err)
			}
			return nil
		})
	})
}

// prepareEntries encodes a write's audit entries and prepares their
// statement (nil when there are none).
func (s *Store) prepareEntries(ctx context.Context, audit []store.Record) (entries, *sql.Stmt, error) {
	es, err := encodeEntries(audit)
	if err != nil || len(es.ids) == 0 {
		return es, nil, err
	}
	st, err := s.auditStmt(ctx)
	return es, st, err
}

// InsertMany inserts the records, each with its audit entry, in one
// transaction; a failing record fails alone (SQLite undoes only the failing
// statement) and stores no entry.
func (s *Store) InsertMany(ctx context.Context, coll string, recs []store.Record, audit ...store.Record) ([]error, error) {
	tbl, err := table(coll)
	if err != nil {
		return nil, err
	}
	if len(audit) != 0 && len(audit) != len(recs) {
		return nil, fmt.Errorf("%w: %d audit entries for %d records", store.ErrInvalid, len(audit), len(recs))
	}
	st, err := s.stmt(ctx, true, `INSERT INTO "`+tbl+`" (id, version, data) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, s.readError(coll, err)
	}
	es := make([]entries, len(audit))
	var ast *sql.Stmt
	for i, a := range audit {
		if es[i], err = encodeEntries([]store.Record{a}); err != nil {
			return nil, err
		}
		if ast == nil && len(es[i].ids) > 0 {
			if ast, err = s.auditStmt(ctx); err != nil {
				return nil, err
			}
		}
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, failed("begin", err)
	}
	defer tx.Rollback()
	txst := tx.StmtContext(ctx, st)
	errs := make([]error, len(recs))
	for i, rec := range recs {
		doc, err := encode(rec.Data)
		if err != nil {
			errs[i] = err
			continue
		}
		var ei entries
		if len(es) > 0 {
			ei = es[i]
		}
		err = s.withEntries(ctx, tx, ast, ei, func() error {
			if _, err := txst.ExecContext(ctx, rec.ID, rec.Version, doc); err != nil {
				return s.writeError(coll, tbl, err)
			}
			return nil
		})
		if err != nil {
			errs[i] = err
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, store.ErrFull) || isAbort(err) { // SQLite may have rolled the whole batch back
				return nil, errs[i]
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, failed("commit", err)
	}
	s.bump(tbl)
	if ast != nil {
		s.bump(auditTable)
	}
	s.writerCheckpoint()
	return errs, nil
}

// Get returns one record.
func (s *Store) Get(ctx context.Context, coll, id string) (store.Record, error) {
	tbl, err := table(coll)
	if err != nil {
		return store.Record{}, err
	}
	st, err := s.stmt(ctx, false, `SELECT id, version, data FROM "`+tbl+`" WHERE id = ?`)
	if err != nil {
		return store.Record{}, s.readError(coll, err)
	}
	rec, err := s.scan(ctx, st.QueryRowContext(ctx, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.Record{}, store.ErrNotFound
	case err != nil:
		return store.Record{}, s.readError(coll, err)
	}
	return rec, nil
}

// GetMany returns the records with the given ids that exist.
func (s *Store) GetMany(ctx context.Context, coll string, ids []string) ([]store.Record, error) {
	tbl, err := table(coll)
	if err != nil {
		return nil, err
	}
	var out []store.Record
	const chunk = 500
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		part := ids[:n]
		ids = ids[n:]
		q := `SELECT id, version, data FROM "` + tbl + `" WHERE id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + `)`
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		recs, err := s.query(ctx, coll, q, args)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// Update replaces a record at the expected version, and stores its audit
// entries in the same transaction.
func (s *Store) Update(ctx context.Context, coll string, rec store.Record, audit ...store.Record) error {
	tbl, err := table(coll)
	if err != nil {
		return err
	}
	doc, err := encode(rec.Data)
	if err != nil {
		return err
	}
	es, ast, err := s.prepareEntries(ctx, audit)
	if err != nil {
		return err
	}
	st, err := s.stmt(ctx, true, `UPDATE "`+tbl+`" SET version = ?, data = ? WHERE id = ? AND version = ?`)
	if err != nil {
		return s.readError(coll, err)
	}
	return s.write(ctx, tbl, ast != nil, func(ctx context.Context, tx *sql.Tx) error {
		return s.withEntries(ctx, tx, ast, es, func() error {
			res, err := tx.StmtContext(ctx, st).ExecContext(ctx, rec.Version, doc, rec.ID, rec.Version-1)
			if err != nil {
				return s.writeError(coll, tbl, err)
			}
			return affected(ctx, tx, coll, tbl, rec.ID, res)
		})
	})
}

// Delete removes a record, at the given version unless it is 0, and stores
// its audit entries in the same transaction.
func (s *Store) Delete(ctx context.Context, coll, id string, version int64, audit ...store.Record) error {
	tbl, err := table(coll)
	if err != nil {
		return err
	}
	es, ast, err := s.prepareEntries(ctx, audit)
	if err != nil {
		return err
	}
	st, err := s.stmt(ctx, true, `DELETE FROM "`+tbl+`" WHERE id = ? AND (? = 0 OR version = ?)`)
	if err != nil {
		return s.readError(coll, err)
	}
	return s.write(ctx, tbl, ast != nil, func(ctx context.Context, tx *sql.Tx) error {
		return s.withEntries(ctx, tx, ast, es, func() error {
			res, err := tx.StmtContext(ctx, st).ExecContext(ctx, id, version, version)
			if err != nil {
				return s.readError(coll, err)
			}
			return affected(ctx, tx, coll, tbl, id, res)
		})
	})
}

// affected tells a missing record from a version conflict when a guarded
// write changed nothing.
func affected(ctx context.Context, tx *sql.Tx, coll, tbl, id string, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", coll, err)
	}
	if n > 0 {
		return nil
	}
	var v int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM "`+tbl+`" WHERE id = ?`, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", coll, err)
	}
	return store.ErrConflict
}

// Find returns the matching records in order.
func (s *Store) Find(ctx context.Context, coll string, q query.Query) ([]store.Record, error) {
	sqlText, args, err := selectSQL(coll, q)
	if err != nil {
		return nil, err
	}
	return s.query(ctx, coll, sqlText, args)
}

var _ store.RawFinder = (*Store)(nil)

// FindRaw is Find returning each document as its JSON text, undecoded.
func (s *Store) FindRaw(ctx context.Context, coll string, q query.Query) ([]store.RawRecord, error) {
	sqlText, args, err := selectSQL(coll, q)
	if err != nil {
		return nil, err
	}
	var out []store.RawRecord
	err = s.rows(ctx, coll, sqlText, args, func(rows *sql.Rows) error {
		var r store.RawRecord
		var doc sql.RawBytes
		if err := rows.Scan(&r.ID, &r.Version, &doc); err != nil {
			return err
		}
		var err error
		if r.JSON, err = s.textOf(ctx, doc); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// selectSQL is the statement of a Find and its arguments.
func selectSQL(coll string, q query.Query) (string, []any, error) {
	tbl, err := table(coll)
	if err != nil {
		return "", nil, err
	}
	cond, args, err := buildWhere(q.Filter)
	if err != nil {
		return "", nil, err
	}
	order, err := orderBy(q.Sort)
	if err != nil {
		return "", nil, err
	}
	sqlText := `SELECT id, version, data FROM "` + tbl + `"` + cond + order
	if q.Limit > 0 {
		sqlText += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return sqlText, args, nil
}

// rows runs a read statement and calls each for every row.
func (s *Store) rows(ctx context.Context, coll, q string, args []any, each func(*sql.Rows) error) error {
	st, err := s.stmt(ctx, false, q)
	if err != nil {
		return s.readError(coll, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return s.readError(coll, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.readError(coll, err)
	}
	return nil
}

func (s *Store) query(ctx context.Context, coll, q string, args []any) ([]store.Record, error) {
	var out []store.Record
	err := s.rows(ctx, coll, q, args, func(rows *sql.Rows) error {
		rec, err := s.scan(ctx, rows)
		if err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}

// readError turns the failure of a statement on coll into the store's
// errors: a table that does not exist (never created, or dropped meanwhile)
// is ErrNoCollection.
func (s *Store) readError(coll string, err error) error {
	if strings.Contains(err.Error(), "no such table") {
		return fmt.Errorf("%w: %q", store.ErrNoCollection, coll)
	}
	return failed(coll, err)
}

type scanner interface{ Scan(dest ...any) error }

func (s *Store) scan(ctx context.Context, sc scanner) (store.Record, error) {
	var rec store.Record
	var doc []byte
	if err := sc.Scan(&rec.ID, &rec.Version, &doc); err != nil {
		return store.Record{}, err
	}
	var err error
	if rec.Data, err = s.docOf(ctx, rec.ID, doc); err != nil {
		return store.Record{}, err
	}
	return rec, nil
}

// Count returns how many records match.
func (s *Store) Count(ctx context.Context, coll string, filter query.Expr) (int64, error) {
	tbl, err := table(coll)
	if err != nil {
		return 0, err
	}
	cond, args, err := buildWhere(filter)
	if err != nil {
		return 0, err
	}
	key := keyOf(tbl, cond, args)
	n, gen, ok := s.cachedCount(key)
	if ok {
		return n, nil
	}
	st, err := s.stmt(ctx, false, `SELECT count(*) FROM "`+tbl+`"`+cond)
	if err != nil {
		return 0, s.readError(coll, err)
	}
	if err := st.QueryRowContext(ctx, args...).Scan(&n); err != nil {
		return 0, s.readError(coll, err)
	}
	s.keepCount(key, gen, n)
	return n, nil
}

// Aggregate groups the matching records and computes the aggregates.
func (s *Store) Aggregate(ctx context.Context, coll string, filter query.Expr, by []string, aggs []query.Agg) ([]query.Group, error) {
	tbl, err := table(coll)
	if err != nil {
		return nil, err
	}
	cond, args, err := buildWhere(filter)
	if err != nil {
		return nil, err
	}
	var cols, keys []string
	for _, f := range by {
		c, err := column(f)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
		keys = append(keys, c)
	}
	for _, a := range aggs {
		if a.Func == query.Count {
			cols = append(cols, "count(*)")
			continue
		}
		c, err := column(a.Field)
		if err != nil {
			return nil, err
		}
		switch a.Func {
		case query.Sum:
			cols = append(cols, "total("+c+")")
		case query.Min:
			cols = append(cols, "min("+c+")")
		case query.Max:
			cols = append(cols, "max("+c+")")
		default:
			return nil, fmt.Errorf("%w: aggregate %q", store.ErrInvalid, a.Func)
		}
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("%w: nothing to aggregate", store.ErrInvalid)
	}
	q := "SELECT " + strings.Join(cols, ", ") + ` FROM "` + tbl + `"` + cond
	if len(keys) > 0 {
		q += " GROUP BY " + strings.Join(keys, ", ") + " ORDER BY " + strings.Join(keys, ", ")
	}
	st, err := s.stmt(ctx, false, q)
	if err != nil {
		return nil, s.readError(coll, err)
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, s.readError(coll, err)
	}
	defer rows.Close()
	var out []query.Group
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		g := query.Group{Key: make([]any, len(by)), Values: make([]any, len(aggs))}
		for i := range by {
			g.Key[i] = plain(vals[i])
		}
		for i, a := range aggs {
			g.Values[i] = a.Result(plain(vals[len(by)+i]))
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// plain converts a scanned SQLite value to the store's JSON-like values.
func plain(v any) any {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case []byte:
		return string(x)
	}
	return v
}

// NextSequence increments and returns a named counter.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	st, err := s.stmt(ctx, true, `INSERT INTO morph_sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`)
	if err != nil {
		return 0, fmt.Errorf("sqlite: sequence: %w", err)
	}
	var v int64
	if err := st.QueryRowContext(ctx, name).Scan(&v); err != nil {
		return 0, failed("sequence "+name, err)
	}
	return v, nil
}
