package engine

import (
	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

// ExprCheck is the outcome of checking an expression against an entity,
// for the builder's live feedback: OK with the result's type, or the
// problems, each with its 0-based rune offset in the expression.
type ExprCheck struct {
	OK       bool
	Type     string // text, number, bool, datetime, list, money, object or any
	Problems []morph.FieldError
}

// ExprKinds are the places an expression can be checked for: a formula or
// a default (of Field when given), a validation rule or a condition (true
// or false), a filter (the subset translated into store queries: list
// filters, views, row rules, layout conditions).
var ExprKinds = append(append([]string(nil), schema.ExprKinds...), "filter")

// CheckExpression compiles src for a place of an entity the actor may read
// (404 otherwise, as for its records) and reports whether it compiles. A
// request that names an unknown kind or field is EInvalid; an expression
// that does not compile is not an error but a check with problems. A
// filter is checked for everyone who may read the entity, against the
// fields they may filter on; the other places are the definitions', and
// their checks see every field of the entity, so only administrators may
// ask for them (403).
func (e *Engine) CheckExpression(actor Actor, entity, src, kind, field string) (ExprCheck, error) {
	ce, err := e.readableEntity(actor, entity)
	if err != nil {
		return ExprCheck{}, err
	}
	if kind != "filter" && !actor.IsSystem() && !actor.IsAdmin() {
		return ExprCheck{}, morph.Errorf(morph.EForbidden, "Only an administrator may check the expressions of definitions",
			"只有管理员可以检查定义中的表达式")
	}
	if kind == "filter" {
		if field != "" {
			return ExprCheck{}, morph.Invalid(morph.FieldError{Path: "/field", Code: "not_allowed", Offset: -1,
				Text: morph.T("A filter has no field", "筛选条件没有 field")})
		}
		_, err := e.parseFilter(ce, e.Catalog().grantsFor(actor, ce), actor, src)
		if me := morph.AsError(err); me != nil && me.Code == morph.EInvalidFilter {
			return ExprCheck{Problems: rekey(me.Fields)}, nil
		}
		if err != nil {
			return ExprCheck{}, err
		}
		return ExprCheck{OK: true, Type: "bool"}, nil
	}
	p, err := ce.CheckExpr(src, kind, field)
	me := morph.AsError(err)
	switch {
	case err == nil:
		var problems []morph.FieldError
		for _, ref := range p.Calendars {
			if !e.Catalog().calendarExists(ref.Name) {
				problems = append(problems, unknownCalendar("/expr", ref))
			}
		}
		if len(problems) > 0 {
			return ExprCheck{Problems: problems}, nil
		}
		return ExprCheck{OK: true, Type: p.Type}, nil
	case me != nil && len(me.Fields) > 0 && me.Fields[0].Path == "/expr":
		return ExprCheck{Problems: me.Fields}, nil
	}
	return ExprCheck{}, err
}

func rekey(fes []morph.FieldError) []morph.FieldError {
	out := make([]morph.FieldError, len(fes))
	for i, fe := range fes {
		fe.Path = "/expr"
		out[i] = fe
	}
	return out
}
