package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/morphcrm/morph/engine/query"
)

// SetWALRestartFrames sets the log length past which the writer
// checkpoints, for stores opened afterwards, and returns the undo.
func SetWALRestartFrames(n int) (undo func()) {
	old := walRestartFrames
	walRestartFrames = n
	return func() { walRestartFrames = old }
}

// QueryPlan returns the details of EXPLAIN QUERY PLAN for the statement
// Find runs for q, one line per step.
func QueryPlan(ctx context.Context, s *Store, coll string, q query.Query) ([]string, error) {
	sqlText, args, err := selectSQL(coll, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// IndexSQL returns the statement that created the collection's store index
// name, "" when it has none.
func IndexSQL(ctx context.Context, s *Store, coll, name string) (string, error) {
	tbl, err := table(coll)
	if err != nil {
		return "", err
	}
	var def string
	err = s.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, sqliteIndexName(tbl, name)).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return def, err
}
