package sqlite

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// column is the SQL expression for a document path. It must be textually
// the same in queries and in index definitions for SQLite to use an index.
func column(path string) (string, error) {
	switch path {
	case "id":
		return "id", nil
	case "version":
		return "version", nil
	}
	if !query.ValidPath(path) {
		return "", fmt.Errorf("%w: field path %q", store.ErrInvalid, path)
	}
	return "data->>'$." + path + "'", nil
}

// where builds the SQL condition of a filter with its bound arguments.
type where struct {
	b    strings.Builder
	args []any
}

func buildWhere(e query.Expr) (string, []any, error) {
	if e == nil {
		return "", nil, nil
	}
	var w where
	if err := w.expr(e); err != nil {
		return "", nil, err
	}
	return " WHERE " + w.b.String(), w.args, nil
}

func (w *where) expr(e query.Expr) error {
	switch x := e.(type) {
	case query.And:
		return w.join(x, " AND ", "1")
	case query.Or:
		return w.join(x, " OR ", "0")
	case query.Not:
		// Comparisons with a missing value are NULL (no match); NOT must
		// turn "no match" into a match, so NULL counts as false here.
		w.b.WriteString("NOT coalesce((")
		if err := w.expr(x.X); err != nil {
			return err
		}
		w.b.WriteString("), 0)")
		return nil
	case query.Cmp:
		return w.cmp(x)
	case nil:
		w.b.WriteString("1")
		return nil
	}
	return fmt.Errorf("%w: unknown filter node %T", store.ErrInvalid, e)
}

func (w *where) join(parts []query.Expr, sep, empty string) error {
	if len(parts) == 0 {
		w.b.WriteString(empty)
		return nil
	}
	w.b.WriteByte('(')
	for i, p := range parts {
		if i > 0 {
			w.b.WriteString(sep)
		}
		if err := w.expr(p); err != nil {
			return err
		}
	}
	w.b.WriteByte(')')
	return nil
}

// arg binds a value the way SQLite compares it with data->>: booleans as
// 0/1, numbers as numbers, strings as text.
func arg(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case string, float64, int64, nil:
		return x, nil
	case int:
		return int64(x), nil
	}
	return nil, fmt.Errorf("%w: value of type %T", store.ErrInvalid, v)
}

// maxInParams is the longest list an in or nin binds value by value; a
// longer one is bound as one JSON array.
const maxInParams = 64

func (w *where) cmp(c query.Cmp) error {
	col, err := column(c.Field)
	if err != nil {
		return err
	}
	bind := func(v any) error {
		a, err := arg(v)
		if err != nil {
			return err
		}
		w.args = append(w.args, a)
		return nil
	}
	switch c.Op {
	case query.Eq:
		if c.Value == nil {
			w.b.WriteString(col + " IS NULL")
			return nil
		}
		w.b.WriteString(col + " = ?")
		return bind(c.Value)
	case query.Ne:
		if c.Value == nil {
			w.b.WriteString(col + " IS NOT NULL")
			return nil
		}
		w.b.WriteString(col + " IS NOT ?") // a missing value is "not equal" too
		return bind(c.Value)
	case query.Lt, query.Lte, query.Gt, query.Gte:
		if c.Value == nil {
			w.b.WriteString("0")
			return nil
		}
		w.b.WriteString(col + map[query.Op]string{query.Lt: " < ?", query.Lte: " <= ?", query.Gt: " > ?", query.Gte: " >= ?"}[c.Op])
		return bind(c.Value)
	case query.In, query.Nin:
		list, ok := c.Value.([]any)
		if !ok {
			return fmt.Errorf("%w: %s needs a list", store.ErrInvalid, c.Op)
		}
		if slices.Contains(list, nil) {
			// A null in the list matches nothing (query.Match); in SQL it
			// would make every NOT IN unknown.
			list = slices.DeleteFunc(slices.Clone(list), func(v any) bool { return v == nil })
		}
		if len(list) == 0 {
			if c.Op == query.In {
				w.b.WriteString("0")
			} else {
				w.b.WriteString("1")
			}
			return nil
		}
		if c.Op == query.Nin {
			w.b.WriteString("(" + col + " IS NULL OR " + col + " NOT IN (")
		} else {
			w.b.WriteString(col + " IN (")
		}
		if len(list) > maxInParams {
			// One parameter for the whole list: SQLite allows at most 32,766
			// in a statement (a team tree of many users), and the statement
			// is the same for any length.
			vals := make([]any, len(list))
			for i, v := range list {
				a, err := arg(v)
				if err != nil {
					return err
				}
				vals[i] = a
			}
			doc, err := json.Marshal(vals)
			if err != nil {
				return fmt.Errorf("%w: %v", store.ErrInvalid, err)
			}
			w.b.WriteString("SELECT value FROM json_each(?))")
			w.args = append(w.args, string(doc))
			if c.Op == query.Nin {
				w.b.WriteByte(')')
			}
			return nil
		}
		for i, v := range list {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.b.WriteByte('?')
			if err := bind(v); err != nil {
				return err
			}
		}
		w.b.WriteByte(')')
		if c.Op == query.Nin {
			w.b.WriteByte(')')
		}
		return nil
	case query.Contains:
		s, ok := c.Value.(string)
		if !ok {
			return fmt.Errorf("%w: contains needs text", store.ErrInvalid)
		}
		w.b.WriteString("instr(" + col + ", ?) > 0")
		return bind(s)
	case query.StartsWith:
		s, ok := c.Value.(string)
		if !ok {
			return fmt.Errorf("%w: startsWith needs text", store.ErrInvalid)
		}
		// Not substr(col, 1, length(?)): SQLite's length() of text stops
		// at a NUL, so a prefix holding one was cut short and matched
		// nothing. instr compares every byte.
		w.b.WriteString("instr(" + col + ", ?) = 1")
		return bind(s)
	case query.Has:
		if c.Field == "id" || c.Field == "version" {
			return fmt.Errorf("%w: has on %s", store.ErrInvalid, c.Field)
		}
		w.b.WriteString("EXISTS (SELECT 1 FROM json_each(data, '$." + c.Field + "') WHERE value = ?)")
		return bind(c.Value)
	}
	return fmt.Errorf("%w: operator %q", store.ErrInvalid, c.Op)
}

func orderBy(sorts []query.Sort) (string, error) {
	if len(sorts) == 0 {
		return "", nil
	}
	var b strings.Builder
	b.WriteString(" ORDER BY ")
	for i, s := range sorts {
		col, err := column(s.Field)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(col)
		if s.Desc {
			b.WriteString(" DESC")
		}
	}
	return b.String(), nil
}
