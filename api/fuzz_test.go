package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/identity"
)

// FuzzRecordBody: any body sent to create or patch a record gets an answer
// in the one error shape or a stored record — never a panic or a 500.
func FuzzRecordBody(f *testing.F) {
	for _, s := range []string{
		`{"name": "张伟", "phone": "138 0013 8000", "email": "A@B.CN", "tier": "vip"}`,
		`{"name": "x", "visits": 1e400}`, `{"name": "x", "tags": [1, {"a": null}]}`, `{"name": "\ud800"}`,
		`{"name": "x", "address": {"city": {"deep": [[[[]]]]}}}`, `{"id": "not-a-uuid"}`, `{"owner": 5}`,
		`[]`, `null`, `{"name": "x",}`, `{"amount": "NaN"}`, `{"company": ["a"]}`, "\xff\xfe",
		`{"name": "x", "visits": 9007199254740993}`, `{"name": "x", "visits": 1e308, "amount": -1e308}`,
		`{"name": "\ud83d\ude00 \udc00", "tags": ["\\ud800"]}`,
		`{"name": "x", "address": ` + strings.Repeat(`{"a": [`, 20) + strings.Repeat(`]}`, 20) + `}`,
		`{"name": "x", "address": ` + strings.Repeat(`{"a": `, 200) + `1` + strings.Repeat(`}`, 200) + `}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	dir, err := os.MkdirTemp("", "morph-fuzz")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir+"/m.db")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range []string{companyDef, customerDef} {
		var probe struct {
			ID string `json:"$id"`
		}
		json.Unmarshal([]byte(d), &probe)
		if _, err := eng.PutEntity(ctx, engine.System, probe.ID, []byte(d)); err != nil {
			f.Fatal(err)
		}
	}
	rec, err := eng.Create(ctx, engine.System, "customer", map[string]any{"name": "target"})
	if err != nil {
		f.Fatal(err)
	}
	ids := testIdentity(eng, identity.Options{})
	token := signIn(f, ids)
	app := api.New(eng, api.Options{Identity: ids})
	f.Fuzz(func(t *testing.T, body []byte, patch bool) {
		method, path := "POST", "/api/records/customer"
		if patch {
			method, path = "PATCH", "/api/records/customer/"+rec.ID
		}
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q: %d %s", method, body, res.StatusCode, out)
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("the answer is not JSON: %s", out)
		}
		if res.StatusCode >= 400 && (m["code"] == nil || m["message"] == nil) {
			t.Fatalf("an error outside the one shape: %s", out)
		}
	})
}
