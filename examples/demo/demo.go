// Package demo generates realistic data for the sme-crm example: Chinese
// SME accounts with their contacts, leads, opportunities, contracts,
// tickets and activities. The same options always give the same data.
package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// Options configure Generate.
type Options struct {
	Seed     int64
	Accounts int
	Ref      time.Time // "now" of the data: every date lies in the two years before it
	Users    []string  // owners of the records; rep01 … rep20 when empty
}

// Emit receives one record to store; an error stops the generation.
type Emit func(entity string, data map[string]any) error

// stage funnel: of every 100 opportunities, how many are in each stage.
var funnel = []struct {
	stage string
	share int
	prob  float64
}{{"lead", 30, 10}, {"qualified", 22, 25}, {"proposal", 16, 50}, {"negotiation", 10, 75}, {"won", 12, 100}, {"lost", 10, 0}}

type gen struct {
	r      *rand.Rand
	opts   Options
	emit   Emit
	clock  time.Time // advances with every record, so ids follow creation order
	names  map[string]int
	mails  int
	credit int
}

// Generate emits products first, then each account followed by the records
// that refer to it, so a record's relation targets are always emitted before
// it. Every record carries its own id (a UUIDv7) and an owner.
func Generate(opts Options, emit Emit) error {
	if opts.Ref.IsZero() {
		opts.Ref = time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC)
	}
	if len(opts.Users) == 0 {
		for i := 1; i <= 20; i++ {
			opts.Users = append(opts.Users, fmt.Sprintf("rep%02d", i))
		}
	}
	g := &gen{
		r:     rand.New(rand.NewPCG(uint64(opts.Seed), uint64(opts.Seed)^0x9e3779b97f4a7c15)),
		opts:  opts,
		emit:  emit,
		clock: opts.Ref.AddDate(-2, 0, 0),
		names: map[string]int{},
	}
	productIDs := make([]string, len(products))
	for i, p := range products {
		productIDs[i] = g.id()
		if err := emit("product", map[string]any{
			"id": productIDs[i], "sku": p.sku, "name": p.name, "category": p.category, "unit": p.unit,
			"unit_price": map[string]any{"amount": p.price, "currency": "CNY"}, "active": g.r.IntN(10) > 0, "owner": opts.Users[0],
		}); err != nil {
			return err
		}
	}
	for i := 0; i < opts.Accounts; i++ {
		if err := g.account(productIDs); err != nil {
			return err
		}
	}
	return nil
}

// id returns the next UUIDv7: the generator's clock as its time, the
// generator's randomness for the rest.
func (g *gen) id() string {
	g.clock = g.clock.Add(time.Duration(1+g.r.IntN(900)) * time.Millisecond)
	var b uuid.UUID
	ms := uint64(g.clock.UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (40 - 8*i))
	}
	lo, hi := g.r.Uint64(), g.r.Uint64()
	for i := 0; i < 8; i++ {
		b[8+i] = byte(lo >> (8 * i))
	}
	b[6], b[7] = byte(hi), byte(hi>>8)
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return b.String()
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func (g *gen) owner() string { return pick(g.r, g.opts.Users) }

// day returns a date within the last two years, as "2006-01-02".
func (g *gen) day(maxDaysAgo int) time.Time {
	return g.opts.Ref.AddDate(0, 0, -g.r.IntN(maxDaysAgo+1))
}

func (g *gen) mobile() string {
	return fmt.Sprintf("%s %04d %04d", pick(g.r, mobilePrefixes), g.r.IntN(10000), g.r.IntN(10000))
}

func (g *gen) person() (name, roman string) {
	i := g.r.IntN(len(surnames))
	return surnames[i] + pick(g.r, givenNames), surnameRoman[i]
}

func (g *gen) email(roman, domain string) string {
	g.mails++
	return fmt.Sprintf("%s%d@%s", roman, g.mails, domain)
}

func (g *gen) amount(min, max float64) float64 {
	v := min + g.r.Float64()*(max-min)
	return float64(int64(v/100)) * 100 // whole hundreds of yuan
}

func (g *gen) account(productIDs []string) error {
	pl := pick(g.r, places)
	br := pick(g.r, brands)
	ind := pick(g.r, industries)
	name := pl.city + br.name + ind.word + "有限公司"
	if n := g.names[name]; n > 0 {
		g.names[name] = n + 1
		name = fmt.Sprintf("%s（第%d分公司）", name, n)
	} else {
		g.names[name] = 1
	}
	g.credit++
	domain := fmt.Sprintf("%s-%s.cn", br.roman, ind.domain)
	tier := "normal"
	switch x := g.r.IntN(100); {
	case x < 8:
		tier = "vip"
	case x < 30:
		tier = "key"
	}
	accountID := g.id()
	owner := g.owner()
	acc := map[string]any{
		"id": accountID, "owner": owner, "name": name, "short_name": br.name + ind.word, "industry": ind.key,
		"region": pl.region, "province": pl.province, "city": pl.city,
		"address": fmt.Sprintf("%s市%s路%d号", pl.city, pick(g.r, []string{"人民", "建设", "解放", "中山", "文化", "科技", "滨江", "长江"}), 1+g.r.IntN(999)),
		"tier":    tier, "size": pick(g.r, []string{"1-20", "21-100", "21-100", "101-500", "501-2000", "2000+"}),
		"source": pick(g.r, []string{"website", "referral", "exhibition", "cold_call", "wechat", "douyin", "partner"}),
		"phone":  g.mobile(), "email": "info@" + domain, "website": "https://www." + domain,
		"credit_code":    fmt.Sprintf("91%06d%09dX", 110000+g.r.IntN(540000), uint64(g.opts.Seed%1000)*1_000_000+uint64(g.credit)),
		"annual_revenue": map[string]any{"amount": g.amount(500_000, 200_000_000), "currency": "CNY"},
		"last_contact_at": g.day(180).Add(time.Duration(g.r.IntN(9*3600)) * time.Second).
			Add(9 * time.Hour).Format("2006-01-02T15:04:05+08:00"),
	}
	if g.r.IntN(3) == 0 {
		acc["tags"] = []any{pick(g.r, []string{"老客户", "有预算", "决策快", "价格敏感", "需要定制"})}
	}
	if err := g.emit("account", acc); err != nil {
		return err
	}

	var contactIDs []string
	for i, n := 0, 1+g.r.IntN(4); i < n; i++ {
		name, roman := g.person()
		id := g.id()
		contactIDs = append(contactIDs, id)
		c := map[string]any{
			"id": id, "owner": owner, "name": name, "account": accountID, "title": pick(g.r, titles), "department": pick(g.r, departments),
			"mobile": g.mobile(), "email": g.email(roman, domain), "is_primary": i == 0,
			"decision_role": pick(g.r, []string{"decision_maker", "influencer", "user", "gatekeeper"}),
		}
		if g.r.IntN(3) == 0 {
			c["birthday"] = time.Date(1965+g.r.IntN(35), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		}
		if err := g.emit("contact", c); err != nil {
			return err
		}
	}

	var leadIDs []string
	for i, n := 0, g.r.IntN(3); i < n; i++ {
		name, roman := g.person()
		id := g.id()
		leadIDs = append(leadIDs, id)
		status := pick(g.r, []string{"new", "new", "contacted", "contacted", "qualified", "disqualified"})
		l := map[string]any{
			"id": id, "owner": owner, "name": name, "mobile": g.mobile(),
			"email": g.email(roman, "mail.example.cn"), "status": status, "region": pl.region, "interest": pick(g.r, leadInterests),
			"source": pick(g.r, []string{"website", "referral", "exhibition", "cold_call", "wechat", "douyin"}),
		}
		l["company_name"] = pl.city + br.name + ind.word
		if status == "qualified" {
			l["account"] = accountID
		}
		if status == "new" || status == "contacted" {
			l["next_follow_up"] = g.opts.Ref.AddDate(0, 0, 1+g.r.IntN(14)).Format(time.DateOnly)
		}
		if err := g.emit("lead", l); err != nil {
			return err
		}
	}

	var oppIDs []string
	for i, n := 0, g.r.IntN(4); i < n; i++ {
		x, stage, prob := g.r.IntN(100), "", 0.0
		for _, f := range funnel {
			if x < f.share {
				stage, prob = f.stage, f.prob
				break
			}
			x -= f.share
		}
		id := g.id()
		oppIDs = append(oppIDs, id)
		amount := g.amount(5_000, 800_000)
		if tier == "vip" {
			amount *= 3
		}
		prods := []any{pick(g.r, productIDs)}
		if g.r.IntN(2) == 0 {
			if p := pick(g.r, productIDs); p != prods[0] {
				prods = append(prods, p)
			}
		}
		closeDay := g.day(400).AddDate(0, 0, 60)
		o := map[string]any{
			"id": id, "owner": owner, "name": fmt.Sprintf("%s%s项目", br.name, pick(g.r, []string{"数字化", "信息化升级", "门店系统", "仓储改造", "年度采购", "服务续约"})),
			"account": accountID, "contact": pick(g.r, contactIDs), "stage": stage, "probability": prob,
			"amount": map[string]any{"amount": amount, "currency": "CNY"}, "expected_close": closeDay.Format(time.DateOnly), "products": prods,
		}
		if stage == "lost" {
			o["lost_reason"] = pick(g.r, []string{"price", "competitor", "no_budget", "no_decision", "timing", "other"})
		} else if stage != "won" {
			o["next_step"] = pick(g.r, []string{"安排演示", "发送报价", "约见决策人", "准备合同"})
		}
		if err := g.emit("opportunity", o); err != nil {
			return err
		}
		if stage == "won" {
			signed := closeDay.AddDate(0, 0, -g.r.IntN(20))
			start := signed.AddDate(0, 0, 7)
			status := "active"
			end := start.AddDate(1, 0, 0)
			if end.Before(g.opts.Ref) {
				status = "expired"
			}
			if err := g.emit("contract", map[string]any{
				"id": g.id(), "owner": owner, "title": o["name"].(string) + "合同", "account": accountID, "opportunity": id,
				"amount": map[string]any{"amount": amount, "currency": "CNY"}, "signed_on": signed.Format(time.DateOnly),
				"start_date": start.Format(time.DateOnly), "end_date": end.Format(time.DateOnly), "status": status,
				"payment_terms": pick(g.r, []string{"prepaid", "net30", "net60", "installments"}),
			}); err != nil {
				return err
			}
		}
	}

	for i, n := 0, g.r.IntN(3); i < n; i++ {
		opened := g.day(300).Add(time.Duration(9*3600+g.r.IntN(9*3600)) * time.Second)
		status := pick(g.r, []string{"open", "pending", "resolved", "closed", "closed"})
		t := map[string]any{
			"id": g.id(), "owner": g.owner(), "subject": pick(g.r, ticketSubjects), "account": accountID, "contact": pick(g.r, contactIDs),
			"priority": pick(g.r, []string{"low", "normal", "normal", "high", "urgent"}), "status": status,
			"category": pick(g.r, []string{"installation", "fault", "consultation", "complaint", "billing"}),
			"channel":  pick(g.r, []string{"phone", "email", "wechat", "web"}),
			"due_at":   opened.Add(48 * time.Hour).UTC().Format(time.RFC3339),
		}
		if status == "resolved" || status == "closed" {
			t["resolved_at"] = opened.Add(time.Duration(1+g.r.IntN(72)) * time.Hour).UTC().Format(time.RFC3339)
		}
		if err := g.emit("ticket", t); err != nil {
			return err
		}
	}

	for i, n := 0, 1+g.r.IntN(5); i < n; i++ {
		typ := pick(g.r, []string{"call", "call", "visit", "email", "note"})
		a := map[string]any{
			"id": g.id(), "owner": owner, "type": typ, "subject": pick(g.r, activitySubjects[typ]),
			"at":      g.day(365).Add(time.Duration(9*3600+g.r.IntN(9*3600)) * time.Second).UTC().Format(time.RFC3339),
			"account": accountID, "contact": pick(g.r, contactIDs),
		}
		if typ == "call" || typ == "visit" {
			a["duration_minutes"] = float64(5 + g.r.IntN(120))
		}
		if len(oppIDs) > 0 && g.r.IntN(2) == 0 {
			a["opportunity"] = pick(g.r, oppIDs)
		}
		if len(leadIDs) > 0 && g.r.IntN(3) == 0 {
			a["lead"] = pick(g.r, leadIDs)
		}
		if err := g.emit("activity", a); err != nil {
			return err
		}
	}
	return nil
}
