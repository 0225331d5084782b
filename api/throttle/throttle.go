// Package throttle slows down guessing: it counts failed attempts per key
// (an account, an address) in a sliding window and locks a key out for a
// while once it has failed too often. An attempt counts from the moment it
// is taken, so attempts made at once are limited as strictly as attempts
// made one after another. Its memory is bounded whatever the number of
// keys a caller makes up.
//
// A Limiter lives in one process: servers sharing a store each count on
// their own, so a guesser spread over n servers gets n times the attempts.
package throttle

import (
	"sync"
	"time"
)

// Config sets a Limiter's rules.
type Config struct {
	Max     int           // failures allowed within Window; one more locks the key
	Window  time.Duration // how far back failures count
	Lockout time.Duration // how long a key stays locked
	MaxKeys int           // the most keys remembered at once
}

// Limiter is safe for concurrent use.
type Limiter struct {
	cfg  Config
	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	fails       []time.Time // the failures within the window, oldest first, at most Max+1
	lockedUntil time.Time
}

// New returns a Limiter with cfg and the clock now (time.Now when nil).
func New(cfg Config, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{cfg: cfg, now: now, keys: map[string]*entry{}}
}

// Attempt is an attempt that Take let go ahead, counted as a failure until
// it is given back.
type Attempt struct {
	key    string
	at     time.Time
	locked bool // the attempt locked its key
}

// Locked reports whether it was this attempt that locked its key: the one
// past Max within Window, which was let through and locks the next ones.
func (a Attempt) Locked() bool { return a.locked }

// Take lets an attempt for key go ahead unless key is locked (then it
// returns false and how long until it is not). The attempt counts as a
// failure from now on, before its outcome is known, so that attempts made
// at once cannot all go ahead while the first ones are still being
// checked; one that did not fail is given back with Refund.
func (l *Limiter) Take(key string) (Attempt, bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.keys[key]
	if e == nil {
		l.makeRoom(now)
		e = &entry{}
		l.keys[key] = e
	}
	if wait := e.lockedUntil.Sub(now); wait > 0 {
		return Attempt{}, false, wait
	}
	a := Attempt{key: key, at: now}
	e.fails = append(recent(e.fails, now.Add(-l.cfg.Window)), now)
	if len(e.fails) > l.cfg.Max {
		// The failures that lock are older than the window by the time the
		// lock ends, so they need not be forgotten now.
		e.lockedUntil = now.Add(l.cfg.Lockout)
		a.locked = true
	}
	return a, true, 0
}

// Refund gives an attempt back: it no longer counts, and a lock it made is
// lifted.
func (l *Limiter) Refund(a Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[a.key]
	if e == nil {
		return
	}
	for i := len(e.fails) - 1; i >= 0; i-- {
		if e.fails[i].Equal(a.at) {
			e.fails = append(e.fails[:i], e.fails[i+1:]...)
			break
		}
	}
	if a.locked && e.lockedUntil.Equal(a.at.Add(l.cfg.Lockout)) {
		e.lockedUntil = time.Time{}
	}
}

// Succeed forgets key's failures: a successful attempt starts afresh. A
// lock stays until it ends.
func (l *Limiter) Succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e := l.keys[key]; e != nil && !e.lockedUntil.After(l.now()) {
		delete(l.keys, key)
	}
}

// recent drops the failures before since.
func recent(fails []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(fails) && fails[i].Before(since) {
		i++
	}
	return append(fails[:0], fails[i:]...)
}

// makeRoom keeps the number of keys under MaxKeys: it forgets the keys with
// nothing left to remember; when every key still counts, keys that are not
// locked (so that making up keys does not unlock one); and when every key
// is locked, the one whose lock ends first.
func (l *Limiter) makeRoom(now time.Time) {
	if len(l.keys) < l.cfg.MaxKeys {
		return
	}
	since := now.Add(-l.cfg.Window)
	for k, e := range l.keys {
		if !e.lockedUntil.After(now) && len(recent(e.fails, since)) == 0 {
			delete(l.keys, k)
		}
	}
	for k, e := range l.keys {
		if len(l.keys) < l.cfg.MaxKeys {
			return
		}
		if !e.lockedUntil.After(now) {
			delete(l.keys, k)
		}
	}
	for len(l.keys) >= l.cfg.MaxKeys {
		first := ""
		for k, e := range l.keys {
			if first == "" || e.lockedUntil.Before(l.keys[first].lockedUntil) {
				first = k
			}
		}
		delete(l.keys, first)
	}
}

// Lockout is how long a lock lasts.
func (l *Limiter) Lockout() time.Duration { return l.cfg.Lockout }

// Len returns how many keys the limiter remembers.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
