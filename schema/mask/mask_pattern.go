package mask

import (
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
)

// MaxKeep bounds the counts of a pattern: characters kept at either end, and
// stars written by a template.
const MaxKeep = 32

// maxPatternLen bounds a pattern's length in bytes.
const maxPatternLen = 2*MaxKeep + MaxKeep + 8

// Pattern compiles a field's custom mask. A pattern is one of:
//
//   - the name of a built-in mask: "phone", "email", "chinese-id" or "text"
//     (Phone, Email, ChineseID, Text), for instance to mask a text field that
//     holds ID numbers.
//   - "keep:F,L": keep the first F and the last L characters and write one
//     star for each character between them. "keep:3,4" turns "13800138000"
//     into "138****8000"; "keep:1,0" turns "张三丰" into "张**".
//   - a template of F "#", then S "*", then L "#": keep the first F and the
//     last L characters and write exactly S stars whatever the length hidden,
//     so that the length does not show. "###****####" turns "13800138000"
//     into "138****8000" and "1380013800012" into "138****0012".
//
// F, L and S are at most MaxKeep; a template has at least one star. Spaces
// around the pattern are ignored. Characters are runes, so a Chinese character
// counts as one. A value with no more characters than F+L would show entirely:
// then at most half of it (rounded down) shows, the first characters before
// the last, and at least one character is hidden ("keep:3,4" on "12345" gives
// "12***"). The empty string stays empty.
//
// A malformed pattern is refused with an EInvalid *morph.Error saying what a
// pattern looks like.
func Pattern(p string) (Masker, error) {
	if m, ok := builtin[strings.TrimSpace(p)]; ok {
		return m, nil
	}
	c, err := parse(p)
	if err != nil {
		return nil, err
	}
	return c.mask, nil
}

func parse(p string) (compiled, error) {
	s := strings.TrimSpace(p)
	var c compiled
	var ok bool
	if rest, isKeep := strings.CutPrefix(s, "keep:"); isKeep {
		c, ok = parseKeep(rest)
	} else {
		c, ok = parseTemplate(s)
	}
	if !ok || len(s) > maxPatternLen {
		return compiled{}, patternError(p)
	}
	return c, nil
}

// builtin are the masks a pattern can name.
var builtin = map[string]Masker{"phone": Phone, "email": Email, "chinese-id": ChineseID, "text": Text}

// compiled is a checked pattern: first and last runes kept, stars written
// (-1: one per hidden rune).
type compiled struct{ first, last, stars int }

func parseKeep(s string) (compiled, bool) {
	fs, ls, ok := strings.Cut(s, ",")
	f, okf := count(fs)
	l, okl := count(ls)
	return compiled{f, l, -1}, ok && okf && okl
}

// count parses a plain decimal count of at most MaxKeep.
func count(s string) (int, bool) {
	if !isDigits(s) || len(s) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n <= MaxKeep
}

func parseTemplate(s string) (compiled, bool) {
	f := len(s) - len(strings.TrimLeft(s, "#"))
	rest := s[f:]
	st := len(rest) - len(strings.TrimLeft(rest, "*"))
	l := len(rest) - st
	ok := st >= 1 && strings.Trim(rest[st:], "#") == "" && f <= MaxKeep && st <= MaxKeep && l <= MaxKeep
	return compiled{f, l, st}, ok
}

// plan is how many runes of a value of n runes stay at each end.
func (c compiled) plan(n int) (f, l int) {
	if n > c.first+c.last {
		return c.first, c.last
	}
	budget := n / 2
	f = min(c.first, budget)
	return f, min(c.last, budget-f)
}

func (c compiled) mask(v string) string {
	if v == "" {
		return ""
	}
	r := []rune(v)
	f, l := c.plan(len(r))
	return keep(r, f, l, c.stars)
}

func patternError(p string) *morph.Error {
	if len(p) > maxPatternLen {
		p = strings.ToValidUTF8(p[:maxPatternLen], "") + "…"
	}
	return morph.Errorf(morph.EInvalid,
		"Not a valid mask pattern %q: write phone, email, chinese-id or text, or keep:F,L to keep the first F and the last L characters (keep:3,4), "+
			"or a template such as ###****#### where each # keeps a character and the stars replace the middle; counts are at most %d",
		"不是有效的掩码模式 %q：请写 phone、email、chinese-id 或 text，或写 keep:F,L 保留前 F 个和后 L 个字符（如 keep:3,4），"+
			"或写成 ###****#### 这样的模板，每个 # 保留一个字符，星号替换中间部分；各数量最多为 %d",
		p, MaxKeep)
}
