package lang

import (
	"testing"

	"github.com/morphcrm/morph/engine/query"
)

var pathSeeds = []string{
	"", "a", "_", "a.b", "a.b.c", "a1.b_2", "1a", "a.", ".a", "a..b", "a.1b", "a b", "a-b", "名称", "a.名",
	"A_Z.z9", "a\x00", string(make([]byte, 257)), "a" + string(make([]byte, 256)),
}

func TestValidPath(t *testing.T) {
	long := make([]byte, 257)
	for i := range long {
		long[i] = 'a'
	}
	for _, p := range append(pathSeeds, string(long), string(long[:256])) {
		if got, want := validPath(p), query.ValidPath(p); got != want {
			t.Errorf("validPath(%q) = %v, query.ValidPath says %v", p, got, want)
		}
	}
}

func FuzzValidPath(f *testing.F) {
	for _, s := range pathSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := validPath(p), query.ValidPath(p); got != want {
			t.Fatalf("validPath(%q) = %v, query.ValidPath says %v", p, got, want)
		}
	})
}
