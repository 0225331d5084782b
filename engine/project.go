package engine

import (
	"bytes"
	"errors"
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/schema"
)

// projectRaw keeps only the named top-level fields of stored documents
// (every field when fields is nil), without decoding them: each kept
// value's JSON is copied as it is. The documents share one new buffer.
func projectRaw(raws []store.RawRecord, fields map[string]bool) error {
	return rewriteRaw(raws, fields, everything)
}

// rewriteRaw is projectRaw that also leaves out the fields g hides and
// masks those g masks: only a masked value is decoded.
func rewriteRaw(raws []store.RawRecord, fields map[string]bool, g *grants) error {
	n := 0
	for _, r := range raws {
		n += len(r.JSON)
	}
	buf := make([]byte, 0, n)
	for i := range raws {
		var err error
		start := len(buf)
		if buf, err = rewriteDoc(buf, raws[i].JSON, fields, g); err != nil {
			return fmt.Errorf("engine: project record %s: %w", raws[i].ID, err)
		}
		raws[i].JSON = buf[start:len(buf):len(buf)]
	}
	return nil
}

var errNotObject = errors.New("not a JSON object")

// rewriteDoc appends to buf the rewritten form of one stored document: a
// scan of its top-level members that copies the kept ones as they are.
func rewriteDoc(buf, doc []byte, fields map[string]bool, g *grants) ([]byte, error) {
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return buf, errNotObject
	}
	buf = append(buf, '{')
	first := true
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return append(buf, '}'), trailing(doc, i+1)
	}
	for {
		if i >= len(doc) || doc[i] != '"' {
			return buf, errNotObject
		}
		kEnd, escaped, err := stringEnd(doc, i)
		if err != nil {
			return buf, err
		}
		rawKey := doc[i : kEnd+1] // with its quotes
		key := doc[i+1 : kEnd]
		if escaped { // never written so by Morph, but judged by what it says
			var k string
			if err := json.Unmarshal(rawKey, &k); err != nil {
				return buf, err
			}
			key = []byte(k)
			rawKey = appendString(nil, k)
		}
		i = skipSpace(doc, kEnd+1)
		if i >= len(doc) || doc[i] != ':' {
			return buf, errNotObject
		}
		vStart := skipSpace(doc, i+1)
		vEnd, err := valueEnd(doc, vStart)
		if err != nil {
			return buf, err
		}
		value := doc[vStart:vEnd]
		keep := fields == nil || fields[string(key)]
		level := schema.FieldEdit
		if keep && !g.open {
			level = g.seen(string(key))
			keep = level != schema.FieldHidden
		}
		if keep {
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, rawKey...)
			buf = append(buf, ':')
			if level == schema.FieldMasked && !bytes.Equal(value, []byte("null")) {
				if value[0] != '"' {
					buf = append(buf, `"`+masked+`"`...)
				} else {
					var s string
					if bytes.IndexByte(value, '\\') < 0 {
						s = string(value[1 : len(value)-1])
					} else if err := json.Unmarshal(value, &s); err != nil {
						return buf, err
					}
					buf = appendString(buf, maskString(g, string(key), s))
				}
			} else {
				buf = append(buf, value...)
			}
		}
		i = skipSpace(doc, vEnd)
		if i >= len(doc) {
			return buf, errNotObject
		}
		switch doc[i] {
		case ',':
			i = skipSpace(doc, i+1)
		case '}':
			return append(buf, '}'), trailing(doc, i+1)
		default:
			return buf, errNotObject
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

func trailing(doc []byte, i int) error {
	if skipSpace(doc, i) != len(doc) {
		return errNotObject
	}
	return nil
}

// stringEnd returns the index of the closing quote of the string that
// starts at b[i], and whether it holds escapes. A quote is the closing one
// when an even number of backslashes precede it.
func stringEnd(b []byte, i int) (int, bool, error) {
	return stringEndOf(b, i, true)
}

// stringEndOf is stringEnd; when wantEscaped is false, whether the string
// holds escapes is not worked out (and reported false).
func stringEndOf(b []byte, i int, wantEscaped bool) (int, bool, error) {
	escaped := false
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j, wantEscaped && (escaped || bytes.IndexByte(b[i+1:j], '\\') >= 0), nil
		}
		escaped = true
		j++
	}
	return 0, false, errors.New("unterminated string")
}

// valueEnd returns the index just after the JSON value that starts at
// b[i]. Containers are skipped by counting brackets outside strings; their
// inside is checked by the store that wrote them and by the client that
// reads them, and copied as it is.
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errNotObject
	}
	switch c := b[i]; {
	case c == '"':
		end, _, err := stringEndOf(b, i, false)
		return end + 1, err
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _, err := stringEndOf(b, j, false)
				if err != nil {
					return 0, err
				}
				j = end
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated container")
	default: // a number, true, false or null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j == i {
			return 0, errNotObject
		}
		return j, nil
	}
}

// appendString appends s as a JSON string.
func appendString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
}
