package throttle_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/morphcrm/morph/api/throttle"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time       { return c.t }
func (c *clock) pass(d time.Duration) { c.t = c.t.Add(d) }
func newLimiter(c *clock) *throttle.Limiter {
	return throttle.New(throttle.Config{Max: 3, Window: time.Minute, Lockout: 10 * time.Minute, MaxKeys: 100}, c.now)
}

func TestLockAfterTooManyFailures(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(c)
	for i := range 3 {
		if wait := l.Fail("a@example.com"); wait != 0 {
			t.Fatalf("failure %d locked the key for %v", i+1, wait)
		}
		if ok, _ := l.Allow("a@example.com"); !ok {
			t.Fatalf("refused after %d failures", i+1)
		}
		c.pass(10 * time.Second)
	}
	if wait := l.Fail("a@example.com"); wait != 10*time.Minute {
		t.Fatalf("the fourth failure locked the key for %v, want 10m", wait)
	}
	if ok, _ := l.Allow("b@example.com"); !ok {
		t.Fatal("another key is refused")
	}
	c.pass(4 * time.Minute)
	if ok, wait := l.Allow("a@example.com"); ok || wait != 6*time.Minute {
		t.Fatalf("Allow during the lock = %v, %v; want false, 6m", ok, wait)
	}
	l.Succeed("a@example.com") // a success cannot end a lock early
	if ok, _ := l.Allow("a@example.com"); ok {
		t.Fatal("a success ended the lock")
	}
	c.pass(6 * time.Minute)
	if ok, _ := l.Allow("a@example.com"); !ok {
		t.Fatal("still refused after the lock ended")
	}
}

// Failures older than the window do not count, and a success forgets them.
func TestWindowAndSuccess(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(c)
	for range 10 {
		if wait := l.Fail("k"); wait != 0 {
			t.Fatalf("failures spread over more than the window locked the key")
		}
		c.pass(25 * time.Second) // at most three within any minute
	}
	for range 3 {
		l.Fail("j")
	}
	l.Succeed("j")
	if wait := l.Fail("j"); wait != 0 {
		t.Fatal("failures before a success still counted")
	}
}

// However many keys are made up, the limiter remembers at most MaxKeys, and
// a locked key stays locked while there are unlocked ones to forget.
func TestBoundedKeys(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(c)
	for range 4 {
		l.Fail("victim")
	}
	for i := range 10000 {
		l.Fail(fmt.Sprint("made-up-", i))
		if n := l.Len(); n > 100 {
			t.Fatalf("%d keys remembered after %d made up, want at most 100", n, i+1)
		}
	}
	if ok, _ := l.Allow("victim"); ok {
		t.Fatal("made-up keys unlocked a locked one")
	}
	for i := range 1000 { // every key locked: the limit still holds
		for range 4 {
			l.Fail(fmt.Sprint("locked-", i))
		}
		if n := l.Len(); n > 100 {
			t.Fatalf("%d keys remembered, want at most 100", n)
		}
	}
}

// Attempts made at once are counted as they start: no more than Max+1 of
// them go ahead, however many come before the first outcome.
func TestTakeCountsAttemptsAtOnce(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(c)
	var mu sync.Mutex
	let, locks := 0, 0
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			a, ok, _ := l.Take("a@example.com")
			mu.Lock()
			defer mu.Unlock()
			if ok {
				let++
			}
			if a.Locked() {
				locks++
			}
		})
	}
	wg.Wait()
	if let != 4 || locks != 1 {
		t.Fatalf("%d attempts let through and %d locks, want 4 (Max+1) and 1", let, locks)
	}
}

// An attempt given back does not count; giving back the one that locked
// lifts the lock.
func TestRefund(t *testing.T) {
	c := &clock{time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	l := newLimiter(c)
	for range 10 { // refunded attempts never add up to a lock
		a, ok, _ := l.Take("k")
		if !ok {
			t.Fatal("refused after refunded attempts")
		}
		l.Refund(a)
		c.pass(time.Second)
	}
	var last throttle.Attempt
	for range 4 {
		last, _, _ = l.Take("k")
		c.pass(time.Second)
	}
	if !last.Locked() {
		t.Fatal("the fourth failure did not lock")
	}
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("not locked")
	}
	l.Refund(last)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("giving back the attempt that locked did not lift the lock")
	}
	l.Take("k")
	if ok, _ := l.Allow("k"); ok {
		t.Fatal("three failures and one more did not lock again")
	}
}
