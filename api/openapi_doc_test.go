package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/identity"
)

// Definitions with every kind of field the description treats apart:
// relations (one and many), select, multiselect, currency, autonumber,
// defaults, unique fields and a declared owner.
const (
	docAccountDef = `{
  "$id": "account", "title": "Account", "x-label": {"zh-CN": "客户"},
  "type": "object",
  "properties": {
    "name":     {"type": "string", "maxLength": 200, "x-type": "text", "x-unique": true, "x-label": {"en": "Name", "zh-CN": "名称"}},
    "code":     {"type": "string", "x-type": "autonumber", "x-autonumber": {"prefix": "AC-", "digits": 4}},
    "industry": {"type": "string", "enum": ["it", "retail", "other"], "x-type": "select",
                 "x-options": {"it": {"en": "IT", "zh-CN": "信息技术"}}},
    "regions":  {"type": "array", "items": {"type": "string", "enum": ["east", "south", "north"]}, "x-type": "multiselect"},
    "revenue":  {"x-type": "currency", "x-currency": "CNY"},
    "tier":     {"type": "string", "enum": ["vip", "normal"], "default": "normal", "x-type": "select"},
    "weight":   {"type": "number", "x-type": "formula", "x-expr": "tier == 'vip' ? 10 : 1"}
  },
  "required": ["name", "tier"],
  "x-rules": [{"name": "no_vip_retail", "when": "tier == 'vip' && industry == 'retail'", "fields": ["tier", "industry"],
               "message": {"en": "Retail accounts are not VIP yet", "zh-CN": "零售客户暂不设 VIP"}}]
}`
	docContactDef = `{
  "$id": "contact", "title": "Contact", "x-label": {"zh-CN": "联系人"},
  "type": "object",
  "properties": {
    "full_name": {"type": "string", "x-type": "text", "x-personal": true},
    "email":     {"type": "string", "format": "email", "x-type": "email", "x-unique": true, "x-personal": true},
    "account":   {"type": "string", "x-type": "relation", "x-ref": "account"},
    "owner":     {"type": "string", "x-type": "user"}
  },
  "required": ["full_name", "account", "owner"]
}`
	docDealDef = `{
  "$id": "sales_deal", "title": "Deal", "x-label": {"zh-CN": "商机"},
  "type": "object",
  "properties": {
    "title":    {"type": "string", "x-type": "text"},
    "amount":   {"x-type": "currency"},
    "stage":    {"type": "string", "enum": ["new", "won", "lost"], "x-type": "select"},
    "contacts": {"type": "array", "items": {"type": "string"}, "x-type": "relation", "x-ref": "contact", "x-many": true}
  },
  "required": ["title"]
}`
)

// docEngine opens an engine over a fresh embedded store with the given
// definitions saved, in order.
func docEngine(t *testing.T, defs ...string) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/morph.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(ctx, st, engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		var head struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal([]byte(d), &head); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.PutEntity(ctx, engine.System, head.ID, []byte(d)); err != nil {
			t.Fatalf("%s: %v", head.ID, err)
		}
	}
	return eng
}

// checkedDoc generates the description of the engine's catalog, checks it
// with a standard OpenAPI 3.1 validator and returns it as decoded JSON
// together with a validator for requests and responses.
func checkedDoc(t *testing.T, eng *engine.Engine) (map[string]any, validator.Validator) {
	t.Helper()
	b, err := json.Marshal(OpenAPI(eng.Catalog()))
	if err != nil {
		t.Fatal(err)
	}
	d, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		reportValidation(t, "document", verrs)
		t.FailNow()
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, v
}

func reportValidation(t *testing.T, what string, errs []*verrors.ValidationError) {
	t.Helper()
	for i, e := range errs {
		if i == 10 {
			t.Errorf("%s: … %d more", what, len(errs)-i)
			break
		}
		t.Errorf("%s: %s: %s", what, e.Message, e.Reason)
		for j, se := range e.SchemaValidationErrors {
			if j == 5 {
				break
			}
			t.Errorf("  %s at %s", se.Reason, se.FieldPath)
		}
	}
}

// at walks decoded JSON by keys; it fails the test when a key is missing.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for i, k := range keys {
		m, ok := v.(map[string]any)
		if !ok || m[k] == nil {
			t.Fatalf("no %s", strings.Join(keys[:i+1], "."))
		}
		v = m[k]
	}
	return v
}

// inlineShared returns v with references to shared parameters, headers and
// responses replaced by what they refer to.
func inlineShared(t *testing.T, doc map[string]any, v any) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok {
			parts := strings.Split(strings.TrimPrefix(r, "#/"), "/")
			if len(parts) == 3 && parts[0] == "components" && parts[1] != "schemas" {
				return inlineShared(t, doc, at(t, doc, parts...))
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = inlineShared(t, doc, e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = inlineShared(t, doc, e)
		}
		return out
	}
	return v
}

func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var httpMethods = []string{"get", "put", "post", "delete", "patch"}

func TestOpenAPIDocument(t *testing.T) {
	eng := docEngine(t, docAccountDef, docContactDef, docDealDef)
	doc, _ := checkedDoc(t, eng)
	paths := inlineShared(t, doc, at(t, doc, "paths")).(map[string]any)
	schemas := at(t, doc, "components", "schemas").(map[string]any)

	t.Run("paths and operations", func(t *testing.T) {
		want := map[string][]string{
			"/healthz":                                        {"get:healthz"},
			"/api/openapi.json":                               {"get:openapi"},
			"/api/audit":                                      {"get:auditLog"},
			"/api/entities/{name}/layouts":                    {"get:listLayouts"},
			"/api/entities/{name}/plan":                       {"post:planEntity"},
			"/api/entities/{name}/rename":                     {"post:renameEntity"},
			"/api/entities/{name}/references":                 {"get:entityReferences"},
			"/api/calendars/{name}/references":                {"get:calendarReferences"},
			"/api/entities/{name}/indexes/advice":             {"post:adviseIndex"},
			"/api/entities/{name}/layouts/{id}":               {"delete:deleteLayout", "get:getLayout", "put:putLayout"},
			"/api/entities/{name}/layouts/{id}/draft":         {"delete:deleteLayoutDraft", "get:getLayoutDraft", "put:putLayoutDraft"},
			"/api/entities/{name}/layouts/{id}/publish":       {"post:publishLayout"},
			"/api/roles":                                      {"get:listRoles"},
			"/api/roles/{name}":                               {"delete:deleteRole", "get:getRole", "put:putRole"},
			"/api/entities":                                   {"get:listEntities"},
			"/api/entities/{name}":                            {"delete:deleteEntity", "get:getEntity", "put:putEntity"},
			"/api/records/account":                            {"get:listAccount", "post:createAccount"},
			"/api/records/account/bulk":                       {"post:bulkAccount"},
			"/api/records/account/{id}":                       {"delete:deleteAccount", "get:getAccount", "patch:updateAccount"},
			"/api/records/account/{id}/history":               {"get:historyAccount"},
			"/api/records/account/{id}/export":                {"get:exportAccount"},
			"/api/records/account/{id}/erase":                 {"post:eraseAccount"},
			"/api/records/contact":                            {"get:listContact", "post:createContact"},
			"/api/records/contact/bulk":                       {"post:bulkContact"},
			"/api/records/contact/{id}":                       {"delete:deleteContact", "get:getContact", "patch:updateContact"},
			"/api/records/contact/{id}/history":               {"get:historyContact"},
			"/api/records/contact/{id}/export":                {"get:exportContact"},
			"/api/records/contact/{id}/erase":                 {"post:eraseContact"},
			"/api/records/sales_deal":                         {"get:listSalesDeal", "post:createSalesDeal"},
			"/api/records/sales_deal/bulk":                    {"post:bulkSalesDeal"},
			"/api/records/sales_deal/{id}":                    {"delete:deleteSalesDeal", "get:getSalesDeal", "patch:updateSalesDeal"},
			"/api/records/sales_deal/{id}/history":            {"get:historySalesDeal"},
			"/api/records/sales_deal/{id}/export":             {"get:exportSalesDeal"},
			"/api/records/sales_deal/{id}/erase":              {"post:eraseSalesDeal"},
			"/api/auth/login":                                 {"post:login"},
			"/api/auth/logout":                                {"post:logout"},
			"/api/me":                                         {"get:getMe", "patch:updateMe"},
			"/api/me/password":                                {"post:changeMyPassword"},
			"/api/users":                                      {"get:listUsers", "post:createUser"},
			"/api/users/{id}":                                 {"delete:deleteUser", "get:getUser", "patch:updateUser"},
			"/api/users/{id}/password":                        {"put:setUserPassword"},
			"/api/teams":                                      {"get:listTeams", "post:createTeam"},
			"/api/teams/{id}":                                 {"delete:deleteTeam", "get:getTeam", "patch:updateTeam"},
			"/api/keys":                                       {"get:listKeys", "post:createKey"},
			"/api/keys/{id}":                                  {"delete:revokeKey"},
			"/api/entities/{name}/views":                      {"get:listViews", "post:createView"},
			"/api/entities/{name}/views/{id}":                 {"delete:deleteView", "get:getView", "put:putView"},
			"/api/expressions/check":                          {"post:checkExpression"},
			"/api/entities/{name}/recompute":                  {"get:recomputeStatus", "post:recompute"},
			"/api/workflows":                                  {"get:listWorkflows"},
			"/api/workflows/{name}":                           {"delete:deleteWorkflow", "get:getWorkflow", "put:putWorkflow"},
			"/api/workflows/{name}/runs":                      {"get:workflowRuns"},
			"/api/workflows/{name}/test":                      {"post:testWorkflow"},
			"/api/workflows/{name}/deliveries":                {"get:workflowDeliveries"},
			"/api/workflows/{name}/deliveries/{id}/redeliver": {"post:redeliver"},
			"/api/notifications":                              {"get:listNotifications"},
			"/api/notifications/{id}/read":                    {"post:readNotification"},
			"/api/calendars":                                  {"get:listCalendars"},
			"/api/calendars/{name}":                           {"delete:deleteCalendar", "get:getCalendar", "put:putCalendar"},
			"/api/slas":                                       {"get:listSLAs"},
			"/api/slas/{name}":                                {"delete:deleteSLA", "get:getSLA", "put:putSLA"},
		}
		if got := keysOf(paths); !slices.Equal(got, keysOf(anyMap(want))) {
			t.Fatalf("paths %v", got)
		}
		for p, ops := range want {
			var got []string
			for _, m := range httpMethods {
				if op, ok := paths[p].(map[string]any)[m].(map[string]any); ok {
					got = append(got, m+":"+op["operationId"].(string))
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, ops) {
				t.Errorf("%s: operations %v, want %v", p, got, ops)
			}
		}
	})

	t.Run("summaries use the label", func(t *testing.T) {
		tests := []struct{ path, method, want string }{
			{"/api/records/sales_deal", "get", "List Deal records"},
			{"/api/records/sales_deal", "post", "Create a Deal record"},
			{"/api/records/contact/{id}", "patch", "Change a Contact record"},
		}
		for _, tt := range tests {
			if got := at(t, paths, tt.path, tt.method, "summary"); got != tt.want {
				t.Errorf("%s %s: summary %q, want %q", tt.method, tt.path, got, tt.want)
			}
		}
		tags := map[string]any{}
		for _, tag := range doc["tags"].([]any) {
			tags[tag.(map[string]any)["name"].(string)] = tag.(map[string]any)["description"]
		}
		if tags["Deal"] != "商机" || tags["Account"] != "客户" {
			t.Errorf("tags %v", tags)
		}
	})

	t.Run("parameters", func(t *testing.T) {
		names := func(path, method string) []string {
			var out []string
			for _, level := range []any{paths[path].(map[string]any)["parameters"], at(t, paths, path, method)} {
				var ps []any
				switch l := level.(type) {
				case []any:
					ps = l
				case map[string]any:
					ps, _ = l["parameters"].([]any)
				}
				for _, p := range ps {
					p := p.(map[string]any)
					out = append(out, p["in"].(string)+":"+p["name"].(string))
				}
			}
			sort.Strings(out)
			return out
		}
		tests := []struct {
			path, method string
			want         []string
		}{
			{"/api/records/account", "get", []string{"header:Accept-Language", "query:after", "query:count", "query:expand",
				"query:fields", "query:filter", "query:limit", "query:sort"}},
			{"/api/records/account", "post", []string{"header:Accept-Language", "header:Idempotency-Key"}},
			{"/api/records/account/bulk", "post", []string{"header:Accept-Language", "header:Idempotency-Key"}},
			{"/api/records/account/{id}", "get", []string{"header:Accept-Language", "header:If-None-Match", "path:id", "query:expand", "query:fields"}},
			{"/api/records/account/{id}", "patch", []string{"header:Accept-Language", "header:If-Match", "path:id"}},
			{"/api/records/account/{id}", "delete", []string{"header:Accept-Language", "header:If-Match", "path:id"}},
			{"/api/entities/{name}", "put", []string{"header:Accept-Language", "header:If-Match", "path:name", "query:force"}},
			{"/api/entities/{name}", "delete", []string{"header:Accept-Language", "header:If-Match", "path:name"}},
		}
		for _, tt := range tests {
			if got := names(tt.path, tt.method); !slices.Equal(got, tt.want) {
				t.Errorf("%s %s: parameters %v, want %v", tt.method, tt.path, got, tt.want)
			}
		}
		for _, p := range at(t, paths, "/api/records/account", "get", "parameters").([]any) {
			if p := p.(map[string]any); p["name"] == "limit" {
				s := p["schema"].(map[string]any)
				if s["minimum"] != 1.0 || s["maximum"] != float64(engine.MaxLimit) || engine.MaxLimit != 500 {
					t.Errorf("limit %v", s)
				}
			}
		}
	})

	t.Run("responses", func(t *testing.T) {
		tests := []struct {
			path, method string
			want         []string
		}{
			{"/api/records/account", "get", []string{"200", "400", "404", "default"}},
			{"/api/records/account", "post", []string{"201", "400", "404", "409", "413", "415", "422", "507", "default"}},
			{"/api/records/account/{id}", "patch", []string{"200", "400", "404", "409", "412", "413", "415", "422", "507", "default"}},
			{"/api/records/account/{id}", "delete", []string{"204", "400", "404", "412", "507", "default"}},
		}
		for _, tt := range tests {
			resps := at(t, paths, tt.path, tt.method, "responses").(map[string]any)
			got := keysOf(resps)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s %s: responses %v, want %v", tt.method, tt.path, got, tt.want)
			}
			for code, r := range resps {
				if code[0] == '4' || code[0] == '5' || code == "default" {
					if s := at(t, r, "content", "application/json", "schema", "$ref"); s != "#/components/schemas/Error" {
						t.Errorf("%s %s %s: %v", tt.method, tt.path, code, s)
					}
				}
			}
		}
		for _, h := range []struct{ path, method, code string }{
			{"/api/records/account", "post", "201"},
			{"/api/records/account/{id}", "get", "200"},
			{"/api/records/account/{id}", "patch", "200"},
			{"/api/entities/{name}", "get", "200"},
		} {
			at(t, paths, h.path, h.method, "responses", h.code, "headers", "ETag")
		}
	})

	t.Run("record schemas", func(t *testing.T) {
		props := func(name string) []string { return keysOf(at(t, schemas, name, "properties")) }
		system := []string{"_expand", "created_at", "created_by", "id", "owner", "updated_at", "updated_by", "version"}
		tests := []struct {
			schema   string
			props    []string
			required []string // nil: none
		}{
			{"Account", append([]string{"code", "industry", "name", "regions", "revenue", "tier", "weight"}, system...), []string{"id", "version"}},
			{"AccountInput", []string{"id", "industry", "name", "owner", "regions", "revenue", "tier"}, []string{"name"}},
			{"AccountPatch", []string{"industry", "name", "owner", "regions", "revenue", "tier"}, nil},
			{"Contact", append([]string{"account", "email", "full_name"}, system...), []string{"id", "version"}},
			{"ContactInput", []string{"account", "email", "full_name", "id", "owner"}, []string{"full_name", "account"}},
			{"SalesDealInput", []string{"amount", "contacts", "id", "owner", "stage", "title"}, []string{"title"}},
		}
		for _, tt := range tests {
			got := props(tt.schema)
			want := slices.Clone(tt.props)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s: properties %v, want %v", tt.schema, got, want)
			}
			req, _ := schemas[tt.schema].(map[string]any)["required"].([]any)
			if gotReq := fmt.Sprint(req); (tt.required == nil && req != nil) || (tt.required != nil && gotReq != fmt.Sprint(anySlice(tt.required))) {
				t.Errorf("%s: required %v, want %v", tt.schema, req, tt.required)
			}
		}
		// The definition's JSON Schema is kept, x- keywords included.
		industry := at(t, schemas, "Account", "properties", "industry").(map[string]any)
		if fmt.Sprint(industry["enum"]) != "[it retail other]" || industry["x-type"] != "select" || industry["x-options"] == nil {
			t.Errorf("industry %v", industry)
		}
		if at(t, schemas, "Account", "properties", "regions", "items", "enum") == nil {
			t.Error("regions lost its options")
		}
		// A patch may clear any field with null.
		for name, p := range at(t, schemas, "AccountPatch", "properties").(map[string]any) {
			if name == "owner" {
				continue
			}
			alts, _ := p.(map[string]any)["anyOf"].([]any)
			if len(alts) != 2 || !reflect.DeepEqual(alts[1], map[string]any{"type": "null"}) {
				t.Errorf("AccountPatch.%s is not nullable: %v", name, p)
			}
		}
		// Unknown fields are refused by the engine, so by the description.
		for _, s := range []string{"AccountInput", "AccountPatch"} {
			if at(t, schemas, s, "additionalProperties") != false {
				t.Errorf("%s allows unknown fields", s)
			}
		}
		// A currency is {amount, currency} or a bare amount.
		if alts := at(t, schemas, "AccountInput", "properties", "revenue", "anyOf").([]any); len(alts) != 2 {
			t.Errorf("revenue input %v", alts)
		}
		// A patch merges into an object value: each member optional, null removes it.
		revenue := at(t, schemas, "AccountPatch", "properties", "revenue", "anyOf").([]any)[0].(map[string]any)["anyOf"].([]any)[0].(map[string]any)
		if revenue["required"] != nil || at(t, revenue, "properties", "currency", "anyOf").([]any)[1].(map[string]any)["type"] != "null" {
			t.Errorf("revenue patch %v", revenue)
		}
		if at(t, schemas, "AccountInput", "properties", "revenue", "anyOf").([]any)[0].(map[string]any)["required"] == nil {
			t.Error("the input's currency lost its required amount")
		}
		if at(t, schemas, "Account", "properties", "created_at", "format") != "date-time" ||
			at(t, schemas, "Account", "properties", "id", "format") != "uuid" ||
			at(t, schemas, "Account", "properties", "version", "type") != "integer" {
			t.Error("system fields lack their types")
		}
		// Relations: expand embeds the related records.
		if got := at(t, schemas, "Contact", "properties", "_expand", "properties", "account", "$ref"); got != "#/components/schemas/Account" {
			t.Errorf("contact expand %v", got)
		}
		if got := at(t, schemas, "SalesDeal", "properties", "_expand", "properties", "contacts", "items", "$ref"); got != "#/components/schemas/Contact" {
			t.Errorf("deal expand %v", got)
		}
	})

	t.Run("bulk", func(t *testing.T) {
		if got := fmt.Sprint(at(t, schemas, "AccountBulk", "properties", "key", "enum")); got != "[name]" {
			t.Errorf("account bulk keys %s", got)
		}
		if _, ok := at(t, schemas, "SalesDealBulk", "properties").(map[string]any)["key"]; ok {
			t.Error("a bulk key for an entity without unique fields")
		}
		if got := at(t, schemas, "AccountBulk", "properties", "items", "maxItems"); got != float64(engine.MaxBulk) {
			t.Errorf("bulk maxItems %v", got)
		}
		if got := keysOf(at(t, schemas, "AccountBulkResult", "properties", "items", "items", "properties")); fmt.Sprint(got) != "[error id index record status]" {
			t.Errorf("bulk result item %v", got)
		}
	})

	t.Run("error", func(t *testing.T) {
		if got := keysOf(at(t, schemas, "Error", "properties")); fmt.Sprint(got) != "[code fields message status]" {
			t.Errorf("Error %v", got)
		}
		if got := keysOf(at(t, schemas, "Error", "properties", "fields", "items", "properties")); fmt.Sprint(got) != "[code message offset path]" {
			t.Errorf("Error.fields %v", got)
		}
	})
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func TestOpenAPIDeterministicAndDetached(t *testing.T) {
	eng := docEngine(t, docAccountDef, docContactDef, docDealDef)
	first, err := json.Marshal(OpenAPI(eng.Catalog()))
	if err != nil {
		t.Fatal(err)
	}
	// Changing a document must not change the catalog it came from.
	doc := OpenAPI(eng.Catalog())
	schemas := doc["components"].(obj)["schemas"].(obj)
	for _, name := range []string{"Account", "AccountInput", "AccountPatch", "SalesDeal"} {
		scrub(schemas[name])
	}
	again, err := json.Marshal(OpenAPI(eng.Catalog()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Fatal("the same catalog gave another document")
	}
	if !strings.Contains(string(again), `"x-ref":"contact"`) {
		t.Fatal("the catalog lost its definition")
	}
}

// scrub empties every map and slice reachable from v.
func scrub(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			scrub(e)
			delete(x, k)
		}
	case []any:
		for i, e := range x {
			scrub(e)
			x[i] = nil
		}
	}
}

func TestOpenAPINameClashes(t *testing.T) {
	tests := []struct {
		names []string
		want  map[string]string
	}{
		{[]string{"account", "sales_order"}, map[string]string{"account": "Account", "sales_order": "SalesOrder"}},
		{[]string{"error", "label"}, map[string]string{"error": "Error2", "label": "Label2"}},
		// getEntity, listEntities are operations of the definitions API.
		{[]string{"entities", "entity"}, map[string]string{"entities": "Entities2", "entity": "Entity2"}},
		{[]string{"a__b", "a_b"}, map[string]string{"a__b": "AB", "a_b": "AB2"}},
		{[]string{"customer", "customer_input"}, map[string]string{"customer": "Customer", "customer_input": "CustomerInput2"}},
		{[]string{"customer", "customer_input", "customer_input2"},
			map[string]string{"customer": "Customer", "customer_input": "CustomerInput2", "customer_input2": "CustomerInput22"}},
	}
	for _, tt := range tests {
		if got := entityBases(tt.names, commonSchemas(), commonPaths()); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: bases %v, want %v", tt.names, got, tt.want)
		}
	}

	// Through a real catalog: every schema and operation stays distinct.
	def := func(name string) string {
		return `{"$id": "` + name + `", "type": "object", "properties": {"title": {"type": "string", "x-type": "text"}}}`
	}
	names := []string{"error", "entity", "entities", "a_b", "a__b", "customer", "customer_input", "label"}
	var defs []string
	for _, n := range names {
		defs = append(defs, def(n))
	}
	// Labels that clash with each other and with the fixed tags.
	names = append(names, "sys", "client", "customer2")
	defs = append(defs,
		`{"$id": "sys", "title": "System", "type": "object", "properties": {"title": {"type": "string"}}}`,
		`{"$id": "client", "title": "Customer", "type": "object", "properties": {"title": {"type": "string"}}}`,
		`{"$id": "customer2", "title": "Customer", "type": "object", "properties": {"title": {"type": "string"}}}`)
	doc, _ := checkedDoc(t, docEngine(t, defs...))
	tags := map[string]bool{}
	for _, tag := range at(t, doc, "tags").([]any) {
		name := tag.(map[string]any)["name"].(string)
		if tags[name] {
			t.Errorf("tag %q twice", name)
		}
		tags[name] = true
	}
	if len(tags) != 9+len(names) || !tags["System (sys)"] || !tags["Customer (customer2)"] {
		t.Errorf("tags %v", keysOf(anyMap(tags)))
	}
	schemas := at(t, doc, "components", "schemas").(map[string]any)
	// Record, Input, Patch, Page, Bulk, BulkResult: no Definition without references.
	if want := len(commonSchemas()) + len(names)*6; len(schemas) != want {
		t.Errorf("%d schemas, want %d", len(schemas), want)
	}
	if at(t, schemas, "Error", "properties", "code") == nil {
		t.Error("an entity took the Error schema")
	}
	ids := map[string]string{}
	for p, item := range at(t, doc, "paths").(map[string]any) {
		for _, m := range httpMethods {
			if op, ok := item.(map[string]any)[m].(map[string]any); ok {
				id := op["operationId"].(string)
				if prev, dup := ids[id]; dup {
					t.Errorf("operationId %s on %s and %s", id, prev, p)
				}
				ids[id] = p
			}
		}
	}
	if want := len(operationIDs(commonPaths())) + len(names)*len(entityOpPrefixes); len(ids) != want {
		t.Errorf("%d operations, want %d", len(ids), want)
	}
}

// TestOpenAPIDescribesTheAPI sends requests to the server and checks each
// request and its response against the description.
func TestOpenAPIDescribesTheAPI(t *testing.T) {
	eng := docEngine(t, docAccountDef, docContactDef, docDealDef)
	_, v := checkedDoc(t, eng)
	ids := identity.New(eng, identity.Options{})
	admin, err := ids.CreateUser(context.Background(), engine.System, map[string]any{"email": "admin@test.local", "name": "Admin", "roles": []any{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	token, err := ids.OpenSession(context.Background(), admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	app := New(eng, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Identity: ids})

	// send makes a request and checks the response against the description.
	// It reports whether the description accepts the request.
	send := func(t *testing.T, method, path, body string, header ...string) (status int, resp map[string]any, requestValid bool) {
		t.Helper()
		build := func() *http.Request {
			var r io.Reader
			if body != "" {
				r = strings.NewReader(body)
			}
			req := httptest.NewRequest(method, path, r)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", "Bearer "+token)
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			return req
		}
		res, err := app.Test(build(), -1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		res.Body = io.NopCloser(bytes.NewReader(b))
		if ok, errs := v.ValidateHttpResponse(build(), res); !ok {
			reportValidation(t, method+" "+path+" → "+string(b), errs)
		}
		requestValid, _ = v.ValidateHttpRequestSync(build())
		if len(b) > 0 {
			if err := json.Unmarshal(b, &resp); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
		return res.StatusCode, resp, requestValid
	}
	expect := func(t *testing.T, status, want int, body map[string]any) {
		t.Helper()
		if status != want {
			t.Fatalf("status %d, want %d: %v", status, want, body)
		}
	}

	const acme = `{"name": "Acme", "industry": "it", "regions": ["east"], "revenue": {"amount": 1200.5, "currency": "USD"}}`
	st, acc, _ := send(t, "POST", "/api/records/account", acme, "Idempotency-Key", "k1")
	expect(t, st, 201, acc)
	accID := acc["id"].(string)
	st, con, _ := send(t, "POST", "/api/records/contact", `{"full_name": "Li Lei", "email": "LI@example.com", "account": "`+accID+`"}`)
	expect(t, st, 201, con)
	conID := con["id"].(string)
	const board = `{"type": "kanban", "label": {"en": "Pipeline", "zh-CN": "管道"}, "shared": true, "groupBy": "industry",
		"cardFields": ["name", "revenue"], "hiddenGroups": ["other"], "filter": "tier == 'vip'", "sort": "-revenue,name", "pageSize": 50,
		"columns": [{"field": "name", "width": 200}, {"field": "created_at"}]}`
	st, view, _ := send(t, "POST", "/api/entities/account/views", board)
	expect(t, st, 201, view)
	viewPath := "/api/entities/account/views/" + view["id"].(string)

	tests := []struct {
		name, method, path, body string
		header                   []string
		status                   int
		valid                    bool // whether the description accepts the request
	}{
		{"create with a bare amount", "POST", "/api/records/sales_deal", `{"title": "Big", "amount": 99, "stage": "new", "contacts": ["` + conID + `"]}`, nil, 201, true},
		{"create with an id", "POST", "/api/records/sales_deal", `{"id": "0190a0a0-0000-7000-8000-000000000001", "title": "Given id"}`, nil, 201, true},
		{"replayed create", "POST", "/api/records/account", acme, []string{"Idempotency-Key", "k1"}, 201, true},
		{"get", "GET", "/api/records/account/" + accID, "", nil, 200, true},
		{"list", "GET", "/api/records/contact?limit=10&count=true&sort=-full_name", "", []string{"Accept-Language", "zh-CN"}, 200, true},
		{"list some fields", "GET", "/api/records/contact?fields=full_name", "", nil, 200, true},
		{"list expanded", "GET", "/api/records/sales_deal?expand=contacts", "", nil, 200, true},
		{"list expanded one", "GET", "/api/records/contact?expand=account", "", nil, 200, true},
		{"patch clears a field", "PATCH", "/api/records/account/" + accID, `{"industry": null, "tier": "vip"}`, []string{"If-Match", `"1"`}, 200, true},
		{"bulk upsert", "POST", "/api/records/account/bulk", `{"key": "name", "items": [{"name": "Acme", "tier": "normal"}, {"name": "Beta"}]}`, nil, 200, true},
		{"bulk with a bad item", "POST", "/api/records/account/bulk", `{"items": [{"name": "Delta"}, {"name": "Bad", "tier": "gold"}]}`, nil, 200, false},
		{"list entities", "GET", "/api/entities", "", nil, 200, true},
		{"get entity", "GET", "/api/entities/account", "", nil, 200, true},
		{"health", "GET", "/healthz", "", nil, 200, true},
		{"invalid value", "POST", "/api/records/account", `{"name": "Gamma", "industry": "mining"}`, nil, 400, false},
		{"invalid filter", "GET", "/api/records/account?filter=" + url.QueryEscape("name =="), "", nil, 400, true},
		{"unknown record", "GET", "/api/records/account/0190a0a0-0000-7000-8000-0000000000ff", "", nil, 404, true},
		{"duplicate", "POST", "/api/records/account", `{"name": "Acme"}`, nil, 409, true},
		{"stale version", "PATCH", "/api/records/account/" + accID, `{"tier": "normal"}`, []string{"If-Match", `"1"`}, 412, true},
		{"missing relation target", "POST", "/api/records/contact", `{"full_name": "Han Meimei", "account": "0190a0a0-0000-7000-8000-0000000000ee"}`, nil, 422, true},
		{"not json", "POST", "/api/records/account", `name=x`, []string{"Content-Type", "text/plain"}, 415, false},
		{"history", "GET", "/api/records/account/" + accID + "/history?limit=2", "", nil, 200, true},
		{"audit log", "GET", "/api/audit?kind=record&from=2000-01-01T00:00:00Z", "", nil, 200, true},
		{"audit log with a bad time", "GET", "/api/audit?from=yesterday", "", nil, 400, true},
		{"export", "GET", "/api/records/contact/" + conID + "/export", "", nil, 200, true},
		{"erase", "POST", "/api/records/contact/" + conID + "/erase", "", nil, 200, true},
		{"delete", "DELETE", "/api/records/contact/" + conID, "", []string{"If-Match", `"2"`}, 204, true},
		{"plan", "POST", "/api/entities/account/plan", docAccountDef, nil, 200, true},
		{"index advice", "POST", "/api/entities/account/indexes/advice", `{"filter": "tier == 'vip'", "sort": "-name"}`, nil, 200, true},
		{"index advice with a bad key", "POST", "/api/entities/account/indexes/advice", `{"filter": 1}`, nil, 400, false},
		{"plan of a bad definition", "POST", "/api/entities/account/plan", `{"type": "object", "properties": {"x": {"type": "strin"}}}`, nil, 400, true},
		{"generated layout", "GET", "/api/entities/account/layouts/default", "", nil, 200, true},
		{"save layout", "PUT", "/api/entities/account/layouts/default", `{"label": {"en": "Account"}, "tabs": [{"sections": [{"label": {"zh-CN": "基本"}, "rows": [{"cols": [{"span": 12, "field": "name"}, {"span": 12, "field": "tier", "visibleWhen": "industry == 'it'"}]}]}]}]}`, nil, 201, true},
		{"bad layout", "PUT", "/api/entities/account/layouts/default", `{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 12, "field": "ghost"}]}]}]}]}`, nil, 400, true},
		{"layouts", "GET", "/api/entities/account/layouts", "", nil, 200, true},
		{"save draft", "PUT", "/api/entities/account/layouts/default/draft", `{"tabs": [{"sections": [{"rows": [{"cols": [{"span": 24, "field": "name"}]}]}]}]}`, nil, 201, true},
		{"get draft", "GET", "/api/entities/account/layouts/default/draft", "", nil, 200, true},
		{"publish", "POST", "/api/entities/account/layouts/default/publish", "", []string{"If-Match", `"1"`}, 200, true},
		{"no draft", "GET", "/api/entities/account/layouts/default/draft", "", nil, 404, true},
		{"roles", "GET", "/api/roles", "", nil, 200, true},
		{"save role", "PUT", "/api/roles/reader", `{"entities": {"account": {"read": "all", "fields": {"*": "read"}}}}`, nil, 201, true},
		{"get role", "GET", "/api/roles/reader", "", nil, 200, true},
		{"built-in calendar", "GET", "/api/calendars/default", "", nil, 200, true},
		{"save calendar", "PUT", "/api/calendars/office", `{"label": {"zh-CN": "办公室"}, "timezone": "Asia/Shanghai", "week": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}, "holidays": ["2026-10-01"], "workdays": ["2026-10-10", {"date": "2026-10-11", "as": "mon"}]}`, nil, 201, true},
		{"bad calendar", "PUT", "/api/calendars/office", `{"timezone": "Asia/Atlantis", "week": {"mon": [["18:00", "09:00"]]}}`, nil, 400, true},
		{"stale calendar", "PUT", "/api/calendars/office", `{"timezone": "UTC", "week": {"mon": [["09:00", "18:00"]]}}`, []string{"If-Match", `"9"`}, 412, true},
		{"calendars", "GET", "/api/calendars", "", nil, 200, true},
		{"get calendar", "GET", "/api/calendars/office", "", nil, 200, true},
		{"unknown calendar", "GET", "/api/calendars/ghost", "", nil, 404, true},
		{"delete calendar", "DELETE", "/api/calendars/office", "", []string{"If-Match", `"1"`}, 204, true},
		{"list views", "GET", "/api/entities/account/views", "", []string{"Accept-Language", "zh-CN"}, 200, true},
		{"list generated views", "GET", "/api/entities/contact/views", "", nil, 200, true},
		{"get view", "GET", viewPath, "", nil, 200, true},
		{"get generated view", "GET", "/api/entities/account/views/default_kanban", "", nil, 200, true},
		{"put view", "PUT", viewPath, board, []string{"If-Match", `"1"`}, 200, true},
		{"put stale view", "PUT", viewPath, board, []string{"If-Match", `"1"`}, 412, true},
		{"bad view", "POST", "/api/entities/account/views", `{"type": "list", "label": {"en": "x"}, "filter": "tier =="}`, nil, 400, true},
		{"view of an unknown entity", "GET", "/api/entities/ghost/views", "", nil, 404, true},
		{"delete view", "DELETE", viewPath, "", []string{"If-Match", `"2"`}, 204, true},
		{"check an expression", "POST", "/api/expressions/check", `{"entity": "account", "expr": "weight * 2", "kind": "formula"}`, nil, 200, true},
		{"check a wrong expression", "POST", "/api/expressions/check", `{"entity": "account", "expr": "weight *", "kind": "rule"}`, []string{"Accept-Language", "zh-CN"}, 200, true},
		{"check a filter", "POST", "/api/expressions/check", `{"entity": "account", "expr": "tier == 'vip'", "kind": "filter"}`, nil, 200, true},
		{"check of an unknown kind", "POST", "/api/expressions/check", `{"entity": "account", "expr": "1", "kind": "sql"}`, nil, 400, false},
		{"check of an unknown entity", "POST", "/api/expressions/check", `{"entity": "ghost", "expr": "1", "kind": "rule"}`, nil, 404, true},
		{"a rule refuses a record", "POST", "/api/records/account", `{"name": "Zed", "tier": "vip", "industry": "retail"}`, nil, 422, true},
		{"a formula value sent", "POST", "/api/records/account", `{"name": "Zed", "weight": 3}`, nil, 400, false},
		{"no recompute yet", "GET", "/api/entities/contact/recompute", "", nil, 404, true},
		{"recompute", "POST", "/api/entities/account/recompute", "", nil, 200, true},
		{"recompute status", "GET", "/api/entities/account/recompute", "", nil, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, body, valid := send(t, tt.method, tt.path, tt.body, tt.header...)
			expect(t, st, tt.status, body)
			if valid != tt.valid {
				t.Errorf("the description accepts the request: %v, want %v", valid, tt.valid)
			}
		})
	}
}

// A definition may refer to parts of itself; the references must resolve
// inside the description.
const docPlaceDef = `{
  "$id": "place", "title": "Place", "type": "object",
  "$defs": {"address": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 5}}, "additionalProperties": false}},
  "properties": {
    "name": {"type": "string", "x-type": "text"},
    "home": {"$ref": "#/$defs/address", "x-type": "json"},
    "work": {"type": "object", "x-type": "json", "properties": {"enum": {"$ref": "place#/$defs/address"}}}
  }
}`

func TestOpenAPIDefinitionReferences(t *testing.T) {
	eng := docEngine(t, docPlaceDef)
	doc, v := checkedDoc(t, eng)
	schemas := at(t, doc, "components", "schemas").(map[string]any)
	const target = "#/components/schemas/PlaceDefinition/$defs/address"
	for _, s := range []string{"Place", "PlaceInput"} {
		if got := at(t, schemas, s, "properties", "home", "$ref"); got != target {
			t.Errorf("%s.home refers to %v", s, got)
		}
		if got := at(t, schemas, s, "properties", "work", "properties", "enum", "$ref"); got != target {
			t.Errorf("%s.work.enum refers to %v", s, got)
		}
	}
	if at(t, schemas, "PlaceDefinition", "$defs", "address", "properties", "city") == nil {
		t.Error("the definition is not described")
	}
	if _, ok := schemas["PlaceDefinition"].(map[string]any)["$id"]; ok {
		t.Error("the described definition keeps its $id")
	}
	// The referred schema applies to requests.
	tests := []struct {
		body  string
		valid bool
	}{
		{`{"name": "HQ", "home": {"city": "Xi'an"}}`, true},
		{`{"name": "HQ", "home": {"city": "Shanghai"}}`, false},
		{`{"name": "HQ", "work": {"enum": {"town": "x"}}}`, false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("POST", "/api/records/place", strings.NewReader(tt.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer ms_token")
		if ok, errs := v.ValidateHttpRequestSync(req); ok != tt.valid {
			t.Errorf("%s: valid %v, want %v (%v)", tt.body, ok, tt.valid, errs)
		}
	}
}

func TestRebaseRefs(t *testing.T) {
	const to = "#/components/schemas/XDefinition"
	tests := []struct {
		name      string
		in, want  string
		rewritten bool
	}{
		{"pointer", `{"$ref": "#/$defs/a"}`, `{"$ref": "` + to + `/$defs/a"}`, true},
		{"root", `{"items": {"$ref": "#"}}`, `{"items": {"$ref": "` + to + `"}}`, true},
		{"by entity id", `{"$ref": "x#/$defs/a"}`, `{"$ref": "` + to + `/$defs/a"}`, true},
		{"in lists", `{"anyOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}`, `{"anyOf": [{"$ref": "` + to + `/$defs/a"}, {"type": "null"}]}`, true},
		{"property named like a keyword", `{"properties": {"default": {"$ref": "#/$defs/a"}}}`, `{"properties": {"default": {"$ref": "` + to + `/$defs/a"}}}`, true},
		{"anchor", `{"$ref": "#addr"}`, `{"$ref": "#addr"}`, false},
		{"other document", `{"$ref": "y#/$defs/a"}`, `{"$ref": "y#/$defs/a"}`, false},
		{"data", `{"enum": [{"$ref": "#/a"}], "default": {"$ref": "#/a"}, "x-meta": {"$ref": "#/a"}}`,
			`{"enum": [{"$ref": "#/a"}], "default": {"$ref": "#/a"}, "x-meta": {"$ref": "#/a"}}`, false},
		{"a $ref field", `{"properties": {"$ref": {"type": "string"}}}`, `{"properties": {"$ref": {"type": "string"}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in, want map[string]any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if got := rebaseRefs(in, "x", to); got != tt.rewritten {
				t.Errorf("rewritten %v, want %v", got, tt.rewritten)
			}
			if !reflect.DeepEqual(in, want) {
				t.Errorf("got %v, want %v", in, want)
			}
		})
	}
}

func TestOpenAPIOfSMECRM(t *testing.T) {
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, d := range defs {
		docs = append(docs, string(d.JSON))
	}
	eng := docEngine(t, docs...)
	doc, _ := checkedDoc(t, eng)
	paths := at(t, doc, "paths").(map[string]any)
	schemas := at(t, doc, "components", "schemas").(map[string]any)
	if len(defs) == 0 {
		t.Fatal("the example has no entities")
	}
	for _, d := range defs {
		ent := eng.Catalog().Entity(d.Name)
		base := camel(d.Name)
		for _, p := range []string{"", "/bulk", "/{id}"} {
			if paths["/api/records/"+d.Name+p] == nil {
				t.Errorf("no path for %s%s", d.Name, p)
			}
		}
		// Every relation of the example can be expanded into a described record.
		for _, f := range ent.Fields {
			if f.Type.Name() != "relation" {
				continue
			}
			e := at(t, schemas, base, "properties", "_expand", "properties", f.Name).(map[string]any)
			if f.Many {
				e = e["items"].(map[string]any)
			}
			target := strings.TrimPrefix(e["$ref"].(string), "#/components/schemas/")
			if schemas[target] == nil {
				t.Errorf("%s.%s expands to %s, which is not described", d.Name, f.Name, target)
			}
		}
	}
}
