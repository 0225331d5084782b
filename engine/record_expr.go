package engine

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/schema/lang"
)

// exprScope makes the scope in which a write's expressions run: the new
// values with the system fields (on create, those the write will get), and
// the stored values on update.
func (e *Engine) exprScope(ce *compiled, w *Write) *lang.Scope {
	data := make(map[string]any, len(w.Data)+7)
	maps.Copy(data, w.Data)
	var old map[string]any
	if w.Old != nil {
		old = make(map[string]any, len(w.Old.Data)+1)
		maps.Copy(old, w.Old.Data)
		old["id"] = w.Old.ID
		for _, k := range []string{"created_at", "created_by", "updated_at", "updated_by", "owner"} {
			if _, set := data[k]; !set && (k != "owner" || ce.Field("owner") == nil) {
				data[k] = w.Old.Data[k]
			}
		}
		if w.owner != "" && ce.Field("owner") == nil {
			data["owner"] = w.owner // changed by this update
		}
		data["id"] = w.Old.ID
	} else {
		now := e.now()
		data["created_at"], data["updated_at"], data["created_by"], data["updated_by"] = now, now, w.Actor.ID, w.Actor.ID
		if _, set := data["owner"]; !set {
			data["owner"] = w.owner
			if w.owner == "" {
				data["owner"] = w.Actor.ID
			}
		}
	}
	return ce.Vars().NewScope(data, old, e.filterEnv(w.Actor))
}

// applyDefaultExprs gives each field absent on create the value of its
// default expression.
func (e *Engine) applyDefaultExprs(ce *compiled, w *Write) error {
	var s *lang.Scope
	for _, f := range ce.Fields {
		if f.DefaultExpr == nil {
			continue
		}
		if _, given := w.Data[f.Name]; given {
			continue
		}
		if s == nil {
			s = e.exprScope(ce, w)
		}
		v, err := f.DefaultExpr.Run(s)
		if err != nil {
			return e.exprFailed(ce, w, "/"+f.Name, morph.T("the default of %s", "%s 的默认值", f.Name), err)
		}
		if v != nil {
			w.Data[f.Name] = v
			s.Set(f.Name, v)
		}
	}
	return nil
}

// computeFormulas sets every formula field from its expression, each after
// the formulas it reads. A formula without a value (nil) leaves the field
// empty.
func (e *Engine) computeFormulas(ce *compiled, w *Write) error {
	formulas := ce.Formulas()
	if len(formulas) == 0 {
		return nil
	}
	s := e.exprScope(ce, w)
	for _, f := range formulas {
		v, err := f.Expr.Run(s)
		if err != nil {
			return e.exprFailed(ce, w, "/"+f.Name, morph.T("the formula %s", "公式 %s", f.Name), err)
		}
		if v == nil {
			delete(w.Data, f.Name)
		} else {
			w.Data[f.Name] = v
		}
		s.Set(f.Name, v)
	}
	// The values are final now (validation and dropping nulls change
	// nothing the scope shows): the rules and the AfterValidate hooks run
	// in the same scope.
	w.scope = s
	return nil
}

// checkRules runs the entity's validation rules on the validated values:
// every rule whose condition holds is reported, as one ERule error with
// the rules' messages at the fields they name.
func (e *Engine) checkRules(ce *compiled, w *Write) error {
	rules := ce.Rules()
	if len(rules) == 0 {
		return nil
	}
	s := w.scope
	if s == nil {
		s = e.exprScope(ce, w)
		w.scope = s
	}
	var broken []*schema.Rule
	for _, r := range rules {
		wrong, err := r.When.Bool(s)
		if err != nil {
			return e.exprFailed(ce, w, "", morph.T("the rule %s", "规则 %s", r.Name), err)
		}
		if wrong {
			broken = append(broken, r)
		}
	}
	if len(broken) == 0 {
		return nil
	}
	me := &morph.Error{Code: morph.ERule}
	var en, zh []string
	for _, r := range broken {
		en, zh = append(en, r.Message.EN), append(zh, r.Message.ZH)
		if len(r.Fields) == 0 {
			me.Fields = append(me.Fields, morph.FieldError{Path: "", Code: "rule:" + r.Name, Text: r.Message, Offset: -1})
		}
		for _, f := range r.Fields {
			me.Fields = append(me.Fields, morph.FieldError{Path: "/" + f, Code: "rule:" + r.Name, Text: r.Message, Offset: -1})
		}
	}
	me.Text = morph.Text{EN: strings.Join(en, "; "), ZH: strings.Join(zh, "；")}
	return me
}

// exprFailed reports an expression of the definition that failed on a
// record: logged with the entity, the record and the place, and answered
// as EExpression naming the formula, default or rule (never a 500), at the
// field it computes (path; "" for a rule).
func (e *Engine) exprFailed(ce *compiled, w *Write, path string, what morph.Text, err error) error {
	id := "(new)"
	if w.Old != nil {
		id = w.Old.ID
	}
	msg := err.Error()
	var re *lang.RunError
	if errors.As(err, &re) {
		msg = re.Msg
	}
	e.log.Warn("expression failed", "entity", ce.Name, "record", id, "at", path, "err", msg)
	t := morph.Text{
		EN: fmt.Sprintf("%s of %s could not be computed for record %s: %s", upperFirst(what.EN), ce.Name, id, msg),
		ZH: fmt.Sprintf("无法为%s记录 %s 计算%s：%s", ce.Name, id, what.ZH, msg),
	}
	return &morph.Error{Code: morph.EExpression, Text: t, Err: err,
		Fields: []morph.FieldError{{Path: path, Code: "expression_failed", Text: t, Offset: -1}}}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Scope is the scope in which a write's expressions run (the new values
// with the system fields, the stored ones as old, the writer as user): for
// the expressions of hooks, such as before-save workflow rules. In the
// AfterValidate hooks it is the scope the formulas and validation rules
// ran in, shared: a hook there reads it and never sets values in it.
func (e *Engine) Scope(w *Write) (*lang.Scope, error) {
	if w.scope != nil {
		return w.scope, nil
	}
	ce, err := e.entity(w.Entity)
	if err != nil {
		return nil, err
	}
	return e.exprScope(ce, w), nil
}

// Env is the environment of expressions run for actor: the engine's clock
// and the actor as user.
func (e *Engine) Env(actor Actor) lang.Env { return e.filterEnv(actor) }
