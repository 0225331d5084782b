package throttle

import "time"

// Allow reports whether an attempt for key may go ahead now, and when it
// may not, how long until it may: Take without taking, for the tests.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		return true, 0
	}
	if wait := e.lockedUntil.Sub(l.now()); wait > 0 {
		return false, wait
	}
	return true, 0
}

// Fail records a failed attempt for key (an attempt taken and kept) and
// returns how long the key is now locked (0 when it is not). While key is
// locked it records nothing.
func (l *Limiter) Fail(key string) time.Duration {
	a, ok, wait := l.Take(key)
	switch {
	case !ok:
		return wait
	case a.locked:
		return l.cfg.Lockout
	}
	return 0
}
