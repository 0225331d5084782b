// Package password hashes and checks users' passwords: argon2id (RFC 9106)
// in the PHC string format, a check of new passwords against a minimum
// length and a list of common ones, and a verification in constant time.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/morphcrm/morph"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
}

// Default are the parameters new hashes get: OWASP's first recommended
// configuration for argon2id (19 MiB, 2 passes, 1 lane). BenchmarkHash
// measures one hash: about 0.1 s of one core on the reference machine.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
	// MinLength is the fewest characters a password may have.
	MinLength = 10
	// MaxLength bounds a password in bytes, so that hashing one is bounded
	// work whatever a caller sends.
	MaxLength = 256
)

// ErrFormat reports a stored hash that is not an argon2id PHC string this
// package can read.
var ErrFormat = errors.New("password: not an argon2id hash")

// Hash returns the PHC string of password under p:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>, salt and key in unpadded
// base64. Each call draws a new random salt.
func Hash(password string, p Params) (string, error) {
	if len(password) > MaxLength {
		return "", fmt.Errorf("password: longer than %d bytes", MaxLength)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether password is the one hashed in encoded, comparing
// in constant time. A malformed encoded is ErrFormat.
func Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if len(password) > MaxLength {
		return false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with other parameters than
// p (or cannot be read): after a successful login the password should be
// hashed again with p.
func NeedsRehash(encoded string, p Params) bool {
	q, salt, key, err := decode(encoded)
	return err != nil || q != p || len(salt) != saltLen || len(key) != keyLen
}

// maxMemory bounds the memory a stored hash may ask for (1 GiB), so that a
// tampered hash cannot make a login allocate without bound.
const maxMemory = 1 << 20

func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrFormat
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrFormat
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || n != 3 ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, threads) != parts[3] {
		return p, nil, nil, ErrFormat
	}
	if p.Time == 0 || threads == 0 || threads > 255 || p.Memory < 8*threads || p.Memory > maxMemory || p.Time > 64 {
		return p, nil, nil, ErrFormat
	}
	p.Threads = uint8(threads)
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrFormat
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrFormat
	}
	return p, salt, key, nil
}

// Check reports why a new password may not be used, as field errors at path
// (nil when it may): shorter than MinLength characters, longer than
// MaxLength bytes, one of the common passwords (letter case and surrounding
// spaces aside) or of fewer than 4 different characters, or containing the user's own e-mail name or name (each of
// avoid that is at least 4 characters long).
func Check(path, password string, avoid ...string) []morph.FieldError {
	var errs []morph.FieldError
	add := func(code string, t morph.Text) {
		errs = append(errs, morph.FieldError{Path: path, Code: code, Offset: -1, Text: t})
	}
	switch {
	case len(password) > MaxLength:
		add("too_long", morph.T("A password may be at most %d bytes", "密码最长 %d 字节", MaxLength))
	case utf8.RuneCountInString(password) < MinLength:
		add("too_short", morph.T("A password needs at least %d characters", "密码至少需要 %d 个字符", MinLength))
	}
	folded := strings.ToLower(strings.TrimSpace(password))
	switch {
	case common[folded]:
		add("common", morph.T("This password is among the most common ones; choose another", "该密码过于常见，请换一个"))
	case distinct(folded) < 4:
		add("simple", morph.T("A password needs at least 4 different characters", "密码至少需要 4 个不同的字符"))
	}
	for _, a := range avoid {
		a = strings.ToLower(strings.TrimSpace(a))
		if name, _, ok := strings.Cut(a, "@"); ok {
			a = name
		}
		if utf8.RuneCountInString(a) >= 4 && strings.Contains(folded, a) {
			add("personal", morph.T("A password may not contain your e-mail name or your name", "密码不能包含您的邮箱名或姓名"))
			break
		}
	}
	return errs
}

// distinct counts the different characters of s.
func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}
