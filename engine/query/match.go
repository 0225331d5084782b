package query

import "strings"

// Match reports whether the document doc (a record's data as decoded from
// JSON, with "id" and "version" among its keys when a filter names them)
// matches e, as the stores match it: a comparison with a missing or null
// value matches only Eq nil, Ne, and Nin; values of different kinds are
// never equal or ordered; a nil Expr matches everything. It is for
// conditions evaluated on one record in memory (layout rules); lists and
// counts go to the store.
func Match(e Expr, doc map[string]any) bool {
	switch x := e.(type) {
	case nil:
		return true
	case And:
		for _, p := range x {
			if !Match(p, doc) {
				return false
			}
		}
		return true
	case Or:
		for _, p := range x {
			if Match(p, doc) {
				return true
			}
		}
		return false
	case Not:
		return !Match(x.X, doc)
	case Cmp:
		return matchCmp(x, lookup(doc, x.Field))
	}
	return false
}

// lookup returns the value at a dotted path, nil when any part is missing.
func lookup(doc map[string]any, path string) any {
	var cur any = doc
	for path != "" {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		var head string
		head, path, _ = strings.Cut(path, ".")
		cur = m[head]
	}
	return cur
}

func matchCmp(c Cmp, v any) bool {
	switch c.Op {
	case Eq:
		if c.Value == nil {
			return v == nil
		}
		return v != nil && compare(v, c.Value) == 0
	case Ne:
		if c.Value == nil {
			return v != nil
		}
		return v == nil || compare(v, c.Value) != 0
	case Lt, Lte, Gt, Gte:
		if v == nil || c.Value == nil {
			return false
		}
		d := compare(v, c.Value)
		switch {
		case d == incomparable:
			return false
		case c.Op == Lt:
			return d < 0
		case c.Op == Lte:
			return d <= 0
		case c.Op == Gt:
			return d > 0
		}
		return d >= 0
	case In, Nin:
		list, _ := c.Value.([]any)
		found := false
		if v != nil {
			for _, w := range list {
				if compare(v, w) == 0 {
					found = true
					break
				}
			}
		}
		return found == (c.Op == In)
	case Contains, StartsWith:
		s, ok := v.(string)
		sub, ok2 := c.Value.(string)
		if !ok || !ok2 {
			return false
		}
		if c.Op == Contains {
			return strings.Contains(s, sub)
		}
		return strings.HasPrefix(s, sub)
	case Has:
		list, _ := v.([]any)
		for _, w := range list {
			if w != nil && compare(w, c.Value) == 0 {
				return true
			}
		}
		return false
	}
	return false
}

// incomparable is compare's answer for values of different kinds.
const incomparable = 2

// compare orders two scalars of one kind (numbers, strings, booleans):
// -1, 0 or 1; incomparable otherwise.
func compare(a, b any) int {
	if x, ok := number(a); ok {
		y, ok := number(b)
		if !ok {
			return incomparable
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return incomparable
		}
		return strings.Compare(x, y)
	case bool:
		y, ok := b.(bool)
		if !ok {
			return incomparable
		}
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return incomparable
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return 0, false
}
