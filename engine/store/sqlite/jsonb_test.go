package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"
)

// memDB is an in-memory SQLite database, to ask SQLite about blobs.
func memDB(t testing.TB) *sql.DB {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// decodeText decodes JSON text as the store's reads do, numbers kept as text.
func decodeText(t testing.TB, text []byte) any {
	var v any
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", text, err)
	}
	return v
}

var jsonbStrings = []string{
	"", "a", "Acme Ltd", "上海浦东发展银行", "138 0013 8000", "emoji 🙂 and ü", "<b>&amp;</b>", "say \"hi\"",
	`back\slash`, "tab\there", "line\nbreak", "nul\x00byte", "\x1f", "\u2028", "a/b", "12", "true",
	strings.Repeat("长", 4), strings.Repeat("x", 11), strings.Repeat("y", 12), strings.Repeat("z", 255),
	strings.Repeat("w", 256), strings.Repeat("v", 65535), strings.Repeat("u", 65536),
}

func randomValue(r *rand.Rand, depth int) any {
	n := 11
	if depth >= 4 {
		n = 8 // no containers
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2, 3:
		return jsonbStrings[r.IntN(len(jsonbStrings))]
	case 4:
		return []float64{0, -0.0, 1, -1, 0.1, 1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, -3.25e-9, math.MaxFloat64,
			math.SmallestNonzeroFloat64, 9007199254740993}[r.IntN(15)]
	case 5:
		return r.Int64N(1<<62) - 1<<61
	case 6:
		return json.Number([]string{"0", "-0", "12", "1.50", "-2.5e3", "1E+2", "123456789012345678901234567890"}[r.IntN(7)])
	case 7:
		return int(r.Int32())
	case 8:
		m := map[string]any{}
		for i := r.IntN(6); i > 0; i-- {
			m[jsonbStrings[r.IntN(len(jsonbStrings)-2)]+string(rune('a'+r.IntN(26)))] = randomValue(r, depth+1)
		}
		return m
	case 9:
		a := make([]any, r.IntN(6))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	default:
		return []string{"x", jsonbStrings[r.IntN(len(jsonbStrings))]}
	}
}

// needsEscape tells whether a document holds a string JSON must escape:
// SQLite then keeps the escapes of the text (TEXTJ), the encoder the string
// itself (TEXTRAW), and the two blobs differ in bytes but not in meaning.
func needsEscape(text []byte) bool { return bytes.IndexByte(text, '\\') >= 0 }

// TestJSONBAsSQLite holds the encoder to SQLite: for random documents, SQLite
// finds the blob well-formed, reads it back as the document, extracts every
// top-level value as from its own conversion of the JSON text, and, when no
// string needs an escape, the blob is byte for byte the one SQLite makes.
func TestJSONBAsSQLite(t *testing.T) {
	db := memDB(t)
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 7))
	same := 0
	for i := 0; i < 3000; i++ {
		doc := map[string]any{}
		for k := r.IntN(8); k > 0; k-- {
			doc[string(rune('a'+r.IntN(26)))+jsonbStrings[r.IntN(6)]] = randomValue(r, 1)
		}
		blob, err := encode(doc)
		if err != nil {
			t.Fatalf("seed %d: encode: %v", seed, err)
		}
		text, err := json.MarshalNoEscape(doc)
		if err != nil {
			t.Fatal(err)
		}
		var valid int
		var back string
		var theirs []byte
		if err := db.QueryRow(`SELECT json_valid(?1, 8), json(?1), jsonb(?2)`, blob, string(text)).Scan(&valid, &back, &theirs); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if valid != 1 {
			t.Fatalf("seed %d: SQLite finds the JSONB of %s malformed: %x", seed, text, blob)
		}
		if got, want := decodeText(t, []byte(back)), decodeText(t, text); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: read back as\n%s\nnot\n%s", seed, back, text)
		}
		if !needsEscape(text) {
			same++
			if !bytes.Equal(blob, theirs) {
				t.Fatalf("seed %d: %s\nencoded %x\nSQLite  %x", seed, text, blob, theirs)
			}
		}
		for k := range doc {
			var a, b sql.NullString
			path := `$."` + strings.ReplaceAll(k, `"`, `\"`) + `"`
			if err := db.QueryRow(`SELECT ?1->>?3, ?2->>?3`, blob, theirs, path).Scan(&a, &b); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if a.Valid && b.Valid && (strings.HasPrefix(a.String, "[") || strings.HasPrefix(a.String, "{")) {
				// A container comes back as JSON text, where SQLite keeps
				// the escapes it was given (json.Marshal's of U+2028).
				if reflect.DeepEqual(decodeText(t, []byte(a.String)), decodeText(t, []byte(b.String))) {
					continue
				}
			}
			if a != b {
				t.Fatalf("seed %d: %s of %s: %v, SQLite's %v", seed, path, text, a, b)
			}
			// Filters on a list's elements read them with json_each.
			const each = `SELECT group_concat(quote(value), ',') FROM json_each(?, ?) WHERE type NOT IN ('array', 'object')`
			if err := db.QueryRow(each, blob, path).Scan(&a); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if err := db.QueryRow(each, theirs, path).Scan(&b); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if a != b {
				t.Fatalf("seed %d: the elements of %s of %s: %v, SQLite's %v", seed, path, text, a, b)
			}
		}
	}
	if same < 100 {
		t.Fatalf("seed %d: only %d documents compared byte for byte", seed, same)
	}
}

func TestJSONBEdges(t *testing.T) {
	db := memDB(t)
	jsonOf := func(doc map[string]any) string {
		blob, err := encode(doc)
		if err != nil {
			t.Fatal(err)
		}
		var s string
		if err := db.QueryRow(`SELECT json(?)`, blob).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := jsonOf(nil); got != `{}` {
		t.Errorf("nil document: %s", got)
	}
	at := time.Date(2026, 12, 4, 8, 30, 0, 0, time.UTC)
	type code string
	got := jsonOf(map[string]any{"at": at, "bad": "a\xffb", "nils": map[string]any{"m": map[string]any(nil), "a": []any(nil)},
		"u8": uint8(7), "code": code("x"), "f32": float32(0.1)})
	want := `{"at":"2026-12-04T08:30:00Z","bad":"a` + "\uFFFD" + `b","code":"x","f32":0.1,"nils":{"a":null,"m":null},"u8":7}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), json.Number("1."), json.Number("01"), json.Number("x")} {
		if _, err := encode(map[string]any{"v": bad}); err == nil {
			t.Errorf("%v encoded", bad)
		}
	}
	deep := map[string]any{}
	for i, m := 0, deep; i < maxDepth; i++ {
		n := map[string]any{}
		m["a"] = n
		m = n
	}
	if _, err := encode(deep); err == nil {
		t.Error("a document nested past the limit was encoded")
	}
}

// benchAccount is an account as the example's, for the benchmarks.
func benchAccount() map[string]any {
	return map[string]any{
		"name": "上海浦东示例科技有限公司", "region": "华东", "tier": "A", "industry": "manufacturing", "city": "上海",
		"phone": "13800138000", "credit_code": "91310000MA1FL8XQ2A", "source": "web", "owner": "01a241f3-d084-7630-aca6-97d3ae3688de",
		"annual_revenue": map[string]any{"amount": json.Number("1250000.00"), "currency": "CNY"}, "note": "<b>\"VIP\"</b>",
		"created_at": "2026-12-04T08:30:00.123Z", "updated_at": "2026-12-04T08:30:00.123Z", "tags": []any{"key", "vip"},
	}
}

func BenchmarkEncodeAccount(b *testing.B) {
	doc := benchAccount()
	b.Run("jsonb", func(b *testing.B) {
		for b.Loop() {
			if _, err := encode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("text", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-0": true, "12": true, "1.5": true, "-2.5e3": true, "1E+2": true, "1e-7": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "1e+": false, "+1": false, "0x1": false, "1.5.2": false, "--1": false} {
		if validNumber(s) != want {
			t.Errorf("validNumber(%q) = %v", s, !want)
		}
	}
}

// TestJSONBReadAsSQLite holds the reading to SQLite's: for random documents,
// both as this package writes them and as SQLite's jsonb() converts their
// text (which keeps escapes: TEXTJ), the rendering is byte for byte SQLite's
// json(), and the decoding equals the decoding of that text.
func TestJSONBReadAsSQLite(t *testing.T) {
	db := memDB(t)
	seed := uint64(time.Now().UnixNano())
	r := rand.New(rand.NewPCG(seed, 11))
	for i := 0; i < 2000; i++ {
		doc := map[string]any{}
		for k := r.IntN(8); k > 0; k-- {
			doc[string(rune('a'+r.IntN(26)))+jsonbStrings[r.IntN(9)]] = randomValue(r, 1)
		}
		ours, err := encode(doc)
		if err != nil {
			t.Fatal(err)
		}
		text, err := json.Marshal(doc) // HTML-escaped, as documents were written before: TEXTJ in SQLite's blob
		if err != nil {
			t.Fatal(err)
		}
		var theirs []byte
		if err := db.QueryRow(`SELECT jsonb(?)`, string(text)).Scan(&theirs); err != nil {
			t.Fatal(err)
		}
		for _, blob := range [][]byte{ours, theirs} {
			var want []byte
			if err := db.QueryRow(`SELECT json(?)`, blob).Scan(&want); err != nil {
				t.Fatal(err)
			}
			got, err := renderJSONB(nil, blob)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("seed %d: rendered %s (%v)\nSQLite   %s", seed, got, err, want)
			}
			dec, err := decodeJSONB(blob)
			if err != nil {
				t.Fatalf("seed %d: decode %x: %v", seed, blob, err)
			}
			var wantDoc map[string]any
			if err := json.Unmarshal(want, &wantDoc); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(dec, wantDoc) {
				t.Fatalf("seed %d: decoded %#v\nnot     %#v", seed, dec, wantDoc)
			}
		}
	}
}

// TestJSONBReadLeavesJSON5ToSQLite: a document holding JSON5 elements (which
// no write of the store makes) is read through SQLite's json(), also while
// every reader connection is held, and a malformed one is an error, not a
// wrong document.
func TestJSONBReadLeavesJSON5ToSQLite(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var blob []byte
	if err := s.r.QueryRowContext(ctx, `SELECT jsonb('{a: 0x1F, b: .5, c: ''x\x41'', d: [+1]}')`).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeJSONB(blob); !errors.Is(err, errJSON5) {
		t.Fatalf("decoded a JSON5 element: %v", err)
	}
	doc, err := s.docOf(ctx, "x", blob)
	if err != nil {
		t.Fatal(err)
	}
	if doc["a"] != float64(31) || doc["b"] != 0.5 || doc["c"] != "xA" {
		t.Fatalf("JSON5 document read as %#v", doc)
	}
	text, err := s.textOf(ctx, blob)
	if err != nil || string(text) != `{"a":31,"b":0.5,"c":"x\u0041","d":[1]}` {
		t.Fatalf("JSON5 document rendered as %s (%v)", text, err)
	}
	// A document stored as JSON text is read as SQLite reads it.
	if doc, err := s.docOf(ctx, "x", []byte(`{"a":1}`)); err != nil || doc["a"] != float64(1) {
		t.Errorf("JSON text read as %#v (%v)", doc, err)
	}
	for _, bad := range [][]byte{nil, {0x0b}, {0xcc, 0x05, 0x17}, {0x1c, 0x00}} {
		if doc, err := s.docOf(ctx, "x", bad); err == nil {
			t.Errorf("%x decoded as %#v", bad, doc)
		}
	}

	// Lists render their documents while they hold a reader connection:
	// with every reader held, such a document still renders.
	var held []*sql.Conn
	for range s.r.Stats().MaxOpenConnections {
		c, err := s.r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if text, err := s.textOf(wait, blob); err != nil || string(text) != `{"a":31,"b":0.5,"c":"x\u0041","d":[1]}` {
		t.Fatalf("with every reader held, a JSON5 document rendered as %s (%v)", text, err)
	}
	if doc, err := s.docOf(wait, "x", blob); err != nil || doc["a"] != float64(31) {
		t.Fatalf("with every reader held, a JSON5 document read as %#v (%v)", doc, err)
	}
}

// BenchmarkReadAccount compares reading an account-sized document in Go with
// SQLite's json() (and, for the values, a parse of its text).
func BenchmarkReadAccount(b *testing.B) {
	db := memDB(b)
	blob, err := encode(benchAccount())
	if err != nil {
		b.Fatal(err)
	}
	st, err := db.Prepare(`SELECT json(?)`)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("render/go", func(b *testing.B) {
		for b.Loop() {
			if _, err := renderJSONB(nil, blob); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("render/sqlite", func(b *testing.B) {
		for b.Loop() {
			var text []byte
			if err := st.QueryRow(blob).Scan(&text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/go", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeJSONB(blob); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/sqlite", func(b *testing.B) {
		for b.Loop() {
			var text []byte
			if err := st.QueryRow(blob).Scan(&text); err != nil {
				b.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(text, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
