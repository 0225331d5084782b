// Package query is the filter, sort and page form that every store understands.
//
// It is a plain data structure (an AST) with no behaviour tied to a store:
// schema/lang builds it from filter expressions, the engine combines it with
// access filters and cursors, and each adapter in engine/store translates it
// into its own query language. It imports nothing else of Morph's.
package query

import (
	"fmt"
	"regexp"
)

// Op is a comparison operator of a Cmp leaf.
type Op string

const (
	Eq         Op = "eq"         // equal; Value nil means "missing or null"
	Ne         Op = "ne"         // not equal; Value nil means "present and not null"
	Lt         Op = "lt"         // less than (numbers, strings, dates as strings)
	Lte        Op = "lte"        // less than or equal
	Gt         Op = "gt"         // greater than
	Gte        Op = "gte"        // greater than or equal
	In         Op = "in"         // field equals one of Value ([]any); an empty list matches nothing
	Nin        Op = "nin"        // field equals none of Value ([]any), missing fields included
	Contains   Op = "contains"   // string field contains Value (string) as a substring, case-sensitive
	StartsWith Op = "startsWith" // string field starts with Value (string), case-sensitive
	Has        Op = "has"        // array field has an element equal to Value (a scalar)
)

// Ops lists every operator, for adapters and tests that must cover them all.
var Ops = []Op{Eq, Ne, Lt, Lte, Gt, Gte, In, Nin, Contains, StartsWith, Has}

// Expr is a node of a filter: And, Or, Not or Cmp. A nil Expr matches everything.
type Expr interface{ isExpr() }

// And matches when every one of its parts matches (an empty And matches everything).
type And []Expr

// Or matches when at least one of its parts matches (an empty Or matches nothing).
type Or []Expr

// Not matches when its part does not match.
type Not struct{ X Expr }

// Cmp compares the value at Field with Value.
//
// Field is a dotted path ("address.city") of identifiers; "id" and "version"
// name the record's system columns. Value is nil, a bool, a float64, an int64,
// a string, or (for In and Nin) a []any of those. Dates and datetimes are
// compared as their normalised strings.
type Cmp struct {
	Field string
	Op    Op
	Value any
}

func (And) isExpr() {}
func (Or) isExpr()  {}
func (Not) isExpr() {}
func (Cmp) isExpr() {}

// Sort orders by one field. Missing and null values sort first ascending, last descending.
type Sort struct {
	Field string
	Desc  bool
}

// Query is what a store's Find takes.
type Query struct {
	Filter Expr   // nil matches everything
	Sort   []Sort // applied in order; stores add no implicit tiebreak
	Limit  int    // 0 means no limit
}

// AggFunc is an aggregate function of a group-by.
type AggFunc string

const (
	Count AggFunc = "count" // number of records in the group (Field unused)
	Sum   AggFunc = "sum"   // sum of a numeric field, missing values ignored; 0 for none
	Min   AggFunc = "min"   // smallest value, nil when the group has none
	Max   AggFunc = "max"   // largest value, nil when the group has none
)

// Agg is one aggregate column of a group-by.
type Agg struct {
	Func  AggFunc
	Field string
}

// Zero is the value of the aggregate over no records.
func (a Agg) Zero() any {
	switch a.Func {
	case Count:
		return int64(0)
	case Sum:
		return 0.0
	}
	return nil
}

// Result converts an adapter's raw aggregate value to the form Group
// promises: int64 for Count, float64 for Sum (0 when nothing was summed).
func (a Agg) Result(v any) any {
	switch a.Func {
	case Count:
		switch n := v.(type) {
		case float64:
			return int64(n)
		case int64:
			return n
		}
		return int64(0)
	case Sum:
		if v == nil {
			return 0.0
		}
	}
	return v
}

// Group is one row of a group-by result: the values of the group-by fields
// (nil for missing) and one value per Agg (int64 for Count, float64 for Sum,
// the field's own type for Min and Max).
type Group struct {
	Key    []any
	Values []any
}

var pathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)

// ValidPath reports whether p is a dotted path of identifiers. Adapters refuse
// any other path, so a field name can never be used to inject query syntax.
func ValidPath(p string) bool { return len(p) <= 256 && pathRE.MatchString(p) }

// Walk calls fn for every Cmp leaf of e.
func Walk(e Expr, fn func(Cmp)) {
	switch x := e.(type) {
	case And:
		for _, p := range x {
			Walk(p, fn)
		}
	case Or:
		for _, p := range x {
			Walk(p, fn)
		}
	case Not:
		Walk(x.X, fn)
	case Cmp:
		fn(x)
	}
}

// Validate checks that every path is valid and every operator is known.
func Validate(e Expr) error {
	var err error
	Walk(e, func(c Cmp) {
		if err != nil {
			return
		}
		if !ValidPath(c.Field) {
			err = fmt.Errorf("query: invalid field path %q", c.Field)
			return
		}
		switch c.Op {
		case Eq, Ne, Lt, Lte, Gt, Gte, Contains, StartsWith, Has:
		case In, Nin:
			if _, ok := c.Value.([]any); !ok {
				err = fmt.Errorf("query: %s on %q needs a list", c.Op, c.Field)
			}
		default:
			err = fmt.Errorf("query: unknown operator %q", c.Op)
		}
	})
	return err
}

// AndOf joins filters with And, dropping nil ones; it returns nil when none is left.
func AndOf(parts ...Expr) Expr {
	var out And
	for _, p := range parts {
		if p != nil {
			out = append(out, p)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// After builds the keyset condition that selects the records which come after
// a record whose sort-key values are vals, under the order sorts. vals has one
// value per sort key. The last sort key must be unique (the engine appends
// "id") so that the order is total and a page boundary is never ambiguous.
//
// Missing and null values sort first ascending and last descending, as every
// adapter does.
func After(sorts []Sort, vals []any) Expr {
	var or Or
	for i := range sorts {
		var and And
		for j := 0; j < i; j++ {
			and = append(and, Cmp{Field: sorts[j].Field, Op: Eq, Value: vals[j]})
		}
		s, v := sorts[i], vals[i]
		var next Expr
		switch {
		case !s.Desc && v == nil:
			next = Cmp{Field: s.Field, Op: Ne, Value: nil}
		case !s.Desc:
			next = Cmp{Field: s.Field, Op: Gt, Value: v}
		case v == nil:
			continue // nothing sorts after null descending except equal keys
		default:
			next = Or{Cmp{Field: s.Field, Op: Lt, Value: v}, Cmp{Field: s.Field, Op: Eq, Value: nil}}
		}
		and = append(and, next)
		if len(and) == 1 {
			or = append(or, and[0])
		} else {
			or = append(or, and)
		}
	}
	return or
}
