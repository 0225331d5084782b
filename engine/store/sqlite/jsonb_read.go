package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	json "github.com/goccy/go-json"
)

// Documents are read as their JSONB and decoded here (into values) or
// rendered here (as JSON text for the pages sent on unchanged), rather than
// by SQLite's json() and a parse of its text. The JSON5 element types
// (INT5, FLOAT5, TEXT5), which no write of the store produces, are left to
// SQLite: a document holding one is rendered by json() instead.
var errJSON5 = errors.New("JSONB element of a JSON5 type")

// element reads the header of the element at b[i]: its type and the bounds
// of its payload.
func element(b []byte, i int) (t byte, start, end int, err error) {
	if i >= len(b) {
		return 0, 0, 0, errors.New("JSONB ends inside an element")
	}
	t, sz := b[i]&0x0f, int(b[i]>>4)
	start = i + 1
	var n uint64
	switch sz {
	case 12, 13, 14, 15:
		w := 1 << (sz - 12) // 1, 2, 4 or 8 bytes of size
		if start+w > len(b) {
			return 0, 0, 0, errors.New("JSONB ends inside a header")
		}
		for _, c := range b[start : start+w] {
			n = n<<8 | uint64(c)
		}
		start += w
	default:
		n = uint64(sz)
	}
	if n > uint64(len(b)-start) {
		return 0, 0, 0, errors.New("JSONB element longer than its document")
	}
	return t, start, start + int(n), nil
}

// decodeJSONB decodes a document's JSONB into a map, with numbers as
// float64, as the JSON text was decoded before.
func decodeJSONB(b []byte) (map[string]any, error) {
	v, end, err := decodeElement(b, 0, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || end != len(b) {
		return nil, errors.New("JSONB document is not one object")
	}
	return m, nil
}

func decodeElement(b []byte, i, depth int) (any, int, error) {
	t, start, end, err := element(b, i)
	if err != nil {
		return nil, 0, err
	}
	p := b[start:end]
	switch t {
	case jbNull:
		return nil, end, nil
	case jbTrue:
		return true, end, nil
	case jbFalse:
		return false, end, nil
	case jbInt, jbFloat:
		f, err := strconv.ParseFloat(string(p), 64)
		if err != nil {
			return nil, 0, err
		}
		return f, end, nil
	case jbText, jbTextRaw:
		return string(p), end, nil
	case jbTextJ:
		s, err := unescape(p)
		return s, end, err
	case jbArray, jbObject:
		if depth >= maxDepth {
			return nil, 0, errDepth
		}
		if t == jbArray {
			list := []any{}
			for j := start; j < end; {
				var v any
				if v, j, err = decodeElement(b[:end], j, depth+1); err != nil {
					return nil, 0, err
				}
				list = append(list, v)
			}
			return list, end, nil
		}
		m := map[string]any{}
		for j := start; j < end; {
			var k, v any
			if k, j, err = decodeElement(b[:end], j, depth+1); err != nil {
				return nil, 0, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, 0, errors.New("JSONB object label is not a string")
			}
			if v, j, err = decodeElement(b[:end], j, depth+1); err != nil {
				return nil, 0, err
			}
			m[key] = v
		}
		return m, end, nil
	case jbInt5, jbFloat5, jbText5:
		return nil, 0, errJSON5
	default:
		return nil, 0, fmt.Errorf("JSONB element of unknown type %d", t)
	}
}

// unescape decodes a string's JSON escapes as the JSON decoder does.
func unescape(p []byte) (string, error) {
	q := make([]byte, 0, len(p)+2)
	q = append(append(append(q, '"'), p...), '"')
	var s string
	err := json.Unmarshal(q, &s)
	return s, err
}

// renderJSONB appends a document's JSONB as JSON text, as SQLite's json()
// writes it.
func renderJSONB(dst, b []byte) ([]byte, error) {
	if len(b) == 0 || b[0]&0x0f != jbObject {
		return nil, errors.New("JSONB document is not an object")
	}
	dst, end, err := renderElement(dst, b, 0, 0)
	if err == nil && end != len(b) {
		err = errors.New("JSONB document is not one element")
	}
	return dst, err
}

func renderElement(dst, b []byte, i, depth int) ([]byte, int, error) {
	t, start, end, err := element(b, i)
	if err != nil {
		return nil, 0, err
	}
	p := b[start:end]
	switch t {
	case jbNull:
		return append(dst, "null"...), end, nil
	case jbTrue:
		return append(dst, "true"...), end, nil
	case jbFalse:
		return append(dst, "false"...), end, nil
	case jbInt, jbFloat:
		return append(dst, p...), end, nil
	case jbText, jbTextJ:
		return append(append(append(dst, '"'), p...), '"'), end, nil
	case jbTextRaw:
		return appendEscaped(dst, p), end, nil
	case jbArray, jbObject:
		if depth >= maxDepth {
			return nil, 0, errDepth
		}
		open, close := byte('['), byte(']')
		if t == jbObject {
			open, close = '{', '}'
		}
		dst = append(dst, open)
		for j, n := start, 0; j < end; n++ {
			switch {
			case n == 0:
			case t == jbObject && n%2 == 1:
				dst = append(dst, ':')
			default:
				dst = append(dst, ',')
			}
			if dst, j, err = renderElement(dst, b[:end], j, depth+1); err != nil {
				return nil, 0, err
			}
		}
		return append(dst, close), end, nil
	case jbInt5, jbFloat5, jbText5:
		return nil, 0, errJSON5
	default:
		return nil, 0, fmt.Errorf("JSONB element of unknown type %d", t)
	}
}

// appendEscaped appends p as a JSON string, escaping what JSON requires as
// SQLite does: the short escapes where JSON has them, else \u00xx.
func appendEscaped(dst, p []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range p {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c >= 0x20:
			dst = append(dst, c)
		case c == '\b':
			dst = append(dst, '\\', 'b')
		case c == '\f':
			dst = append(dst, '\\', 'f')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(dst, '"')
}

// sqliteJSON renders a document with SQLite's json(): for the documents
// the Go reading leaves to it. It asks the store's in-memory renderer, not
// the read pool, whose connections may all be held by lists waiting here.
func (s *Store) sqliteJSON(ctx context.Context, b []byte) ([]byte, error) {
	var text []byte
	if err := s.render.QueryRowContext(ctx, `SELECT json(?)`, b).Scan(&text); err != nil {
		return nil, err
	}
	return text, nil
}

// docOf decodes a stored document, through SQLite's json() when the Go
// decoder leaves it.
func (s *Store) docOf(ctx context.Context, id string, b []byte) (map[string]any, error) {
	m, err := decodeJSONB(b)
	if err == nil {
		return m, nil
	}
	text, jerr := s.sqliteJSON(ctx, b)
	if jerr != nil {
		return nil, fmt.Errorf("sqlite: decode record %s: %w", id, errors.Join(err, jerr))
	}
	m = nil
	if err := json.Unmarshal(text, &m); err != nil {
		return nil, fmt.Errorf("sqlite: decode record %s: %w", id, err)
	}
	return m, nil
}

// textOf renders a stored document as JSON text, through SQLite's json()
// when the Go renderer leaves it.
func (s *Store) textOf(ctx context.Context, b []byte) ([]byte, error) {
	text, err := renderJSONB(make([]byte, 0, len(b)+len(b)/4+16), b)
	if err == nil {
		return text, nil
	}
	return s.sqliteJSON(ctx, b)
}
