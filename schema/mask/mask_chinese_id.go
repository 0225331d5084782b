package mask

// ChineseID masks a resident identity card number (居民身份证号码) in the
// form common in Chinese banking and government systems (前六后四): the first
// six digits (the region code) and the last four (the end of the sequence
// number and the check character) kept, the date of birth hidden, so that a
// number can be told apart and checked against its last four digits,
// "110101199003071234" → "110101********1234". An old 15-digit number keeps
// its first six and last three digits, again hiding the date of birth:
// "110101900307123" → "110101******123". Anything else, which is no ID number
// a mask can place, is "***".
func ChineseID(v string) string {
	switch {
	case v == "":
		return ""
	case len(v) == 18 && isDigits(v[:17]) && (isDigits(v[17:]) || v[17] == 'X' || v[17] == 'x'):
		return keep([]rune(v), 6, 4, -1)
	case len(v) == 15 && isDigits(v):
		return keep([]rune(v), 6, 3, -1)
	}
	return hidden
}
