package engine_test

import (
	"fmt"
	"testing"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
)

const dealIdxDef = `{"$id": "deal", "type": "object", "properties": {
	"title":  {"type": "string"},
	"stage":  {"type": "string", "x-type": "select", "enum": ["new", "won", "lost"], "x-indexed": true},
	"amount": {"type": "object", "x-type": "currency", "properties": {"amount": {"type": "number"}, "currency": {"type": "string"}}},
	"close":  {"type": "string", "x-type": "date"},
	"tags":   {"type": "array", "x-type": "tags", "items": {"type": "string"}}},
	"x-indexes": [["owner", "-amount"], ["stage", "close"]]}`

// Index advice: which index serves a view's filter and sort, or which
// composite index would.
func TestAdviseIndex(t *testing.T) {
	eng, _ := open(t, t.TempDir()+"/m.db")
	put(t, eng, "deal", dealIdxDef)
	for _, tc := range []struct{ filter, sort, want string }{
		{"", "", "served"},
		{"", "-created_at", "served i_created_at"},
		{"", "created_at", "served i_created_at"},
		{"owner == user.id", "-created_at", "served i_owner_created_at"},
		{"", "-updated_at", "served i_updated_at"},
		{"", "updated_at", "served i_updated_at"},
		{"owner == user.id", "-updated_at", "served i_owner_updated_at"},
		{"owner == 'u1'", "-amount", "served " + kIndex(t, eng, "owner", "amount")},
		{"owner == 'u1'", "amount", "served " + kIndex(t, eng, "owner", "amount")},
		{"stage == 'new'", "", "served i_stage"},
		{"stage == 'new' && close >= '2026-01-01'", "", "served " + kIndex(t, eng, "stage", "close")},
		{"stage == 'new'", "-close", "served " + kIndex(t, eng, "stage", "close")},
		{"stage == 'new'", "title", "suggest [stage title]"},
		{"stage == 'new' && owner == user.id", "-amount", "suggest [owner stage -amount]"},
		{"title == 'x'", "", "suggest [title]"},
		{"stage == 'new' || stage == 'won'", "", "why"},
		{"tags == nil", "", "why"},
	} {
		a, err := eng.AdviseIndex(admin, "deal", tc.filter, tc.sort)
		if err != nil {
			t.Fatalf("%q %q: %v", tc.filter, tc.sort, err)
		}
		got := ""
		switch {
		case a.Served:
			got = "served"
			if a.Index != "" {
				got += " " + a.Index
			}
		case a.Suggest != nil:
			got = fmt.Sprint("suggest ", a.Suggest)
		case a.Why != nil && a.Why.EN != "" && a.Why.ZH != "":
			got = "why"
		}
		if got != tc.want {
			t.Errorf("filter %q sort %q: %s, want %s", tc.filter, tc.sort, got, tc.want)
		}
	}
	if _, err := eng.AdviseIndex(admin, "deal", "nope == 1", ""); morph.ErrorCode(err) != morph.EInvalidFilter {
		t.Fatalf("bad filter: %v", err)
	}
	if _, err := eng.AdviseIndex(admin, "deal", "", "nope"); morph.ErrorCode(err) != morph.EInvalidFilter {
		t.Fatalf("bad sort: %v", err)
	}
	if _, err := eng.AdviseIndex(engine.Actor{ID: "u", Roles: []string{"nobody"}}, "deal", "", ""); morph.ErrorCode(err) != morph.ENotFound {
		t.Fatalf("an entity the caller may not read: %v", err)
	}
}

// kIndex is the name of the deal's composite index whose first fields are
// the given store fields.
func kIndex(t *testing.T, eng *engine.Engine, fields ...string) string {
	t.Helper()
	for _, ix := range eng.Catalog().Entity("deal").Indexes() {
		if len(ix.Fields) == len(fields) && ix.Name[0] == 'k' {
			ok := true
			for i, f := range fields {
				if ix.Fields[i] != f && ix.Fields[i] != f+".amount" {
					ok = false
				}
			}
			if ok {
				return ix.Name
			}
		}
	}
	t.Fatalf("no composite index on %v", fields)
	return ""
}
