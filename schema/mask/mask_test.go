package mask

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/morphcrm/morph"
)

func TestMasks(t *testing.T) {
	keep34, _ := Pattern("keep:3,4")
	keep10, _ := Pattern("keep:1,0")
	tmpl, _ := Pattern(" ###****#### ")
	named, _ := Pattern("chinese-id")
	for _, tc := range []struct {
		name    string
		mask    Masker
		in, out string
	}{
		{"phone mainland E.164", Phone, "+8613800138000", "+86138****8000"},
		{"phone mainland national", Phone, "13800138000", "138****8000"},
		{"phone Beijing landline", Phone, "+861012345678", "+8610****5678"},
		{"phone Shanghai landline", Phone, "+862161234567", "+8621****4567"},
		{"phone Hangzhou landline", Phone, "+8657187654321", "+86571****4321"},
		{"phone landline of 7 digits", Phone, "+867461234567", "+86746***4567"},
		{"phone 400 service number", Phone, "+864008108888", "+86400***8888"},
		{"phone US", Phone, "+14155552671", "+1******2671"},
		{"phone UK", Phone, "+442079460958", "+44******0958"},
		{"phone Hong Kong", Phone, "+85291234567", "+852****4567"},
		{"phone short national part", Phone, "+3531234567", "+353****567"},
		{"phone too short for a country", Phone, "+8612345", "******45"},
		{"phone odd", Phone, "12345", "***45"},
		{"phone odd with letters", Phone, "ext 12", "****12"},
		{"phone two", Phone, "12", "*2"},
		{"phone one", Phone, "1", "*"},
		{"phone empty", Phone, "", ""},
		{"email", Email, "alice@example.com", "a***@example.com"},
		{"email Chinese local part", Email, "张三@例子.中国", "张***@例子.中国"},
		{"email one-character local part", Email, "a@example.com", "***@example.com"},
		{"email quoted @ in local part", Email, `"a@b"@example.com`, `"***@example.com`},
		{"email no @", Email, "alice.example.com", "***"},
		{"email empty local part", Email, "@example.com", "***"},
		{"email empty domain", Email, "alice@", "***"},
		{"email empty", Email, "", ""},
		{"ID 18 digits", ChineseID, "110101199003071234", "110101********1234"},
		{"ID check character X", ChineseID, "11010119900307123X", "110101********123X"},
		{"ID check character x", ChineseID, "11010119900307123x", "110101********123x"},
		{"ID 15 digits", ChineseID, "110101900307123", "110101******123"},
		{"ID X inside", ChineseID, "1101011990030X1234", "***"},
		{"ID 17 digits", ChineseID, "11010119900307123", "***"},
		{"ID foreign passport", ChineseID, "E12345678", "***"},
		{"ID empty", ChineseID, "", ""},
		{"text Chinese name", Text, "张三丰", "张***"},
		{"text two characters", Text, "张三", "张***"},
		{"text foreign", Text, "Alice Martin", "A***"},
		{"text one character", Text, "张", "***"},
		{"text empty", Text, "", ""},
		{"keep:3,4 phone", keep34, "13800138000", "138****8000"},
		{"keep:3,4 long", keep34, "abcdefghijkl", "abc*****ijkl"},
		{"keep:3,4 short keeps at most half", keep34, "12345", "12***"},
		{"keep:3,4 seven", keep34, "1234567", "123****"},
		{"keep:1,0 Chinese name", keep10, "张三丰", "张**"},
		{"keep:1,0 one character", keep10, "张", "*"},
		{"keep:1,0 empty", keep10, "", ""},
		{"template phone", tmpl, "13800138000", "138****8000"},
		{"template hides the length", tmpl, "1380013800012", "138****0012"},
		{"template short", tmpl, "123456", "123****"},
		{"named built-in", named, "110101199003071234", "110101********1234"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.mask(tc.in); got != tc.out {
				t.Errorf("mask(%q) = %q, want %q", tc.in, got, tc.out)
			}
		})
	}
}

func TestPatternRefused(t *testing.T) {
	for _, p := range []string{
		"", "keep", "keep:", "keep:3", "keep:3,", "keep:,4", "keep:-1,2", "keep:3,4,5", "keep:33,0", "keep:0,100",
		"keep:+3,4", "keep: 3,4", "KEEP:3,4", "Phone", "chinese_id", "keep:phone", "###", "#*#*#", "#*#*", "##x**##", "###" + strings.Repeat("*", MaxKeep+1),
		strings.Repeat("#", MaxKeep+1) + "*", "abc", strings.Repeat("#", 5000),
	} {
		m, err := Pattern(p)
		e := morph.AsError(err)
		if m != nil || e == nil || e.Code != morph.EInvalid || e.Text.EN == "" || e.Text.ZH == "" {
			t.Errorf("Pattern(%.40q) = %v, %v; want an EInvalid bilingual error", p, m != nil, err)
			continue
		}
		if len(e.Text.EN) > 600 {
			t.Errorf("Pattern(%.40q): message of %d bytes, want it bounded", p, len(e.Text.EN))
		}
	}
	for _, p := range []string{"phone", " email ", "chinese-id", "text", "keep:0,0", "keep:32,32", "*", "#*", "*#", "#" + strings.Repeat("*", MaxKeep) + "#"} {
		if _, err := Pattern(p); err != nil {
			t.Errorf("Pattern(%q): %v, want it accepted", p, err)
		}
	}
}

// maskers are every mask under test, custom patterns included.
func maskers(t testing.TB) map[string]Masker {
	m := map[string]Masker{"Phone": Phone, "Email": Email, "ChineseID": ChineseID, "Text": Text}
	for _, p := range []string{"keep:3,4", "keep:1,0", "keep:0,0", "keep:32,32", "###****####", "#*"} {
		c, err := Pattern(p)
		if err != nil {
			t.Fatal(err)
		}
		m[p] = c
	}
	return m
}

// TestNeverRevealsAll: over generated values of every shape the masks know
// (phones, addresses, ID numbers, Chinese and foreign text, invalid UTF-8),
// no mask returns a value of two or more characters unchanged, and every
// answer is valid UTF-8.
func TestNeverRevealsAll(t *testing.T) {
	alphabets := []string{"0123456789", "0123456789+", "0123456789X", "abcxyz@.", "张三丰李四王五@例子.中国", "aé张\U0001F600 -_@+", "\xff\xfe01@"}
	rng := rand.New(rand.NewSource(1))
	ms := maskers(t)
	for i := 0; i < 20000; i++ {
		a := []rune(alphabets[i%len(alphabets)])
		if strings.HasPrefix(alphabets[i%len(alphabets)], "\xff") {
			a = []rune{0xFFFD, '0', '1', '@'}
		}
		n := rng.Intn(24)
		r := make([]rune, n)
		for j := range r {
			r[j] = a[rng.Intn(len(a))]
		}
		v := string(r)
		switch i % 5 { // the shapes that take the specific paths
		case 1:
			v = "+86" + v
		case 2:
			v = "+1" + v
		}
		for name, m := range ms {
			got := m(v)
			if utf8.RuneCountInString(v) >= 2 && got == v {
				t.Fatalf("%s(%q) returned the value unchanged", name, v)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q, not valid UTF-8", name, v, got)
			}
		}
	}
}
