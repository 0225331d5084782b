package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine"
)

// One record takes the projection and the expansions of a list, refused
// alike: an unknown parameter, field or relation, a field the caller may
// not read; a related record the caller may not read comes back as its id.
func TestRecordFieldsAndExpand(t *testing.T) {
	forEachStore(t, func(t *testing.T, kind string) {
		s := newServer(t, kind, companyDef, customerDef)
		co := s.create("company", `{"name": "华东贸易", "region": "east"}`)["id"].(string)
		id := s.create("customer", `{"name": "张三", "phone": "+86 138 0013 8000", "visits": 3, "company": "`+co+`"}`)["id"].(string)
		path := "/api/records/customer/" + id

		r := s.do("GET", path+"?fields=name,company&expand=company", "")
		got := r.JSON(t)
		exp, _ := got["_expand"].(map[string]any)
		company, _ := exp["company"].(map[string]any)
		if r.Status != 200 || got["name"] != "张三" || got["company"] != co || got["id"] != id || got["version"] != 1.0 ||
			got["phone"] != nil || got["visits"] != nil || company["name"] != "华东贸易" {
			t.Fatalf("fields and expand: %d %s", r.Status, r.Body)
		}
		if r := s.do("GET", path, ""); r.Status != 200 || strings.Contains(r.Body, "_expand") || !strings.Contains(r.Body, `"visits":3`) {
			t.Fatalf("the whole record: %d %s", r.Status, r.Body)
		}
		for _, sc := range []scenario{
			{name: "unknown parameter", method: "GET", path: path + "?expnd=company", wantStatus: 400, want: []string{`"path":"expnd","code":"unknown_parameter"`}},
			{name: "unknown field", method: "GET", path: path + "?fields=name,nosuch", wantStatus: 400, want: []string{`"path":"fields"`}},
			{name: "not a relation", method: "GET", path: path + "?expand=name", wantStatus: 400, want: []string{`"path":"expand","code":"not_relation"`}},
			{name: "expanded twice", method: "GET", path: path + "?expand=company,company", wantStatus: 400, want: []string{`"code":"duplicate"`}},
			{name: "a missing record, well asked", method: "GET", path: "/api/records/customer/nosuch?fields=name", wantStatus: 404},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, s) })
		}

		// A caller who may not read phone, nor any company.
		if _, _, err := s.eng.PutRole(context.Background(), engine.System, "clerk", []byte(`{"entities": {
			"customer": {"read": "all", "update": "all", "fields": {"*": "read", "phone": "masked", "visits": "hidden"}}}}`)); err != nil {
			t.Fatal(err)
		}
		clerk := "Authorization: Bearer " + s.userToken("clerk@example.com", "clerk")
		if r := s.anon("GET", path+"?fields=name,visits", "", clerk); r.Status != 400 || !strings.Contains(r.Body, `"code":"not_readable"`) {
			t.Errorf("a hidden field asked for: %d %s", r.Status, r.Body)
		}
		// A field the caller sees is named by its label in their language,
		// and by its key; a hidden one by its key alone.
		if r := s.anon("GET", path+"?fields=name,phone", "", clerk, "Accept-Language: zh-CN"); !strings.Contains(r.Body, "您无权查看电话（phone）") {
			t.Errorf("a masked field asked for, in Chinese: %d %s", r.Status, r.Body)
		}
		r = s.anon("PATCH", path, `{"name": "李四", "phone": "+86 139 0013 9000", "visits": 9}`, clerk, "Accept-Language: zh-CN", `If-Match: "1"`)
		if r.Status != 403 || !strings.Contains(r.Body, "您无权修改名称（name）") || !strings.Contains(r.Body, "您无权修改电话（phone）") ||
			!strings.Contains(r.Body, "您无权修改 visits") {
			t.Errorf("fields the clerk may not change: %d %s", r.Status, r.Body)
		}
		r = s.anon("GET", path+"?expand=company", "", clerk)
		exp, _ = r.JSON(t)["_expand"].(map[string]any)
		if company, _ := exp["company"].(map[string]any); r.Status != 200 || len(company) != 1 || company["id"] != co || strings.Contains(r.Body, "+8613800138000") || strings.Contains(r.Body, "visits") {
			t.Errorf("a company the clerk may not read, expanded: %d %s", r.Status, r.Body)
		}
	})
}
