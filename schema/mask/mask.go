// Package mask hides personal data from users whose role gives them the
// "masked" access level to a field: phone numbers (138****8000), e-mail
// addresses (a***@example.com), Chinese resident ID numbers
// (110101********1234), other text (张***), and a custom pattern per field.
//
// A mask applies on every way out of Morph: API answers, list pages,
// expanded relations, exports, search results, error messages and workflow
// messages. Masking is one-way: a masked value cannot be turned back into the
// stored one, so it must never be written back (a masked value sent in an
// update is not the stored value), and filtering or sorting on a masked field
// is refused so that the hidden part cannot be inferred.
//
// Every mask works on runes (characters), never panics, leaves the empty
// string empty (an absent value reveals nothing a null would not), returns
// valid UTF-8, and for any input of two or more characters that contains no
// star returns something other than the input.
package mask

import (
	"unicode/utf8"
)

// Masker masks one value.
type Masker func(v string) string

// Star is the character that stands for a hidden one.
const Star = '*'

// hidden replaces a value that has no shape a mask knows: a fixed run of
// stars, so that not even its length shows.
const hidden = "***"

// Text is the default mask for text: the first character followed by a fixed
// "***", whatever the length ("张三丰" → "张***", "Alice" → "A***"), so that
// the length is not revealed; a value of one character is all stars.
func Text(v string) string {
	if v == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(v)
	if size == len(v) {
		return hidden
	}
	return string(r) + hidden
}

// keep returns r with its first f and last l runes kept and the runes between
// them replaced by stars: one per hidden rune when stars < 0, otherwise
// exactly stars. f+l must be less than len(r).
func keep(r []rune, f, l, stars int) string {
	if stars < 0 {
		stars = len(r) - f - l
	}
	b := make([]byte, 0, utf8.UTFMax*(f+l)+stars*utf8.RuneLen(Star))
	for _, c := range r[:f] {
		b = utf8.AppendRune(b, c)
	}
	for range stars {
		b = utf8.AppendRune(b, Star)
	}
	for _, c := range r[len(r)-l:] {
		b = utf8.AppendRune(b, c)
	}
	return string(b)
}

// tail keeps the last min(2, n/2) runes of v and stars the rest, one star per
// rune: never more than half of a value shows.
func tail(v string) string {
	r := []rune(v)
	return keep(r, 0, min(2, len(r)/2), -1)
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
