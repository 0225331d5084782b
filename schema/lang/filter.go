// Package lang is Morph's expression language over expr-lang/expr: the
// translation of filter expressions into the store's query form, and the
// parsing of sort and field lists. It is a leaf: besides the plain data of
// engine/query and the error type it imports nothing of Morph's.
package lang

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
)

// Limits of a filter.
const (
	MaxFilterLen   = 4096 // bytes of source
	MaxFilterNodes = 200  // nodes of the parsed expression
)

// TimeLayout is the stored form of a datetime (UTC, fixed milliseconds).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// User is the user a filter runs for: user.id, user.team and user.roles.
type User struct {
	ID    string
	Roles []string
	Team  string
}

// Env holds the constants a filter may use besides literals. Each field
// is one constant (or a group of them, such as user.id); a new constant is
// a new field here and a new case in Env.constant.
type Env struct {
	// Now is the value of now(). Its location is the time zone in which
	// dates are read: today() is the date of Now there, and a date such as
	// "2026-05-01" compared with a datetime field means midnight there.
	Now  time.Time
	User User
	// Calendar returns the business calendar of a name ("" is the
	// default) for the working-time functions of expressions; nil, or a
	// nil answer for "" or "default", means Monday to Friday, 09:00–18:00,
	// in Now's location.
	Calendar func(name string) *Calendar
	// Manager returns the id of the manager of a user's team (when the
	// user manages it: of the team above), "" for none; managerOf() in
	// expressions. Only workflow rules' actions set it; elsewhere
	// managerOf() is "".
	Manager func(user string) string
}

// Filter translates a filter expression into the store's query form; the
// expression is parsed, never evaluated. An empty (or blank) filter is nil,
// which matches everything.
//
// The translatable subset: comparisons (== != < <= > >=) of a field with a
// constant on either side, && and, || or, ! not, field in [list],
// field not in [list], "x" in listField, field contains "s", field
// startsWith "s", field == nil and != nil, parentheses, and the constants
// now(), today(), user.id, user.team and user.roles. A field is a name
// resolved through resolve, possibly a path (address.city). Numbers are
// float64 in the result; dates and datetimes are their normalised strings.
// A condition over constants only (such as "manager" in user.roles) is
// decided here and becomes an empty And (true) or an empty Or (false).
//
// Every other input is an EInvalidFilter *morph.Error carrying one
// FieldError with Path "filter", a code (syntax, too_long, too_complex,
// unknown_field, type_mismatch, not_supported) and the 0-based rune offset of
// the problem in src.
func Filter(src string, resolve Resolver, env Env) (query.Expr, error) {
	if len(src) > MaxFilterLen {
		off := utf8.RuneCountInString(src[:MaxFilterLen])
		return nil, filterError("too_long", off, morph.T("The filter is longer than %d bytes", "筛选条件超过 %d 字节", MaxFilterLen))
	}
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	tree, err := parse(src)
	if err != nil {
		return nil, err
	}
	t := translator{resolve: resolve, env: &env}
	return t.cond(tree.Node)
}

// parseConfig is shared by every parse; the parser only reads it.
var parseConfig = &conf.Config{MaxNodes: MaxFilterNodes}

// Lists repeat the same few filters, so parsed trees are kept (the
// translation, which depends on the entity and the constants, is not).
// Trees are never modified after parsing, so they are shared freely.
var (
	treesMu sync.RWMutex
	trees   = make(map[string]*parser.Tree)
)

// Bounds of the kept trees: at most maxTrees, of sources up to maxTreeSrc
// bytes (longer filters are rare and parsed each time).
const (
	maxTrees   = 1024
	maxTreeSrc = 512
)

func parse(src string) (*parser.Tree, error) {
	treesMu.RLock()
	tree := trees[src]
	treesMu.RUnlock()
	if tree != nil {
		return tree, nil
	}
	keep := len(src) <= maxTreeSrc
	if keep {
		// A kept tree outlives the call: it must not share memory with the
		// caller's string (servers reuse request buffers).
		src = strings.Clone(src)
	}
	tree, err := parser.ParseWithConfig(src, parseConfig)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	if keep {
		treesMu.Lock()
		if len(trees) >= maxTrees {
			clear(trees)
		}
		trees[src] = tree
		treesMu.Unlock()
	}
	return tree, nil
}

// kind is what an operand of a condition is.
type kind uint8

const (
	opField    kind = iota // a field of the record
	opNil                  // nil
	opString               // a string literal, user.id, user.team
	opNumber               // a number literal
	opBool                 // true, false
	opDate                 // today()
	opDateTime             // now()
	opStrings              // user.roles
	opList                 // an array literal (only right of in)
)

// operand is one side of a comparison: a field or a constant.
type operand struct {
	kind  kind
	field Field    // opField
	name  string   // opField: the name used in the filter
	str   string   // opString, opDate, opDateTime
	num   float64  // opNumber
	b     bool     // opBool
	strs  []string // opStrings
	node  ast.Node
	pos   int // rune offset where the operand starts
}

type translator struct {
	resolve Resolver
	env     *Env
}

var (
	always = query.And{} // matches everything
	never  = query.Or{}  // matches nothing
)

func isAlways(e query.Expr) bool { a, ok := e.(query.And); return ok && len(a) == 0 }
func isNever(e query.Expr) bool  { o, ok := e.(query.Or); return ok && len(o) == 0 }

func truth(b bool) query.Expr {
	if b {
		return always
	}
	return never
}

// cond translates a node that must be a condition.
func (t *translator) cond(n ast.Node) (query.Expr, error) {
	switch x := n.(type) {
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and", "||", "or":
			l, err := t.cond(x.Left)
			if err != nil {
				return nil, err
			}
			r, err := t.cond(x.Right)
			if err != nil {
				return nil, err
			}
			if x.Operator == "&&" || x.Operator == "and" {
				return and(l, r), nil
			}
			return or(l, r), nil
		case "==", "!=", "<", "<=", ">", ">=":
			return t.compare(x)
		case "in":
			return t.in(x, false)
		case "contains", "startsWith":
			return t.text(x)
		}
		return nil, unsupportedOperator(x)
	case *ast.UnaryNode:
		if x.Operator != "!" && x.Operator != "not" {
			break
		}
		// "a not in b" and "not (a in b)": Nin for a list, Not(Has) for a list field.
		if b, ok := x.Node.(*ast.BinaryNode); ok && b.Operator == "in" {
			return t.in(b, true)
		}
		e, err := t.cond(x.Node)
		if err != nil {
			return nil, err
		}
		return not(e), nil
	case *ast.BoolNode:
		return truth(x.Value), nil
	case *ast.IdentifierNode, *ast.MemberNode, *ast.ChainNode:
		o, err := t.operand(n)
		if err != nil {
			return nil, err
		}
		switch {
		case o.kind == opField && o.field.Kind == KindBool:
			return query.Cmp{Field: o.field.Path, Op: query.Eq, Value: true}, nil
		case o.kind == opField:
			return nil, at(o.pos, "type_mismatch", morph.T("%s is not a yes/no field; compare it with a value", "%s 不是是/否字段，请与某个值比较", o.name))
		}
		return nil, at(o.pos, "not_supported", morph.T("A value alone is not a condition; compare a field with it", "单独的值不是条件，请将字段与它比较"))
	}
	return nil, unsupported(n)
}

// and joins two conditions, merging nested Ands and deciding constant ones.
func and(l, r query.Expr) query.Expr {
	switch {
	case isNever(l) || isNever(r):
		return never
	case isAlways(l):
		return r
	case isAlways(r):
		return l
	}
	out, ok := l.(query.And)
	if !ok {
		out = append(make(query.And, 0, 4), l)
	}
	if ra, ok := r.(query.And); ok {
		return append(out, ra...)
	}
	return append(out, r)
}

// or joins two conditions, merging nested Ors and deciding constant ones.
func or(l, r query.Expr) query.Expr {
	switch {
	case isAlways(l) || isAlways(r):
		return always
	case isNever(l):
		return r
	case isNever(r):
		return l
	}
	out, ok := l.(query.Or)
	if !ok {
		out = append(make(query.Or, 0, 4), l)
	}
	if ro, ok := r.(query.Or); ok {
		return append(out, ro...)
	}
	return append(out, r)
}

func not(e query.Expr) query.Expr {
	switch x := e.(type) {
	case query.Not:
		return x.X
	case query.And:
		if len(x) == 0 {
			return never
		}
	case query.Or:
		if len(x) == 0 {
			return always
		}
	}
	return query.Not{X: e}
}

var (
	direct  = map[string]query.Op{"==": query.Eq, "!=": query.Ne, "<": query.Lt, "<=": query.Lte, ">": query.Gt, ">=": query.Gte}
	flipped = map[string]query.Op{"==": query.Eq, "!=": query.Ne, "<": query.Gt, "<=": query.Gte, ">": query.Lt, ">=": query.Lte}
)

func (t *translator) compare(x *ast.BinaryNode) (query.Expr, error) {
	l, err := t.operand(x.Left)
	if err != nil {
		return nil, err
	}
	r, err := t.operand(x.Right)
	if err != nil {
		return nil, err
	}
	op := direct[x.Operator]
	switch {
	case l.kind == opField && r.kind == opField:
		return nil, at(x.Location().From, "not_supported", morph.T("Two fields cannot be compared in a filter; compare a field with a value", "筛选条件中不能比较两个字段，请将字段与值比较"))
	case l.kind != opField && r.kind != opField:
		return t.compareConst(x, op, l, r)
	case l.kind != opField:
		l, r = r, l
		op = flipped[x.Operator]
	}
	v, err := t.value(l, r, op)
	if err != nil {
		return nil, err
	}
	return query.Cmp{Field: l.field.Path, Op: op, Value: v}, nil
}

// value checks that constant c can be compared with field f by op and
// returns it in the form the store compares.
func (t *translator) value(f, c operand, op query.Op) (any, error) {
	k := f.field.Kind
	ordering := op != query.Eq && op != query.Ne
	switch c.kind {
	case opNil:
		if ordering {
			return nil, at(c.pos, "type_mismatch", morph.T("nil can only be compared with == or !=", "nil 只能用 == 或 != 比较"))
		}
		return nil, nil
	case opStrings, opList:
		return nil, at(c.pos, "type_mismatch", morph.T("A list can only follow in", "列表只能用在 in 之后"))
	}
	if k == KindStrings {
		return nil, at(f.pos, "type_mismatch", morph.T(`%[1]s holds a list; use "value" in %[1]s`, `%[1]s 是列表字段，请使用 "值" in %[1]s`, f.name))
	}
	if k == KindBool && ordering {
		return nil, at(f.pos, "type_mismatch", morph.T("%s is a yes/no field and cannot be ordered; use == or !=", "%s 是是/否字段，不能比较大小，请使用 == 或 !=", f.name))
	}
	mismatch := func() error {
		want := kindText(k)
		return at(c.pos, "type_mismatch", morph.Text{
			EN: f.name + " is compared with a value of the wrong type: " + want.EN + " expected",
			ZH: f.name + " 与类型不符的值比较：需要" + want.ZH,
		})
	}
	switch k {
	case KindString:
		if c.kind == opString {
			return c.str, nil
		}
	case KindNumber:
		if c.kind == opNumber {
			return c.num, nil
		}
	case KindBool:
		if c.kind == opBool {
			return c.b, nil
		}
	case KindDate:
		switch c.kind {
		case opDate:
			return c.str, nil
		case opDateTime: // now() against a date: today
			return t.env.Now.Format(time.DateOnly), nil
		case opString:
			if _, err := time.Parse(time.DateOnly, c.str); err != nil || len(c.str) != len(time.DateOnly) {
				return nil, at(c.pos, "type_mismatch", morph.T(`%q is not a date such as "2026-05-01"`, `%q 不是日期，例如 "2026-05-01"`, c.str))
			}
			return c.str, nil
		}
	case KindDateTime:
		switch c.kind {
		case opDateTime:
			return c.str, nil
		case opDate, opString:
			tm, ok := t.parseTime(c.str)
			if !ok {
				return nil, at(c.pos, "type_mismatch", morph.T(`%q is not a date and time such as "2026-05-01T09:30:00+08:00"`, `%q 不是日期时间，例如 "2026-05-01T09:30:00+08:00"`, c.str))
			}
			return tm.UTC().Format(TimeLayout), nil
		}
	}
	return nil, mismatch()
}

// timeLayouts are the forms a datetime may take in a filter; those without
// a zone are read in the time zone of Env.Now.
var timeLayouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},
	{time.DateOnly, false},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02T15:04", false},
	{time.DateTime, false},
	{"2006-01-02 15:04", false},
}

func (t *translator) parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		var tm time.Time
		var err error
		if l.zoned {
			tm, err = time.Parse(l.layout, s)
		} else {
			tm, err = time.ParseInLocation(l.layout, s, t.env.Now.Location())
		}
		if err == nil {
			return tm, true
		}
	}
	return time.Time{}, false
}

// compareConst decides a comparison of two constants.
func (t *translator) compareConst(x *ast.BinaryNode, op query.Op, l, r operand) (query.Expr, error) {
	ordering := op != query.Eq && op != query.Ne
	if l.kind == opNil || r.kind == opNil {
		if ordering {
			return nil, at(x.Location().From, "type_mismatch", morph.T("nil can only be compared with == or !=", "nil 只能用 == 或 != 比较"))
		}
		return truth((l.kind == r.kind) == (op == query.Eq)), nil
	}
	c, ok := order(l, r)
	if !ok {
		return nil, at(x.Location().From, "type_mismatch", morph.T("These values cannot be compared", "这些值不能比较"))
	}
	if c == unordered && ordering {
		return nil, at(x.Location().From, "type_mismatch", morph.T("Yes/no values cannot be ordered", "是/否值不能比较大小"))
	}
	switch op {
	case query.Eq:
		return truth(c == 0), nil
	case query.Ne:
		return truth(c != 0), nil
	case query.Lt:
		return truth(c < 0), nil
	case query.Lte:
		return truth(c <= 0), nil
	case query.Gt:
		return truth(c > 0), nil
	}
	return truth(c >= 0), nil
}

// unordered is what order returns for unequal bools.
const unordered = 2

// order compares two non-nil scalar constants: -1, 0, 1 (or unordered for
// unequal bools); ok is false when their types differ. Dates and datetimes
// compare as strings, as the store compares them.
func order(l, r operand) (int, bool) {
	textual := func(k kind) bool { return k == opString || k == opDate || k == opDateTime }
	switch {
	case textual(l.kind) && textual(r.kind):
		return strings.Compare(l.str, r.str), true
	case l.kind == opNumber && r.kind == opNumber:
		switch {
		case l.num < r.num:
			return -1, true
		case l.num > r.num:
			return 1, true
		}
		return 0, true
	case l.kind == opBool && r.kind == opBool:
		if l.b == r.b {
			return 0, true
		}
		return unordered, true
	}
	return 0, false
}

// in translates "a in b", or "a not in b" when negate is set.
func (t *translator) in(x *ast.BinaryNode, negate bool) (query.Expr, error) {
	l, err := t.operand(x.Left)
	if err != nil {
		return nil, err
	}
	switch l.kind {
	case opField:
		return t.fieldIn(x, l, negate)
	case opList, opStrings:
		return nil, at(l.pos, "not_supported", morph.T("A list cannot be on the left of in", "in 的左侧不能是列表"))
	}
	r, err := t.operand(x.Right)
	if err != nil {
		return nil, err
	}
	var e query.Expr
	switch r.kind {
	case opField: // "value" in listField
		if r.field.Kind != KindStrings {
			return nil, at(r.pos, "type_mismatch", morph.T(`%[1]s is not a list field; use %[1]s == "value" or %[1]s contains "text"`, `%[1]s 不是列表字段，请使用 %[1]s == "值" 或 %[1]s contains "文本"`, r.name))
		}
		if l.kind != opString {
			return nil, at(l.pos, "type_mismatch", morph.T("%s holds text; the value must be text", "%s 中是文本，值必须是文本", r.name))
		}
		e = query.Cmp{Field: r.field.Path, Op: query.Has, Value: l.str}
	case opStrings: // "value" in user.roles
		found := false
		if l.kind == opString {
			for _, s := range r.strs {
				found = found || s == l.str
			}
		}
		e = truth(found)
	case opList:
		arr := r.node.(*ast.ArrayNode)
		found := false
		for _, n := range arr.Nodes {
			c, err := t.listItem(n)
			if err != nil {
				return nil, err
			}
			if c.kind == opNil || l.kind == opNil {
				found = found || c.kind == l.kind
				continue
			}
			if v, ok := order(l, c); ok && v == 0 {
				found = true
			}
		}
		e = truth(found)
	default:
		return nil, at(r.pos, "not_supported", morph.T("in needs a list in brackets or a list field on the right", "in 右侧必须是方括号中的列表或列表字段"))
	}
	if negate {
		return not(e), nil
	}
	return e, nil
}

// fieldIn translates "field in [a, b]" and "field in user.roles".
func (t *translator) fieldIn(x *ast.BinaryNode, f operand, negate bool) (query.Expr, error) {
	op := query.In
	if negate {
		op = query.Nin
	}
	if f.field.Kind == KindStrings {
		return nil, at(f.pos, "type_mismatch", morph.T(`%[1]s holds a list; use "value" in %[1]s`, `%[1]s 是列表字段，请使用 "值" in %[1]s`, f.name))
	}
	var vals []any
	switch r := x.Right.(type) {
	case *ast.ArrayNode:
		vals = make([]any, 0, len(r.Nodes))
		for _, n := range r.Nodes {
			c, err := t.listItem(n)
			if err != nil {
				return nil, err
			}
			if c.kind == opNil {
				return nil, at(c.pos, "type_mismatch", morph.T("nil cannot be in a list; use field == nil", "列表中不能有 nil，请使用 字段 == nil"))
			}
			v, err := t.value(f, c, query.Eq)
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
		}
	default:
		c, err := t.operand(r)
		if err != nil {
			return nil, err
		}
		switch c.kind {
		case opStrings:
			vals = make([]any, 0, len(c.strs))
			for _, s := range c.strs {
				v, err := t.value(f, operand{kind: opString, str: s, pos: c.pos}, query.Eq)
				if err != nil {
					return nil, err
				}
				vals = append(vals, v)
			}
		case opField:
			return nil, at(x.Location().From, "not_supported", morph.T("Two fields cannot be compared in a filter; compare a field with a value", "筛选条件中不能比较两个字段，请将字段与值比较"))
		default:
			return nil, at(c.pos, "not_supported", morph.T("%s in … needs a list of values in brackets", "%s in … 需要方括号中的值列表", f.name))
		}
	}
	return query.Cmp{Field: f.field.Path, Op: op, Value: vals}, nil
}

// listItem is an element of an array literal: a scalar constant.
func (t *translator) listItem(n ast.Node) (operand, error) {
	c, err := t.operand(n)
	if err != nil {
		return c, err
	}
	switch c.kind {
	case opField:
		return c, at(c.pos, "not_supported", morph.T("A list in a filter may hold values only, not fields", "筛选条件中的列表只能包含值，不能包含字段"))
	case opList, opStrings:
		return c, at(c.pos, "not_supported", morph.T("Lists cannot be nested", "列表不能嵌套"))
	}
	return c, nil
}

// text translates contains and startsWith.
func (t *translator) text(x *ast.BinaryNode) (query.Expr, error) {
	l, err := t.operand(x.Left)
	if err != nil {
		return nil, err
	}
	r, err := t.operand(x.Right)
	if err != nil {
		return nil, err
	}
	if r.kind != opString {
		return nil, at(r.pos, "type_mismatch", morph.T("%s needs text on the right", "%s 右侧必须是文本", x.Operator))
	}
	switch {
	case l.kind == opString && x.Operator == "contains":
		return truth(strings.Contains(l.str, r.str)), nil
	case l.kind == opString:
		return truth(strings.HasPrefix(l.str, r.str)), nil
	case l.kind == opField && l.field.Kind != KindString:
		return nil, at(l.pos, "type_mismatch", morph.T("%s needs a text field on the left; %s is not text", "%s 左侧必须是文本字段，%s 不是文本", x.Operator, l.name))
	case l.kind != opField:
		return nil, at(l.pos, "type_mismatch", morph.T("%s needs a text field on the left", "%s 左侧必须是文本字段", x.Operator))
	}
	op := query.Contains
	if x.Operator == "startsWith" {
		op = query.StartsWith
	}
	return query.Cmp{Field: l.field.Path, Op: op, Value: r.str}, nil
}

// operand resolves a node to a field or a constant.
func (t *translator) operand(n ast.Node) (operand, error) {
	pos := n.Location().From
	switch x := n.(type) {
	case *ast.NilNode:
		return operand{kind: opNil, node: n, pos: pos}, nil
	case *ast.StringNode:
		return operand{kind: opString, str: x.Value, node: n, pos: pos}, nil
	case *ast.IntegerNode:
		return operand{kind: opNumber, num: float64(x.Value), node: n, pos: pos}, nil
	case *ast.FloatNode:
		return operand{kind: opNumber, num: x.Value, node: n, pos: pos}, nil
	case *ast.BoolNode:
		return operand{kind: opBool, b: x.Value, node: n, pos: pos}, nil
	case *ast.ArrayNode:
		return operand{kind: opList, node: n, pos: pos}, nil
	case *ast.UnaryNode:
		c, err := t.operand(x.Node)
		if err != nil {
			return c, err
		}
		switch {
		case (x.Operator == "-" || x.Operator == "+") && c.kind == opNumber:
			if x.Operator == "-" {
				c.num = -c.num
			}
			c.node, c.pos = n, pos
			return c, nil
		case (x.Operator == "!" || x.Operator == "not") && c.kind == opBool:
			c.b = !c.b
			c.node, c.pos = n, pos
			return c, nil
		case x.Operator == "!" || x.Operator == "not":
			return c, at(pos, "not_supported", morph.T("%s applies only to what directly follows it; put the condition in parentheses: %s (…)", "%s 只作用于紧随其后的部分，请用括号包住条件：%s (…)", x.Operator, x.Operator))
		}
		return c, at(pos, "not_supported", morph.T("Arithmetic (%s) cannot be used in a filter", "筛选条件中不能使用算术运算（%s）", x.Operator))
	case *ast.BuiltinNode:
		return t.call(x.Name, len(x.Arguments), n)
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok {
			return t.call(id.Value, len(x.Arguments), n)
		}
	case *ast.IdentifierNode, *ast.MemberNode, *ast.ChainNode:
		return t.name(n)
	}
	return operand{}, unsupported(n)
}

// call is the value of now() or today(), the functions a filter may call.
func (t *translator) call(name string, args int, n ast.Node) (operand, error) {
	pos := n.Location().From
	if name != "now" && name != "today" {
		return operand{}, at(pos, "not_supported", morph.T("The function %s cannot be used in a filter; only now() and today() can", "筛选条件中不能使用函数 %s，只能使用 now() 和 today()", name))
	}
	if args != 0 {
		return operand{}, at(pos, "not_supported", morph.T("%s() takes no arguments", "%s() 不接受参数", name))
	}
	if name == "now" {
		return operand{kind: opDateTime, str: t.env.Now.UTC().Format(TimeLayout), node: n, pos: pos}, nil
	}
	return operand{kind: opDate, str: t.env.Now.Format(time.DateOnly), node: n, pos: pos}, nil
}

// name resolves a name (a field, a path into one, or a constant).
func (t *translator) name(n ast.Node) (operand, error) {
	pos := start(n)
	var name string
	if id, ok := n.(*ast.IdentifierNode); ok {
		name = id.Value
	} else {
		var buf [64]byte
		b, ok := dotted(buf[:0], n)
		if !ok {
			return operand{}, at(pos, "not_supported", morph.T("Only field names such as address.city can be used here (no indexes or method calls)", "这里只能使用字段名，例如 address.city（不能使用下标或方法调用）"))
		}
		if c, ok := t.env.constant(b); ok {
			c.node, c.pos = n, pos
			return c, nil
		}
		name = string(b)
	}
	f, ok := t.resolve(name)
	if !ok {
		return operand{}, at(pos, "unknown_field", morph.T("Unknown field %q", "字段 %q 不存在", name))
	}
	switch {
	case f.Kind == KindObject:
		return operand{}, at(pos, "type_mismatch", morph.T("%s is a JSON field and cannot be used in a filter", "%s 是 JSON 字段，不能用于筛选", name))
	case f.Kind <= KindInvalid || f.Kind > KindObject || !validPath(f.Path):
		return operand{}, at(pos, "not_supported", morph.T("%s cannot be used in a filter", "%s 不能用于筛选", name))
	}
	return operand{kind: opField, field: f, name: name, node: n, pos: pos}, nil
}

// validPath is query.ValidPath without a regular expression (which would
// be most of the time a filter takes): a dotted path of ASCII identifiers.
func validPath(p string) bool {
	if len(p) == 0 || len(p) > 256 {
		return false
	}
	head := true // at the start of a segment
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			head = false
		case '0' <= c && c <= '9' && !head:
		case c == '.' && !head:
			head = true
		default:
			return false
		}
	}
	return !head
}

// constant is the value of a constant name of the environment.
func (e *Env) constant(name []byte) (operand, bool) {
	switch string(name) {
	case "user.id":
		return operand{kind: opString, str: e.User.ID}, true
	case "user.team":
		return operand{kind: opString, str: e.User.Team}, true
	case "user.roles":
		return operand{kind: opStrings, strs: e.User.Roles}, true
	}
	return operand{}, false
}

// dotted appends the name that a chain of member accesses on an identifier
// spells ("address.city") to b.
func dotted(b []byte, n ast.Node) ([]byte, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return append(b, x.Value...), true
	case *ast.MemberNode:
		prop, ok := x.Property.(*ast.StringNode)
		if x.Method || !ok {
			return b, false
		}
		b, ok = dotted(b, x.Node)
		if !ok {
			return b, false
		}
		b = append(b, '.')
		return append(b, prop.Value...), true
	case *ast.ChainNode:
		return dotted(b, x.Node)
	}
	return b, false
}

// start is the offset where a node's text starts (expr locates a member
// access at its property and an operation at its operator).
func start(n ast.Node) int {
	for {
		switch x := n.(type) {
		case *ast.MemberNode:
			n = x.Node
		case *ast.ChainNode:
			n = x.Node
		case *ast.BinaryNode:
			n = x.Left
		case *ast.ConditionalNode:
			n = x.Cond
		default:
			return n.Location().From
		}
	}
}

func kindText(k Kind) morph.Text {
	switch k {
	case KindString:
		return morph.T("text", "文本")
	case KindNumber:
		return morph.T("a number", "数字")
	case KindBool:
		return morph.T("true or false", "true 或 false")
	case KindDate:
		return morph.T(`a date such as "2026-05-01" or today()`, `日期，例如 "2026-05-01" 或 today()`)
	case KindDateTime:
		return morph.T(`a date and time such as "2026-05-01T09:30:00+08:00" or now()`, `日期时间，例如 "2026-05-01T09:30:00+08:00" 或 now()`)
	}
	return morph.T("a value", "值")
}

func filterError(code string, offset int, t morph.Text) *morph.Error {
	return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("The filter cannot be used", "筛选条件无法使用"),
		Fields: []morph.FieldError{{Path: "filter", Code: code, Offset: offset, Text: t}}}
}

// at is a filter error at rune offset off; the message gives the position
// counted from 1, as people count.
func at(off int, code string, t morph.Text) *morph.Error {
	t = morph.Text{
		EN: t.EN + " (at character " + strconv.Itoa(off+1) + ")",
		ZH: t.ZH + "（第 " + strconv.Itoa(off+1) + " 个字符处）",
	}
	return filterError(code, off, t)
}

// unsupported explains why a node cannot be part of a filter.
func unsupported(n ast.Node) error {
	pos := n.Location().From
	var t morph.Text
	switch x := n.(type) {
	case *ast.BinaryNode:
		return unsupportedOperator(x)
	case *ast.ConditionalNode:
		pos = start(x.Cond)
		t = morph.T("Conditional expressions (?: and if/else) cannot be used in a filter", "筛选条件中不能使用条件表达式（?: 和 if/else）")
	case *ast.VariableDeclaratorNode:
		t = morph.T("Variables (let) cannot be used in a filter", "筛选条件中不能使用变量（let）")
	case *ast.SequenceNode:
		t = morph.T("A filter is one expression; ; cannot be used", "筛选条件只能是一个表达式，不能使用 ;")
	case *ast.PredicateNode, *ast.PointerNode:
		t = morph.T("Closures cannot be used in a filter", "筛选条件中不能使用闭包")
	case *ast.CallNode:
		if m, ok := x.Callee.(*ast.MemberNode); ok {
			if s, ok := m.Property.(*ast.StringNode); ok {
				return at(pos, "not_supported", morph.T("The method %s cannot be used in a filter", "筛选条件中不能使用方法 %s", s.Value))
			}
		}
		t = morph.T("Only now() and today() can be called in a filter", "筛选条件中只能调用 now() 和 today()")
	case *ast.BuiltinNode:
		return at(pos, "not_supported", morph.T("The function %s cannot be used in a filter; only now() and today() can", "筛选条件中不能使用函数 %s，只能使用 now() 和 today()", x.Name))
	case *ast.SliceNode:
		t = morph.T("Slices cannot be used in a filter", "筛选条件中不能使用切片")
	case *ast.MapNode, *ast.PairNode:
		t = morph.T("Maps cannot be used in a filter", "筛选条件中不能使用映射")
	case *ast.ArrayNode:
		t = morph.T("A list can only follow in", "列表只能用在 in 之后")
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.NilNode, *ast.BytesNode:
		t = morph.T("A value alone is not a condition; compare a field with it", "单独的值不是条件，请将字段与它比较")
	default:
		t = morph.T("This cannot be used in a filter", "筛选条件中不能使用此表达式")
	}
	return at(pos, "not_supported", t)
}

func unsupportedOperator(x *ast.BinaryNode) error {
	pos := x.Location().From
	switch x.Operator {
	case "+", "-", "*", "/", "%", "**", "^":
		return at(pos, "not_supported", morph.T("Arithmetic (%s) cannot be used in a filter", "筛选条件中不能使用算术运算（%s）", x.Operator))
	case "endsWith", "matches":
		return at(pos, "not_supported", morph.T("The operator %s cannot be used in a filter; contains and startsWith can", "筛选条件中不能使用运算符 %s，可以使用 contains 和 startsWith", x.Operator))
	}
	return at(pos, "not_supported", morph.T("The operator %s cannot be used in a filter", "筛选条件中不能使用运算符 %s", x.Operator))
}

func syntaxError(src string, err error) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return filterError("syntax", 0, morph.T("The filter does not parse", "筛选条件无法解析"))
	}
	msg := fe.Message
	switch {
	case strings.Contains(msg, "exceeds maximum allowed nodes"):
		return at(fe.From, "too_complex", morph.T("The filter is too complex (more than %d parts)", "筛选条件过于复杂（超过 %d 个部分）", MaxFilterNodes))
	case strings.HasSuffix(msg, "token EOF") || strings.Contains(msg, "end of expression"):
		return at(utf8.RuneCountInString(src), "syntax", morph.T("The filter ends too early", "筛选条件不完整"))
	}
	return at(fe.From, "syntax", morph.T("The filter does not parse: %s", "筛选条件无法解析：%s", msg))
}
