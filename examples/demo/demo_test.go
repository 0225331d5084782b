package demo_test

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nyaruka/phonenumbers"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/examples/demo"
	"github.com/morphcrm/morph/schema"
)

var ref = time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC)

type rec struct {
	entity string
	data   map[string]any
}

func generate(t *testing.T, seed int64, accounts int) []rec {
	t.Helper()
	var out []rec
	err := demo.Generate(demo.Options{Seed: seed, Accounts: accounts, Ref: ref, Users: []string{"u1", "u2", "u3"}},
		func(entity string, data map[string]any) error {
			out = append(out, rec{entity, data})
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a, b := generate(t, 7, 200), generate(t, 7, 200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different data")
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("the same seed gave different JSON")
	}
	c := generate(t, 8, 200)
	same := 0
	for i := range min(len(a), len(c)) {
		if a[i].entity != "product" && reflect.DeepEqual(a[i], c[i]) {
			same++
		}
	}
	if same > 0 {
		t.Fatalf("seeds 7 and 8 gave %d identical records", same)
	}
}

// regions of the provinces the data may use, as Chinese SMEs group them.
var regions = map[string]string{
	"上海": "华东", "浙江": "华东", "江苏": "华东", "山东": "华东", "福建": "华东", "安徽": "华东", "江西": "华中",
	"广东": "华南", "广西": "华南", "海南": "华南", "北京": "华北", "天津": "华北", "河北": "华北", "山西": "华北", "内蒙古": "华北",
	"湖北": "华中", "湖南": "华中", "河南": "华中", "四川": "西南", "重庆": "西南", "云南": "西南", "贵州": "西南", "西藏": "西南",
	"陕西": "西北", "甘肃": "西北", "新疆": "西北", "宁夏": "西北", "青海": "西北", "辽宁": "东北", "吉林": "东北", "黑龙江": "东北",
}

var (
	mobileRE   = regexp.MustCompile(`^1[35789]\d \d{4} \d{4}$`)
	landlineRE = regexp.MustCompile(`^0\d{2,3}-[568]\d{2,3} \d{4}$`)
	emailRE    = regexp.MustCompile(`^[a-z]{2}\d+@([a-z0-9]+\.(com|cn|com\.cn))$`)
	companyRE  = regexp.MustCompile(`^\p{Han}{2,4}\p{Han}{2}\p{Han}{2,5}有限公司$`)
	creditRE   = regexp.MustCompile(`^91\d{6}\d{8}[0-9X][0-9A-HJ-NPQRTUWXY]$`)
)

// Every generated record passes its entity's normalisation and validation
// and refers only to records of the right entity emitted before it; the
// values look like what a Chinese SME keeps.
func TestRecordsValidate(t *testing.T) {
	defs, err := examples.Load("sme-crm")
	if err != nil {
		t.Fatal(err)
	}
	ents := map[string]*schema.Entity{}
	for _, d := range defs {
		if ents[d.Name], err = schema.Parse(d.JSON); err != nil {
			t.Fatal(err)
		}
	}
	entityOf := map[string]string{} // id → entity
	accountDomain := map[string]string{}
	cityRegion := map[string]string{}
	var leads []map[string]any
	counts := map[string]int{}
	var lastID uuid.UUID
	oldest, newest := ref.AddDate(-2, 0, 0), ref
	for _, r := range generate(t, 1, 300) {
		ent := ents[r.entity]
		if ent == nil {
			t.Fatalf("unknown entity %s", r.entity)
		}
		data := maps.Clone(r.data)
		id, _ := data["id"].(string)
		u, err := uuid.Parse(id)
		if err != nil || u.Version() != 7 || entityOf[id] != "" {
			t.Fatalf("%s: id %q is not a new UUIDv7", r.entity, id)
		}
		if strings.Compare(u.String(), lastID.String()) <= 0 {
			t.Fatalf("%s: id %s is not after %s", r.entity, u, lastID)
		}
		lastID = u
		delete(data, "id")
		if o, _ := data["owner"].(string); o != "u1" && o != "u2" && o != "u3" {
			t.Fatalf("%s has owner %v", r.entity, data["owner"])
		}
		raw := maps.Clone(data)
		if errs := ent.Normalize(data); len(errs) > 0 {
			t.Fatalf("%s %v: %v", r.entity, r.data, errs)
		}
		if errs := ent.Validate(data); len(errs) > 0 {
			t.Fatalf("%s %v: %v", r.entity, r.data, errs)
		}
		for _, f := range ent.Fields {
			v, ok := data[f.Name]
			if !ok {
				continue
			}
			switch f.Type.Name() {
			case "relation":
				ids, _ := v.([]any)
				if !f.Many {
					ids = []any{v}
				}
				for _, ref := range ids {
					if got := entityOf[ref.(string)]; got != f.Ref {
						t.Fatalf("%s.%s refers to %v, a %q emitted before it, want a %s", r.entity, f.Name, ref, got, f.Ref)
					}
				}
			case "phone":
				checkPhone(t, r.entity+"."+f.Name, raw[f.Name].(string), v.(string))
			case "date", "datetime":
				day, err := time.Parse(time.DateOnly, v.(string)[:10])
				if err != nil {
					t.Fatalf("%s.%s = %v", r.entity, f.Name, v)
				}
				history := !(f.Name == "next_follow_up" || f.Name == "birthday" || f.Name == "start_date" || f.Name == "end_date" || f.Name == "payment_due" ||
					f.Name == "due_at" || f.Name == "expected_close" && data["stage"] != "won" && data["stage"] != "lost")
				if history && (day.Before(oldest.AddDate(0, 0, -1)) || day.After(newest)) {
					t.Errorf("%s.%s = %v is not within the two years before %v", r.entity, f.Name, v, ref)
				}
				if !history && f.Name != "birthday" && f.Name != "due_at" && day.After(ref.AddDate(1, 2, 0)) {
					t.Errorf("%s.%s = %v is too far ahead", r.entity, f.Name, v)
				}
			}
		}
		for _, k := range []string{"last_contact_at", "at", "due_at", "resolved_at"} {
			if s, ok := raw[k].(string); ok && !strings.HasSuffix(s, "+08:00") {
				t.Errorf("%s.%s = %q is not written in China time", r.entity, k, s)
			}
		}
		switch r.entity {
		case "account":
			name := data["name"].(string)
			if !companyRE.MatchString(name) || !strings.HasPrefix(name, data["city"].(string)) {
				t.Errorf("account name %q (city %v)", name, data["city"])
			}
			if regions[data["province"].(string)] != data["region"] {
				t.Errorf("%s: %v is not in %v", name, data["province"], data["region"])
			}
			city := data["city"].(string)
			if r, ok := cityRegion[city]; ok && r != data["region"] {
				t.Errorf("%s is in %v and in %v", city, r, data["region"])
			}
			cityRegion[city] = data["region"].(string)
			if !creditRE.MatchString(data["credit_code"].(string)) {
				t.Errorf("%s: credit code %v", name, data["credit_code"])
			}
			site := data["website"].(string)
			accountDomain[id] = strings.TrimPrefix(site, "https://www.")
			if !strings.HasSuffix(data["email"].(string), "@"+accountDomain[id]) {
				t.Errorf("%s: e-mail %v not at %s", name, data["email"], site)
			}
			rev := data["annual_revenue"].(map[string]any)["amount"].(float64)
			if rev < 100_000 || rev > 5e9 {
				t.Errorf("%s: revenue %v", name, rev)
			}
		case "contact":
			m := emailRE.FindStringSubmatch(data["email"].(string))
			if m == nil || m[1] != accountDomain[data["account"].(string)] {
				t.Errorf("contact e-mail %v is not letters and digits at the account's domain", data["email"])
			}
		case "lead":
			leads = append(leads, data)
		case "opportunity", "contract":
			amount := data["amount"].(map[string]any)
			if a := amount["amount"].(float64); a < 100 || a > 10_000_000 || a != float64(int64(a)/100*100) || amount["currency"] != "CNY" {
				t.Errorf("%s amount %v", r.entity, amount)
			}
		}
		entityOf[id] = r.entity
		counts[r.entity]++
	}
	for _, e := range []string{"product", "account", "contact", "lead", "opportunity", "contract", "ticket", "activity"} {
		if counts[e] == 0 {
			t.Errorf("no %s generated", e)
		}
	}
	if counts["account"] != 300 {
		t.Errorf("%d accounts, want 300", counts["account"])
	}
	// A lead's region is that of its company's city.
	checked := 0
	for _, l := range leads {
		for city, region := range cityRegion {
			if strings.HasPrefix(l["company_name"].(string), city) {
				checked++
				if l["region"] != region {
					t.Errorf("lead %v in region %v", l["company_name"], l["region"])
				}
			}
		}
	}
	if checked < len(leads)/2 {
		t.Errorf("only %d of %d leads are in a known city", checked, len(leads))
	}
}

func checkPhone(t *testing.T, field, raw, norm string) {
	t.Helper()
	n, err := phonenumbers.Parse(norm, "CN")
	if err != nil || !phonenumbers.IsValidNumberForRegion(n, "CN") {
		t.Fatalf("%s = %q (%q) is not a valid mainland number", field, raw, norm)
	}
	typ := phonenumbers.GetNumberType(n)
	if field == "account.phone" {
		if !landlineRE.MatchString(raw) || typ != phonenumbers.FIXED_LINE {
			t.Fatalf("%s = %q is not an office number like 0571-8765 4321 (type %v)", field, raw, typ)
		}
		return
	}
	if !mobileRE.MatchString(raw) || typ != phonenumbers.MOBILE || norm != "+86"+strings.ReplaceAll(raw, " ", "") {
		t.Fatalf("%s = %q (%q) is not a mobile like 138 0013 8000 (type %v)", field, raw, norm, typ)
	}
}

// The shape of the data: contacts per account, the funnel, contracts for
// won deals, tickets for customers.
func TestProportions(t *testing.T) {
	const accounts = 3000
	counts := map[string]int{}
	stages := map[string]int{}
	contactsOf := map[string]int{}
	primaries := map[string]int{}
	wonOpps := map[string]bool{}
	for _, r := range generate(t, 11, accounts) {
		counts[r.entity]++
		switch r.entity {
		case "contact":
			acc := r.data["account"].(string)
			contactsOf[acc]++
			if r.data["is_primary"] == true {
				primaries[acc]++
			}
		case "opportunity":
			stages[r.data["stage"].(string)]++
			if r.data["stage"] == "won" {
				wonOpps[r.data["id"].(string)] = true
			}
		case "contract":
			if !wonOpps[r.data["opportunity"].(string)] {
				t.Errorf("contract %v for an opportunity not won", r.data["title"])
			}
			delete(wonOpps, r.data["opportunity"].(string))
		}
	}
	if len(wonOpps) > 0 {
		t.Errorf("%d won opportunities have no contract", len(wonOpps))
	}
	if len(contactsOf) != accounts {
		t.Errorf("%d of %d accounts have contacts", len(contactsOf), accounts)
	}
	for acc, n := range contactsOf {
		if n < 1 || n > 4 || primaries[acc] != 1 {
			t.Fatalf("account %s has %d contacts, %d primary", acc, n, primaries[acc])
		}
	}
	// The funnel narrows: each open stage holds fewer deals than the one before.
	order := []string{"lead", "qualified", "proposal", "negotiation"}
	for i := 1; i < len(order); i++ {
		if stages[order[i]] >= stages[order[i-1]] {
			t.Errorf("funnel %v does not narrow at %s", stages, order[i])
		}
	}
	opps := counts["opportunity"]
	if won := float64(stages["won"]) / float64(opps); won < 0.08 || won > 0.16 {
		t.Errorf("%.0f%% of opportunities won", won*100)
	}
	perAccount := func(e string) float64 { return float64(counts[e]) / accounts }
	for _, c := range []struct {
		entity   string
		low, hig float64
	}{{"contact", 1.8, 2.6}, {"lead", 0.8, 1.8}, {"opportunity", 1.0, 2.0}, {"ticket", 0.4, 1.5}, {"activity", 3, 5}} {
		if n := perAccount(c.entity); n < c.low || n > c.hig {
			t.Errorf("%.2f %ss per account, want %.1f–%.1f", n, c.entity, c.low, c.hig)
		}
	}
}

func TestUniqueValues(t *testing.T) {
	seen := map[string]map[string]bool{}
	for _, r := range generate(t, 3, 20000) {
		for _, k := range []string{"name", "credit_code", "website", "sku"} {
			if (r.entity == "product") != (k == "sku") || r.entity != "account" && r.entity != "product" {
				continue
			}
			v, _ := r.data[k].(string)
			key := r.entity + "." + k
			if seen[key] == nil {
				seen[key] = map[string]bool{}
			}
			if v == "" || seen[key][v] {
				t.Fatalf("%s %q repeated or empty", key, v)
			}
			seen[key][v] = true
		}
		if r.entity == "contact" {
			if seen["email"] == nil {
				seen["email"] = map[string]bool{}
			}
			e := r.data["email"].(string)
			if seen["email"][e] {
				t.Fatalf("contact e-mail %q repeated", e)
			}
			seen["email"][e] = true
		}
	}
}

func TestOptions(t *testing.T) {
	for _, n := range []int{-1, demo.MaxAccounts + 1} {
		err := demo.Generate(demo.Options{Accounts: n}, func(string, map[string]any) error { return nil })
		if morph.ErrorCode(err) != morph.EInvalid {
			t.Errorf("Accounts %d: %v", n, err)
		}
	}
	// An error from emit stops the generation and comes back.
	stop := errors.New("stop")
	calls := 0
	err := demo.Generate(demo.Options{Accounts: 10}, func(string, map[string]any) error {
		calls++
		if calls == 40 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 40 {
		t.Errorf("after an emit error: %v, %d calls", err, calls)
	}
	// Defaults: reference time and the users rep01 … rep20.
	owners := map[string]bool{}
	var last string
	if err := demo.Generate(demo.Options{Seed: 5, Accounts: 50}, func(e string, d map[string]any) error {
		owners[d["owner"].(string)] = true
		if s, ok := d["last_contact_at"].(string); ok && s > last {
			last = s
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for o := range owners {
		if !regexp.MustCompile(`^rep(0[1-9]|1\d|20)$`).MatchString(o) {
			t.Errorf("owner %q", o)
		}
	}
	if t0, _ := time.Parse(time.RFC3339, last); t0.After(demo.DefaultRef) || t0.Before(demo.DefaultRef.AddDate(0, -3, 0)) {
		t.Errorf("latest contact %s does not end near the default reference time %s", last, demo.DefaultRef)
	}
}
