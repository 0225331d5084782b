package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
)

// The entities of the access tests: customers with fields of every kind a
// role may hide or mask, companies they belong to, and deals that point at
// customers (to expand them and to write relations to them).
const (
	accCompanyDef = `{"$id": "company", "title": "Company", "x-label": {"zh-CN": "公司"}, "type": "object", "properties": {
		"name": {"type": "string", "x-type": "text"},
		"region": {"type": "string", "enum": ["east", "south"], "x-type": "select"},
		"note": {"type": "string", "x-type": "text"}}}`
	accCustomerDef = `{"$id": "customer", "title": "Customer", "x-label": {"zh-CN": "客户"}, "type": "object", "properties": {
		"name": {"type": "string", "x-type": "text"},
		"contact": {"type": "string", "x-type": "text"},
		"ref": {"type": "string", "x-type": "text", "x-unique": true},
		"phone": {"type": "string", "x-type": "phone"},
		"email": {"type": "string", "format": "email", "x-type": "email", "x-unique": true},
		"code": {"type": "string", "x-type": "text", "x-mask": "keep:2,2"},
		"tier": {"type": "string", "enum": ["vip", "normal"], "x-type": "select"},
		"team": {"type": "string", "x-type": "text"},
		"visits": {"type": "integer", "minimum": 0, "x-type": "integer"},
		"secret": {"type": "string", "x-type": "text", "default": "s-default"},
		"company": {"type": "string", "x-type": "relation", "x-ref": "company"},
		"address": {"type": "object", "x-type": "json"},
		"tags": {"type": "array", "items": {"type": "string"}, "x-type": "tags"}}}`
	accDealDef = `{"$id": "deal", "title": "Deal", "x-label": {"zh-CN": "商机"}, "type": "object", "properties": {
		"title": {"type": "string", "x-type": "text"},
		"customer": {"type": "string", "x-type": "relation", "x-ref": "customer"},
		"customers": {"type": "array", "items": {"type": "string"}, "x-type": "relation", "x-ref": "customer", "x-many": true}}}`
)

// forStores runs fn on a fresh engine over each store: SQLite, and MongoDB
// (an embedded FerretDB, or the server of MORPH_TEST_MONGO_URI).
func forStores(t *testing.T, fn func(t *testing.T, kind string, eng *engine.Engine)) {
	for _, kind := range eachstore.Kinds {
		t.Run(kind, func(t *testing.T) {
			eng, err := engine.New(context.Background(), eachstore.Open(t, kind), engine.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []struct{ name, def string }{{"company", accCompanyDef}, {"customer", accCustomerDef}, {"deal", accDealDef}} {
				put(t, eng, d.name, d.def)
			}
			fn(t, kind, eng)
		})
	}
}

func putRole(t *testing.T, eng *engine.Engine, name, doc string) {
	t.Helper()
	if _, _, err := eng.PutRole(context.Background(), engine.System, name, []byte(doc)); err != nil {
		t.Fatalf("role %s: %v", name, err)
	}
}

// The team tree of the matrix: 华东销售部 (east) with two sub-teams, 上海组
// (sh: u1, u2) and 杭州组 (hz: u3); u4 is in 华南销售部 (south). mgr leads
// east: their team is east alone, their tree east, sh and hz.
var (
	matU1  = engine.Actor{ID: "u1", Team: "sh", TeamMembers: []string{"u1", "u2"}, TreeMembers: []string{"u1", "u2"}}
	matMgr = engine.Actor{ID: "mgr", Team: "east", TeamMembers: []string{"mgr"}, TreeMembers: []string{"mgr", "u1", "u2", "u3"}}
)

// The customers of the matrix, by key: owner, tier and the team field (the
// owner's team, for a row rule on user.team).
var matCustomers = []struct{ key, owner, tier, team string }{
	{"mgr1", "mgr", "normal", "east"},
	{"u1a", "u1", "vip", "sh"}, {"u1b", "u1", "normal", "sh"},
	{"u2a", "u2", "normal", "sh"}, {"u2b", "u2", "normal", "sh"},
	{"u3a", "u3", "vip", "hz"},
	{"u4a", "u4", "vip", "south"}, {"u4b", "u4", "normal", "south"},
}

const matAll = "mgr1 u1a u1b u2a u2b u3a u4a u4b"

// The roles of the matrix. Every actor but the one without roles also holds
// "deals": deals are readable and creatable, so that expansions and
// relation writes into customers can be tried.
var matRoles = map[string]string{
	"deals":      `{"entities": {"deal": {"create": true, "read": "all", "fields": {"*": "edit"}}, "company": {"read": "all", "fields": {"*": "read"}}}}`,
	"c_none":     `{"entities": {"customer": {"read": "none", "fields": {"*": "read"}}}}`,
	"c_own":      `{"entities": {"customer": {"create": true, "read": "own", "update": "own", "delete": "own", "fields": {"*": "edit"}}}}`,
	"c_team":     `{"entities": {"customer": {"create": true, "read": "team", "update": "own", "fields": {"*": "edit"}}}}`,
	"c_tree":     `{"entities": {"customer": {"read": "team_tree", "update": "team", "delete": "own", "fields": {"*": "edit"}}}}`,
	"c_all":      `{"entities": {"customer": {"read": "all", "update": "team_tree", "delete": "team", "fields": {"*": "edit"}}}}`,
	"c_vip":      `{"entities": {"customer": {"read": "all", "update": "all", "where": "tier == \"vip\"", "fields": {"*": "edit"}}}}`,
	"c_myteam":   `{"entities": {"customer": {"read": "all", "where": "team == user.team", "fields": {"*": "read"}}}}`,
	"c_vip_tree": `{"entities": {"customer": {"read": "team_tree", "where": "tier == \"vip\"", "fields": {"*": "read"}}}}`,
	"c_own_ro":   `{"entities": {"customer": {"read": "own", "fields": {"*": "read"}}}}`,
}

// matRow is one row of the matrix: an actor with roles, and per operation
// the customers it reaches (space-separated keys). A customer outside read
// is not found for every operation; one inside read but outside update or
// delete is forbidden for that operation.
type matRow struct {
	name           string
	actor          engine.Actor
	roles          []string
	listForbidden  bool // the actor has no read grant on customers at all
	read           string
	update, delete string
	create         bool
}

var matRows = []matRow{
	{name: "no roles", actor: matU1, listForbidden: true},
	{name: "scope none", actor: matU1, roles: []string{"c_none"}, listForbidden: true},
	{name: "own", actor: matU1, roles: []string{"c_own"}, read: "u1a u1b", update: "u1a u1b", delete: "u1a u1b", create: true},
	{name: "team", actor: matU1, roles: []string{"c_team"}, read: "u1a u1b u2a u2b", update: "u1a u1b", create: true},
	{name: "team_tree", actor: matMgr, roles: []string{"c_tree"}, read: "mgr1 u1a u1b u2a u2b u3a", update: "mgr1", delete: "mgr1"},
	{name: "all", actor: matU1, roles: []string{"c_all"}, read: matAll, update: "u1a u1b u2a u2b", delete: "u1a u1b u2a u2b"},
	{name: "all as manager", actor: matMgr, roles: []string{"c_all"}, read: matAll, update: "mgr1 u1a u1b u2a u2b u3a", delete: "mgr1"},
	{name: "where", actor: matU1, roles: []string{"c_vip"}, read: "u1a u3a u4a", update: "u1a u3a u4a"},
	{name: "where on user.team", actor: matU1, roles: []string{"c_myteam"}, read: "u1a u1b u2a u2b"},
	{name: "where on user.team as manager", actor: matMgr, roles: []string{"c_myteam"}, read: "mgr1"},
	{name: "union of own and where", actor: matU1, roles: []string{"c_own_ro", "c_vip"}, read: "u1a u1b u3a u4a", update: "u1a u3a u4a"},
	{name: "each where to its own scope", actor: matMgr, roles: []string{"c_own_ro", "c_vip_tree"}, read: "mgr1 u1a u3a"},
	{name: "union with scope none", actor: matU1, roles: []string{"c_none", "c_own"}, read: "u1a u1b", update: "u1a u1b", delete: "u1a u1b", create: true},
	{name: "admin", actor: matU1, roles: []string{"admin"}, read: matAll, update: matAll, delete: matAll, create: true},
}

func keySet(s string) map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(s) {
		m[k] = true
	}
	return m
}

// TestAccessMatrix: roles × operations × scopes on both stores. Each row
// names the customers an actor reaches per operation; every customer is
// tried with every operation, and lists, counts, pages and expansions must
// agree with the row.
func TestAccessMatrix(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		for name, doc := range matRoles {
			putRole(t, eng, name, doc)
		}
		ids, byID, deals := map[string]string{}, map[string]string{}, map[string]string{}
		seed := map[string]map[string]any{}
		for i, c := range matCustomers {
			in := map[string]any{"name": "客户 " + c.key, "owner": c.owner, "tier": c.tier, "team": c.team, "visits": float64(i)}
			seed[c.key] = in
			r, err := eng.Create(ctx, engine.System, "customer", cloneMap(in))
			if err != nil {
				t.Fatal(err)
			}
			ids[c.key], byID[r.ID] = r.ID, c.key
			d, err := eng.Create(ctx, engine.System, "deal", map[string]any{"title": "deal " + c.key, "customer": r.ID})
			if err != nil {
				t.Fatal(err)
			}
			deals[c.key] = d.ID
		}
		tiers := map[string]string{}
		for _, c := range matCustomers {
			tiers[c.key] = c.tier
		}

		for _, row := range matRows {
			t.Run(row.name, func(t *testing.T) {
				actor := row.actor
				actor.Roles = row.roles
				if len(row.roles) > 0 && row.roles[0] != "admin" {
					actor.Roles = append(slices.Clone(row.roles), "deals")
				}
				read, update, del := keySet(row.read), keySet(row.update), keySet(row.delete)
				cell := func(op, key string) string { return fmt.Sprintf("%s %s (owner %s)", op, key, seed[key]["owner"]) }

				// list and count: every page, following cursors, and the total.
				if row.listForbidden {
					if _, err := eng.List(ctx, actor, "customer", engine.ListRequest{Count: true}); morph.ErrorCode(err) != morph.EForbidden {
						t.Errorf("list: want forbidden, got %v", err)
					}
				} else {
					got, total := listAll(t, eng, actor, "customer", engine.ListRequest{Limit: 3, Count: true, Sort: "-visits"})
					var keys []string
					for _, id := range got {
						keys = append(keys, byID[id])
					}
					if want := sortedKeys(read); strings.Join(sortStrings(keys), " ") != want || total != int64(len(read)) {
						t.Errorf("list: got %v (total %d), want %s", keys, total, want)
					}
					// A filtered count: the caller's filter AND the reach.
					res, err := eng.List(ctx, actor, "customer", engine.ListRequest{Filter: `tier == "normal"`, Count: true, Limit: 1})
					want := 0
					for k := range read {
						if tiers[k] == "normal" {
							want++
						}
					}
					if err != nil || res.Total != int64(want) {
						t.Errorf("count of normal customers: %d, want %d (%v)", res.Total, want, err)
					}
				}

				// get
				for _, c := range matCustomers {
					r, err := eng.Get(ctx, actor, "customer", ids[c.key])
					switch {
					case read[c.key] && (err != nil || r.Data["name"] != "客户 "+c.key):
						t.Errorf("%s: %v %v", cell("get", c.key), r.Data, err)
					case !read[c.key] && morph.ErrorCode(err) != morph.ENotFound:
						t.Errorf("%s: want not_found, got %v %v", cell("get", c.key), r.Data, err)
					}
				}

				// expand: from deals, which every role but none reads.
				if len(actor.Roles) > 0 {
					res, err := eng.List(ctx, actor, "deal", engine.ListRequest{Expand: []string{"customer"}, Limit: 100})
					if err != nil {
						t.Fatalf("expand: %v", err)
					}
					for i, d := range pageOf(t, res) {
						key := byID[d.Data["customer"].(string)]
						got := res.Expanded[i]["customer"].(map[string]any)
						if read[key] && got["name"] != "客户 "+key || !read[key] && (len(got) != 1 || got["id"] != ids[key]) {
							t.Errorf("%s: %v", cell("expand", key), got)
						}
					}
					// Writing a relation to a customer the actor may not read
					// is refused as if it did not exist.
					for _, c := range matCustomers {
						d, err := eng.Create(ctx, actor, "deal", map[string]any{"title": "new", "customer": ids[c.key]})
						if read[c.key] {
							if err != nil {
								t.Errorf("%s: %v", cell("relate", c.key), err)
							} else if err := eng.Delete(ctx, engine.System, "deal", d.ID, 0); err != nil {
								t.Fatal(err)
							}
						} else if me := morph.AsError(err); me == nil || me.Code != morph.EUnprocessable || me.Fields[0].Code != "missing_relation" {
							t.Errorf("%s: want missing_relation, got %v", cell("relate", c.key), err)
						}
					}
				}

				// update: the patch reaches the store exactly when allowed.
				for _, c := range matCustomers {
					before, _ := eng.Get(ctx, engine.System, "customer", ids[c.key])
					_, err := eng.Update(ctx, actor, "customer", ids[c.key], map[string]any{"visits": before.Data["visits"].(float64) + 100}, 0)
					after, _ := eng.Get(ctx, engine.System, "customer", ids[c.key])
					changed := after.Version != before.Version
					switch {
					case update[c.key] && (err != nil || !changed):
						t.Errorf("%s: %v", cell("update", c.key), err)
					case !update[c.key] && read[c.key] && (morph.ErrorCode(err) != morph.EForbidden || changed):
						t.Errorf("%s: want forbidden, got %v", cell("update", c.key), err)
					case !read[c.key] && (morph.ErrorCode(err) != morph.ENotFound || changed):
						t.Errorf("%s: want not_found, got %v", cell("update", c.key), err)
					}
				}

				// delete: a deleted customer is put back as it was.
				for _, c := range matCustomers {
					before, _ := eng.Get(ctx, engine.System, "customer", ids[c.key])
					err := eng.Delete(ctx, actor, "customer", ids[c.key], 0)
					_, gerr := eng.Get(ctx, engine.System, "customer", ids[c.key])
					gone := morph.ErrorCode(gerr) == morph.ENotFound
					switch {
					case del[c.key]:
						if err != nil || !gone {
							t.Errorf("%s: %v", cell("delete", c.key), err)
						}
						in := cloneMap(seed[c.key])
						in["id"], in["visits"] = ids[c.key], before.Data["visits"]
						if _, err := eng.Create(ctx, engine.System, "customer", in); err != nil {
							t.Fatal(err)
						}
					case read[c.key] && (morph.ErrorCode(err) != morph.EForbidden || gone):
						t.Errorf("%s: want forbidden, got %v", cell("delete", c.key), err)
					case !read[c.key] && (morph.ErrorCode(err) != morph.ENotFound || gone):
						t.Errorf("%s: want not_found, got %v", cell("delete", c.key), err)
					}
				}

				// create
				r, err := eng.Create(ctx, actor, "customer", map[string]any{"name": "new", "tier": "normal"})
				switch {
				case row.create && (err != nil || r.Data["owner"] != actor.ID):
					t.Errorf("create: %v %v", r.Data, err)
				case row.create:
					if err := eng.Delete(ctx, engine.System, "customer", r.ID, 0); err != nil {
						t.Fatal(err)
					}
				case morph.ErrorCode(err) != morph.EForbidden:
					t.Errorf("create: want forbidden, got %v", err)
				}
				items, err := eng.CreateMany(ctx, actor, "customer", []map[string]any{{"name": "bulk"}}, engine.BulkOptions{})
				switch {
				case row.create && (err != nil || items[0].Status != 201):
					t.Errorf("bulk create: %v %v", items, err)
				case !row.create && morph.ErrorCode(err) != morph.EForbidden:
					t.Errorf("bulk create: want forbidden, got %v", err)
				}
				cleanUp(t, eng, "customer", `name == "bulk"`)
			})
		}
	})
}

// listAll follows a list's cursors to the end and returns the ids in order
// and the total of the first page.
func listAll(t *testing.T, eng *engine.Engine, actor engine.Actor, entity string, req engine.ListRequest) ([]string, int64) {
	t.Helper()
	var ids []string
	total := int64(-1)
	for page := 0; ; page++ {
		res, err := eng.List(context.Background(), actor, entity, req)
		if err != nil {
			t.Fatalf("list page %d: %v", page, err)
		}
		if page == 0 {
			total = res.Total
		} else if req.Count && res.Total != total {
			t.Fatalf("total changed between pages: %d, then %d", total, res.Total)
		}
		for _, r := range res.Records {
			ids = append(ids, r.ID)
		}
		for _, r := range res.Raw {
			ids = append(ids, r.ID)
		}
		if res.Next == "" {
			return ids, total
		}
		if page > 1000 {
			t.Fatal("cursors do not end")
		}
		req.After = res.Next
	}
}

func cleanUp(t *testing.T, eng *engine.Engine, entity, filter string) {
	t.Helper()
	ids, _ := listAll(t, eng, engine.System, entity, engine.ListRequest{Filter: filter, Limit: 500})
	for _, id := range ids {
		if err := eng.Delete(context.Background(), engine.System, entity, id, 0); err != nil {
			t.Fatal(err)
		}
	}
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]bool) string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return strings.Join(sortStrings(s), " ")
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}

// The field levels of the field tests: customer fields at every level,
// system fields allow-listed like the others.
const fieldRep = `{"entities": {
	"customer": {"create": true, "read": "own", "update": "own", "delete": "own", "fields": {
		"name": "edit", "ref": "edit", "tier": "edit", "company": "edit", "address": "edit",
		"phone": "masked", "email": "masked", "code": "masked", "visits": "masked", "contact": "masked",
		"team": "read", "owner": "read", "created_at": "read"}},
	"deal": {"create": true, "read": "all", "update": "all", "fields": {"*": "edit"}},
	"company": {"read": "all", "fields": {"name": "read"}}}}`

// TestAccessFieldLevels: hidden fields never come back, masked ones come
// back masked, wherever a record goes out; fields below read cannot be
// filtered, sorted, projected or expanded; fields below edit cannot be
// written, except a masked value sent back as shown.
func TestAccessFieldLevels(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		putRole(t, eng, "rep", fieldRep)
		u1 := matU1
		u1.Roles = []string{"rep"}
		sys := func(entity string, in map[string]any) string {
			t.Helper()
			r, err := eng.Create(ctx, engine.System, entity, in)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		co := sys("company", map[string]any{"name": "华东贸易", "region": "east"})
		mine := sys("customer", map[string]any{"owner": "u1", "name": "张三丰", "ref": "R1", "phone": "+8613800138000", "email": "alice@example.com",
			"code": "AB12345678", "tier": "vip", "team": "sh", "visits": float64(7), "secret": "s3cret", "tags": []any{"t"}, "contact": "张三丰",
			"address": map[string]any{"city": "上海"}, "company": co})
		theirs := sys("customer", map[string]any{"owner": "u4", "name": "李四", "ref": "R4", "email": "bob@example.com", "secret": "s4"})
		gone := sys("customer", map[string]any{"owner": "u1", "name": "gone"})
		sys("deal", map[string]any{"title": "d", "customer": mine, "customers": []any{mine, theirs, gone}})
		if err := eng.Delete(ctx, engine.System, "customer", gone, 0); err != nil {
			t.Fatal(err)
		}

		// What u1 sees of their customer, wherever it goes out.
		want := map[string]any{"id": mine, "name": "张三丰", "ref": "R1", "phone": "+86138****8000", "email": "a***@example.com",
			"code": "AB******78", "tier": "vip", "team": "sh", "visits": "***", "contact": "张***", "owner": "u1", "created_at": "*",
			"address": map[string]any{"city": "上海"}, "company": co}
		check := func(where string, got map[string]any) {
			t.Helper()
			for k, v := range want {
				if k == "created_at" {
					if _, ok := got[k]; !ok {
						t.Errorf("%s: created_at missing: %v", where, got)
					}
					continue
				}
				if fmt.Sprint(got[k]) != fmt.Sprint(v) {
					t.Errorf("%s: %s = %v, want %v", where, k, got[k], v)
				}
			}
			for _, k := range []string{"secret", "tags", "created_by", "updated_at", "updated_by"} {
				if _, ok := got[k]; ok {
					t.Errorf("%s: hidden field %s came back: %v", where, k, got)
				}
			}
		}
		r, err := eng.Get(ctx, u1, "customer", mine)
		if err != nil {
			t.Fatal(err)
		}
		check("get", engine.Flatten(r, nil))
		res, err := eng.List(ctx, u1, "customer", engine.ListRequest{Count: true})
		if err != nil || len(pageOf(t, res)) != 1 || res.Total != 1 {
			t.Fatalf("list: %v %v", res, err)
		}
		check("list", engine.Flatten(pageOf(t, res)[0], nil))
		res, err = eng.List(ctx, u1, "customer", engine.ListRequest{Fields: "name,team"})
		if page := pageOf(t, res); err != nil || len(page) != 1 || len(engine.Flatten(page[0], res.Fields)) != 4 || page[0].Data["team"] != "sh" {
			t.Fatalf("list with fields: %v %v", page, err)
		}
		dres, err := eng.List(ctx, u1, "deal", engine.ListRequest{Expand: []string{"customer", "customers"}})
		if err != nil || len(dres.Records) != 1 {
			t.Fatalf("expand: %v %v", dres, err)
		}
		check("expand", dres.Expanded[0]["customer"].(map[string]any))
		many := dres.Expanded[0]["customers"].([]any)
		if len(many) != 3 {
			t.Fatalf("expand many: %v", many)
		}
		check("expand many", many[0].(map[string]any))
		for i, id := range []string{theirs, gone} {
			if m := many[i+1].(map[string]any); len(m) != 1 || m["id"] != id {
				t.Errorf("expanded customer %s the actor may not read (or that is gone): %v", id, m)
			}
		}

		// Reading through fields below read is refused, naming the field.
		for _, c := range []struct {
			req   engine.ListRequest
			field string
		}{
			{engine.ListRequest{Filter: `secret == "s3cret"`}, "secret"}, {engine.ListRequest{Filter: `phone startsWith "+86138"`}, "phone"},
			{engine.ListRequest{Filter: `name != "" && (tier == "vip" || email contains "alice")`}, "email"},
			{engine.ListRequest{Filter: `updated_by == "system"`}, "updated_by"}, {engine.ListRequest{Filter: `"t" in tags`}, "tags"},
			{engine.ListRequest{Filter: `visits > 3`}, "visits"}, {engine.ListRequest{Filter: `address.city == "上海" && secret == nil`}, "secret"},
			// Not a type error, which would tell the field's type.
			{engine.ListRequest{Filter: `visits == "many"`}, "visits"}, {engine.ListRequest{Filter: `secret > 3`}, "secret"},
			{engine.ListRequest{Sort: "secret"}, "secret"}, {engine.ListRequest{Sort: "name,-email"}, "email"}, {engine.ListRequest{Sort: "updated_at"}, "updated_at"},
			{engine.ListRequest{Fields: "name,secret"}, "secret"}, {engine.ListRequest{Fields: "code"}, "code"}, {engine.ListRequest{Fields: "name,phone"}, "phone"}, {engine.ListRequest{Fields: "created_by"}, "created_by"},
		} {
			_, err := eng.List(ctx, u1, "customer", c.req)
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 || me.Fields[0].Code != "not_readable" ||
				!strings.Contains(me.Text.EN, c.field) || !strings.Contains(me.Fields[0].Text.ZH, c.field) {
				t.Errorf("%+v: want invalid_filter not_readable naming %s, got %v", c.req, c.field, err)
			}
		}
		if _, err := eng.List(ctx, u1, "customer", engine.ListRequest{Filter: `tier == "vip" && team == "sh"`, Sort: "-created_at,name"}); err != nil {
			t.Errorf("filter and sort on readable fields: %v", err)
		}
		putRole(t, eng, "rep2", `{"entities": {"deal": {"read": "all", "fields": {"title": "read", "customer": "masked"}}}}`)
		u1b := u1
		u1b.Roles = []string{"rep2"}
		if _, err := eng.List(ctx, u1b, "deal", engine.ListRequest{Expand: []string{"customer"}}); morph.ErrorCode(err) != morph.EInvalidFilter {
			t.Errorf("expand of a masked relation: %v", err)
		}

		// Writing below edit.
		stored := func() map[string]any {
			r, err := eng.Get(ctx, engine.System, "customer", mine)
			if err != nil {
				t.Fatal(err)
			}
			return r.Data
		}
		before := stored()
		for _, patch := range []map[string]any{
			{"secret": "x"}, {"team": "hz"}, {"phone": "+8613900139000"}, {"phone": "+86139****8000"},
			{"visits": float64(8)}, {"owner": "u2"}, {"name": "ok", "email": "b***@example.com"}, {"tags": []any{"x"}}, {"contact": "张三"},
			{"secret": "s3cret"}, // a hidden field's stored value too: accepting it would confirm the guess
		} {
			_, err := eng.Update(ctx, u1, "customer", mine, patch, 0)
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EForbidden || len(me.Fields) == 0 || me.Fields[0].Code != "not_editable" {
				t.Errorf("update %v: want forbidden not_editable, got %v", patch, err)
			}
		}
		if after := stored(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("refused updates changed the record:\n%v\n%v", before, after)
		}
		// Masked values sent back as shown, and read-only ones as stored,
		// are no edit; the rest applies.
		r, err = eng.Update(ctx, u1, "customer", mine, map[string]any{"name": "张三", "phone": "+86138****8000", "email": "a***@example.com",
			"code": "AB******78", "visits": "***", "contact": "张***", "team": "sh", "owner": "u1"}, 0)
		if err != nil {
			t.Fatalf("update with masked values sent back: %v", err)
		}
		want["name"] = "张三"
		check("update", engine.Flatten(r, nil))
		after := stored()
		if after["phone"] != "+8613800138000" || after["email"] != "alice@example.com" || after["code"] != "AB12345678" || after["visits"] != float64(7) || after["name"] != "张三" || after["contact"] != "张三丰" {
			t.Fatalf("masked values sent back changed the record: %v", after)
		}

		// Create: fields below masked are refused; a masked one is the
		// creator's to give, and comes back masked.
		for _, in := range []map[string]any{{"name": "n", "secret": "x"}, {"name": "n", "team": "sh"}} {
			if _, err := eng.Create(ctx, u1, "customer", in); morph.ErrorCode(err) != morph.EForbidden {
				t.Errorf("create %v: want forbidden, got %v", in, err)
			}
		}
		given, err := eng.Create(ctx, u1, "customer", map[string]any{"name": "赵七", "ref": "R9", "phone": "+8613700137000"})
		if err != nil || given.Data["phone"] != "+86137****7000" {
			t.Fatalf("create with a masked field: %v %v", given.Data, err)
		}
		if s, _ := eng.Get(ctx, engine.System, "customer", given.ID); s.Data["phone"] != "+8613700137000" {
			t.Errorf("the masked field given on create was not stored: %v", s.Data)
		}
		if _, err := eng.Update(ctx, u1, "customer", given.ID, map[string]any{"phone": "+8613900139000"}, 0); morph.ErrorCode(err) != morph.EForbidden {
			t.Errorf("a masked field changed after create: %v", err)
		}
		c, err := eng.Create(ctx, u1, "customer", map[string]any{"name": "王五", "ref": "R5"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Data["secret"]; ok || c.Data["created_by"] != nil || c.Data["updated_by"] != nil {
			t.Errorf("create returned hidden fields (secret has a default): %v", c.Data)
		}
		if s, _ := eng.Get(ctx, engine.System, "customer", c.ID); s.Data["secret"] != "s-default" {
			t.Errorf("the hidden default was not stored: %v", s.Data)
		}

		// Bulk, with and without a key: the same rules item by item.
		items, err := eng.CreateMany(ctx, u1, "customer", []map[string]any{
			{"name": "赵六", "ref": "R6"}, {"name": "x", "secret": "x"}, {"name": "y", "company": theirs},
		}, engine.BulkOptions{})
		if err != nil || items[0].Status != 201 || items[1].Status != 403 || items[2].Status != 422 {
			t.Fatalf("bulk: %+v %v", items, err)
		}
		if _, ok := items[0].Record.Data["secret"]; ok {
			t.Errorf("bulk returned a hidden field: %v", items[0].Record.Data)
		}
		items, err = eng.CreateMany(ctx, u1, "customer", []map[string]any{
			{"ref": "R1", "name": "张三丰", "phone": "+86138****8000"}, // own: an update, masked value as shown
			{"ref": "R4", "name": "改"},                              // another's: not found
			{"ref": "R7", "name": "新"},                              // new
			{"ref": "R1", "secret": "x"},
		}, engine.BulkOptions{Key: "ref"})
		if err != nil || items[0].Status != 200 || items[1].Status != 404 || items[2].Status != 201 || items[3].Status != 403 {
			t.Fatalf("bulk upsert: %+v %v", items, err)
		}
		for _, it := range items[:3:3] {
			if it.Record.Data == nil {
				continue
			}
			if _, ok := it.Record.Data["secret"]; ok || it.Record.Data["created_by"] != nil {
				t.Errorf("bulk upsert returned a hidden field: %v", it.Record.Data)
			}
		}
		if items[0].Record.Data["phone"] != "+86138****8000" {
			t.Errorf("bulk upsert returned an unmasked value: %v", items[0].Record.Data)
		}
		if s := stored(); s["phone"] != "+8613800138000" || s["name"] != "张三丰" {
			t.Errorf("bulk upsert: %v", s)
		}
		if s, _ := eng.Get(ctx, engine.System, "customer", theirs); s.Data["name"] != "李四" || s.Version != 1 {
			t.Errorf("bulk upsert changed another's record: %v", s)
		}
		// An upsert key is a lookup by its field: one below read is refused
		// like a filter on it, so that which values records the actor may
		// not read hold does not show (404 for a value taken, 403 for a free
		// one).
		for _, key := range []string{"email"} {
			items, err := eng.CreateMany(ctx, u1, "customer", []map[string]any{{key: "bob@example.com", "name": "x"}, {key: "nobody@example.com", "name": "y"}}, engine.BulkOptions{Key: key})
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalidFilter || !strings.Contains(me.Text.EN, key) {
				t.Errorf("upsert keyed by masked %s: want invalid_filter, got %+v %v", key, items, err)
			}
		}
		// Every item writes its key, so a key the actor may read but not
		// edit would fail every item; it is refused whole, so that no item
		// tells a value taken by a record the actor may not read (404) from
		// a free one (403).
		putRole(t, eng, "rep3", strings.Replace(fieldRep, `"ref": "edit"`, `"ref": "read"`, 1))
		u3 := u1
		u3.Roles = []string{"rep3"}
		items, err = eng.CreateMany(ctx, u3, "customer", []map[string]any{{"ref": "R4", "name": "x"}, {"ref": "R-free", "name": "y"}}, engine.BulkOptions{Key: "ref"})
		if me := morph.AsError(err); me == nil || me.Code != morph.EForbidden || len(me.Fields) != 1 || me.Fields[0].Path != "/key" || me.Fields[0].Code != "not_editable" {
			t.Errorf("upsert keyed by a field the actor may only read: want forbidden at /key, got %+v %v", items, err)
		}
		if s, _ := eng.Get(ctx, engine.System, "customer", theirs); s.Version != 1 {
			t.Errorf("a refused upsert changed another's record: %v", s)
		}
	})
}

// pageOf is a page's records, decoded when the store handed the page over
// as JSON documents (rewritten for the caller: hidden fields out, masked
// ones masked).
func pageOf(t testing.TB, res engine.ListResult) []engine.Record {
	t.Helper()
	if res.Raw == nil {
		return res.Records
	}
	out := make([]engine.Record, len(res.Raw))
	for i, raw := range res.Raw {
		out[i] = engine.Record{ID: raw.ID, Version: raw.Version}
		if err := json.Unmarshal(raw.JSON, &out[i].Data); err != nil {
			t.Fatalf("page record %s is not JSON: %v\n%s", raw.ID, err, raw.JSON)
		}
	}
	return out
}

// A record's history shows of each entry what the reader may see: hidden
// fields are neither valued nor named among the changed fields, and the
// client addresses of other people's writes are for administrators.
func TestHistoryThroughFieldLevels(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		putRole(t, eng, "rep", fieldRep)
		u1 := matU1
		u1.Roles = []string{"rep"}
		boss := engine.Actor{ID: "boss", Name: "Boss", Roles: []string{"admin"}, Addr: "10.1.2.3", Via: "session"}
		r, err := eng.Create(ctx, boss, "customer", map[string]any{"owner": "u1", "name": "张三丰", "secret": "s1", "phone": "+8613800138000"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Update(ctx, boss, "customer", r.ID, map[string]any{"secret": "s2"}, 0); err != nil {
			t.Fatal(err)
		}
		p, err := eng.History(ctx, u1, "customer", r.ID, engine.PageRequest{})
		if err != nil || len(p.Entries) != 2 {
			t.Fatalf("history: %+v %v", p, err)
		}
		for _, a := range p.Entries {
			for _, f := range a.Fields {
				if f == "secret" || f == "tags" || f == "created_by" {
					t.Errorf("%s entry names hidden field %s: %v", a.Action, f, a.Fields)
				}
			}
			if _, ok := a.New["secret"]; ok {
				t.Errorf("%s entry holds a hidden value: %v", a.Action, a.New)
			}
			if a.Addr != "" {
				t.Errorf("%s entry shows another user's address %q to a rep", a.Action, a.Addr)
			}
		}
		if create := p.Entries[1]; fmt.Sprint(create.Fields) != "[name owner phone]" || create.New["phone"] != "+86138****8000" {
			t.Errorf("create entry as the rep sees it: %+v", create)
		}
		// An administrator sees every field and the address.
		p, err = eng.History(ctx, boss, "customer", r.ID, engine.PageRequest{})
		if err != nil || fmt.Sprint(p.Entries[0].Fields) != "[secret]" || p.Entries[0].Addr != "10.1.2.3" {
			t.Errorf("history as an administrator: %+v %v", p, err)
		}
	})
}

// Every expanded relation is one read of the store, so a list names each
// at most once: a relation repeated (a URL can repeat one thousands of
// times) is refused before anything is read.
func TestExpandNamesEachRelationOnce(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		for _, expand := range [][]string{{"customer", "customer"}, {"customer", "customers", "customer"}} {
			_, err := eng.List(ctx, engine.System, "deal", engine.ListRequest{Expand: expand})
			me := morph.AsError(err)
			if me == nil || me.Code != morph.EInvalidFilter || len(me.Fields) != 1 || me.Fields[0].Code != "duplicate" ||
				me.Fields[0].Offset != len(expand)-1 {
				t.Errorf("expand %v: want invalid_filter duplicate at its second mention, got %v", expand, err)
			}
		}
		if _, err := eng.List(ctx, engine.System, "deal", engine.ListRequest{Expand: []string{"customer", "customers"}}); err != nil {
			t.Errorf("two relations: %v", err)
		}
	})
}

// A field removed from its entity keeps its stored values (a definition
// change never takes data with it), and the roles lose their entries for
// it. Those values go out to no restricted caller — by no way out — even
// when the roles' "*" would let them read an unnamed field: the field was
// hidden by name while it existed.
func TestRetiredFieldStaysHidden(t *testing.T) {
	forStores(t, func(t *testing.T, kind string, eng *engine.Engine) {
		ctx := context.Background()
		putRole(t, eng, "reader", `{"entities": {"customer": {"read": "all", "update": "all", "fields": {"*": "edit", "secret": "hidden"}},
			"deal": {"read": "all", "fields": {"*": "read"}}}}`)
		rep := matU1
		rep.Roles = []string{"reader"}
		c, err := eng.Create(ctx, engine.System, "customer", map[string]any{"owner": "u1", "name": "张三", "secret": "s3cret"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Create(ctx, engine.System, "deal", map[string]any{"title": "d", "customer": c.ID}); err != nil {
			t.Fatal(err)
		}
		// secret leaves the definition; its value stays stored.
		put(t, eng, "customer", strings.Replace(accCustomerDef, `"secret": {"type": "string", "x-type": "text", "default": "s-default"},`, "", 1))
		if s, _ := eng.Get(ctx, engine.System, "customer", c.ID); s.Data["secret"] != "s3cret" {
			t.Fatalf("the retired value should stay stored: %v", s.Data)
		}
		leaks := func(where string, data map[string]any) {
			t.Helper()
			if _, ok := data["secret"]; ok {
				t.Errorf("%s: the retired hidden field came back: %v", where, data)
			}
		}
		r, err := eng.Get(ctx, rep, "customer", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		leaks("get", r.Data)
		res, err := eng.List(ctx, rep, "customer", engine.ListRequest{})
		if err != nil || len(pageOf(t, res)) != 1 {
			t.Fatalf("list: %v %v", res, err)
		}
		leaks("list", pageOf(t, res)[0].Data)
		dres, err := eng.List(ctx, rep, "deal", engine.ListRequest{Expand: []string{"customer"}})
		if err != nil || len(dres.Records) != 1 {
			t.Fatalf("expand: %v %v", dres, err)
		}
		leaks("expand", dres.Expanded[0]["customer"].(map[string]any))
		u, err := eng.Update(ctx, rep, "customer", c.ID, map[string]any{"name": "张三丰"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		leaks("update", u.Data)
		p, err := eng.History(ctx, rep, "customer", c.ID, engine.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Entries {
			leaks("history (new)", a.New)
			leaks("history (old)", a.Old)
		}
		// Administrators still see it.
		if r, err := eng.Get(ctx, engine.Actor{ID: "boss", Roles: []string{"admin"}}, "customer", c.ID); err != nil || r.Data["secret"] != "s3cret" {
			t.Errorf("an administrator should see the retired value: %v %v", r.Data, err)
		}
	})
}
