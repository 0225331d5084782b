package identity

import (
	"sync"
	"time"

	"github.com/morphcrm/morph/engine/store"
)

// credCache keeps what a session's or a key's record said, by the hash of its
// secret, for stores that see every write of their data (store.Generations):
// an entry holds only while its collection's generation is the one it was read
// at, so a logout, a revocation, a deactivation or an expiry — each a write of
// the collection — holds from the next request on, as when the record is read
// every time. On other stores (MongoDB, which several servers may share) every
// request reads the record.
type credCache struct {
	gens store.Generations // nil: nothing is cached

	mu sync.Mutex
	m  map[string]cachedCred
}

type cachedCred struct {
	gen     uint64
	user    string
	created time.Time // sessions
	seen    time.Time // sessions
	expires time.Time // keys (zero: never)
}

// maxCachedCreds bounds the cache; when full it starts again empty.
const maxCachedCreds = 10000

// generation returns coll's generation, and false when nothing is cached.
func (c *credCache) generation(coll string) (uint64, bool) {
	if c.gens == nil {
		return 0, false
	}
	return c.gens.Generation(coll), true
}

// get returns the entry of hash when it was read at generation gen.
func (c *credCache) get(hash string, gen uint64) (cachedCred, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	return e, ok && e.gen == gen
}

func (c *credCache) put(hash string, e cachedCred) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCreds {
		c.m = map[string]cachedCred{}
	}
	c.m[hash] = e
}
