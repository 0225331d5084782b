package lang

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/morphcrm/morph"
)

// Limits of an expression (formulas, defaults, validation rules).
const (
	MaxExprLen    = 4096    // bytes of source
	MaxExprNodes  = 500     // nodes of the checked expression
	MaxExprMemory = 100_000 // the run's memory budget, in expr's units (about one per element or iteration)
	MaxExprString = 64 << 10
)

// Money is a currency value as expressions see it: amount.amount,
// amount.currency.
type Money struct {
	Amount   float64 `expr:"amount"`
	Currency string  `expr:"currency"`
}

// Var is a field as expressions see it.
type Var struct {
	Name  string
	Kind  Kind
	Money bool // a currency field: Money instead of a number
}

// Want is the type a place needs an expression's result to have:
// KindBool for a rule or a condition, the field's kind for a formula or a
// default. KindInvalid accepts any type.
type Want struct {
	Kind    Kind
	Money   bool
	Integer bool // a number must be whole
}

// Vars is the typed environment of an entity's expressions: its fields,
// old (the stored values on update), user, and the function table. It is
// built once per entity and is safe for concurrent use.
type Vars struct {
	list   []Var
	byName map[string]Var
	sample map[string]any // typed values for the checker
	// absent is old of a create: every field as expressions see it
	// without a value. Shared by the scopes, never written.
	absent map[string]any
	// Phone and Email normalise a phone number and an e-mail address the
	// way the field types do (normalizePhone, normalizeEmail); ok is false
	// when the text is not one.
	Phone, Email func(string) (string, bool)
}

// NewVars makes the environment of an entity's expressions.
func NewVars(vars []Var) *Vars {
	v := &Vars{list: vars, byName: make(map[string]Var, len(vars)), sample: make(map[string]any, len(vars)+3),
		absent: make(map[string]any, len(vars))}
	old := make(map[string]any, len(vars))
	for _, f := range vars {
		v.byName[f.Name] = f
		v.sample[f.Name] = sampleOf(f)
		old[f.Name] = sampleOf(f)
		v.absent[f.Name] = toEnv(f, nil, time.UTC) // the same in every zone
	}
	v.sample["old"] = old
	v.sample["user"] = userVal{}
	v.sample[runName] = (*run)(nil)
	return v
}

// Var returns the named field.
func (v *Vars) Var(name string) (Var, bool) { f, ok := v.byName[name]; return f, ok }

// userVal is user in expressions: user.id, user.roles, user.team.
type userVal struct {
	ID    string   `expr:"id"`
	Roles []string `expr:"roles"`
	Team  string   `expr:"team"`
}

var timeType = reflect.TypeOf(time.Time{})

func sampleOf(f Var) any {
	switch {
	case f.Money:
		return Money{}
	case f.Kind == KindString:
		return ""
	case f.Kind == KindNumber:
		return 0.0
	case f.Kind == KindBool:
		return false
	case f.Kind == KindDate, f.Kind == KindDateTime:
		return time.Time{}
	case f.Kind == KindStrings:
		return []string{}
	}
	return map[string]any{} // json: members of any type
}

// Program is a compiled expression. It is immutable and safe for
// concurrent use.
type Program struct {
	Source string
	// Type is the result type's name: text, number, bool, datetime, list,
	// money, or any when only running it tells.
	Type string
	// Refs are the fields the expression reads (changed("x") included),
	// in the order they first appear.
	Refs []string
	// Old reports whether it reads old or changed().
	Old bool
	// Calendars are the calendars it names by a constant, for the
	// compiler's caller to check ("" and "default" are left out: the
	// default calendar always exists).
	Calendars []CalendarRef
	want      Want
	prog      *vm.Program
}

// Compile checks src against the environment and the type the place needs
// and compiles it. Errors are an EInvalid *morph.Error whose FieldErrors
// have an empty Path (the caller keys them by the pointer of the place), a
// code (syntax, too_long, too_complex, unknown_field, type_mismatch,
// result_type) and the 0-based rune offset of the problem in src.
func (v *Vars) Compile(src string, want Want) (*Program, error) {
	if len(src) > MaxExprLen {
		off := utf8.RuneCountInString(src[:MaxExprLen])
		return nil, exprError("too_long", off, morph.T("The expression is longer than %d bytes", "表达式超过 %d 字节", MaxExprLen))
	}
	if strings.TrimSpace(src) == "" {
		return nil, exprError("empty", 0, morph.T("The expression is empty", "表达式为空"))
	}
	refs := &refCollector{vars: v}
	opts := []expr.Option{
		expr.Env(v.sample),
		expr.MaxNodes(MaxExprNodes),
		// Unoptimised, a range is made when the expression runs, where
		// the memory budget counts it (the optimiser would build constant
		// ranges while compiling, unbounded).
		expr.Optimize(false),
		expr.DisableAllBuiltins(),
		expr.Patch(refs),
		expr.Patch(runPatch{}),
	}
	for _, b := range safeBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	for _, f := range functions {
		opts = append(opts, expr.Function(f.name, f.call, f.types...))
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, compileError(src, err)
	}
	if refs.err != nil {
		return nil, refs.err
	}
	if err := checkCalls(prog.Node(), src); err != nil {
		return nil, err
	}
	if n := nestedLoop(prog.Node()); n != nil {
		return nil, exprError("too_complex", n.Location().From, morph.T(
			"A loop (all, any, count, filter …) inside another one is not allowed", "不允许在循环（all、any、count、filter 等）中再嵌套循环"))
	}
	p := &Program{Source: src, want: want, prog: prog, Refs: refs.names, Old: refs.old, Calendars: refs.calendars}
	t := prog.Node().Type()
	p.Type = typeName(t)
	if !fits(t, want) {
		return nil, exprError("result_type", 0, morph.T("The expression gives %s where %s is needed",
			"表达式的结果是 %s，此处需要 %s", p.Type, wantName(want)))
	}
	return p, nil
}

// safeBuiltins are the builtins of expr-lang that expressions may use:
// their cost is bounded by their inputs and the memory budget. Those that
// can build large values from small ones (repeat, replace, map, reduce,
// …) or read the clock on their own (now, date) are left out; the
// function table has Morph's versions.
var safeBuiltins = []string{
	"all", "none", "any", "one", "filter", "find", "count", "sum",
	"len", "abs", "ceil", "floor", "int", "float", "string",
	"trim", "trimPrefix", "trimSuffix", "upper", "lower", "split", "join",
	"indexOf", "hasPrefix", "hasSuffix", "max", "min", "mean", "first", "last",
}

// runName is the hidden variable through which functions reach the state
// of the run (the clock, the calendar, old values).
const runName = "$run"

// runPatch passes the run's state to the functions of the table that need
// it, as their first argument.
type runPatch struct{}

func (runPatch) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || !stateful[id.Value] {
		return
	}
	if len(call.Arguments) > 0 {
		if a, ok := call.Arguments[0].(*ast.IdentifierNode); ok && a.Value == runName {
			return // patched already
		}
	}
	n := &ast.CallNode{Callee: call.Callee, Arguments: append([]ast.Node{&ast.IdentifierNode{Value: runName}}, call.Arguments...)}
	ast.Patch(node, n)
}

// refCollector notes the fields an expression reads and checks the
// arguments of changed().
type refCollector struct {
	vars      *Vars
	names     []string
	seen      map[string]bool
	old       bool
	err       error
	calendars []CalendarRef
}

// calendar notes the constant calendar name of a call of a working-time
// function.
func (r *refCollector) calendar(n *ast.CallNode, f *function) {
	i := 0
	for _, a := range n.Arguments {
		if id, ok := a.(*ast.IdentifierNode); ok && id.Value == runName {
			continue
		}
		if i == f.calArg {
			if s, ok := a.(*ast.StringNode); ok && s.Value != "" && s.Value != DefaultCalendarName &&
				!slices.ContainsFunc(r.calendars, func(c CalendarRef) bool { return c.Name == s.Value }) {
				r.calendars = append(r.calendars, CalendarRef{Name: s.Value, Offset: a.Location().From})
			}
			return
		}
		i++
	}
}

func (r *refCollector) add(name string) {
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[name] {
		r.seen[name] = true
		r.names = append(r.names, name)
	}
}

func (r *refCollector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "old" {
			r.old = true
		}
		if _, ok := r.vars.byName[n.Value]; ok {
			r.add(n.Value)
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		if f := byName[id.Value]; f != nil && f.calArg > 0 {
			r.calendar(n, f)
			return
		}
		if id.Value != "changed" {
			return
		}
		r.old = true
		for _, a := range n.Arguments {
			if a, ok := a.(*ast.IdentifierNode); ok && a.Value == runName {
				continue
			}
			s, ok := a.(*ast.StringNode)
			if !ok || r.vars.byName[s.Value].Name == "" {
				if r.err == nil {
					r.err = exprError("unknown_field", a.Location().From, morph.T(
						`changed() takes the name of a field in quotes, such as changed("stage")`,
						`changed() 的参数必须是带引号的字段名，例如 changed("stage")`))
				}
				continue
			}
			r.add(s.Value)
		}
	}
}

// checkCalls checks the arguments of every call of the function table
// against its signatures. expr-lang's checker misses a call nested in
// another call of a function with several signatures; this does not.
func checkCalls(root ast.Node, src string) error {
	var bad *ast.CallNode
	var fn *function
	ast.Walk(&root, visitFunc(func(n *ast.Node) {
		call, ok := (*n).(*ast.CallNode)
		if !ok || bad != nil {
			return
		}
		id, ok := call.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		f := byName[id.Value]
		if f == nil {
			return
		}
		for _, t := range f.types {
			if argsFit(reflect.TypeOf(t).Elem(), call.Arguments) {
				return
			}
		}
		bad, fn = call, f
	}))
	if bad == nil {
		return nil
	}
	off := bad.Location().From
	if n := utf8.RuneCountInString(src); off < 0 || off > n {
		off = 0
	}
	return exprError("type_mismatch", off, morph.T("The arguments do not fit %s: %s", "参数不符合 %s 的要求：%s", fn.name, fn.doc))
}

func argsFit(t reflect.Type, args []ast.Node) bool {
	n := t.NumIn()
	if !t.IsVariadic() && len(args) != n || t.IsVariadic() && len(args) < n-1 {
		return false
	}
	for i, a := range args {
		var want reflect.Type
		if t.IsVariadic() && i >= n-1 {
			want = t.In(n - 1).Elem()
		} else {
			want = t.In(i)
		}
		if id, ok := a.(*ast.IdentifierNode); ok && id.Value == runName {
			if want != reflect.TypeOf((*run)(nil)) {
				return false
			}
			continue
		}
		if !argFits(a.Type(), want) {
			return false
		}
	}
	return true
}

func argFits(got, want reflect.Type) bool {
	switch {
	case got == nil, got.Kind() == reflect.Interface, want.Kind() == reflect.Interface:
		return true
	case got.AssignableTo(want):
		return true
	}
	return typeName(got) == "number" && typeName(want) == "number"
}

// byName indexes the function table.
var byName = map[string]*function{}

func init() {
	for i := range functions {
		byName[functions[i].name] = &functions[i]
	}
}

// nestedLoop returns a predicate inside another predicate, or nil: one
// level of iteration over a list keeps an expression's running time in
// proportion to the record (and to the memory budget, which counts
// ranges), where nested ones would multiply.
func nestedLoop(root ast.Node) ast.Node {
	var found ast.Node
	ast.Walk(&root, visitFunc(func(n *ast.Node) {
		p, ok := (*n).(*ast.PredicateNode)
		if !ok || found != nil {
			return
		}
		ast.Walk(&p.Node, visitFunc(func(m *ast.Node) {
			if _, ok := (*m).(*ast.PredicateNode); ok && found == nil {
				found = *m
			}
		}))
	}))
	return found
}

type visitFunc func(*ast.Node)

func (f visitFunc) Visit(n *ast.Node) { f(n) }

func typeName(t reflect.Type) string {
	if t == nil {
		return "any"
	}
	switch {
	case t == timeType:
		return "datetime"
	case t == reflect.TypeOf(Money{}):
		return "money"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "any"
}

func wantName(w Want) string {
	switch {
	case w.Money:
		return "money or number"
	case w.Kind == KindString:
		return "text"
	case w.Kind == KindNumber:
		return "number"
	case w.Kind == KindBool:
		return "bool"
	case w.Kind == KindDate:
		return "date"
	case w.Kind == KindDateTime:
		return "datetime"
	case w.Kind == KindStrings:
		return "list"
	}
	return "any"
}

// fits reports whether a result of static type t can serve where w is
// needed. An unknown (interface) type is checked when the expression runs.
func fits(t reflect.Type, w Want) bool {
	if t == nil || t.Kind() == reflect.Interface || w.Kind == KindInvalid || w.Kind == KindObject {
		return true
	}
	name := typeName(t)
	switch w.Kind {
	case KindString:
		return name == "text"
	case KindNumber:
		return name == "number" || w.Money && name == "money"
	case KindBool:
		return name == "bool"
	case KindDate, KindDateTime:
		return name == "datetime" || name == "text"
	case KindStrings:
		return name == "list"
	}
	return false
}

func exprError(code string, offset int, t morph.Text) *morph.Error {
	return &morph.Error{Code: morph.EInvalid, Text: t,
		Fields: []morph.FieldError{{Code: code, Text: t, Offset: offset}}}
}

// compileError turns expr-lang's error into one with a rune offset.
func compileError(src string, err error) error {
	var fe *file.Error
	if !errors.As(err, &fe) || strings.Contains(fe.Message, "runtime error") {
		// expr-lang's compiler failed on a tree its checker passed: in
		// practice, calls whose arguments do not fit.
		return exprError("type_mismatch", 0, morph.T("The expression does not compile: the arguments of a function call do not fit it",
			"表达式无法编译：函数调用的参数不符合要求"))
	}
	msg := fe.Message
	code := "type_mismatch"
	switch {
	case strings.Contains(msg, "exceeds maximum allowed nodes"):
		return exprError("too_complex", 0, morph.T("The expression has more than %d parts", "表达式超过 %d 个组成部分", MaxExprNodes))
	case strings.HasPrefix(msg, "unknown name"):
		code = "unknown_field"
	case strings.HasPrefix(msg, "unexpected token"), strings.HasPrefix(msg, "unexpected"), strings.Contains(msg, "expected"):
		code = "syntax"
	}
	off := fe.From
	if off < 0 {
		off = 0
	}
	if n := utf8.RuneCountInString(src); off > n || strings.Contains(msg, "EOF") {
		off = n // the expression ends too soon
	}
	msg = strings.ReplaceAll(msg, runName+", ", "")
	return exprError(code, off, morph.T("%s (at character %d)", "%s（第 %d 个字符处）", msg, off+1))
}

// Scope is the state of one record's evaluation: the values expressions
// see, kept current as formulas compute theirs. It is not safe for
// concurrent use.
type Scope struct {
	vars *Vars
	env  map[string]any
	run  *run
}

// run is what the functions of the table reach through runName.
type run struct {
	now      time.Time
	loc      *time.Location
	calendar func(name string) *Calendar
	manager  func(user string) string
	vars     *Vars
	data     map[string]any // the new values as stored (kept current by Set)
	old      map[string]any // the stored values; nil on create
}

// NewScope makes the scope of one evaluation over data (the new values as
// stored) and old (the stored values; nil on create). env gives now() —
// whose location is the business time zone — and user, and the calendars.
// Set writes into data; old is only read.
func (v *Vars) NewScope(data, old map[string]any, env Env) *Scope {
	loc := env.Now.Location()
	if loc == nil {
		loc = time.UTC
	}
	r := &run{now: env.Now, loc: loc, calendar: env.Calendar, manager: env.Manager, vars: v, data: data, old: old}
	s := &Scope{vars: v, run: r, env: make(map[string]any, len(v.list)+3)}
	for _, f := range v.list {
		s.env[f.Name] = toEnv(f, data[f.Name], loc)
	}
	if old == nil {
		s.env["old"] = v.absent
	} else {
		oldEnv := make(map[string]any, len(v.list))
		for _, f := range v.list {
			oldEnv[f.Name] = toEnv(f, old[f.Name], loc)
		}
		s.env["old"] = oldEnv
	}
	s.env["user"] = userVal{ID: env.User.ID, Roles: env.User.Roles, Team: env.User.Team}
	s.env[runName] = r
	return s
}

// Set gives a field a new value (as stored) for the expressions that run
// after (changed() included: it is written into the scope's data).
func (s *Scope) Set(name string, stored any) {
	if f, ok := s.vars.byName[name]; ok {
		s.env[name] = toEnv(f, stored, s.run.loc)
		if stored == nil {
			delete(s.run.data, name)
		} else {
			s.run.data[name] = stored
		}
	}
}

// RunError is a failure of an expression while it ran: a wrong type met
// only then, the memory budget, a function's refusal.
type RunError struct {
	Source string
	Msg    string
}

func (e *RunError) Error() string { return e.Msg }

// Run evaluates the program in the scope and returns its result in the
// stored form of the type the place needs: text, a float64, a bool, a date
// "2006-01-02" or a datetime "2006-01-02T15:04:05.000Z", a list of strings
// ([]any), {"amount", "currency"}; nil for no value. A failure is a
// *RunError; it never panics.
func (p *Program) Run(s *Scope) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, &RunError{Source: p.Source, Msg: "the expression failed"}
		}
	}()
	machine := machines.Get().(*vm.VM)
	v, err := machine.Run(p.prog, s.env)
	machines.Put(machine) // after a panic in Run (recovered above) it is dropped
	if err != nil {
		return nil, &RunError{Source: p.Source, Msg: runMessage(err, p.Source)}
	}
	return p.stored(v, s.run.loc)
}

// machines are the virtual machines expressions run on: one is reused
// with its stack, run after run.
var machines = sync.Pool{New: func() any { return &vm.VM{MemoryBudget: MaxExprMemory} }}

// Bool runs a condition: a nil result is false.
func (p *Program) Bool(s *Scope) (bool, error) {
	v, err := p.Run(s)
	if err != nil {
		return false, err
	}
	b, _ := v.(bool)
	return b, nil
}

// stored converts a result into the stored form the place needs.
func (p *Program) stored(v any, loc *time.Location) (any, error) {
	v = jsonValue(v, loc)
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		return nil, &RunError{Source: p.Source, Msg: fmt.Sprintf("the result is %s where %s is needed", kindOf(v), wantName(p.want))}
	}
	switch p.want.Kind {
	case KindString:
		if _, ok := v.(string); !ok {
			return bad()
		}
	case KindNumber:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return bad()
			}
			if p.want.Integer && x != math.Trunc(x) {
				return nil, &RunError{Source: p.Source, Msg: "the result is a fraction where a whole number is needed (use round)"}
			}
		case map[string]any:
			if !p.want.Money {
				return bad()
			}
		default:
			return bad()
		}
	case KindBool:
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case KindDate:
		switch x := v.(type) {
		case string:
		case timeResult:
			return x.t.In(loc).Format("2006-01-02"), nil
		default:
			return bad()
		}
	case KindDateTime:
		switch x := v.(type) {
		case string:
		case timeResult:
			return x.t.UTC().Format(TimeLayout), nil
		default:
			return bad()
		}
	case KindStrings:
		list, ok := v.([]any)
		if !ok {
			return bad()
		}
		for _, e := range list {
			if _, ok := e.(string); !ok {
				return bad()
			}
		}
	}
	if t, ok := v.(timeResult); ok {
		return t.t.UTC().Format(TimeLayout), nil
	}
	return v, nil
}

// timeResult marks a time in a converted result until the place decides
// its stored form (a date or a datetime).
type timeResult struct{ t time.Time }

// kindOf names the type of a converted result, never its value.
func kindOf(v any) string {
	switch x := v.(type) {
	case string:
		return "text"
	case bool:
		return "bool"
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "not a finite number"
		}
		return "number"
	case timeResult:
		return "datetime"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "any"
}

// runMessage describes a run-time failure without the values of the
// record (expr-lang's own messages quote them): it goes to the caller and to
// the log, and a value may be one the caller may not read, or personal
// data. A function's refusal is told as it is; the rest by kind, with the
// position in the expression.
func runMessage(err error, src string) string {
	var fe funcError
	if errors.As(err, &fe) {
		return string(fe)
	}
	msg := err.Error()
	if strings.Contains(msg, "memory budget exceeded") {
		return fmt.Sprintf("the expression needs more memory than the budget of %d allows", MaxExprMemory)
	}
	pos := ""
	var fl *file.Error
	if errors.As(err, &fl) && fl.From >= 0 {
		pos = fmt.Sprintf(" at character %d", min(fl.From, utf8.RuneCountInString(src))+1)
	}
	return "a value of the wrong type, or a missing value, was met" + pos
}

// jsonValue converts an expression's value into JSON data: numbers become
// float64, lists []any, Money {"amount", "currency"}; times are marked.
func jsonValue(v any, loc *time.Location) any {
	switch x := v.(type) {
	case nil, string, bool, float64:
		return v
	case time.Time:
		return timeResult{x}
	case Money:
		return map[string]any{"amount": x.Amount, "currency": x.Currency}
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			e = jsonValue(e, loc)
			if t, ok := e.(timeResult); ok {
				e = t.t.UTC().Format(TimeLayout)
			}
			out[i] = e
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			e = jsonValue(e, loc)
			if t, ok := e.(timeResult); ok {
				e = t.t.UTC().Format(TimeLayout)
			}
			out[k] = e
		}
		return out
	}
	if f, ok := toFloat(v); ok {
		return f
	}
	return fmt.Sprint(v)
}

// toEnv converts a stored value into what expressions see: absent text is
// "", an absent number 0, an absent bool false, an absent list empty; an
// absent date, datetime or json value is nil.
func toEnv(f Var, v any, loc *time.Location) any {
	switch {
	case f.Money:
		m := Money{}
		if o, ok := v.(map[string]any); ok {
			m.Amount, _ = toFloat(o["amount"])
			m.Currency, _ = o["currency"].(string)
		} else if n, ok := toFloat(v); ok {
			m.Amount = n
		}
		return m
	case f.Kind == KindString:
		s, _ := v.(string)
		return s
	case f.Kind == KindNumber:
		n, _ := toFloat(v)
		return n
	case f.Kind == KindBool:
		b, _ := v.(bool)
		return b
	case f.Kind == KindDate:
		s, _ := v.(string)
		if s == "" {
			return nil // not parsed: a parse error allocates
		}
		if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			return t
		}
		return nil
	case f.Kind == KindDateTime:
		s, _ := v.(string)
		if s == "" {
			return nil
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.In(loc)
		}
		return nil
	case f.Kind == KindStrings:
		out := []string{}
		if list, ok := v.([]any); ok {
			for _, e := range list {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	return v
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}
