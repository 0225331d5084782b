package password_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/morphcrm/morph/engine/password"
)

// cheap keeps the tests fast; the format and checks do not depend on cost.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	h, err := password.Hash("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the given parameters", h)
	}
	for pw, want := range map[string]bool{
		"correct horse battery":  true,
		"correct horse battery ": false,
		"Correct horse battery":  false,
		"":                       false,
	} {
		ok, err := password.Verify(h, pw)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	h2, _ := password.Hash("correct horse battery", cheap)
	if h2 == h {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if ok, _ := password.Verify(h2, "correct horse battery"); !ok {
		t.Fatal("the second hash does not verify")
	}
	if _, err := password.Hash(strings.Repeat("x", password.MaxLength+1), cheap); err == nil {
		t.Fatal("a password longer than MaxLength was hashed")
	}
}

// A stored hash that was tampered with or is of another kind is ErrFormat,
// never a panic or an allocation it asks for.
func TestVerifyMalformed(t *testing.T) {
	good, _ := password.Hash("correct horse battery", cheap)
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for name, enc := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$10$abcdefghijklmnopqrstuu8gCBfQ1mQ2Qn4HVA7DFR3s5Zb1cMhu",
		"argon2i":        with(1, "argon2i"),
		"other version":  with(2, "v=16"),
		"no memory":      with(3, "t=1,p=1"),
		"huge memory":    with(3, "m=4294967295,t=1,p=1"),
		"zero time":      with(3, "m=64,t=0,p=1"),
		"many passes":    with(3, "m=64,t=100000,p=1"),
		"zero threads":   with(3, "m=64,t=1,p=0"),
		"trailing junk":  with(3, "m=64,t=1,p=1,x=2"),
		"salt not b64":   with(4, "!!!"),
		"short salt":     with(4, "YWJj"),
		"key not b64":    with(5, "***"),
		"short key":      with(5, "YWJjZA"),
		"missing a part": strings.Join(parts[:5], "$"),
	} {
		ok, err := password.Verify(enc, "correct horse battery")
		if ok || !errors.Is(err, password.ErrFormat) {
			t.Errorf("%s: Verify = %v, %v; want ErrFormat", name, ok, err)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := password.Hash("correct horse battery", cheap)
	if password.NeedsRehash(h, cheap) {
		t.Error("a hash made with the current parameters needs a rehash")
	}
	if !password.NeedsRehash(h, password.Default) {
		t.Error("a hash made with other parameters needs no rehash")
	}
	if !password.NeedsRehash("$2a$10$x", cheap) {
		t.Error("an unreadable hash needs no rehash")
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		pw    string
		avoid []string
		codes string // the codes of the problems, comma-separated
	}{
		{"correct horse battery", nil, ""},
		{"短密码", nil, "too_short,simple"},
		{"九个汉字的密码不够长", nil, ""}, // ten characters, counted as characters, not bytes
		{"abc123", nil, "too_short"},
		{"1234567890", nil, "common"},
		{"  QwertyUIOP ", nil, "common"},
		{"woaini1314", nil, "common"},
		{"aaaaaaaaaaaa", nil, "simple"},
		{"abababababab", nil, "simple"},
		{strings.Repeat("ab12", 70), nil, "too_long"},
		{"zhangwei-2024!", []string{"zhangwei@example.com", "张伟"}, "personal"},
		{"Li loves green tea", []string{"li@example.com", "Li"}, ""}, // names under 4 characters do not count
		{"Li Na loves tea", []string{"li@example.com", "Li Na"}, "personal"},
		{"my lina secret", []string{"lina@example.com"}, "personal"},
	} {
		var codes []string
		for _, fe := range password.Check("/password", tc.pw, tc.avoid...) {
			if fe.Path != "/password" || fe.Text.EN == "" || fe.Text.ZH == "" {
				t.Errorf("%q: problem %+v lacks its path or a text", tc.pw, fe)
			}
			codes = append(codes, fe.Code)
		}
		if got := strings.Join(codes, ","); got != tc.codes {
			t.Errorf("Check(%q) = %q, want %q", tc.pw, got, tc.codes)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	for b.Loop() {
		if _, err := password.Hash("correct horse battery", password.Default); err != nil {
			b.Fatal(err)
		}
	}
}
