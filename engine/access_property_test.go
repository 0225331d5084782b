package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
	"github.com/morphcrm/morph/schema/mask"
)

// The low-privilege user of the property test, u1 of team sh (with u2),
// holds two roles:
//
//   - propRep: their own customers of their team or of tier vip (a row rule
//     using user.team): read, update and delete; create; fields at every
//     level. Companies of the east region only (the related entity, partly
//     readable), their note hidden.
//   - propPeek: their team's vip customers, read only.
var propRoles = map[string]string{
	"prop_rep": `{"entities": {
		"customer": {"create": true, "read": "own", "update": "own", "delete": "own", "where": "team == user.team || tier == \"vip\"", "fields": {
			"name": "edit", "ref": "edit", "tier": "edit", "visits": "edit", "company": "edit", "address": "edit", "tags": "edit",
			"phone": "masked", "email": "masked", "code": "masked",
			"team": "read", "owner": "read", "created_at": "read", "updated_at": "read"}},
		"company": {"read": "all", "where": "region == \"east\"", "fields": {"name": "read", "region": "read"}}}}`,
	"prop_peek": `{"entities": {"customer": {"read": "team", "where": "tier == \"vip\"", "fields": {"name": "read", "code": "hidden"}}}}`,
}

// The oracle's view of u1's rights.
var propLevels = map[string]string{
	"name": "edit", "ref": "edit", "tier": "edit", "visits": "edit", "company": "edit", "address": "edit", "tags": "edit",
	"phone": "masked", "email": "masked", "code": "masked",
	"team": "read", "owner": "read", "created_at": "read", "updated_at": "read",
	"secret": "hidden", "created_by": "hidden", "updated_by": "hidden",
}

var propCompanyLevels = map[string]string{"name": "read", "region": "read"}

func propLevel(field string) string {
	if field == "id" || field == "version" {
		return "edit"
	}
	if l, ok := propLevels[field]; ok {
		return l
	}
	return "hidden"
}

func propReadable(d map[string]any) bool {
	own := d["owner"] == "u1" && (d["team"] == "sh" || d["tier"] == "vip")
	peek := (d["owner"] == "u1" || d["owner"] == "u2") && d["tier"] == "vip"
	return own || peek
}

func propWritable(d map[string]any) bool {
	return d["owner"] == "u1" && (d["team"] == "sh" || d["tier"] == "vip")
}

var codeMask = func() mask.Masker {
	m, err := mask.Pattern("keep:2,2")
	if err != nil {
		panic(err)
	}
	return m
}()

func propMask(field string, v any) any {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return "***"
	}
	switch field {
	case "phone":
		return mask.Phone(s)
	case "email":
		return mask.Email(s)
	case "code":
		return codeMask(s)
	}
	return mask.Text(s)
}

// propView is what u1 must see of a stored customer.
func propView(r engine.Record) map[string]any {
	out := map[string]any{"id": r.ID, "version": r.Version}
	for k, v := range r.Data {
		switch propLevel(k) {
		case "hidden":
		case "masked":
			out[k] = propMask(k, v)
		default:
			out[k] = v
		}
	}
	return out
}

func propCompanyView(r engine.Record) map[string]any {
	out := map[string]any{"id": r.ID, "version": r.Version}
	for k, v := range r.Data {
		if propCompanyLevels[k] != "" {
			out[k] = v
		}
	}
	return out
}

// norm turns a value into its JSON form, so that int64 and float64, typed
// and untyped maps compare alike.
func norm(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// A generated filter: a tree the oracle evaluates itself.
type pf struct {
	op    string // "&&", "||", "!" or a leaf operator
	kids  []pf
	field string
	src   string // the value as written in the filter
	val   any    // the value as the oracle compares it
}

func (f pf) String() string {
	switch f.op {
	case "&&", "||":
		parts := make([]string, len(f.kids))
		for i, k := range f.kids {
			parts[i] = "(" + k.String() + ")"
		}
		return strings.Join(parts, " "+f.op+" ")
	case "!":
		return "!(" + f.kids[0].String() + ")"
	case "has":
		return f.src + " in " + f.field
	case "nil":
		return f.field + " == nil"
	case "notnil":
		return f.field + " != nil"
	}
	return f.field + " " + f.op + " " + f.src
}

func (f pf) fields(out map[string]bool) {
	if f.field != "" {
		out[f.field] = true
	}
	for _, k := range f.kids {
		k.fields(out)
	}
}

func lookup(id string, d map[string]any, path string) (any, bool) {
	if path == "id" {
		return id, true
	}
	head, rest, nested := strings.Cut(path, ".")
	v, ok := d[head]
	if !nested || !ok {
		return v, ok && v != nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	v, ok = m[rest]
	return v, ok && v != nil
}

func cmpVals(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

func (f pf) eval(id string, d map[string]any) bool {
	switch f.op {
	case "&&":
		for _, k := range f.kids {
			if !k.eval(id, d) {
				return false
			}
		}
		return true
	case "||":
		for _, k := range f.kids {
			if k.eval(id, d) {
				return true
			}
		}
		return false
	case "!":
		return !f.kids[0].eval(id, d)
	}
	v, present := lookup(id, d, f.field)
	eq := func(w any) bool { c, ok := cmpVals(v, w); return present && ok && c == 0 }
	switch f.op {
	case "nil":
		return !present
	case "notnil":
		return present
	case "==":
		return eq(f.val)
	case "!=":
		return !eq(f.val)
	case "<", "<=", ">", ">=":
		c, ok := cmpVals(v, f.val)
		if !present || !ok {
			return false
		}
		return map[string]bool{"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[f.op]
	case "in", "not in":
		in := slices.ContainsFunc(f.val.([]any), eq)
		return in == (f.op == "in")
	case "contains":
		s, ok := v.(string)
		return ok && strings.Contains(s, f.val.(string))
	case "startsWith":
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, f.val.(string))
	case "has":
		list, _ := v.([]any)
		return slices.Contains(list, f.val)
	}
	panic("unknown op " + f.op)
}

// propRun is one run of the property test.
type propRun struct {
	t        *testing.T
	ctx      context.Context
	eng      *engine.Engine
	rnd      *rand.Rand
	u1       engine.Actor
	seq      int
	requests int

	customers map[string]engine.Record // the full data, as engine.System reads it
	companies map[string]engine.Record
	bad       map[string]bool // what u1 must never see (forbidden), as of the snapshot
	gone      []string        // ids of deleted customers
	writes    []string        // the writes since the collection was last read whole
	stats     map[string]int
	created   []string // ids of customers created during the run
}

func str(s string) string { b, _ := json.Marshal(s); return string(b) }

func (p *propRun) pick(list []string) string { return list[p.rnd.IntN(len(list))] }

func (p *propRun) snapshot() {
	p.t.Helper()
	recs := p.all("customer")
	p.customers = map[string]engine.Record{}
	for _, r := range recs {
		p.customers[r.ID] = r
	}
	p.bad = p.forbidden()
}

// refresh re-reads the customers a write named, as engine.System. Every
// tenth write the whole collection is read and compared with the model, so
// that a write that changed, added or removed a record it did not name
// shows.
func (p *propRun) refresh(what string, ids ...string) {
	p.t.Helper()
	next := make(map[string]engine.Record, len(p.customers)+len(ids))
	for id, r := range p.customers {
		next[id] = r
	}
	for _, id := range ids {
		r, err := p.eng.Get(p.ctx, engine.System, "customer", id)
		switch {
		case err == nil:
			next[id] = r
		case morph.ErrorCode(err) == morph.ENotFound:
			delete(next, id)
		default:
			p.t.Fatal(err)
		}
	}
	p.customers = next
	p.bad = p.forbidden()
	p.writes = append(p.writes, what)
	if len(p.writes) < 10 {
		return
	}
	model := p.customers
	p.snapshot()
	if len(model) != len(p.customers) {
		p.t.Fatalf("one of these writes added or removed a record it did not name (%d records, %d expected):\n%s", len(p.customers), len(model), strings.Join(p.writes, "\n"))
	}
	for id, r := range model {
		if now, ok := p.customers[id]; !ok || now.Version != r.Version || !reflect.DeepEqual(now.Data, r.Data) {
			p.t.Fatalf("one of these writes changed a record it did not name, %s:\n%v\n%v\n%s", id, r.Data, now.Data, strings.Join(p.writes, "\n"))
		}
	}
	p.writes = nil
}

func (p *propRun) all(entity string) []engine.Record {
	p.t.Helper()
	var out []engine.Record
	req := engine.ListRequest{Limit: engine.MaxLimit}
	for {
		res, err := p.eng.List(p.ctx, engine.System, entity, req)
		if err != nil {
			p.t.Fatal(err)
		}
		out = append(out, res.Records...)
		for _, raw := range res.Raw {
			r := engine.Record{ID: raw.ID, Version: raw.Version}
			if err := json.Unmarshal(raw.JSON, &r.Data); err != nil {
				p.t.Fatal(err)
			}
			out = append(out, r)
		}
		if res.Next == "" {
			return out
		}
		req.After = res.Next
	}
}

func (p *propRun) ids() []string {
	out := make([]string, 0, len(p.customers))
	for id := range p.customers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (p *propRun) someID() string {
	switch n := p.rnd.IntN(10); {
	case n == 0:
		return uuid.NewString()
	case n == 1 && len(p.gone) > 0:
		return p.pick(p.gone)
	case n < 6:
		var readable []string
		for _, id := range p.ids() {
			if propReadable(p.customers[id].Data) {
				readable = append(readable, id)
			}
		}
		if len(readable) > 0 {
			return p.pick(readable)
		}
	}
	return p.pick(p.ids())
}

func (p *propRun) someCompany() string {
	if p.rnd.IntN(8) == 0 {
		return uuid.NewString()
	}
	ids := make([]string, 0, len(p.companies))
	for id := range p.companies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return p.pick(ids)
}

func (p *propRun) someRef() string {
	ids := p.ids()
	if len(ids) == 0 || p.rnd.IntN(3) == 0 {
		p.seq++
		return fmt.Sprintf("NREF-%d", p.seq)
	}
	if r, ok := p.customers[p.pick(ids)].Data["ref"].(string); ok {
		return r
	}
	return "NREF-0"
}

// leaf generates one comparison, of a field u1 may read or (rarely) of one
// they may not.
func (p *propRun) leaf() pf {
	num := func() float64 { return float64(p.rnd.IntN(101)) }
	someName := func() string {
		if ids := p.ids(); len(ids) > 0 && p.rnd.IntN(2) == 0 {
			if s, ok := p.customers[p.pick(ids)].Data["name"].(string); ok {
				return s
			}
		}
		return fmt.Sprintf("客户-%d-名", p.rnd.IntN(80))
	}
	cmpOps := []string{"==", "!=", "<", "<=", ">", ">="}
	n := p.rnd.IntN(17)
	if p.rnd.IntN(15) == 0 {
		n = 17 + p.rnd.IntN(7) // mostly fields u1 may not read
	}
	switch n {
	case 0:
		s := someName()
		return pf{op: p.pick([]string{"==", "!="}), field: "name", src: str(s), val: s}
	case 1:
		s := p.pick([]string{"-1", "-2", "名", "客户-3", "新名"})
		return pf{op: "contains", field: "name", src: str(s), val: s}
	case 2:
		s := p.pick([]string{"客户-1", "客户-", "新", "REF"})
		return pf{op: "startsWith", field: p.pick([]string{"name", "ref"}), src: str(s), val: s}
	case 3:
		s := p.someRef()
		return pf{op: p.pick(cmpOps), field: "ref", src: str(s), val: s}
	case 4:
		a, b := p.someRef(), p.someRef()
		return pf{op: p.pick([]string{"in", "not in"}), field: "ref", src: "[" + str(a) + ", " + str(b) + "]", val: []any{a, b}}
	case 5:
		s := p.pick([]string{"vip", "normal"})
		return pf{op: p.pick([]string{"==", "!="}), field: "tier", src: str(s), val: s}
	case 6:
		return pf{op: p.pick([]string{"in", "not in"}), field: "tier", src: `["vip"]`, val: []any{"vip"}}
	case 7:
		if p.rnd.IntN(2) == 0 {
			return pf{op: "==", field: "team", src: "user.team", val: "sh"}
		}
		s := p.pick([]string{"sh", "hz"})
		return pf{op: p.pick([]string{"==", "!="}), field: "team", src: str(s), val: s}
	case 8:
		return pf{op: p.pick([]string{"nil", "notnil"}), field: p.pick([]string{"team", "tier", "company", "visits", "tags", "address.city"})}
	case 9, 10:
		n := num()
		return pf{op: p.pick(cmpOps), field: "visits", src: strconv.Itoa(int(n)), val: n}
	case 11:
		a, b := num(), num()
		return pf{op: p.pick([]string{"in", "not in"}), field: "visits", src: fmt.Sprintf("[%d, %d]", int(a), int(b)), val: []any{a, b}}
	case 12:
		s := p.pick([]string{"t1", "t2", "t3"})
		return pf{op: "has", field: "tags", src: str(s), val: s}
	case 13:
		s := p.pick([]string{"上海", "杭州", "北京"})
		return pf{op: p.pick([]string{"==", "!="}), field: "address.city", src: str(s), val: s}
	case 14:
		c := p.someCompany()
		return pf{op: p.pick([]string{"==", "!="}), field: "company", src: str(c), val: c}
	case 15:
		if p.rnd.IntN(2) == 0 {
			return pf{op: "==", field: "owner", src: "user.id", val: "u1"}
		}
		return pf{op: p.pick([]string{"in", "not in"}), field: "owner", src: `["u1", "u3"]`, val: []any{"u1", "u3"}}
	case 16:
		id := p.someID()
		return pf{op: p.pick([]string{"==", "!=", "<", ">="}), field: "id", src: str(id), val: id}
	// Fields u1 may not read.
	case 17:
		return pf{op: "startsWith", field: "phone", src: `"+86138"`, val: "+86138"}
	case 18:
		return pf{op: "contains", field: "email", src: `"@"`, val: "@"}
	case 19:
		return pf{op: "==", field: "secret", src: `"SECRET-1"`, val: "SECRET-1"}
	case 20:
		return pf{op: "==", field: "created_by", src: `"system"`, val: "system"}
	case 21:
		return pf{op: "notnil", field: "updated_by"}
	case 22:
		return pf{op: ">", field: "code", src: `"C"`, val: "C"}
	}
	return pf{op: ">=", field: "created_at", src: `"2020-01-01T00:00:00.000Z"`, val: "2020-01-01T00:00:00.000Z"}
}

func (p *propRun) filter(depth int) pf {
	if depth == 0 || p.rnd.IntN(3) == 0 {
		return p.leaf()
	}
	switch p.rnd.IntN(5) {
	case 0:
		return pf{op: "!", kids: []pf{p.filter(depth - 1)}}
	case 1, 2:
		return pf{op: "&&", kids: []pf{p.filter(depth - 1), p.filter(depth - 1)}}
	}
	return pf{op: "||", kids: []pf{p.filter(depth - 1), p.filter(depth - 1)}}
}

var (
	propSortable   = []string{"name", "ref", "tier", "visits", "created_at", "updated_at", "team", "id", "owner"}
	propUnsortable = []string{"phone", "email", "secret", "code", "created_by", "updated_by"}
	propProjected  = []string{"name", "ref", "tier", "team", "visits", "company", "address", "tags", "owner", "created_at", "updated_at"}
)

// below returns the fields of used that u1 may not read.
func below(used map[string]bool) []string {
	var out []string
	for f := range used {
		head, _, _ := strings.Cut(f, ".")
		if l := propLevel(head); l == "hidden" || l == "masked" {
			out = append(out, head)
		}
	}
	return out
}

// forbidden is every value u1 must never see: hidden values, masked values
// unmasked, companies' hidden notes, and the names and refs of the records
// they may not read.
func (p *propRun) forbidden() map[string]bool {
	out := map[string]bool{}
	for _, r := range p.customers {
		for _, k := range []string{"secret", "phone", "email", "code"} {
			if s, ok := r.Data[k].(string); ok && s != "" {
				out[s] = true
			}
		}
		if !propReadable(r.Data) {
			for _, k := range []string{"name", "ref"} {
				if s, ok := r.Data[k].(string); ok {
					out[s] = true
				}
			}
		}
	}
	for _, r := range p.companies {
		out[r.Data["note"].(string)] = true
		if r.Data["region"] != "east" {
			out[r.Data["name"].(string)] = true
		}
	}
	return out
}

// noLeak fails when any string in an answer or an error's text is a value
// u1 must not see.
func (p *propRun) noLeak(what string, answer any, err error) { p.noLeakBut(what, answer, err, nil) }

// noLeakBut is noLeak where the values of sent (the caller's own, as a
// write sent them) may come back.
func (p *propRun) noLeakBut(what string, answer any, err error, sent any) {
	p.t.Helper()
	bad := p.bad
	if sent != nil {
		bad = map[string]bool{}
		mine := map[string]bool{}
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				mine[x] = true
			case map[string]any:
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(norm(sent))
		for s := range p.bad {
			if !mine[s] {
				bad[s] = true
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if bad[x] {
				p.t.Fatalf("%s: the answer holds %q, which u1 may not see", what, x)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(answer)
	if err != nil {
		b, _ := json.Marshal(morph.AsError(err))
		text := err.Error() + string(b)
		for s := range bad {
			if strings.Contains(text, s) {
				p.t.Fatalf("%s: the error holds %q, which u1 may not see: %s", what, s, text)
			}
		}
	}
}

func (p *propRun) wantCode(what string, err error, code morph.Code) {
	p.t.Helper()
	if morph.ErrorCode(err) != code {
		p.t.Fatalf("%s: want %s, got %v", what, code, err)
	}
}

// list runs a random list request, following its cursors to the end.
func (p *propRun) list(countOnly bool) {
	req := engine.ListRequest{Limit: 1 + p.rnd.IntN(8), Count: countOnly || p.rnd.IntN(2) == 0}
	used := map[string]bool{}
	var f *pf
	if p.rnd.IntN(6) > 0 {
		x := p.filter(3)
		f = &x
		req.Filter = x.String()
		x.fields(used)
	}
	if !countOnly {
		var sorts []string
		for range p.rnd.IntN(3) {
			s := p.pick(propSortable)
			if p.rnd.IntN(12) == 0 {
				s = p.pick(propUnsortable)
			}
			if !slices.Contains(sorts, s) && !slices.Contains(sorts, "-"+s) {
				used[s] = true
				if p.rnd.IntN(2) == 0 {
					s = "-" + s
				}
				sorts = append(sorts, s)
			}
		}
		req.Sort = strings.Join(sorts, ",")
		if p.rnd.IntN(3) == 0 {
			var fields []string
			for range 1 + p.rnd.IntN(4) {
				s := p.pick(propProjected)
				if p.rnd.IntN(10) == 0 {
					s = p.pick(propUnsortable)
				}
				if !slices.Contains(fields, s) {
					fields = append(fields, s)
					used[s] = true
				}
			}
			req.Fields = strings.Join(fields, ",")
		}
		if p.rnd.IntN(3) == 0 {
			req.Expand = []string{"company"}
		}
	}
	what := fmt.Sprintf("list %+v", req)
	p.requests++
	res, err := p.eng.List(p.ctx, p.u1, "customer", req)
	p.noLeak(what, nil, err)
	if refused := below(used); len(refused) > 0 {
		me := morph.AsError(err)
		if me == nil || me.Code != morph.EInvalidFilter || !slices.ContainsFunc(refused, func(f string) bool { return strings.Contains(me.Text.EN, f) }) {
			p.t.Fatalf("%s: want invalid_filter naming one of %v, got %v", what, refused, err)
		}
		p.stats["list refused"]++
		return
	}
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	want := map[string]bool{}
	for _, r := range p.customers {
		if propReadable(r.Data) && (f == nil || f.eval(r.ID, r.Data)) {
			want[r.ID] = true
		}
	}
	if req.Count && res.Total != int64(len(want)) {
		p.t.Fatalf("%s: total %d, want %d", what, res.Total, len(want))
	}
	p.stats[fmt.Sprintf("list matching %s", map[bool]string{true: "some", false: "none"}[len(want) > 0])]++
	if countOnly {
		return
	}
	seen := map[string]bool{}
	var order []string
	pages := 1
	for page := 0; ; page++ {
		for i, r := range pageOf(p.t, res) {
			order = append(order, r.ID)
			if !want[r.ID] || seen[r.ID] {
				p.t.Fatalf("%s: page %d has %s (readable and matching: %v, seen: %v): %v", what, page, r.ID, want[r.ID], seen[r.ID], p.customers[r.ID].Data)
			}
			seen[r.ID] = true
			got := engine.Flatten(r, res.Fields)
			exp := propView(p.customers[r.ID])
			if res.Fields != nil {
				for k := range exp {
					if k != "id" && k != "version" && !res.Fields[k] {
						delete(exp, k)
					}
				}
			}
			p.noLeak(what, got, nil)
			if !reflect.DeepEqual(got, exp) {
				p.t.Fatalf("%s: record\n got %v\nwant %v", what, got, exp)
			}
			if len(req.Expand) > 0 {
				p.checkExpanded(what, p.customers[r.ID], res.Expanded[i])
			}
		}
		if res.Next == "" {
			break
		}
		req.After = res.Next
		p.requests++
		pages++
		if res, err = p.eng.List(p.ctx, p.u1, "customer", req); err != nil {
			p.t.Fatalf("%s, page %d: %v", what, page+1, err)
		}
		if req.Count && res.Total != int64(len(want)) {
			p.t.Fatalf("%s, page %d: total %d, want %d", what, page+1, res.Total, len(want))
		}
	}
	if len(seen) != len(want) {
		p.t.Fatalf("%s: the pages hold %d records, want %d", what, len(seen), len(want))
	}
	// The pages, one after another, are the list in one page.
	if pages > 1 && p.rnd.IntN(4) == 0 {
		req.After, req.Limit, req.Expand = "", engine.MaxLimit, nil
		p.requests++
		one, err := p.eng.List(p.ctx, p.u1, "customer", req)
		if err != nil {
			p.t.Fatalf("%s in one page: %v", what, err)
		}
		var all []string
		for _, r := range pageOf(p.t, one) {
			all = append(all, r.ID)
		}
		if !slices.Equal(all, order) {
			p.t.Fatalf("%s: pages in order\n%v\nthe list in one page\n%v", what, order, all)
		}
	}
}

func (p *propRun) checkExpanded(what string, r engine.Record, got map[string]any) {
	p.t.Helper()
	id, ok := r.Data["company"].(string)
	if !ok {
		if got["company"] != nil {
			p.t.Fatalf("%s: expanded a record without a company: %v", what, got)
		}
		return
	}
	exp := map[string]any{"id": id}
	if c, ok := p.companies[id]; ok && c.Data["region"] == "east" {
		exp = propCompanyView(c)
	}
	p.noLeak(what, got, nil)
	if !reflect.DeepEqual(got["company"], any(exp)) {
		p.t.Fatalf("%s: expanded company\n got %v\nwant %v", what, got["company"], exp)
	}
}

func (p *propRun) get() {
	id := p.someID()
	p.requests++
	r, err := p.eng.Get(p.ctx, p.u1, "customer", id)
	what := "get " + id
	p.noLeak(what, r.Data, err)
	stored, exists := p.customers[id]
	p.stats[fmt.Sprintf("get readable %v", exists && propReadable(stored.Data))]++
	if !exists || !propReadable(stored.Data) {
		p.wantCode(what, err, morph.ENotFound)
		return
	}
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if got := engine.Flatten(r, nil); !reflect.DeepEqual(got, propView(stored)) {
		p.t.Fatalf("%s:\n got %v\nwant %v", what, got, propView(stored))
	}
}

// patch generates a change: fields of every level, masked values sent back
// as shown or not, system fields, relations u1 may or may not read.
func (p *propRun) patch(old map[string]any, create bool) map[string]any {
	out := map[string]any{}
	for range 1 + p.rnd.IntN(3) {
		p.seq++
		switch p.rnd.IntN(20) {
		case 0, 1:
			out["name"] = fmt.Sprintf("新名-%d", p.seq)
		case 2:
			out["ref"] = p.someRef()
		case 3, 4:
			out["tier"] = p.pick([]string{"vip", "normal"})
		case 5, 6:
			out["visits"] = float64(p.rnd.IntN(101))
		case 7:
			out["visits"] = nil
		case 8:
			out["company"] = p.someCompany()
		case 9:
			out["address"] = map[string]any{"city": p.pick([]string{"上海", "杭州", "北京"})}
		case 10:
			out["tags"] = []any{p.pick([]string{"t1", "t2"}), "t3"}
		case 11, 12: // a masked field, sent back as shown or changed
			f := p.pick([]string{"phone", "email", "code"})
			if p.rnd.IntN(3) > 0 && old != nil {
				out[f] = propMask(f, old[f])
			} else {
				// A unique value: a create may give it (the creator's to give).
				out[f] = map[string]any{"phone": "+8613912345678", "email": fmt.Sprintf("x%d@example.com", p.seq), "code": fmt.Sprintf("ZZ%06dZZ", p.seq)}[f]
			}
		case 13:
			out["team"] = p.pick([]string{"sh", "hz"})
		case 14:
			out["owner"] = p.pick([]string{"u1", "u2"})
		case 15:
			out["secret"] = fmt.Sprintf("mine-%d", p.seq)
		case 16:
			out[p.pick([]string{"created_by", "updated_at", "version"})] = "x"
		case 17:
			if create {
				out["id"] = "not-a-uuid"
			} else {
				out["id"] = uuid.NewString()
			}
		default:
			out["name"] = fmt.Sprintf("新名-%d", p.seq)
		}
	}
	return out
}

var readOnlyKeys = map[string]bool{"version": true, "created_at": true, "created_by": true, "updated_at": true, "updated_by": true}

// expectWrite is the oracle of one write of in to old (nil: a create): the
// error code it must fail with ("" for none) and the user fields the
// record must then have.
func (p *propRun) expectWrite(old *engine.Record, in map[string]any, taken map[string]bool) (morph.Code, map[string]any) {
	if old != nil && !propWritable(old.Data) {
		if propReadable(old.Data) {
			return morph.EForbidden, nil
		}
		return morph.ENotFound, nil
	}
	var oldData map[string]any
	if old != nil {
		oldData = old.Data
	}
	eff := map[string]any{}
	for k, v := range in {
		if k == "id" || readOnlyKeys[k] {
			continue
		}
		switch l := propLevel(k); {
		case l == "edit":
			eff[k] = v
		case l == "masked" && old == nil: // the creator's to give
			eff[k] = v
		case l == "masked" && reflect.DeepEqual(norm(v), norm(propMask(k, oldData[k]))):
		case l == "read" && old != nil && reflect.DeepEqual(norm(v), norm(oldData[k])):
		default:
			return morph.EForbidden, nil
		}
	}
	for k := range in {
		if readOnlyKeys[k] || k == "id" && (old != nil || in[k] == "not-a-uuid") {
			return morph.EInvalid, nil
		}
	}
	// A relation sent back as stored is not checked again.
	if c, ok := in["company"].(string); ok && (old == nil || old.Data["company"] != c) {
		if co, exists := p.companies[c]; !exists || co.Data["region"] != "east" {
			return morph.EUnprocessable, nil
		}
	}
	data := map[string]any{}
	if old != nil {
		for k, v := range oldData {
			if k != "updated_at" && k != "updated_by" {
				data[k] = v
			}
		}
	} else {
		data["secret"], data["owner"], data["created_by"] = "s-default", "u1", "u1"
	}
	for k, v := range eff {
		if m, ok := v.(map[string]any); ok {
			om, _ := data[k].(map[string]any)
			nm := map[string]any{}
			for kk, vv := range om {
				nm[kk] = vv
			}
			for kk, vv := range m {
				nm[kk] = vv
			}
			data[k] = nm
			continue
		}
		if v == nil {
			delete(data, k)
		} else {
			data[k] = v
		}
	}
	if ref, ok := eff["ref"].(string); ok && (old == nil || oldData["ref"] != ref) && taken[ref] {
		return morph.EDuplicate, nil
	}
	return "", data
}

func userFields(d map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		if k != "updated_at" && k != "updated_by" && k != "created_at" {
			out[k] = v
		}
	}
	return out
}

// checkWrite compares what a write answered and left with the oracle's.
func (p *propRun) checkWrite(what string, id string, code morph.Code, data map[string]any, rec engine.Record, err error, before map[string]engine.Record) {
	p.t.Helper()
	if morph.ErrorCode(err) != code && !(code == "" && err == nil) {
		p.t.Fatalf("%s: want %q, got %v", what, code, err)
	}
	p.stats[fmt.Sprintf("write %q", code)]++
	if code != "" {
		return
	}
	stored, ok := p.customers[id]
	if !ok {
		p.t.Fatalf("%s: the record %s is not stored", what, id)
	}
	if !reflect.DeepEqual(norm(userFields(stored.Data)), norm(userFields(data))) {
		p.t.Fatalf("%s: stored\n got %v\nwant %v", what, userFields(stored.Data), userFields(data))
	}
	if old, had := before[id]; had && stored.Version != old.Version+1 {
		p.t.Fatalf("%s: version %d after %d", what, stored.Version, old.Version)
	}
	if got := engine.Flatten(rec, nil); !reflect.DeepEqual(norm(got), norm(propView(stored))) {
		p.t.Fatalf("%s: answer\n got %v\nwant %v", what, got, propView(stored))
	}
}

// unchangedBut fails when a record other than those in changed differs
// from before, or records appeared or went away other than created ones.
func (p *propRun) unchangedBut(what string, before map[string]engine.Record, changed map[string]bool) {
	p.t.Helper()
	for id, r := range before {
		if changed[id] {
			continue
		}
		now, ok := p.customers[id]
		if !ok || now.Version != r.Version || !reflect.DeepEqual(now.Data, r.Data) {
			p.t.Fatalf("%s: a record it may not change changed: %s\n%v\n%v", what, id, r.Data, now.Data)
		}
	}
	for id := range p.customers {
		if _, ok := before[id]; !ok && !changed[id] {
			p.t.Fatalf("%s: a record appeared: %s", what, id)
		}
	}
}

func (p *propRun) update() {
	id := p.someID()
	before := p.customers
	var old *engine.Record
	if r, ok := before[id]; ok {
		old = &r
	}
	var oldData map[string]any
	if old != nil {
		oldData = old.Data
	}
	in := p.patch(oldData, false)
	what := fmt.Sprintf("update %s with %v", id, in)
	var code morph.Code
	var data map[string]any
	if old == nil {
		code = morph.ENotFound
	} else {
		code, data = p.expectWrite(old, in, p.refs(id))
	}
	p.requests++
	rec, err := p.eng.Update(p.ctx, p.u1, "customer", id, in, 0)
	p.noLeakBut(what, rec.Data, err, in)
	p.refresh(what, id)
	p.checkWrite(what, id, code, data, rec, err, before)
	p.unchangedBut(what, before, map[string]bool{id: code == ""})
}

// refs are the refs taken by records other than except.
func (p *propRun) refs(except string) map[string]bool {
	out := map[string]bool{}
	for id, r := range p.customers {
		if s, ok := r.Data["ref"].(string); ok && id != except {
			out[s] = true
		}
	}
	return out
}

func (p *propRun) bulk() {
	before := p.customers
	keyed := p.rnd.IntN(2) == 0
	byRef := map[string]string{}
	for id, r := range before {
		if s, ok := r.Data["ref"].(string); ok {
			byRef[s] = id
		}
	}
	usedRefs := map[string]bool{}
	var items []map[string]any
	for range 1 + p.rnd.IntN(4) {
		p.seq++
		in := map[string]any{"name": fmt.Sprintf("新名-%d", p.seq)}
		if p.rnd.IntN(3) > 0 {
			maps(in, p.patch(nil, true))
		}
		ref := p.someRef()
		if usedRefs[ref] {
			continue
		}
		usedRefs[ref] = true
		in["ref"] = ref
		if keyed && byRef[ref] != "" && p.rnd.IntN(2) == 0 {
			// An update through the key: masked values as shown.
			old := before[byRef[ref]]
			in = p.patch(old.Data, false)
			delete(in, "ref")
			in["ref"] = ref
		}
		items = append(items, in)
	}
	sent := make([]map[string]any, len(items))
	for i, in := range items {
		sent[i] = norm(in).(map[string]any)
	}
	opts := engine.BulkOptions{}
	if keyed {
		opts.Key = "ref"
	}
	what := fmt.Sprintf("bulk %+v %v", opts, sent)
	p.requests++
	res, err := p.eng.CreateMany(p.ctx, p.u1, "customer", items, opts)
	p.noLeak(what, nil, err)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	for i, r := range res {
		p.noLeakBut(fmt.Sprintf("%s item %d", what, i), r.Record.Data, r.Err, sent[i])
	}
	var named []string
	for i, r := range res {
		if r.Record.ID != "" {
			named = append(named, r.Record.ID)
		} else if id := byRef[sent[i]["ref"].(string)]; keyed && id != "" {
			named = append(named, id)
		}
	}
	p.refresh(what, named...)
	changed := map[string]bool{}
	taken := p.refsOf(before)
	for i, in := range sent {
		r := res[i]
		var old *engine.Record
		if keyed {
			if id := byRef[in["ref"].(string)]; id != "" {
				o := before[id]
				old = &o
			}
		}
		var code morph.Code
		var data map[string]any
		if old != nil {
			t := p.refsOf(before)
			delete(t, in["ref"].(string))
			code, data = p.expectWrite(old, in, t)
		} else {
			code, data = p.expectWrite(nil, in, taken)
		}
		id := r.Record.ID
		if old != nil {
			id = old.ID
		}
		if code == "" {
			changed[id] = true
			if old == nil {
				p.created = append(p.created, id)
			}
		}
		p.checkWrite(fmt.Sprintf("%s item %d", what, i), id, code, data, r.Record, r.Err, before)
		if want := map[bool]int{true: 200, false: 201}[old != nil]; code == "" && r.Status != want {
			p.t.Fatalf("%s item %d: status %d, want %d", what, i, r.Status, want)
		}
	}
	p.unchangedBut(what, before, changed)
	// Keep the data small: the oldest records created during the run go.
	for len(p.created) > 40 {
		id := p.created[0]
		p.created = p.created[1:]
		if err := p.eng.Delete(p.ctx, engine.System, "customer", id, 0); err != nil && morph.ErrorCode(err) != morph.ENotFound {
			p.t.Fatal(err)
		}
		p.gone = append(p.gone, id)
		delete(p.customers, id)
	}
	p.bad = p.forbidden()
}

func (p *propRun) refsOf(recs map[string]engine.Record) map[string]bool {
	out := map[string]bool{}
	for _, r := range recs {
		if s, ok := r.Data["ref"].(string); ok {
			out[s] = true
		}
	}
	return out
}

func maps(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = v
	}
}

func (p *propRun) del() {
	id := p.someID()
	before := p.customers
	what := "delete " + id
	p.requests++
	err := p.eng.Delete(p.ctx, p.u1, "customer", id, 0)
	p.noLeak(what, nil, err)
	p.refresh(what, id)
	old, ok := before[id]
	switch {
	case !ok || !propReadable(old.Data):
		p.wantCode(what, err, morph.ENotFound)
	case !propWritable(old.Data):
		p.wantCode(what, err, morph.EForbidden)
	case err != nil:
		p.t.Fatalf("%s: %v", what, err)
	default:
		p.gone = append(p.gone, id)
	}
	p.unchangedBut(what, before, map[string]bool{id: err == nil})
}

func propSeed(t *testing.T) uint64 {
	if s := os.Getenv("MORPH_TEST_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("MORPH_TEST_SEED: %v", err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// TestAccessProperty: thousands of random requests of a low-privilege user
// (own scope with a row rule, a read-only second role, masked and hidden
// fields, a partly readable related entity): lists with random filters,
// sorts, projections and expansions followed to their last page, gets,
// counts, bulk creates and upserts, updates and deletes. An oracle works
// out from the full data what the user may see and do; every answer and
// error is checked against it, and writes the user may not make must leave
// every record as it was. MORPH_TEST_SEED replays a run.
func TestAccessProperty(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		n := 10000
		if kind == "mongo" {
			n = 1000
			if os.Getenv(mongotest.EnvURI) == "" {
				n = 250 // the embedded FerretDB is slow
			}
		}
		if testing.Short() {
			n /= 10
		}
		seed := propSeed(t)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("seed %d (replay with MORPH_TEST_SEED=%d)", seed, seed)
			}
		})
		p := &propRun{t: t, ctx: context.Background(), eng: eng, rnd: rand.New(rand.NewPCG(seed, seed^0x5eed)), stats: map[string]int{},
			u1: engine.Actor{ID: "u1", Team: "sh", Roles: []string{"prop_rep", "prop_peek"}, TeamMembers: []string{"u1", "u2"}, TreeMembers: []string{"u1", "u2"}}}
		for name, doc := range propRoles {
			putRole(t, eng, name, doc)
		}
		p.companies = map[string]engine.Record{}
		for i := range 6 {
			r, err := eng.Create(p.ctx, engine.System, "company", map[string]any{"name": fmt.Sprintf("公司-%d-名", i),
				"region": []string{"east", "south"}[i%2], "note": fmt.Sprintf("NOTE-%d-x", i)})
			if err != nil {
				t.Fatal(err)
			}
			p.companies[r.ID] = r
		}
		cos := make([]string, 0, len(p.companies))
		for id := range p.companies {
			cos = append(cos, id)
		}
		sort.Strings(cos)
		for i := range 60 {
			in := map[string]any{"name": fmt.Sprintf("客户-%d-名", i), "ref": fmt.Sprintf("REF-%d", i),
				"owner": p.pick([]string{"u1", "u1", "u2", "u3"}), "visits": float64(p.rnd.IntN(101)),
				"phone": fmt.Sprintf("+86138%08d", 10000000+i), "email": fmt.Sprintf("c%d.mail@example.com", i),
				"code": fmt.Sprintf("CODE%04dZZ", i), "secret": fmt.Sprintf("SECRET-%d-x", i)}
			if p.rnd.IntN(4) > 0 {
				in["team"] = p.pick([]string{"sh", "hz"})
			}
			if p.rnd.IntN(4) > 0 {
				in["tier"] = p.pick([]string{"vip", "normal"})
			}
			if p.rnd.IntN(3) > 0 {
				in["company"] = p.pick(cos)
			}
			if p.rnd.IntN(2) > 0 {
				in["tags"] = []any{p.pick([]string{"t1", "t2"}), "t3"}
			}
			if p.rnd.IntN(2) > 0 {
				in["address"] = map[string]any{"city": p.pick([]string{"上海", "杭州", "北京"}), "zip": "200000"}
			}
			if _, err := eng.Create(p.ctx, engine.System, "customer", in); err != nil {
				t.Fatal(err)
			}
		}
		p.snapshot()
		for p.requests < n {
			switch x := p.rnd.IntN(100); {
			case x < 40:
				p.list(false)
			case x < 55:
				p.get()
			case x < 65:
				p.list(true)
			case x < 85:
				p.update()
			case x < 97:
				p.bulk()
			default:
				p.del()
			}
		}
		t.Logf("%d requests, %d customers at the end; %v", p.requests, len(p.customers), p.stats)
	})
}
