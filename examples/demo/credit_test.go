package demo

import "testing"

// Check characters of real unified social credit codes.
func TestCreditCodeCheck(t *testing.T) {
	for _, code := range []string{
		"9144030071526726XG", // 深圳市腾讯计算机系统有限公司
		"91330100799655058B", // 阿里巴巴（中国）有限公司
	} {
		if got := orgCheck(code[8:16]); got != code[16:17] {
			t.Errorf("%s: organisation code check %s, want %s", code, got, code[16:17])
		}
		if got := creditCheck(code[:17]); got != code[17:] {
			t.Errorf("%s: check %s, want %s", code, got, code[17:])
		}
	}
}

func TestGeneratedCreditCodes(t *testing.T) {
	g := &gen{orgBase: 99_999_990}
	for range 30 {
		code := g.creditCode(places[0])
		if len(code) != 18 || code[:8] != "91330100" || orgCheck(code[8:16]) != code[16:17] || creditCheck(code[:17]) != code[17:] {
			t.Fatalf("bad code %s", code)
		}
	}
}
