package schema_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema"
)

const salesRep = `{"name": "sales_rep", "label": {"en": "Sales rep", "zh-CN": "销售代表"},
 "entities": {"account": {"create": true, "read": "own", "update": "own", "delete": "none",
                          "where": "region != '海外'",
                          "fields": {"*": "edit", "phone": "masked", "annual_revenue": "hidden"}}}}`

func roleEntities(t *testing.T) func(string) *schema.Entity {
	t.Helper()
	account, err := schema.Parse([]byte(`{"$id": "account", "type": "object", "properties": {
		"name": {"type": "string"}, "region": {"type": "string"}, "phone": {"x-type": "phone"},
		"annual_revenue": {"type": "number"}, "address": {"type": "object"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return func(name string) *schema.Entity {
		if name == "account" {
			return account
		}
		return nil
	}
}

func TestParseRole(t *testing.T) {
	r, err := schema.ParseRole([]byte(salesRep), roleEntities(t))
	if err != nil {
		t.Fatal(err)
	}
	want := &schema.Role{Name: "sales_rep", Label: morph.T("Sales rep", "销售代表"), Entities: map[string]schema.EntityAccess{
		"account": {Create: true, Read: schema.ScopeOwn, Update: schema.ScopeOwn, Delete: schema.ScopeNone, Where: "region != '海外'",
			Fields: map[string]schema.FieldAccess{"*": schema.FieldEdit, "phone": schema.FieldMasked, "annual_revenue": schema.FieldHidden}},
	}}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	a, _ := r.Access("account")
	for field, level := range map[string]schema.FieldAccess{"name": schema.FieldEdit, "phone": schema.FieldMasked, "annual_revenue": schema.FieldHidden} {
		if got := a.Field(field); got != level {
			t.Errorf("%s: %s, want %s", field, got, level)
		}
	}
	if _, ok := r.Access("contact"); ok {
		t.Error("the role grants an entity it does not name")
	}
}

func TestParseRoleAllowed(t *testing.T) {
	for _, doc := range []string{
		`{"name": "viewer"}`,
		`{"name": "mine", "entities": {"account": {"read": "all", "where": "owner == user.id || region == user.team || 'boss' in user.roles"}}}`,
		`{"name": "tree", "entities": {"account": {"read": "team_tree", "update": "team", "delete": "own", "fields": {"owner": "read", "created_at": "read", "address": "masked"}}}}`,
	} {
		if _, err := schema.ParseRole([]byte(doc), roleEntities(t)); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

func TestParseRoleProblems(t *testing.T) {
	type want struct{ path, code string }
	cases := []struct {
		name string
		doc  string
		code morph.Code
		want []want
	}{
		{"not json", `{"name": `, morph.EInvalidJSON, []want{{"", "json"}}},
		{"not an object", `[1]`, morph.EInvalid, []want{{"", "type"}}},
		{"no name", `{}`, morph.EInvalid, []want{{"/name", "required"}}},
		{"bad name", `{"name": "Sales Rep"}`, morph.EInvalid, []want{{"/name", "name"}}},
		{"admin", `{"name": "admin"}`, morph.EInvalid, []want{{"/name", "reserved"}}},
		{"unknown key", `{"name": "r", "grants": {}}`, morph.EInvalid, []want{{"/grants", "unknown_key"}}},
		{"label", `{"name": "r", "label": {"en": 1, "fr": "x"}}`, morph.EInvalid, []want{{"/label/en", "type"}, {"/label/fr", "unknown_key"}}},
		{"unknown entity", `{"name": "r", "entities": {"contact": {"read": "all"}}}`, morph.EInvalid, []want{{"/entities/contact", "unknown_entity"}}},
		{"entity name", `{"name": "r", "entities": {"Account": {}}}`, morph.EInvalid, []want{{"/entities/Account", "name"}}},
		{"scope", `{"name": "r", "entities": {"account": {"read": "everything"}}}`, morph.EInvalid, []want{{"/entities/account/read", "enum"}}},
		{"create", `{"name": "r", "entities": {"account": {"create": "yes"}}}`, morph.EInvalid, []want{{"/entities/account/create", "type"}}},
		{"access key", `{"name": "r", "entities": {"account": {"list": "all"}}}`, morph.EInvalid, []want{{"/entities/account/list", "unknown_key"}}},
		{"update beyond read", `{"name": "r", "entities": {"account": {"read": "own", "update": "team"}}}`, morph.EInvalid, []want{{"/entities/account/update", "beyond_read"}}},
		{"delete without read", `{"name": "r", "entities": {"account": {"delete": "own"}}}`, morph.EInvalid, []want{{"/entities/account/delete", "beyond_read"}}},
		{"unknown field", `{"name": "r", "entities": {"account": {"fields": {"fax": "read"}}}}`, morph.EInvalid, []want{{"/entities/account/fields/fax", "unknown_field"}}},
		{"level", `{"name": "r", "entities": {"account": {"fields": {"phone": "write"}}}}`, morph.EInvalid, []want{{"/entities/account/fields/phone", "enum"}}},
		{"where field", `{"name": "r", "entities": {"account": {"read": "all", "where": "region == 'x' && fax == 1"}}}`, morph.EInvalid, []want{{"/entities/account/where", "unknown_field"}}},
		{"where syntax", `{"name": "r", "entities": {"account": {"read": "all", "where": "region =="}}}`, morph.EInvalid, []want{{"/entities/account/where", "syntax"}}},
		{"where type", `{"name": "r", "entities": {"account": {"where": 3}}}`, morph.EInvalid, []want{{"/entities/account/where", "type"}}},
		{"every problem at once", `{"name": "admin", "x": 1, "entities": {"contact": {}, "account": {"read": "own", "update": "all", "delete": "some",
			"where": "nope > 1", "fields": {"fax": "read", "name": "all"}}}}`, morph.EInvalid, []want{
			{"/entities/account/delete", "enum"}, {"/entities/account/fields/fax", "unknown_field"}, {"/entities/account/fields/name", "enum"},
			{"/entities/account/update", "beyond_read"}, {"/entities/account/where", "unknown_field"}, {"/entities/contact", "unknown_entity"},
			{"/name", "reserved"}, {"/x", "unknown_key"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := schema.ParseRole([]byte(c.doc), roleEntities(t))
			me := morph.AsError(err)
			if r != nil || me == nil || me.Code != c.code {
				t.Fatalf("got %v, %v; want code %s", r, err, c.code)
			}
			var got []want
			for _, fe := range me.Fields {
				got = append(got, want{fe.Path, fe.Code})
				if fe.Text.EN == "" || fe.Text.ZH == "" || fe.Text.EN == fe.Text.ZH {
					t.Errorf("%s: text not bilingual: %+v", fe.Path, fe.Text)
				}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("problems %v, want %v (%v)", got, c.want, err)
			}
		})
	}
}

func TestParseRoleWhereOffset(t *testing.T) {
	const where = "region == '海外' && fax == 1"
	doc, _ := json.Marshal(map[string]any{"name": "r", "entities": map[string]any{"account": map[string]any{"read": "all", "where": where}}})
	_, err := schema.ParseRole(doc, roleEntities(t))
	me := morph.AsError(err)
	if me == nil || len(me.Fields) != 1 {
		t.Fatalf("got %v", err)
	}
	// The offset counts runes of the rule, as the filter translator does.
	if want := len([]rune(where[:strings.Index(where, "fax")])); me.Fields[0].Offset != want {
		t.Fatalf("offset %d, want %d", me.Fields[0].Offset, want)
	}
}

func TestParseRoleLimits(t *testing.T) {
	big := `{"name": "r", "label": {"en": "` + strings.Repeat("x", schema.MaxRoleSize) + `"}}`
	if _, err := schema.ParseRole([]byte(big), roleEntities(t)); morph.ErrorCode(err) != morph.ETooLarge {
		t.Fatalf("oversized role: %v", err)
	}
	ents := map[string]any{}
	for i := 0; i <= schema.MaxRoleEntities; i++ {
		ents["e"+strings.Repeat("x", i%30)+string(rune('a'+i%26))+string(rune('a'+i/26))] = map[string]any{}
	}
	doc, _ := json.Marshal(map[string]any{"name": "r", "entities": ents})
	_, err := schema.ParseRole(doc, roleEntities(t))
	if me := morph.AsError(err); me == nil || len(me.Fields) != 1 || me.Fields[0].Path != "/entities" || me.Fields[0].Code != "too_many" {
		t.Fatalf("too many entities: %v", err)
	}
}

// The published schema is a JSON Schema any validator reads, and it accepts
// the example role.
func TestRoleSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource("role.json", strings.NewReader(string(schema.RoleSchema()))); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("role.json")
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal([]byte(salesRep), &v); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatal(err)
	}
}

func TestRoleUnion(t *testing.T) {
	entities := roleEntities(t)
	rep, err := schema.ParseRole([]byte(salesRep), entities)
	if err != nil {
		t.Fatal(err)
	}
	auditor, err := schema.ParseRole([]byte(`{"name": "auditor", "entities": {"account": {"read": "team_tree",
		"fields": {"phone": "read", "annual_revenue": "read"}}}}`), entities)
	if err != nil {
		t.Fatal(err)
	}
	c := schema.Union("account", rep, auditor)
	want := schema.Combined{
		Create: true,
		Read:   []schema.Grant{{Scope: schema.ScopeOwn, Where: "region != '海外'"}, {Scope: schema.ScopeTeamTree}},
		Update: []schema.Grant{{Scope: schema.ScopeOwn, Where: "region != '海外'"}},
		Fields: map[string]schema.FieldAccess{"*": schema.FieldEdit, "phone": schema.FieldRead, "annual_revenue": schema.FieldRead},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("union %+v\nwant %+v", c, want)
	}
	// The rep names phone: its "*" does not reach it.
	if got := schema.Union("account", rep).Field("phone"); got != schema.FieldMasked {
		t.Errorf("rep alone: phone %s", got)
	}
	if got := schema.Union("account", auditor).Field("name"); got != schema.FieldHidden {
		t.Errorf("auditor alone: a field no role grants is %s", got)
	}
	admin := schema.Union("account", rep, schema.BuiltinAdmin())
	if len(admin.Read) != 1 || admin.Read[0] != (schema.Grant{Scope: schema.ScopeAll}) || admin.Field("annual_revenue") != schema.FieldEdit || !admin.Create {
		t.Errorf("with admin: %+v", admin)
	}
	if got := schema.Union("contact", rep); got.Create || got.Read != nil || got.Field("name") != schema.FieldHidden {
		t.Errorf("an entity no role names: %+v", got)
	}
}
