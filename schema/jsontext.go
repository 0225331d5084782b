package schema

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/morphcrm/morph"
)

// MaxJSONDepth is how deeply any JSON text Morph reads (a request body, a
// definition) may nest objects and arrays. It is far above what records
// and definitions may hold (MaxValueDepth, MaxSchemaDepth) and far below
// what Go's decoder (10,000) and SQLite's JSON functions (1,000) allow, so
// that a body is refused before it is decoded and the checks that follow
// can still name the part that goes too deep.
const MaxJSONDepth = 128

// CheckText reads JSON text, before it is decoded, for what a decoder
// would accept and Morph must not: nesting deeper than MaxJSONDepth, and
// \u escapes of UTF-16 surrogates that do not form a pair ("\ud800", which
// Go's decoder silently turns into U+FFFD). It also refuses bytes that are
// not UTF-8. Other syntax errors are left to the decoder. The error is an
// EInvalidJSON *morph.Error whose field error, when the place can be
// named, is keyed by the JSON pointer of the value at fault.
func CheckText(b []byte) *morph.Error {
	if !utf8.Valid(b) {
		off := invalidUTF8(b)
		return textError(b, off, "utf8", morph.T("The text is not valid UTF-8 (byte %d)", "文本不是有效的 UTF-8（第 %d 字节）", off))
	}
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			if depth++; depth > MaxJSONDepth {
				return textError(b, i, "depth", morph.T("JSON may nest objects and arrays at most %d levels deep (byte %d)",
					"JSON 中的对象和数组最多嵌套 %d 层（第 %d 字节）", MaxJSONDepth, i))
			}
		case '}', ']':
			depth--
		case '"':
			end, bad := scanString(b, i+1)
			if bad >= 0 {
				return textError(b, bad, "surrogate", morph.T(`A \u escape names half of a UTF-16 surrogate pair without its other half (byte %d); such text is not Unicode`,
					`\u 转义只给出了 UTF-16 代理对的一半（第 %d 字节），这不是有效的 Unicode 文本`, bad))
			}
			i = end
		}
	}
	return nil
}

// scanString scans a JSON string from just after its opening quote. It
// returns the offset of the closing quote (len(b) when there is none) and
// the offset of the first escape of an unpaired surrogate (-1 when none).
func scanString(b []byte, i int) (end, bad int) {
	for ; i < len(b); i++ {
		j := bytes.IndexAny(b[i:], `"\`)
		if j < 0 {
			break
		}
		i += j
		switch b[i] {
		case '"':
			return i, -1
		case '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				r, ok := hex4(b, i+2)
				switch {
				case ok && r >= 0xD800 && r < 0xDC00:
					if lo, ok := lowSurrogate(b, i+6); !ok || lo < 0xDC00 || lo > 0xDFFF {
						return i, i
					}
					i += 6 // the low half, checked
				case ok && r >= 0xDC00 && r <= 0xDFFF:
					return i, i
				}
			}
			i++ // the escaped byte
		}
	}
	return len(b), -1
}

// lowSurrogate reads a \uXXXX escape at b[i:].
func lowSurrogate(b []byte, i int) (rune, bool) {
	if i+1 >= len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	return hex4(b, i+2)
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 16)
	return rune(n), err == nil
}

// invalidUTF8 is the offset of the first byte of b that is not UTF-8.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func textError(b []byte, off int, code string, t morph.Text) *morph.Error {
	e := &morph.Error{Code: morph.EInvalidJSON, Text: t}
	if p, ok := PointerAt(b, off); ok {
		e.Fields = []morph.FieldError{{Path: p, Code: code, Text: t, Offset: -1}}
	}
	return e
}

// PointerAt returns the JSON pointer of the innermost value of the JSON
// text b that holds byte off (for a key, the member it names). It reads
// tokens only up to off; ok is false when the text before off is not JSON
// or off is not inside an object or array.
func PointerAt(b []byte, off int) (string, bool) {
	var stack []textFrame
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].next()
			}
			continue
		}
		passed := int(dec.InputOffset()) > off
		if n := len(stack); n > 0 && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			if passed {
				return textPointer(stack), true
			}
			continue
		}
		if passed {
			return textPointer(stack), len(stack) > 0
		}
		switch {
		case tok == json.Delim('{') || tok == json.Delim('['):
			stack = append(stack, textFrame{object: tok == json.Delim('{'), wantKey: tok == json.Delim('{')})
		case len(stack) > 0:
			stack[len(stack)-1].next()
		}
	}
}

// textFrame is an object or array PointerAt is inside, at one of its
// members or items.
type textFrame struct {
	object  bool
	wantKey bool // the next token is a key
	key     string
	index   int
}

// next moves a frame past the value it is at.
func (f *textFrame) next() {
	if f.object {
		f.wantKey = true
	} else {
		f.index++
	}
}

func textPointer(stack []textFrame) string {
	var b []byte
	for _, f := range stack {
		b = append(b, '/')
		if f.object {
			b = append(b, escapePointer(f.key)...)
		} else {
			b = strconv.AppendInt(b, int64(f.index), 10)
		}
	}
	return string(b)
}
