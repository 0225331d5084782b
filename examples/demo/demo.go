// Package demo generates realistic data for the sme-crm example: Chinese
// SME accounts with their contacts, leads, opportunities, contracts,
// tickets and activities. The same options always give the same data.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/morphcrm/morph"
)

// MaxAccounts bounds Options.Accounts. The generator keeps about 200 bytes
// per account (to keep names and domains unique), nothing else grows.
const MaxAccounts = 1_000_000

// DefaultRef is the reference time used when Options.Ref is zero.
var DefaultRef = time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC)

// Options configure Generate.
type Options struct {
	Seed     int64
	Accounts int       // accounts to generate, 0 … MaxAccounts; the other records follow in proportion
	Ref      time.Time // the "now" of the data; DefaultRef when zero
	Users    []string  // ids of the users who own records; rep01 … rep20 when empty
}

// Emit receives one record to store; an error stops the generation and is
// returned by Generate.
type Emit func(entity string, data map[string]any) error

// chinaTime is the zone the business works in (UTC+8, no daylight saving).
var chinaTime = time.FixedZone("CST", 8*3600)

// funnel: of every 100 opportunities, how many are in each stage, and the
// probability of winning a deal in that stage.
var funnel = []struct {
	stage string
	share int
	prob  float64
}{{"lead", 30, 10}, {"qualified", 22, 25}, {"proposal", 16, 50}, {"negotiation", 10, 75}, {"won", 12, 100}, {"lost", 10, 0}}

// Generate emits the products first, then each account followed by the
// records that refer to it, so a record's relation targets are always
// emitted before it. Every record carries an id (data["id"], a UUIDv7 built
// from the seed, time-ordered in emission order) and an owner from
// opts.Users.
//
// History (creation, activities, closed deals, tickets) lies in the two
// years before opts.Ref; plans (expected close of open deals, next
// follow-ups, contract ends) may lie after it. Phone numbers are written
// the way people type them ("138 0013 8000", "0571-8765 4321"), datetimes
// in China time (+08:00), so that the engine's normalisation has work to do.
func Generate(opts Options, emit Emit) error {
	if opts.Accounts < 0 || opts.Accounts > MaxAccounts {
		return morph.Errorf(morph.EInvalid, "The number of accounts must be from 0 to %d", "客户数量必须在 0 到 %d 之间", MaxAccounts)
	}
	if opts.Ref.IsZero() {
		opts.Ref = DefaultRef
	}
	if len(opts.Users) == 0 {
		for i := 1; i <= 20; i++ {
			opts.Users = append(opts.Users, fmt.Sprintf("rep%02d", i))
		}
	}
	seed := uint64(opts.Seed)
	g := &gen{
		r:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		opts:    opts,
		emit:    emit,
		start:   opts.Ref.AddDate(-2, 0, 0),
		names:   map[string]bool{},
		domains: map[string]int{},
	}
	g.clock = g.start
	g.orgBase = g.r.Uint64N(1e8)
	if err := g.products(); err != nil {
		return err
	}
	// Accounts are created evenly over the two years, except the last 30
	// days, so that every account has had time for some deals to close.
	span := opts.Ref.AddDate(0, 0, -30).Sub(g.start)
	for i := 0; i < opts.Accounts; i++ {
		slot := float64(span) / float64(opts.Accounts)
		created := g.start.Add(time.Duration(slot*float64(i) + slot*g.r.Float64()))
		if err := g.account(created); err != nil {
			return err
		}
	}
	return nil
}

type gen struct {
	r       *rand.Rand
	opts    Options
	emit    Emit
	start   time.Time // two years before Ref
	clock   time.Time // the time of the last id
	names   map[string]bool
	domains map[string]int
	mails   int
	orgBase uint64
	orgs    uint64

	productIDs []string
	onSale     []int // indexes of the products that are active
}

// opportunity is what later records of an account need to know of one.
type opportunity struct {
	id       string
	created  time.Time
	products []any
	open     bool
}

type person struct{ id, name, mobile, email string }

// id returns the next UUIDv7: at least 1 ms after the previous one and not
// before at, with the generator's randomness for the rest.
func (g *gen) id(at time.Time) string {
	g.clock = g.clock.Add(time.Duration(1+g.r.IntN(50)) * time.Millisecond)
	if at.After(g.clock) {
		g.clock = at
	}
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

// chance reports true with probability percent/100.
func (g *gen) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *gen) owner() string { return pick(g.r, g.opts.Users) }

// between returns a time in [a, b); a when b is not after a.
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(g.r.Int64N(int64(b.Sub(a)))))
}

// workTime moves t into office hours (09:00–18:00 China time) of its day,
// or of the Friday before when it falls on a weekend, unless that would
// put it before lo.
func (g *gen) workTime(t, lo time.Time) time.Time {
	d := t.In(chinaTime)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime)
	switch d.Weekday() {
	case time.Saturday:
		day = day.AddDate(0, 0, -1)
	case time.Sunday:
		day = day.AddDate(0, 0, -2)
	}
	w := day.Add(9*time.Hour + time.Duration(g.r.IntN(9*60))*time.Minute)
	if w.Before(lo) || w.After(g.opts.Ref) {
		return t.In(chinaTime).Truncate(time.Minute)
	}
	return w
}

// datetime writes a time as people's software does: RFC 3339 in China time.
func datetime(t time.Time) string { return t.In(chinaTime).Format(time.RFC3339) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func date(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

// future returns a day between from and to days after Ref.
func (g *gen) future(from, to int) string {
	return date(g.opts.Ref.AddDate(0, 0, from+g.r.IntN(to-from+1)))
}

// mobile returns a mainland mobile number as people write it: "138 0013 8000".
func (g *gen) mobile() string {
	return fmt.Sprintf("%s %04d %04d", pick(g.r, mobilePrefixes), g.r.IntN(10000), g.r.IntN(10000))
}

// landline returns an office number in the place's area, "0571-8765 4321"
// or, where local numbers have seven digits, "0592-512 3456". Local
// numbers start with 5, 6 or 8 (but not 80, a service range in some cities).
func (g *gen) landline(p place) string {
	head := pick(g.r, []string{"5", "6", "8"})
	next := g.r.IntN(10)
	if head == "8" {
		next = 1 + g.r.IntN(9)
	}
	width := p.localDigits - 6 // digits between the first two and the last four
	return fmt.Sprintf("%s-%s%d%0*d %04d", p.areaCode, head, next, width, g.r.IntN(int(math.Pow10(width))), g.r.IntN(10000))
}

func (g *gen) personName() string { return pick(g.r, surnames) + pick(g.r, givenNames) }

// email returns a new address at domain: two letters and a number, so
// that every address the generator makes is different.
func (g *gen) email(domain string) string {
	g.mails++
	return fmt.Sprintf("%c%c%d@%s", letters[g.r.IntN(len(letters))], letters[g.r.IntN(len(letters))], 1000+g.mails, domain)
}

// brand returns a trade name of two different characters and its romanisation.
func (g *gen) brand() (name, roman string) {
	a := g.r.IntN(len(syllables))
	b := (a + 1 + g.r.IntN(len(syllables)-1)) % len(syllables)
	return syllables[a].char + syllables[b].char, syllables[a].roman + syllables[b].roman
}

// company returns a company name in p that no earlier account has.
func (g *gen) company(p place) (name, brand, roman string, ind industry) {
	for range 100 {
		brand, roman = g.brand()
		ind = pick(g.r, industries)
		name = p.city + brand + ind.word + "有限公司"
		if !g.names[name] {
			g.names[name] = true
			return name, brand, roman, ind
		}
	}
	// The city's names are nearly used up: open a branch office.
	for n := 1; ; n++ {
		branch := fmt.Sprintf("%s第%d分公司", name, n)
		if !g.names[branch] {
			g.names[branch] = true
			return branch, brand, roman, ind
		}
	}
}

// domain returns a web domain for a company that no earlier one has.
func (g *gen) domain(roman string, ind industry) string {
	base := roman + ind.domain
	n := g.domains[base]
	g.domains[base] = n + 1
	if n > 0 {
		base += strconv.Itoa(n + 1)
	}
	return base + pick(g.r, []string{".com", ".cn", ".com.cn"})
}

// creditCode returns a unified social credit code (GB 32100-2015) of a
// company registered in p: 91, the division code, a nine-character
// organisation code with its check digit, and the final check character.
// Codes are different for every call.
func (g *gen) creditCode(p place) string {
	g.orgs++
	// 7919 is prime to 10^8, so the codes of a run differ until 10^8 of them.
	org := fmt.Sprintf("%08d", (g.orgBase+g.orgs*7919)%1e8)
	org += orgCheck(org)
	code := "91" + p.division + org
	return code + creditCheck(code)
}

// orgCheck is the check character of an organisation code (GB 11714).
func orgCheck(code8 string) string {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		v := int(code8[i] - '0')
		if code8[i] >= 'A' {
			v = int(code8[i]-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return "X"
	case 11:
		return "0"
	default:
		return strconv.Itoa(c)
	}
}

const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCheck is the check character of the first 17 characters of a
// unified social credit code.
func creditCheck(code17 string) string {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditAlphabet, code17[i]) * w
		w = w * 3 % 31
	}
	return string(creditAlphabet[(31-sum%31)%31])
}

// roundTo rounds v down to a multiple of unit, at least unit.
func roundTo(v, unit float64) float64 { return max(unit, math.Floor(v/unit)*unit) }

func (g *gen) products() error {
	at := g.start
	for i, p := range products {
		id := g.id(at)
		g.productIDs = append(g.productIDs, id)
		active := g.chance(90)
		if active {
			g.onSale = append(g.onSale, i)
		}
		if err := g.emit("product", map[string]any{
			"id": id, "owner": g.opts.Users[0], "sku": p.sku, "name": p.name, "category": p.category, "unit": p.unit,
			"unit_price": map[string]any{"amount": p.price, "currency": "CNY"}, "active": active,
			"description": productDescriptions[p.category],
		}); err != nil {
			return err
		}
	}
	if len(g.onSale) == 0 {
		g.onSale = []int{0}
	}
	return nil
}

// order picks one to three products on sale with quantities and returns
// their ids and the total after a discount of up to 20 %.
func (g *gen) order(big bool) ([]any, float64) {
	var ids []any
	var used []int
	total := 0.0
	for range 1 + g.r.IntN(3) {
		i := pick(g.r, g.onSale)
		if slices.Contains(used, i) {
			continue
		}
		used = append(used, i)
		p := products[i]
		qty := 1 + g.r.IntN(p.maxQty)
		if big {
			qty *= 2 + g.r.IntN(3)
		}
		ids = append(ids, g.productIDs[i])
		total += p.price * float64(qty)
	}
	return ids, roundTo(total*(0.8+0.2*g.r.Float64()), 100)
}

func (g *gen) account(created time.Time) error {
	ref := g.opts.Ref
	pl := pick(g.r, places)
	name, brand, roman, ind := g.company(pl)
	domain := g.domain(roman, ind)
	tier := "normal"
	switch x := g.r.IntN(100); {
	case x < 8:
		tier = "vip"
	case x < 30:
		tier = "key"
	}
	owner := g.owner()
	accountID := g.id(created)
	source := pick(g.r, accountSources)

	// The activities are drawn first: the last one is the account's last contact.
	acts := make([]time.Time, 1+g.r.IntN(6))
	for i := range acts {
		acts[i] = g.workTime(g.between(created, ref), created)
	}
	slices.SortFunc(acts, time.Time.Compare)

	revenue := map[string]float64{"1-20": 3e6, "21-100": 2e7, "101-500": 1e8, "501-2000": 5e8, "2000+": 2e9}
	size := pick(g.r, sizes)
	acc := map[string]any{
		"id": accountID, "owner": owner, "name": name, "short_name": brand + ind.word, "industry": ind.key,
		"region": pl.region, "province": pl.province, "city": pl.city,
		"street": fmt.Sprintf("%s%d号", pick(g.r, streets), 1+g.r.IntN(888)),
		"tier":   tier, "size": size, "source": source,
		"phone": g.landline(pl), "email": pick(g.r, []string{"info@", "sales@", "service@", "hr@"}) + domain,
		"website":         "https://www." + domain,
		"credit_code":     g.creditCode(pl),
		"annual_revenue":  map[string]any{"amount": roundTo(revenue[size]*(0.2+1.6*g.r.Float64()), 10_000), "currency": "CNY"},
		"last_contact_at": datetime(acts[len(acts)-1]),
	}
	if g.chance(40) {
		tags := []any{pick(g.r, accountTags)}
		if t := pick(g.r, accountTags); g.chance(50) && t != tags[0] {
			tags = append(tags, t)
		}
		acc["tags"] = tags
	}
	if g.chance(15) {
		acc["notes"] = "开票信息已登记，发票寄送至财务部。"
	}
	if err := g.emit("account", acc); err != nil {
		return err
	}

	// Contacts: one to four, the first is the primary contact.
	var contacts []person
	nContacts := pick(g.r, []int{1, 1, 1, 2, 2, 2, 2, 3, 3, 4})
	for i := range nContacts {
		p := person{id: g.id(created), name: g.personName(), mobile: g.mobile(), email: g.email(domain)}
		contacts = append(contacts, p)
		j := pick(g.r, jobs)
		if i == 0 {
			j = jobs[g.r.IntN(3)]
		}
		c := map[string]any{
			"id": p.id, "owner": owner, "name": p.name, "account": accountID, "title": j.title, "department": j.department,
			"mobile": p.mobile, "email": p.email, "is_primary": i == 0, "decision_role": j.role,
		}
		if g.chance(30) {
			c["wechat"] = fmt.Sprintf("wxid_%c%c%06d", letters[g.r.IntN(len(letters))], letters[g.r.IntN(len(letters))], g.r.IntN(1e6))
		}
		if g.chance(35) {
			c["birthday"] = time.Date(1965+g.r.IntN(35), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		}
		if err := g.emit("contact", c); err != nil {
			return err
		}
	}

	// Leads: a third of accounts came from one (converted, with the primary
	// contact's details); other enquiries are prospects not yet customers.
	type leadInfo struct {
		id      string
		created time.Time
	}
	var prospects []leadInfo
	if g.chance(33) {
		p := contacts[0]
		lsource := source
		if !slices.Contains(leadSources, lsource) {
			lsource = "referral"
		}
		if err := g.emit("lead", map[string]any{
			"id": g.id(created), "owner": owner, "name": p.name, "company_name": name, "mobile": p.mobile, "email": p.email,
			"source": lsource, "status": "qualified", "region": pl.region, "interest": pick(g.r, leadInterests), "account": accountID,
		}); err != nil {
			return err
		}
	}
	for range g.r.IntN(3) {
		pp := pick(g.r, places)
		pbrand, proman := g.brand()
		pind := pick(g.r, industries)
		at := g.between(created, ref)
		status := pick(g.r, []string{"new", "contacted", "contacted", "disqualified"})
		if ref.Sub(at) < 7*24*time.Hour {
			status = "new"
		}
		id := g.id(created)
		l := map[string]any{
			"id": id, "owner": owner, "name": g.personName(), "company_name": pp.city + pbrand + pind.word + "有限公司",
			"title": pick(g.r, jobs).title, "mobile": g.mobile(), "source": pick(g.r, leadSources), "status": status,
			"region": pp.region, "interest": pick(g.r, leadInterests),
		}
		if g.chance(60) {
			l["email"] = g.email(proman + pind.domain + ".com")
		}
		if status != "disqualified" {
			l["next_follow_up"] = g.future(1, 14)
		}
		if err := g.emit("lead", l); err != nil {
			return err
		}
		if status != "new" {
			prospects = append(prospects, leadInfo{id, at})
		}
	}

	// Opportunities in funnel proportions; won ones get a contract.
	var opps []opportunity
	contracts := 0
	nOpps := pick(g.r, []int{0, 1, 1, 1, 2, 2, 3})
	if tier == "vip" {
		nOpps++
	}
	for range nOpps {
		x, stage, prob := g.r.IntN(100), "", 0.0
		for _, f := range funnel {
			if x < f.share {
				stage, prob = f.stage, f.prob
				break
			}
			x -= f.share
		}
		closed := stage == "won" || stage == "lost"
		var at, closeDay time.Time
		if closed {
			at = g.between(created, ref.AddDate(0, 0, -30))
			days := min(120, int(ref.Sub(at).Hours()/24))
			closeDay = at.AddDate(0, 0, 7+g.r.IntN(max(1, days-7)))
		} else {
			at = g.between(created, ref)
		}
		prods, amount := g.order(tier == "vip")
		id := g.id(created)
		oname := brand + pick(g.r, opportunityNames) + "项目"
		o := map[string]any{
			"id": id, "owner": owner, "name": oname, "account": accountID, "contact": pick(g.r, contacts).id,
			"stage": stage, "probability": prob, "amount": map[string]any{"amount": amount, "currency": "CNY"}, "products": prods,
		}
		if closed {
			o["expected_close"] = date(closeDay)
		} else {
			o["expected_close"] = g.future(7, 120)
			o["next_step"] = pick(g.r, nextSteps)
		}
		if stage == "lost" {
			o["lost_reason"] = pick(g.r, []string{"price", "price", "competitor", "competitor", "no_budget", "no_decision", "timing", "other"})
		}
		if err := g.emit("opportunity", o); err != nil {
			return err
		}
		opps = append(opps, opportunity{id: id, created: at, products: prods, open: !closed})
		if stage != "won" {
			continue
		}
		contracts++
		start := closeDay.AddDate(0, 0, g.r.IntN(15))
		end := start.AddDate(1, 0, -1)
		status := "active"
		switch {
		case g.chance(4):
			status = "terminated"
		case end.Before(ref):
			status = "expired"
		}
		terms := pick(g.r, []string{"prepaid", "prepaid", "net30", "net30", "net60"})
		if amount > 200_000 && g.chance(50) {
			terms = "installments"
		}
		due := start.AddDate(0, 0, map[string]int{"prepaid": 0, "net30": 30, "net60": 60, "installments": 30}[terms])
		c := map[string]any{
			"id": g.id(created), "owner": owner, "title": oname + "合同", "account": accountID, "opportunity": id, "products": prods,
			"amount": map[string]any{"amount": amount, "currency": "CNY"}, "signed_on": date(closeDay),
			"start_date": date(start), "end_date": date(end), "status": status, "payment_terms": terms, "payment_due": date(due),
		}
		if paid := due.AddDate(0, 0, g.r.IntN(10)); !paid.After(ref) && status != "terminated" {
			c["paid_on"] = date(paid)
		}
		if err := g.emit("contract", c); err != nil {
			return err
		}
	}

	// Tickets, mostly from customers with a contract. Open ones are recent.
	nTickets := g.r.IntN(2)
	if contracts > 0 {
		nTickets += 1 + g.r.IntN(2)
	}
	for range nTickets {
		status := pick(g.r, []string{"open", "open", "pending", "pending", "resolved", "resolved", "closed", "closed", "closed", "closed"})
		var opened time.Time
		if status == "open" || status == "pending" {
			opened = g.between(later(created, ref.Add(-10*24*time.Hour)), ref)
		} else {
			opened = g.between(created, ref.Add(-3*24*time.Hour))
		}
		opened = g.workTime(opened, created)
		priority := pick(g.r, []string{"low", "normal", "normal", "normal", "high", "high", "urgent"})
		sla := map[string]time.Duration{"urgent": 4 * time.Hour, "high": 24 * time.Hour, "normal": 48 * time.Hour, "low": 72 * time.Hour}[priority]
		kind := pick(g.r, ticketKinds)
		t := map[string]any{
			"id": g.id(created), "owner": g.owner(), "subject": kind.subject, "description": kind.description,
			"account": accountID, "contact": pick(g.r, contacts).id, "priority": priority, "status": status, "category": kind.category,
			"channel": pick(g.r, []string{"phone", "phone", "wechat", "wechat", "email", "web"}), "due_at": datetime(opened.Add(sla)),
		}
		if status == "resolved" || status == "closed" {
			took := time.Duration(float64(time.Hour) + float64(sla)*1.5*g.r.Float64()).Truncate(time.Minute)
			t["resolved_at"] = datetime(earlier(opened.Add(took), ref))
		}
		if err := g.emit("ticket", t); err != nil {
			return err
		}
	}

	// Activities with the account, at the times drawn above.
	anyOpen := slices.ContainsFunc(opps, func(o opportunity) bool { return o.open })
	for i, at := range acts {
		typ := pick(g.r, []string{"call", "call", "call", "visit", "visit", "email", "note"})
		c := pick(g.r, contacts)
		kind := pick(g.r, activityKinds[typ])
		a := map[string]any{
			"id": g.id(created), "owner": owner, "type": typ, "subject": kind.subject,
			"notes": fmt.Sprintf(kind.notes, c.name), "at": datetime(at), "done": true,
			"account": accountID, "contact": c.id,
		}
		switch typ {
		case "call":
			a["duration_minutes"] = float64(3 + g.r.IntN(38))
		case "visit":
			a["duration_minutes"] = float64(30 + 15*g.r.IntN(11))
		}
		var before []opportunity
		for _, o := range opps {
			if !o.created.After(at) {
				before = append(before, o)
			}
		}
		if len(before) > 0 && g.chance(60) {
			o := pick(g.r, before)
			a["opportunity"] = o.id
			if g.chance(50) {
				a["products"] = o.products
			}
		}
		if i == len(acts)-1 && anyOpen {
			a["next_follow_up"] = g.future(1, 14)
		}
		if err := g.emit("activity", a); err != nil {
			return err
		}
	}
	// Calls with prospects about their enquiry.
	for _, l := range prospects {
		if err := g.emit("activity", map[string]any{
			"id": g.id(created), "owner": owner, "type": "call", "subject": "线索首次电话沟通",
			"notes": "介绍了公司和产品，对方表示会内部讨论后回复。", "at": datetime(g.workTime(g.between(l.created, ref), l.created)),
			"done": true, "duration_minutes": float64(3 + g.r.IntN(20)), "lead": l.id,
		}); err != nil {
			return err
		}
	}
	return nil
}
