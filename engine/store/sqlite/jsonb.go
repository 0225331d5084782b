package sqlite

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// A document is stored as SQLite's JSONB (https://sqlite.org/jsonb.html),
// written here rather than by SQLite's jsonb() on the text: the single
// writer goroutine then only stores bytes, and the encoding runs on the
// requests' goroutines, in parallel. Each element is a header (its type in
// the low four bits of the first byte, its payload size in the high four
// bits or the 1, 2, 4 or 8 bytes after) and a payload: numbers as their
// JSON text, strings as their UTF-8 text, containers as their elements (an
// object as key and value elements in turn).
// The writer uses all but the JSON5 types (INT5, FLOAT5, TEXT5) and
// TEXTJ, which SQLite's own conversion of JSON text makes.
const (
	jbNull    = 0
	jbTrue    = 1
	jbFalse   = 2
	jbInt     = 3
	jbInt5    = 4
	jbFloat   = 5
	jbFloat5  = 6
	jbText    = 7  // a string that needs no escape in JSON
	jbTextJ   = 8  // a string holding JSON escapes, kept as written
	jbText5   = 9  // a string holding JSON5 escapes
	jbTextRaw = 10 // a string stored as it is, escaped by SQLite when rendered as JSON
	jbArray   = 11
	jbObject  = 12
)

// maxDepth bounds the nesting of a document, as SQLite's JSON parser does
// (JSON_MAX_DEPTH): a deeper one is refused rather than stored unreadable.
const maxDepth = 1000

var errDepth = errors.New("nested more than 1000 levels")

// encode returns the document as JSONB; a nil document is the empty object.
func encode(data map[string]any) ([]byte, error) {
	b, err := appendObject(make([]byte, 0, 512), data, 0)
	if err != nil {
		return nil, fmt.Errorf("sqlite: encode document: %w", err)
	}
	return b, nil
}

// header appends the header of an element of type t whose payload is n
// bytes, in its shortest form (as SQLite writes it).
func header(b []byte, t byte, n int) []byte {
	switch {
	case n <= 11:
		return append(b, byte(n)<<4|t)
	case n <= math.MaxUint8:
		return append(b, 0xc0|t, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xd0|t), uint16(n))
	case uint64(n) <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xe0|t), uint32(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 0xf0|t), uint64(n))
	}
}

// container appends the header of a container, then its elements (by
// fill), and moves the elements when the payload turns out too long for
// the header's first guess.
func container(b []byte, t byte, fill func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(b)
	b = append(b, 0xc0|t, 0) // a one-byte size: right for most
	b, err := fill(b)
	if err != nil {
		return nil, err
	}
	n := len(b) - start - 2
	h := header(nil, t, n)
	switch d := len(h) - 2; {
	case d > 0: // room for a longer size
		b = slices.Insert(b, start+2, make([]byte, d)...)
	case d < 0: // a size up to 11 is in the type byte
		b = slices.Delete(b, start+1, start+2)
	}
	copy(b[start:], h)
	return b, nil
}

func appendObject(b []byte, m map[string]any, depth int) ([]byte, error) {
	if depth >= maxDepth {
		return nil, errDepth
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // as json.Marshal orders them: the same document gives the same bytes
	return container(b, jbObject, func(b []byte) ([]byte, error) {
		var err error
		for _, k := range keys {
			b = appendString(b, k)
			if b, err = appendValue(b, m[k], depth+1); err != nil {
				return nil, err
			}
		}
		return b, nil
	})
}

func appendString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD") // as json.Marshal does
	}
	t := byte(jbText)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			t = jbTextRaw
			break
		}
	}
	return append(header(b, t, len(s)), s...)
}

// number appends a number given as JSON text: an integer when it has no
// fraction and no exponent.
func number(b []byte, text string) []byte {
	t := byte(jbInt)
	if strings.ContainsAny(text, ".eE") {
		t = jbFloat
	}
	return append(header(b, t, len(text)), text...)
}

// floatText formats f as encoding/json does.
func floatText(f float64, bits int) (string, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("unsupported value: %s", strconv.FormatFloat(f, 'g', -1, bits))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	s := strconv.FormatFloat(f, format, -1, bits)
	if format == 'e' { // e-09 → e-9
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
	}
	return s, nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, jbNull), nil
	case bool:
		if v {
			return append(b, jbTrue), nil
		}
		return append(b, jbFalse), nil
	case string:
		return appendString(b, v), nil
	case float64:
		s, err := floatText(v, 64)
		if err != nil {
			return nil, err
		}
		return number(b, s), nil
	case float32:
		s, err := floatText(float64(v), 32)
		if err != nil {
			return nil, err
		}
		return number(b, s), nil
	case int:
		return number(b, strconv.Itoa(v)), nil
	case int64:
		return number(b, strconv.FormatInt(v, 10)), nil
	case int32:
		return number(b, strconv.FormatInt(int64(v), 10)), nil
	case uint64:
		return number(b, strconv.FormatUint(v, 10)), nil
	case json.Number:
		if !validNumber(string(v)) {
			return nil, fmt.Errorf("invalid number literal %q", string(v))
		}
		return number(b, string(v)), nil
	case map[string]any:
		if v == nil {
			return append(b, jbNull), nil
		}
		return appendObject(b, v, depth)
	case []any:
		if v == nil {
			return append(b, jbNull), nil
		}
		if depth >= maxDepth {
			return nil, errDepth
		}
		return container(b, jbArray, func(b []byte) ([]byte, error) {
			var err error
			for _, e := range v {
				if b, err = appendValue(b, e, depth+1); err != nil {
					return nil, err
				}
			}
			return b, nil
		})
	case []string:
		if v == nil {
			return append(b, jbNull), nil
		}
		return container(b, jbArray, func(b []byte) ([]byte, error) {
			for _, e := range v {
				b = appendString(b, e)
			}
			return b, nil
		})
	default:
		// Any other value (a time, a type with its own MarshalJSON) is
		// stored as its JSON reads back.
		text, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var back any
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		if err := dec.Decode(&back); err != nil {
			return nil, err
		}
		return appendValue(b, back, depth)
	}
}

// validNumber reports whether s is a JSON number (RFC 8259).
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch j := digits(s, i); {
	case i < len(s) && s[i] == '0':
		i++
	case j > i:
		i = j
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

// digits returns the index past the decimal digits of s from i.
func digits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
