package mask

import (
	"strings"
	"unicode/utf8"
)

// Email masks an e-mail address: the first character of the local part, a
// fixed "***" and the domain, "alice@example.com" → "a***@example.com". A
// local part of one character is all stars ("***@example.com"); a value
// without "@", with an empty local part or an empty domain is "***".
func Email(v string) string {
	if v == "" {
		return ""
	}
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return hidden
	}
	domain := strings.ToValidUTF8(v[at:], string(utf8.RuneError))
	r, size := utf8.DecodeRuneInString(v)
	if size == at {
		return hidden + domain
	}
	return string(r) + hidden + domain
}
