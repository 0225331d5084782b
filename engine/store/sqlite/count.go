package sqlite

import (
	"fmt"
	"strings"
)

// Counts of large filtered sets cost a scan of every matching index entry,
// yet lists ask for the same total again and again while nothing changes.
// A count is therefore kept until its table's next committed write. The
// database file belongs to one store (Open locks it), so every write passes
// through this store and bumps the table's generation.

type countKey struct {
	table, where, args string
}

type countEntry struct {
	gen uint64
	n   int64
}

// maxCounts bounds the cached counts.
const maxCounts = 10000

// keyOf is the cache key of a count. The arguments are encoded so that no
// two different argument lists share a key, whatever bytes their values
// hold: each is its type, the length of its printed value, and the value.
func keyOf(table, where string, args []any) countKey {
	var b strings.Builder
	for _, a := range args {
		v := fmt.Sprint(a)
		fmt.Fprintf(&b, "%T:%d:%s", a, len(v), v)
	}
	return countKey{table, where, b.String()}
}

// cachedCount returns the cached count for k, the table's current
// generation, and whether the cache held a count of that generation.
func (s *Store) cachedCount(k countKey) (n int64, gen uint64, ok bool) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	gen = s.gen[k.table]
	e, hit := s.counts[k]
	if hit && e.gen == gen {
		return e.n, gen, true
	}
	return 0, gen, false
}

// keepCount caches a count made when the table was at generation gen.
func (s *Store) keepCount(k countKey, gen uint64, n int64) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	if len(s.counts) >= maxCounts {
		clear(s.counts)
	}
	s.counts[k] = countEntry{gen: gen, n: n}
}

// Generation implements store.Generations: the count of committed writes to
// coll's table made through this store since it was opened.
func (s *Store) Generation(coll string) uint64 {
	tbl, err := table(coll)
	if err != nil {
		return 0
	}
	s.genMu.Lock()
	defer s.genMu.Unlock()
	return s.gen[tbl]
}
