package examples_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/schema"
)

// loadSMECRM parses every sme-crm definition and checks that each one's
// relation targets come before it.
func loadSMECRM(t *testing.T) (map[string]*schema.Entity, []examples.Definition) {
	t.Helper()
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	ents := map[string]*schema.Entity{}
	for _, d := range defs {
		ent, err := schema.Parse(d.JSON)
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if ent.Name != d.Name {
			t.Errorf("%s: $id is %s", d.Name, ent.Name)
		}
		if errs := ent.CheckRefs(func(n string) bool { return ents[n] != nil || n == d.Name }); len(errs) > 0 {
			t.Errorf("%s refers to an entity that is not loaded before it: %v", d.Name, errs)
		}
		ents[d.Name] = ent
	}
	return ents, defs
}

func TestSMECRMEntities(t *testing.T) {
	if !slices.Contains(examples.Names(), "sme-crm") {
		t.Fatalf("Names() = %v lacks sme-crm", examples.Names())
	}
	ents, defs := loadSMECRM(t)
	var got []string
	for _, d := range defs {
		got = append(got, d.Name)
	}
	// Products and accounts have no relations; the rest follow their targets.
	// The roll-ups (the account's over opportunities and contracts, the
	// opportunity's over activities) come with a second save, after every
	// entity.
	want := []string{"account", "contact", "lead", "product", "opportunity", "activity", "contract", "ticket", "account", "opportunity"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load order %v, want %v", got, want)
	}
	for name, e := range ents {
		for _, f := range e.Fields {
			if f.Type.Name() == "relation" && ents[f.Ref] == nil {
				t.Errorf("%s.%s refers to %q, which sme-crm lacks", name, f.Name, f.Ref)
			}
		}
	}
}

// Every entity, field and option is labelled in English and Chinese, in the
// document itself (not by falling back to the key).
func TestSMECRMLabels(t *testing.T) {
	_, defs := loadSMECRM(t)
	type labels struct {
		EN string `json:"en"`
		ZH string `json:"zh-CN"`
	}
	for _, d := range defs {
		var doc struct {
			Label      labels `json:"x-label"`
			Properties map[string]struct {
				Label   labels            `json:"x-label"`
				Enum    []string          `json:"enum"`
				Options map[string]labels `json:"x-options"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(d.JSON, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Label.EN == "" || doc.Label.ZH == "" {
			t.Errorf("%s: entity label %+v", d.Name, doc.Label)
		}
		for name, p := range doc.Properties {
			if p.Label.EN == "" || p.Label.ZH == "" {
				t.Errorf("%s.%s: label %+v", d.Name, name, p.Label)
			}
			if len(p.Options) != len(p.Enum) {
				t.Errorf("%s.%s: %d options labelled for %d values", d.Name, name, len(p.Options), len(p.Enum))
			}
			for _, v := range p.Enum {
				if l := p.Options[v]; l.EN == "" || l.ZH == "" {
					t.Errorf("%s.%s: option %q label %+v", d.Name, name, v, l)
				}
			}
		}
	}
}

// The fields a CRM filters, sorts, numbers and links by are set up for it.
func TestSMECRMFields(t *testing.T) {
	ents, _ := loadSMECRM(t)
	type want struct {
		typ              string
		required, unique bool
		indexed          bool
		def              any
		ref              string
		many             bool
		enum             []string
		autonumberPrefix string
	}
	tests := map[string]want{
		"account.name":               {typ: "text", required: true, unique: true},
		"account.region":             {typ: "select", required: true, indexed: true, enum: []string{"华东", "华南", "华北", "华中", "西南", "西北", "东北"}},
		"account.tier":               {typ: "select", def: "normal", enum: []string{"vip", "key", "normal"}}, // the composite [tier, -annual_revenue] serves it
		"account.industry":           {typ: "select", indexed: true},
		"account.source":             {typ: "select", indexed: true},
		"account.credit_code":        {typ: "text", unique: true},
		"account.phone":              {typ: "phone"},
		"account.website":            {typ: "url"},
		"account.annual_revenue":     {typ: "currency"},
		"account.tags":               {typ: "tags"},
		"account.owner":              {typ: "user", indexed: true},
		"contact.account":            {typ: "relation", required: true, indexed: true, ref: "account"},
		"contact.email":              {typ: "email", unique: true},
		"contact.mobile":             {typ: "phone", indexed: true},
		"contact.is_primary":         {typ: "boolean", def: false},
		"contact.birthday":           {typ: "date"},
		"lead.source":                {typ: "select", indexed: true, enum: []string{"website", "referral", "exhibition", "cold_call", "wechat", "douyin"}},
		"lead.status":                {typ: "select", indexed: true, def: "new", enum: []string{"new", "contacted", "qualified", "disqualified"}},
		"lead.owner":                 {typ: "user", indexed: true},
		"opportunity.stage":          {typ: "select", required: true, indexed: true, def: "lead", enum: []string{"lead", "qualified", "proposal", "negotiation", "won", "lost"}},
		"opportunity.amount":         {typ: "currency", indexed: true},
		"opportunity.probability":    {typ: "percent"},
		"opportunity.expected_close": {typ: "date", indexed: true},
		"opportunity.contact":        {typ: "relation", indexed: true, ref: "contact"},
		"opportunity.products":       {typ: "relation", indexed: true, ref: "product", many: true},
		"contract.number":            {typ: "autonumber", unique: true, autonumberPrefix: "HT-"},
		"contract.opportunity":       {typ: "relation", indexed: true, ref: "opportunity"},
		"contract.status":            {typ: "select", indexed: true, def: "draft"},
		"product.sku":                {typ: "text", required: true, unique: true},
		"product.unit_price":         {typ: "currency"},
		"product.active":             {typ: "boolean", def: true},
		"ticket.number":              {typ: "autonumber", unique: true, autonumberPrefix: "TK-"},
		"ticket.description":         {typ: "textarea"},
		"ticket.status":              {typ: "select", indexed: true, def: "open"},
		"ticket.priority":            {typ: "select", indexed: true, def: "normal"},
		"ticket.due_at":              {typ: "datetime", indexed: true},
		"ticket.response_due":        {typ: "datetime", indexed: true},
		"ticket.resolution_due":      {typ: "datetime", indexed: true},
		"ticket.sla_breached":        {typ: "boolean", indexed: true, def: false},
		"activity.type":              {typ: "select", required: true, indexed: true, enum: []string{"call", "visit", "email", "note"}},
		"activity.products":          {typ: "relation", indexed: true, ref: "product", many: true},
		"activity.lead":              {typ: "relation", indexed: true, ref: "lead"},
		"activity.duration_minutes":  {typ: "integer"},
		"activity.owner":             {typ: "user", indexed: true},
	}
	for key, w := range tests {
		t.Run(key, func(t *testing.T) {
			var entity, field string
			for i := range key {
				if key[i] == '.' {
					entity, field = key[:i], key[i+1:]
				}
			}
			f := ents[entity].Field(field)
			if f == nil {
				t.Fatalf("no field %s", key)
			}
			if f.Type.Name() != w.typ || f.Required != w.required || f.Unique != w.unique || f.Ref != w.ref || f.Many != w.many {
				t.Errorf("got type %s required %v unique %v ref %q many %v, want %+v", f.Type.Name(), f.Required, f.Unique, f.Ref, f.Many, w)
			}
			if w.indexed && !f.Indexed && !f.Unique {
				t.Error("not indexed")
			}
			if f.Default != w.def {
				t.Errorf("default %v, want %v", f.Default, w.def)
			}
			if w.enum != nil && !reflect.DeepEqual(f.Enum, w.enum) {
				t.Errorf("options %v, want %v", f.Enum, w.enum)
			}
			if w.autonumberPrefix != "" {
				cfg, _ := f.Prop["x-autonumber"].(map[string]any)
				if cfg["prefix"] != w.autonumberPrefix {
					t.Errorf("autonumber %v", cfg)
				}
			}
		})
	}
}

// Money is in yuan unless said otherwise: a bare amount gets CNY.
func TestSMECRMCurrencyDefaultsToCNY(t *testing.T) {
	ents, _ := loadSMECRM(t)
	n := 0
	for name, e := range ents {
		for _, f := range e.Fields {
			if f.Type.Name() != "currency" {
				continue
			}
			n++
			data := map[string]any{f.Name: 1200.0}
			if errs := e.Normalize(data); len(errs) > 0 {
				t.Fatalf("%s.%s: %v", name, f.Name, errs)
			}
			if want := map[string]any{"amount": 1200.0, "currency": "CNY"}; !reflect.DeepEqual(data[f.Name], want) {
				t.Errorf("%s.%s: 1200 became %v", name, f.Name, data[f.Name])
			}
		}
	}
	if n < 4 {
		t.Errorf("only %d currency fields", n)
	}
}

// Defaults apply on create: a new opportunity starts as a lead, a new lead
// as new, and a minimal record of each entity validates once they apply.
func TestSMECRMDefaults(t *testing.T) {
	ents, _ := loadSMECRM(t)
	const id = "0190a0e0-0000-7000-8000-000000000001"
	minimal := map[string]map[string]any{
		"account":     {"name": "杭州云帆科技有限公司", "region": "华东"},
		"contact":     {"name": "王伟", "account": id},
		"lead":        {"name": "李娜"},
		"opportunity": {"name": "云帆数字化升级项目", "account": id},
		"contract":    {"title": "云帆数字化升级项目合同", "account": id, "amount": 98000.0},
		"product":     {"sku": "SW-CRM-STD", "name": "客户管理系统 标准版"},
		"ticket":      {"subject": "系统登录异常", "account": id},
		"activity":    {"type": "call", "subject": "电话回访", "at": "2026-05-01T09:30:00+08:00"},
	}
	for name, e := range ents {
		data, ok := minimal[name]
		if !ok {
			t.Errorf("no minimal record for %s", name)
			continue
		}
		e.ApplyDefaults(data)
		if errs := e.Normalize(data); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
		}
		if errs := e.Validate(data); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
		}
	}
	checks := []struct{ entity, field, want string }{
		{"opportunity", "stage", "lead"}, {"lead", "status", "new"}, {"ticket", "status", "open"}, {"account", "tier", "normal"},
	}
	for _, c := range checks {
		if got := minimal[c.entity][c.field]; got != c.want {
			t.Errorf("%s.%s defaulted to %v, want %s", c.entity, c.field, got, c.want)
		}
	}
	// Without its required fields a record is refused, naming them.
	errs := ents["opportunity"].Validate(map[string]any{"stage": "won"})
	var paths []string
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	slices.Sort(paths)
	if !reflect.DeepEqual(paths, []string{"/account", "/name"}) {
		t.Errorf("an opportunity without name and account: %v", errs)
	}
}

// The example's roles parse against its entities: the sales manager sees
// the team tree, the rep only own records with customers' phones masked and
// no delete, the service agent every ticket with accounts read-only, the
// auditor everything with personal data masked.
func TestSMECRMRoles(t *testing.T) {
	ents, _ := loadSMECRM(t)
	roles, err := examples.Roles("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*schema.Role{}
	for _, r := range roles {
		role, err := schema.ParseRole(r.JSON, func(n string) *schema.Entity { return ents[n] })
		if err != nil {
			t.Fatalf("role %s: %v", r.Name, err)
		}
		if role.Name != r.Name {
			t.Errorf("file %s names role %s", r.Name, role.Name)
		}
		got[r.Name] = role
	}
	for _, n := range []string{"sales_manager", "sales_rep", "service_agent", "auditor"} {
		if got[n] == nil {
			t.Fatalf("role %s missing", n)
		}
	}
	rep := got["sales_rep"].Entities["account"]
	if rep.Read != schema.ScopeOwn || rep.Delete != schema.ScopeNone || rep.Field("phone") != schema.FieldMasked {
		t.Errorf("sales rep on account: %+v", rep)
	}
	if m := got["sales_manager"].Entities["opportunity"]; m.Read != schema.ScopeTeamTree {
		t.Errorf("sales manager on opportunity: %+v", m)
	}
	agent := got["service_agent"]
	if agent.Entities["ticket"].Read != schema.ScopeAll || agent.Entities["account"].Update != schema.ScopeNone ||
		agent.Entities["account"].Field("name") != schema.FieldRead {
		t.Errorf("service agent: %+v", agent.Entities)
	}
	for ent, a := range got["auditor"].Entities {
		if a.Read != schema.ScopeAll || a.Update != schema.ScopeNone || a.Create {
			t.Errorf("auditor on %s: %+v", ent, a)
		}
	}
	if got["auditor"].Entities["contact"].Field("mobile") != schema.FieldMasked {
		t.Error("the auditor sees contacts' mobiles unmasked")
	}
}

// The example's layouts fit its entities: the account form requires a
// phone of VIP accounts, the opportunity form a reason for a lost deal.
func TestSMECRMLayouts(t *testing.T) {
	ents, _ := loadSMECRM(t)
	layouts, err := examples.Layouts("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*schema.Layout{}
	for _, l := range layouts {
		ent := ents[l.Entity]
		if ent == nil {
			t.Fatalf("layout of an unknown entity %s", l.Entity)
		}
		parsed, err := schema.ParseLayout(l.JSON, ent)
		if err != nil {
			t.Fatalf("layout of %s: %v", l.Entity, err)
		}
		got[l.Entity] = parsed
	}
	if r := got["account"].Rules["phone"]; r.Required != "tier == 'vip'" {
		t.Errorf("account phone rules %+v", r)
	}
	if r := got["opportunity"].Rules["lost_reason"]; r.Required != "true" || len(r.Visible) != 1 {
		t.Errorf("opportunity lost_reason rules %+v", r)
	}
}

// The example scores leads with a formula and requires a phone of VIP
// accounts with a validation rule.
func TestSMECRMExpressions(t *testing.T) {
	ents, _ := loadSMECRM(t)
	lead := ents["lead"]
	if f := lead.Field("score"); f == nil || f.Expr == nil || f.Expr.Type != "number" || len(lead.Formulas()) != 1 {
		t.Fatalf("lead score: %+v", f)
	}
	rules := ents["account"].Rules()
	if len(rules) != 1 || rules[0].Name != "vip_needs_phone" || rules[0].Message.ZH == "" || rules[0].Fields[0] != "phone" {
		t.Fatalf("account rules: %+v", rules)
	}
}

// The example's calendar is a valid calendar document named as its file,
// with mainland China's 2026 schedule: National Day off, the Saturday
// after it a working day.
func TestSMECRMCalendars(t *testing.T) {
	cals, err := examples.Calendars("sme-crm")
	if err != nil || len(cals) != 1 || cals[0].Name != "cn_office" {
		t.Fatalf("calendars %v %v", cals, err)
	}
	c, err := schema.ParseCalendar(cals[0].JSON)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "cn_office" || c.Timezone != "Asia/Shanghai" || c.Work.WeekHours() != 37.5 {
		t.Fatalf("%+v", c)
	}
	sh := c.Work.Location()
	for day, working := range map[string]bool{
		"2026-10-01": false, "2026-10-07": false, "2026-10-08": true, "2026-10-10": true, "2026-10-11": false,
		"2026-02-14": true, "2026-02-16": false, "2026-02-24": true, "2026-01-04": true, "2026-05-09": true, "2026-09-20": true,
		"2026-06-19": false, "2026-04-06": false, "2026-12-25": true,
	} {
		d, _ := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", sh)
		if c.Work.IsWorkingTime(d) != working {
			t.Errorf("%s: working %v", day, !working)
		}
	}
}
