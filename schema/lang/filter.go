// Package lang is Morph's expression language over expr-lang/expr: the
// translation of filter expressions into the store's query form, and the
// parsing of sort and field lists. It is a leaf: besides the plain data of
// engine/query and the error type it imports nothing of Morph's.
package lang

import (
	"errors"
	"fmt"
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
	MaxFilterLen   = 4096
	MaxFilterNodes = 200
)

// TimeLayout is the stored form of a datetime (UTC, fixed milliseconds).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// User is the user a filter runs for (user.id, user.team, user.roles).
type User struct {
	ID    string
	Roles []string
	Team  string
}

// Env holds the constants a filter may use besides literals.
type Env struct {
	Now  time.Time
	User User
}

// Filter translates a filter expression into the store's query form. Only
// the translatable subset is accepted: comparisons of a field with a
// constant, && || !, in / not in, contains, startsWith, nil checks, and the
// constants now(), today(), user.id and user.team. Anything else is an
// EInvalidFilter error whose field error gives the offset of the problem.
func Filter(src string, resolve Resolver, env Env) (query.Expr, error) {
	if len(src) > MaxFilterLen {
		return nil, filterError("too_long", 0, morph.T("The filter is longer than %d bytes", "筛选条件超过 %d 字节", MaxFilterLen))
	}
	tree, err := parse(src)
	if err != nil {
		return nil, err
	}
	t := translator{resolve: resolve, env: env}
	return t.bool(tree.Node)
}

// Lists repeat the same few filters, so parsed trees are kept (the
// translation, which depends on the entity and the constants, is not).
var (
	treesMu sync.RWMutex
	trees   = map[string]*parser.Tree{}
)

// maxTrees bounds the parsed filters kept.
const maxTrees = 1024

func parse(src string) (*parser.Tree, error) {
	treesMu.RLock()
	tree := trees[src]
	treesMu.RUnlock()
	if tree != nil {
		return tree, nil
	}
	// The tree outlives the call: it must not share memory with the
	// caller's string (servers reuse request buffers).
	src = strings.Clone(src)
	cfg := conf.CreateNew()
	cfg.MaxNodes = MaxFilterNodes
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, syntaxError(src, err)
	}
	treesMu.Lock()
	if len(trees) >= maxTrees {
		clear(trees)
	}
	trees[src] = tree
	treesMu.Unlock()
	return tree, nil
}

type translator struct {
	resolve Resolver
	env     Env
}

// operand is one side of a comparison: a field or a constant.
type operand struct {
	field   *Field
	name    string
	value   any
	isConst bool
	node    ast.Node
}

func (t *translator) bool(n ast.Node) (query.Expr, error) {
	switch x := n.(type) {
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and", "||", "or":
			l, err := t.bool(x.Left)
			if err != nil {
				return nil, err
			}
			r, err := t.bool(x.Right)
			if err != nil {
				return nil, err
			}
			if x.Operator == "&&" || x.Operator == "and" {
				return flatten[query.And](l, r), nil
			}
			return flatten[query.Or](l, r), nil
		case "==", "!=", "<", "<=", ">", ">=":
			return t.compare(x)
		case "in":
			return t.in(x, false)
		case "contains", "startsWith":
			return t.stringOp(x)
		}
		return nil, unsupported(x, morph.T("The operator %q cannot be used in a filter", "筛选条件中不能使用运算符 %q", x.Operator))
	case *ast.UnaryNode:
		if x.Operator == "!" || x.Operator == "not" {
			if b, ok := x.Node.(*ast.BinaryNode); ok && b.Operator == "in" && x.Operator == "not" {
				return t.in(b, true)
			}
			inner, err := t.bool(x.Node)
			if err != nil {
				return nil, err
			}
			return query.Not{X: inner}, nil
		}
	case *ast.BoolNode:
		if x.Value {
			return query.And{}, nil
		}
		return query.Or{}, nil
	case *ast.IdentifierNode, *ast.MemberNode:
		op, err := t.operand(n)
		if err != nil {
			return nil, err
		}
		if op.field != nil && op.field.Kind == KindBool {
			return query.Cmp{Field: op.field.Path, Op: query.Eq, Value: true}, nil
		}
		return nil, typeError(n, morph.T("%s is not a yes/no field; compare it with a value", "%s 不是是/否字段，请与某个值比较", op.name))
	}
	return nil, unsupported(n, morph.T("This cannot be used as a filter condition", "此表达式不能用作筛选条件"))
}

// flatten joins two parts into an And (or an Or), merging nested ones of the same kind.
func flatten[T query.And | query.Or](l, r query.Expr) query.Expr {
	var out T
	for _, p := range []query.Expr{l, r} {
		if same, ok := p.(T); ok {
			out = append(out, same...)
		} else {
			out = append(out, p)
		}
	}
	return any(out).(query.Expr)
}

var flipped = map[string]query.Op{"==": query.Eq, "!=": query.Ne, "<": query.Gt, "<=": query.Gte, ">": query.Lt, ">=": query.Lte}
var direct = map[string]query.Op{"==": query.Eq, "!=": query.Ne, "<": query.Lt, "<=": query.Lte, ">": query.Gt, ">=": query.Gte}

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
	case l.isConst && r.isConst:
		return nil, unsupported(x, morph.T("A comparison needs a field on one side", "比较的一侧必须是字段"))
	case !l.isConst && !r.isConst:
		return nil, unsupported(x, morph.T("Two fields cannot be compared in a filter; compare a field with a value", "筛选条件中不能比较两个字段，请将字段与值比较"))
	case l.isConst:
		l, r = r, l
		op = flipped[x.Operator]
	}
	v, err := t.fit(l, r, op == query.Eq || op == query.Ne)
	if err != nil {
		return nil, err
	}
	if v == nil && op != query.Eq && op != query.Ne {
		return nil, typeError(x, morph.T("nil can only be compared with == or !=", "nil 只能用 == 或 != 比较"))
	}
	return query.Cmp{Field: l.field.Path, Op: op, Value: v}, nil
}

// fit checks that constant c can be compared with field f and returns the
// value in the form the store compares.
func (t *translator) fit(f, c operand, equality bool) (any, error) {
	k := f.field.Kind
	if c.value == nil {
		if k == KindObject {
			return nil, typeError(f.node, morph.T("%s cannot be used in a filter", "%s 不能用于筛选", f.name))
		}
		return nil, nil
	}
	mismatch := func(want morph.Text) error {
		return typeError(c.node, morph.Text{
			EN: fmt.Sprintf("%s is compared with a value of the wrong type: %s expected", f.name, want.EN),
			ZH: fmt.Sprintf("%s 与类型不符的值比较：需要%s", f.name, want.ZH)})
	}
	switch k {
	case KindString:
		if s, ok := c.value.(string); ok {
			return s, nil
		}
		return nil, mismatch(morph.T("text", "文本"))
	case KindNumber:
		if n, ok := c.value.(float64); ok {
			return n, nil
		}
		return nil, mismatch(morph.T("a number", "数字"))
	case KindBool:
		if b, ok := c.value.(bool); ok {
			if !equality {
				return nil, typeError(c.node, morph.T("Yes/no values cannot be ordered", "是/否值不能比较大小"))
			}
			return b, nil
		}
		return nil, mismatch(morph.T("true or false", "true 或 false"))
	case KindDate:
		s, ok := c.value.(string)
		if !ok {
			return nil, mismatch(morph.T(`a date such as "2026-05-01"`, `日期，例如 "2026-05-01"`))
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, typeError(c.node, morph.T(`%q is not a date such as "2026-05-01"`, `%q 不是日期，例如 "2026-05-01"`, s))
		}
		return s, nil
	case KindDateTime:
		s, ok := c.value.(string)
		if !ok {
			return nil, mismatch(morph.T("a date and time", "日期时间"))
		}
		if d, err := time.Parse(time.DateOnly, s); err == nil {
			return d.UTC().Format(TimeLayout), nil
		}
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, typeError(c.node, morph.T(`%q is not a date and time such as "2026-05-01T09:30:00+08:00"`, `%q 不是日期时间，例如 "2026-05-01T09:30:00+08:00"`, s))
		}
		return tm.UTC().Format(TimeLayout), nil
	case KindStrings:
		return nil, typeError(f.node, morph.T(`%s holds a list; use "value" in %s`, `%s 是列表字段，请使用 "值" in %s`, f.name, f.name))
	}
	return nil, typeError(f.node, morph.T("%s cannot be used in a filter", "%s 不能用于筛选", f.name))
}

func (t *translator) in(x *ast.BinaryNode, negate bool) (query.Expr, error) {
	l, err := t.operand(x.Left)
	if err != nil {
		return nil, err
	}
	// "value" in listField
	if l.isConst {
		r, err := t.operand(x.Right)
		if err != nil {
			return nil, err
		}
		if r.isConst || r.field.Kind != KindStrings {
			return nil, typeError(x.Right, morph.T(`"value" in … needs a list field on the right`, `"值" in … 的右侧必须是列表字段`))
		}
		s, ok := l.value.(string)
		if !ok {
			return nil, typeError(x.Left, morph.T("Lists hold text; the value must be text", "列表字段的值是文本，需提供文本"))
		}
		var e query.Expr = query.Cmp{Field: r.field.Path, Op: query.Has, Value: s}
		if negate {
			e = query.Not{X: e}
		}
		return e, nil
	}
	arr, ok := x.Right.(*ast.ArrayNode)
	if !ok {
		return nil, unsupported(x.Right, morph.T("field in […] needs a list of values in brackets", "字段 in […] 需要方括号中的值列表"))
	}
	vals := make([]any, 0, len(arr.Nodes))
	for _, n := range arr.Nodes {
		c, err := t.operand(n)
		if err != nil {
			return nil, err
		}
		if !c.isConst {
			return nil, unsupported(n, morph.T("The list may hold values only", "列表中只能是值"))
		}
		v, err := t.fit(l, c, true)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
	}
	op := query.In
	if negate {
		op = query.Nin
	}
	return query.Cmp{Field: l.field.Path, Op: op, Value: vals}, nil
}

func (t *translator) stringOp(x *ast.BinaryNode) (query.Expr, error) {
	l, err := t.operand(x.Left)
	if err != nil {
		return nil, err
	}
	r, err := t.operand(x.Right)
	if err != nil {
		return nil, err
	}
	if l.isConst || l.field.Kind != KindString {
		return nil, typeError(x.Left, morph.T("%s needs a text field on the left", "%s 左侧必须是文本字段", x.Operator))
	}
	s, ok := r.value.(string)
	if !r.isConst || !ok {
		return nil, typeError(x.Right, morph.T("%s needs text on the right", "%s 右侧必须是文本", x.Operator))
	}
	op := query.Contains
	if x.Operator == "startsWith" {
		op = query.StartsWith
	}
	return query.Cmp{Field: l.field.Path, Op: op, Value: s}, nil
}

// operand resolves a node to a field or a constant.
func (t *translator) operand(n ast.Node) (operand, error) {
	switch x := n.(type) {
	case *ast.NilNode:
		return operand{isConst: true, node: n}, nil
	case *ast.StringNode:
		return operand{isConst: true, value: x.Value, node: n}, nil
	case *ast.IntegerNode:
		return operand{isConst: true, value: float64(x.Value), node: n}, nil
	case *ast.FloatNode:
		return operand{isConst: true, value: x.Value, node: n}, nil
	case *ast.BoolNode:
		return operand{isConst: true, value: x.Value, node: n}, nil
	case *ast.UnaryNode:
		if x.Operator == "-" || x.Operator == "+" {
			c, err := t.operand(x.Node)
			if err != nil {
				return operand{}, err
			}
			if v, ok := c.value.(float64); ok && c.isConst {
				if x.Operator == "-" {
					v = -v
				}
				return operand{isConst: true, value: v, node: n}, nil
			}
		}
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok && len(x.Arguments) == 0 {
			return t.constCall(id.Value, n)
		}
		return operand{}, unsupported(n, morph.T("Only now() and today() can be called in a filter", "筛选条件中只能调用 now() 和 today()"))
	case *ast.BuiltinNode:
		if len(x.Arguments) == 0 {
			return t.constCall(x.Name, n)
		}
		return operand{}, unsupported(n, morph.T("Only now() and today() can be called in a filter", "筛选条件中只能调用 now() 和 today()"))
	case *ast.IdentifierNode, *ast.MemberNode:
		name, ok := dotted(n)
		if !ok {
			return operand{}, unsupported(n, morph.T("Only field names and user.id / user.team can be used here", "这里只能使用字段名以及 user.id / user.team"))
		}
		switch name {
		case "user.id":
			return operand{isConst: true, value: t.env.User.ID, node: n}, nil
		case "user.team":
			return operand{isConst: true, value: t.env.User.Team, node: n}, nil
		}
		f, ok := t.resolve(name)
		if !ok {
			return operand{}, &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("The filter names an unknown field", "筛选条件包含未知字段"),
				Fields: []morph.FieldError{{Path: "filter", Code: "unknown_field", Offset: n.Location().From,
					Text: morph.T("Unknown field %q at position %d", "位置 %[2]d 处的字段 %[1]q 不存在", name, n.Location().From)}}}
		}
		return operand{field: &f, name: name, node: n}, nil
	case *ast.ChainNode:
		return t.operand(x.Node)
	}
	return operand{}, unsupported(n, morph.T("Only fields, values, now(), today() and user.id can be compared in a filter", "筛选条件中只能比较字段、值、now()、today() 和 user.id"))
}

// constCall is the value of now() or today(), which a filter may call.
func (t *translator) constCall(name string, n ast.Node) (operand, error) {
	switch name {
	case "now":
		return operand{isConst: true, value: t.env.Now.UTC().Format(TimeLayout), node: n}, nil
	case "today":
		return operand{isConst: true, value: t.env.Now.Format(time.DateOnly), node: n}, nil
	}
	return operand{}, unsupported(n, morph.T("Only now() and today() can be called in a filter", "筛选条件中只能调用 now() 和 today()"))
}

// dotted turns a chain of member accesses on an identifier into "a.b.c".
func dotted(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return x.Value, true
	case *ast.MemberNode:
		if x.Method {
			return "", false
		}
		prop, ok := x.Property.(*ast.StringNode)
		if !ok {
			return "", false
		}
		head, ok := dotted(x.Node)
		if !ok {
			return "", false
		}
		return head + "." + prop.Value, true
	case *ast.ChainNode:
		return dotted(x.Node)
	}
	return "", false
}

func filterError(code string, offset int, t morph.Text) *morph.Error {
	return &morph.Error{Code: morph.EInvalidFilter, Text: morph.T("The filter cannot be used", "筛选条件无法使用"),
		Fields: []morph.FieldError{{Path: "filter", Code: code, Offset: offset, Text: t}}}
}

func at(n ast.Node, code string, t morph.Text) *morph.Error {
	off := n.Location().From
	t.EN += fmt.Sprintf(" (at position %d)", off)
	t.ZH += fmt.Sprintf("（位置 %d）", off)
	return filterError(code, off, t)
}

func unsupported(n ast.Node, t morph.Text) error { return at(n, "not_supported", t) }
func typeError(n ast.Node, t morph.Text) error   { return at(n, "type_mismatch", t) }

func syntaxError(src string, err error) error {
	var fe *file.Error
	off := utf8.RuneCountInString(src)
	msg := err.Error()
	if errors.As(err, &fe) {
		off = fe.From
		msg = fe.Message
	}
	code := "syntax"
	if strings.Contains(msg, "exceeds maximum allowed nodes") || strings.Contains(msg, "too many") {
		code = "too_complex"
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return filterError(code, off, morph.T("The filter does not parse at position %d: %s", "筛选条件在位置 %d 处无法解析：%s", off, msg))
}
