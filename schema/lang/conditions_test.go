package lang_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/schema/lang"
)

// The browser evaluates layout conditions live (builder-ui/src/filterlang.ts)
// and the server checks them again on save (lang.Filter, then query.Match):
// on the table of conditions.cases.json, which the browser's unit tests run
// too, both give the same answers.
func TestConditionCasesAgreeWithBrowser(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "builder-ui", "src", "conditions.cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Record map[string]any `json:"record"`
		Cases  [][2]any       `json:"cases"`
		Only   [][3]any       `json:"browserOnly"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	if len(table.Cases) < 50 {
		t.Fatalf("%d cases", len(table.Cases))
	}
	kinds := map[string]lang.Kind{"name": lang.KindString, "city": lang.KindString, "stage": lang.KindString, "missing": lang.KindString, "gone": lang.KindNumber,
		"n": lang.KindNumber, "d": lang.KindDate, "at": lang.KindDateTime, "flag": lang.KindBool, "tags": lang.KindStrings}
	resolve := func(name string) (lang.Field, bool) {
		k, ok := kinds[name]
		return lang.Field{Kind: k, Path: name}, ok
	}
	env := lang.Env{Now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	for _, c := range table.Cases {
		src, want := c[0].(string), c[1].(bool)
		f, err := lang.Filter(src, resolve, env)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := query.Match(f, table.Record); got != want {
			t.Errorf("%s: the server says %v, the browser %v", src, got, want)
		}
	}
}
