package mask

import (
	"testing"
	"unicode/utf8"
)

// FuzzMask: no mask panics, and for a value of 8 or more characters the part a
// mask hides does not show: changing it (digits into other digits, letters
// into other letters, Chinese characters into others, so that the value keeps
// its shape) leaves the masked value the same. The hidden part is the middle
// two characters for the phone, ID and text masks, the local part
// after its first character for e-mail, and what lies between the kept ends
// for the template and for a pattern (compiled from the fuzzed pattern).
func FuzzMask(f *testing.F) {
	for _, s := range [][2]string{
		{"keep:3,4", "+8613800138000"}, {"###****####", "13800138000"}, {"keep:1,0", "张三丰"},
		{"keep:0,0", "+14155552671"}, {"#*#", "alice@example.com"}, {"keep:32,32", "110101199003071234"},
		{"keep:1,1", "11010119900307123X"}, {"x", "110101900307123"}, {"##**", "张三@例子.中国"}, {"*", "\xff\xfe12345678"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, v string) {
		for _, m := range []Masker{Phone, Email, ChineseID, Text} {
			m(v) // invalid UTF-8 as it comes: no panic
		}
		if !utf8.ValidString(v) {
			v = string([]rune(v))
		}
		r := []rune(v)
		n := len(r)
		mid := func(m Masker, name string, lo, hi int) {
			t.Helper()
			got := m(v)
			if !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q, not valid UTF-8", name, v, got)
			}
			if n < 8 || lo >= hi {
				return
			}
			p := perturb(r, lo, hi)
			if other := m(p); other != got {
				t.Fatalf("%s shows hidden characters %d..%d: %q → %q but %q → %q", name, lo, hi, v, got, p, other)
			}
		}
		mid(Phone, "Phone", n/2-1, n/2+1)
		mid(ChineseID, "ChineseID", n/2-1, n/2+1)
		mid(Text, "Text", n/2-1, n/2+1)
		tmpl, _ := Pattern("###****####")
		mid(tmpl, "###****####", 3, n-4)
		local := 0
		for i, c := range r {
			if c == '@' {
				local = i
			}
		}
		mid(Email, "Email", 1, local)
		if c, err := parse(pattern); err == nil {
			f, l := c.plan(n)
			mid(c.mask, pattern, f, n-l)
		}
	})
}

// perturb returns r with the runes in [lo, hi) changed into others of the same
// kind; '@', '+', '*' and punctuation stay as they are.
func perturb(r []rune, lo, hi int) string {
	p := append([]rune(nil), r...)
	for i := lo; i < hi; i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9':
			p[i] = '0' + (c-'0'+1)%10
		case c >= 'a' && c <= 'z':
			p[i] = 'a' + (c-'a'+1)%26
		case c >= 'A' && c <= 'Z' && c != 'X':
			p[i] = 'A' + (c-'A'+1)%26
			if p[i] == 'X' {
				p[i] = 'Y'
			}
		case c >= 0x4E00 && c < 0x9FA0:
			p[i] = 0x4E00 + (c-0x4E00+1)%0x51A0
		}
	}
	return string(p)
}
