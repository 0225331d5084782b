package engine

import (
	"slices"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// IndexAdvice says whether one of an entity's indexes serves a list's
// filter and sort — the records it matches read in the order asked, without
// sorting them all — and, when none does, the composite index that would
// (an x-indexes entry).
type IndexAdvice struct {
	Served  bool     `json:"served"`
	Index   string   `json:"index,omitempty"`   // the index that serves it
	Suggest []string `json:"suggest,omitempty"` // an x-indexes entry that would serve it: ["owner", "-amount"]
	// Why, when nothing serves it and nothing can be suggested: the filter
	// is not a conjunction of equalities and one range, or too many fields.
	Why *morph.Text `json:"why,omitempty"`
}

// AdviseIndex answers whether an index of entity serves a list with filter
// and sort (as in ListRequest), for the builder's view set-up. The caller
// must be able to read the entity; filter and sort are checked as a list's.
// user.* and now() in the filter count as equalities with a constant.
func (e *Engine) AdviseIndex(actor Actor, entity, filter, sort string) (IndexAdvice, error) {
	ce, err := e.readableEntity(actor, entity)
	if err != nil {
		return IndexAdvice{}, err
	}
	f, err := lang.Filter(filter, ce.Resolve, e.filterEnv(actor))
	if err != nil {
		return IndexAdvice{}, err
	}
	var sorts []query.Sort
	if strings.TrimSpace(sort) != "" {
		if sorts, err = lang.SortSpec(sort, ce.Resolve); err != nil {
			return IndexAdvice{}, err
		}
	}
	sorts = slices.DeleteFunc(sorts, func(s query.Sort) bool { return s.Field == "id" })
	eq, rng, ok := filterShape(f)
	if !ok {
		return IndexAdvice{Why: &morph.Text{EN: "Only a filter of equalities joined by && (and one range) can be served by an index",
			ZH: "只有用 && 连接的相等条件（可再加一个范围条件）才能由索引支持"}}, nil
	}
	if len(eq) == 0 && rng == "" && len(sorts) == 0 {
		return IndexAdvice{Served: true}, nil
	}
	for _, ix := range ce.Indexes() {
		if serves(ix, eq, rng, sorts) {
			return IndexAdvice{Served: true, Index: ix.Name}, nil
		}
	}
	// The suggestion: the equalities, then the sort (or the range).
	var keys []string
	for _, p := range eq {
		keys = append(keys, fieldOfPath(ce, p))
	}
	switch {
	case len(sorts) > 0:
		for _, s := range sorts {
			k := fieldOfPath(ce, s.Field)
			if s.Desc {
				k = "-" + k
			}
			keys = append(keys, k)
		}
	case rng != "":
		keys = append(keys, fieldOfPath(ce, rng))
	}
	if len(keys) > schema.MaxIndexFields || slices.Contains(keys, "") || slices.Contains(keys, "-") {
		return IndexAdvice{Why: &morph.Text{EN: "No index can serve it: an index has at most 4 fields, of the entity's own scalar fields",
			ZH: "没有索引能支持：索引最多 4 个字段，且只能是实体自身的标量字段"}}, nil
	}
	return IndexAdvice{Suggest: keys}, nil
}

// filterShape splits a filter that is a conjunction of equalities and at
// most one range comparison into the equality paths (sorted) and the range
// path; ok is false for any other shape.
func filterShape(f query.Expr) (eq []string, rng string, ok bool) {
	var parts []query.Expr
	switch x := f.(type) {
	case nil:
		return nil, "", true
	case query.And:
		parts = x
	default:
		parts = []query.Expr{x}
	}
	for _, p := range parts {
		c, isCmp := p.(query.Cmp)
		if !isCmp {
			return nil, "", false
		}
		switch c.Op {
		case query.Eq:
			if c.Value == nil {
				return nil, "", false
			}
			if !slices.Contains(eq, c.Field) {
				eq = append(eq, c.Field)
			}
		case query.Lt, query.Lte, query.Gt, query.Gte, query.StartsWith:
			if rng != "" && rng != c.Field {
				return nil, "", false
			}
			rng = c.Field
		default:
			return nil, "", false
		}
	}
	slices.Sort(eq)
	return eq, rng, true
}

// serves reports whether the index reads the records of eq and rng in the
// order of sorts: its first fields are the equalities (in any order), then
// the sort fields in order, each in the index's direction or each in the
// opposite one; or, without a sort, then the range field.
func serves(ix schema.IndexSpec, eq []string, rng string, sorts []query.Sort) bool {
	if ix.Multi || len(ix.Fields) < len(eq) {
		return false
	}
	lead := slices.Clone(ix.Fields[:len(eq)])
	slices.Sort(lead)
	if !slices.Equal(lead, eq) {
		return false
	}
	rest := ix.Fields[len(eq):]
	desc := func(i int) bool { return ix.Desc != nil && ix.Desc[len(eq)+i] }
	if len(sorts) == 0 {
		return rng == "" || len(rest) > 0 && rest[0] == rng
	}
	if rng != "" && sorts[0].Field != rng {
		return false // the range would have to be read in another order
	}
	if len(rest) < len(sorts) {
		return false
	}
	flip := sorts[0].Desc != desc(0)
	for i, s := range sorts {
		if rest[i] != s.Field || (s.Desc != desc(i)) != flip {
			return false
		}
	}
	return true
}

// fieldOfPath is the name of the field stored at path ("" when none is).
func fieldOfPath(ce *compiled, path string) string {
	for _, f := range ce.Fields {
		if f.Type.StorePath(f.Name) == path {
			return f.Name
		}
	}
	if slices.Contains(schema.SystemFields, path) && !strings.Contains(path, ".") {
		return path
	}
	return ""
}
