package schema

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// The fast path for mainland mobile numbers gives exactly what
// libphonenumber gives, for every four-digit prefix of an 11-digit number
// starting with 1, in the forms people write them.
func TestMainlandMobileAsLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	taken := 0
	for prefix := 1000; prefix <= 1999; prefix++ {
		for range 3 {
			d := fmt.Sprintf("%d%07d", prefix, rng.IntN(10_000_000))
			forms := []struct{ s, region string }{
				{d, "CN"},
				{d[:3] + " " + d[3:7] + " " + d[7:], "CN"},
				{d[:3] + "-" + d[3:7] + "-" + d[7:], "CN"},
				{"+86" + d, "CN"},
				{"+86 " + d[:3] + " " + d[3:7] + " " + d[7:], "HK"},
				{"+86-" + d, "US"},
				{d, "HK"},
			}
			for _, f := range forms {
				if f.region == "HK" && f.s == d {
					if _, ok := mainlandMobile(f.s, f.region); ok {
						t.Fatalf("%q in HK: took the mainland fast path", f.s)
					}
					continue
				}
				if mobileAgrees(t, f.s, f.region) {
					taken++
				}
			}
		}
	}
	if taken < 3000 {
		t.Fatalf("the fast path took only %d numbers", taken)
	}
	// Odd forms: whatever the fast path takes, the library reads the same.
	for _, s := range []string{"138 0013 8000 ", "1380013800", "138001380001", "138 0013 8000 ext 1", "138  0013 8000",
		"138 0013 8000-", "+86 +8613800138000", "１３８００１３８０００", "+86--13800138000", "+8613800138000 ", "-13800138000"} {
		mobileAgrees(t, s, "CN")
	}
}

// mobileAgrees fails the test unless the fast path and libphonenumber agree
// on s; it tells whether the fast path took it.
func mobileAgrees(t *testing.T, s, region string) bool {
	t.Helper()
	got, ok := mainlandMobile(s, region)
	if !ok {
		return false
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		t.Fatalf("%q in %s: fast path gave %q, libphonenumber refuses it (%v)", s, region, got, err)
	}
	if want := phonenumbers.Format(n, phonenumbers.E164); got != want {
		t.Fatalf("%q in %s: fast path gave %q, libphonenumber %q", s, region, got, want)
	}
	return true
}

func BenchmarkPhoneNormalize(b *testing.B) {
	f := &Field{Prop: map[string]any{}}
	for i := 0; b.Loop(); i++ {
		if _, err := (phoneType{}).Normalize(f, fmt.Sprintf("139 %04d %04d", i%10000, (i/10000)%10000)); err != nil {
			b.Fatal(err)
		}
	}
}
