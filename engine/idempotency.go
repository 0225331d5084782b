package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// An Idempotency-Key is claimed by a record in _idempotency. A running
// claim names the process holding it (instance, an id drawn when the engine
// starts), the claim itself (token) and when it lapses (until). A claim
// whose request is no longer running is dead and the next request with the
// key takes it over: at once when it was held by this process, since this
// process knows which of its claims are in flight; when its lease has ended
// when it was held by another process, which may have crashed or may share
// the store and still be working. Taking over is a version-guarded update,
// so of two requests finding the same dead claim only one gets it.

// A Replay is a response kept for an Idempotency-Key.
type Replay struct {
	Status int
	Body   string
	// Header holds the response headers worth replaying (ETag, Location …).
	Header map[string]string
}

// A Claim is an Idempotency-Key held by a running request.
type Claim struct {
	id, token, fingerprint, created string
	version                         int64
}

// KeyBusy is the cause of the EConflict error of BeginIdempotent when the
// key is held by a request still running: RetryAfter is when its claim
// lapses at the latest.
type KeyBusy struct{ RetryAfter time.Duration }

func (k *KeyBusy) Error() string {
	return fmt.Sprintf("idempotency key held by a running request; retry after %s", k.RetryAfter)
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// BeginIdempotent claims an Idempotency-Key for a request for lease (a
// little longer than the request may take). scope identifies the caller and
// the route; fingerprint the request body. It returns a Replay when the key
// was used before for the same request, an EConflict error (with a *KeyBusy
// cause) when a request with the key is still running, and an
// EUnprocessable error when the key was used for a different request.
// Otherwise it returns the claim: the caller runs the request and then calls
// FinishIdempotent, or AbortIdempotent when it failed in a way worth
// retrying.
func (e *Engine) BeginIdempotent(ctx context.Context, scope, key string, fingerprint []byte, lease time.Duration) (*Claim, *Replay, error) {
	if len(key) == 0 || len(key) > MaxIdempotencyKey {
		return nil, nil, morph.Invalid(morph.FieldError{Path: "Idempotency-Key", Code: "length",
			Text: morph.T("Idempotency-Key must be 1 to %d characters", "Idempotency-Key 长度须为 1 到 %d 个字符", MaxIdempotencyKey)})
	}
	sum := sha256.Sum256(fingerprint)
	c := &Claim{id: idempotencyID(scope, key), token: newToken(), fingerprint: hex.EncodeToString(sum[:]), created: e.now()}
	for attempt := 0; attempt < 10; attempt++ {
		c.version = 1
		err := e.st.Insert(ctx, collIdempotency, store.Record{ID: c.id, Version: 1, Data: e.running(c, lease)})
		if err == nil {
			return e.hold(c), nil, nil
		}
		if !errors.Is(err, store.ErrDuplicateID) {
			return nil, nil, storeFailure("idempotency key", err)
		}
		rec, err := e.st.Get(ctx, collIdempotency, c.id)
		if errors.Is(err, store.ErrNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, nil, fmt.Errorf("engine: idempotency key: %w", err)
		}
		if rec.Data["fingerprint"] != c.fingerprint {
			return nil, nil, morph.Errorf(morph.EUnprocessable, "This Idempotency-Key was used for a different request",
				"该 Idempotency-Key 已用于另一个不同的请求")
		}
		if rec.Data["state"] == "done" {
			return nil, replayOf(rec), nil
		}
		if wait, live := e.claimLive(rec); live {
			return nil, nil, &morph.Error{Code: morph.EConflict, Err: &KeyBusy{RetryAfter: wait},
				Text: morph.T("A request with this Idempotency-Key is still being processed", "使用该 Idempotency-Key 的请求仍在处理中")}
		}
		c.version = rec.Version + 1
		err = e.st.Update(ctx, collIdempotency, store.Record{ID: c.id, Version: c.version, Data: e.running(c, lease)})
		if err == nil {
			e.log.Info("idempotency key taken over from a request that is no longer running", "key", c.id)
			return e.hold(c), nil, nil
		}
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrNotFound) {
			return nil, nil, storeFailure("idempotency key", err)
		}
		// Another request took the claim over or released it: look again.
	}
	return nil, nil, morph.Errorf(morph.EConflict, "A request with this Idempotency-Key is still being processed",
		"使用该 Idempotency-Key 的请求仍在处理中")
}

// running is the stored form of a running claim.
func (e *Engine) running(c *Claim, lease time.Duration) map[string]any {
	return map[string]any{"fingerprint": c.fingerprint, "state": "running", "created_at": c.created,
		"instance": e.instance, "token": c.token, "until": FormatTime(e.opts.Now().Add(lease))}
}

// claimLive reports whether a running claim's request may still be running,
// and how long until its lease ends.
func (e *Engine) claimLive(rec Record) (time.Duration, bool) {
	if rec.Data["instance"] == e.instance {
		token, _ := rec.Data["token"].(string)
		e.claimMu.Lock()
		held := e.claims[token]
		e.claimMu.Unlock()
		if !held {
			return 0, false
		}
	}
	until, _ := rec.Data["until"].(string)
	end, err := time.Parse(time.RFC3339Nano, until)
	if err != nil { // a claim without a lease: written before claims had one
		return 0, false
	}
	wait := end.Sub(e.opts.Now())
	return wait, wait > 0
}

func (e *Engine) hold(c *Claim) *Claim {
	e.claimMu.Lock()
	e.claims[c.token] = true
	e.claimMu.Unlock()
	return c
}

func (e *Engine) release(c *Claim) {
	e.claimMu.Lock()
	delete(e.claims, c.token)
	e.claimMu.Unlock()
}

func replayOf(rec Record) *Replay {
	status, _ := rec.Data["status"].(float64)
	body, _ := rec.Data["body"].(string)
	r := &Replay{Status: int(status), Body: body}
	if h, ok := rec.Data["header"].(map[string]any); ok {
		r.Header = make(map[string]string, len(h))
		for k, v := range h {
			if s, ok := v.(string); ok {
				r.Header[k] = s
			}
		}
	}
	return r
}

// FinishIdempotent keeps the response of a claimed request for later
// replays. It fails with store.ErrConflict when the claim is no longer held
// (its lease ended and another request took it over). When the store fails
// otherwise the claim stays until its lease ends: the request's work is
// done, so it must not run again at once.
func (e *Engine) FinishIdempotent(ctx context.Context, c *Claim, r Replay) error {
	header := make(map[string]any, len(r.Header))
	for k, v := range r.Header {
		header[k] = v
	}
	err := e.st.Update(ctx, collIdempotency, store.Record{ID: c.id, Version: c.version + 1, Data: map[string]any{
		"fingerprint": c.fingerprint, "state": "done", "created_at": c.created,
		"status": float64(r.Status), "body": r.Body, "header": header}})
	if errors.Is(err, store.ErrNotFound) {
		err = store.ErrConflict
	}
	if err == nil || errors.Is(err, store.ErrConflict) {
		e.release(c)
	}
	if err != nil {
		return fmt.Errorf("engine: idempotency key: %w", err)
	}
	return nil
}

// AbortIdempotent releases a claimed key so the request can be retried.
// A claim another request has taken over is left alone.
func (e *Engine) AbortIdempotent(ctx context.Context, c *Claim) error {
	defer e.release(c)
	err := e.st.Delete(ctx, collIdempotency, c.id, c.version)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("engine: idempotency key: %w", err)
	}
	return nil
}

func idempotencyID(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return hex.EncodeToString(sum[:16])
}

// newToken returns a random identifier (of an engine instance, of a claim).
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// PruneIdempotency forgets the responses kept for Idempotency-Keys older
// than age, in bounded batches, and returns how many it removed. The server
// calls it periodically so the kept responses do not grow without bound.
func (e *Engine) PruneIdempotency(ctx context.Context, age time.Duration) (int, error) {
	cutoff := FormatTime(e.opts.Now().Add(-age))
	removed := 0
	for {
		old, err := e.st.Find(ctx, collIdempotency, query.Query{
			Filter: query.Cmp{Field: "created_at", Op: query.Lt, Value: cutoff}, Limit: 500})
		if err != nil {
			return removed, fmt.Errorf("engine: prune idempotency keys: %w", err)
		}
		for _, r := range old {
			if err := e.st.Delete(ctx, collIdempotency, r.ID, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
				return removed, fmt.Errorf("engine: prune idempotency keys: %w", err)
			}
			removed++
		}
		if len(old) < 500 {
			return removed, nil
		}
	}
}
