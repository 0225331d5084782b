package throttle_test

import (
	"fmt"
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
