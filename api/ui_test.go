package api_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/identity"
)

// The built UI is a single-page app: every path that is neither an API route nor a file of the build answers
// index.html (the browser's router shows the page), never cached so that a new build is picked up at once;
// the build's hashed assets are cached for long; a missing asset is a 404, not the page.
func TestUIServesClientRoutes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/morph.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const index = `<!doctype html><title>Morph UI</title>`
	ui := fstest.MapFS{
		"index.html":         {Data: []byte(index)},
		"assets/app-abc1.js": {Data: []byte(`console.log(1)`)},
	}
	app := api.New(eng, api.Options{Identity: testIdentity(eng, identity.Options{}), UI: ui})

	cases := []struct {
		path, wantType, wantBody, wantCache string
		want                                int
	}{
		{"/", "text/html", index, "no-cache", 200},
		{"/login", "text/html", index, "no-cache", 200},
		{"/e/account/019461a0-d0eb-79b5-9be8-9bd0078728db", "text/html", index, "no-cache", 200},
		{"/e/account?view=default", "text/html", index, "no-cache", 200},
		{"/assets/app-abc1.js", "javascript", "console.log(1)", "immutable", 200},
		{"/assets/gone-1234.js", "", "", "", 404},
		{"/api/no-such-route", "application/json", `"code":"not_found"`, "", 404},
	}
	for _, c := range cases {
		res, err := app.Test(httptest.NewRequest("GET", c.path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != c.want {
			t.Errorf("GET %s: status %d, want %d (%s)", c.path, res.StatusCode, c.want, body)
			continue
		}
		if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, c.wantType) {
			t.Errorf("GET %s: Content-Type %q, want %q", c.path, ct, c.wantType)
		}
		if !strings.Contains(string(body), c.wantBody) {
			t.Errorf("GET %s: body %q, want %q in it", c.path, body, c.wantBody)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, c.wantCache) {
			t.Errorf("GET %s: Cache-Control %q, want %q", c.path, cc, c.wantCache)
		}
		if c.want == 404 && strings.Contains(string(body), "Morph UI") {
			t.Errorf("GET %s: a missing file answered the page", c.path)
		}
	}
}
