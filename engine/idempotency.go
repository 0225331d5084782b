package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// A Replay is a response kept for an Idempotency-Key.
type Replay struct {
	Status int
	Body   string
}

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 255

// BeginIdempotent claims an Idempotency-Key for a request. scope identifies
// the caller and the route; fingerprint the request body. It returns a
// Replay when the key was used before for the same request, an EConflict
// error when a request with the key is still running, and an EUnprocessable
// error when the key was used for a different request. Otherwise the caller
// runs the request and then calls FinishIdempotent (or AbortIdempotent when
// it failed in a way worth retrying).
func (e *Engine) BeginIdempotent(ctx context.Context, scope, key string, fingerprint []byte) (*Replay, error) {
	if len(key) == 0 || len(key) > MaxIdempotencyKey {
		return nil, morph.Invalid(morph.FieldError{Path: "Idempotency-Key", Code: "length",
			Text: morph.T("Idempotency-Key must be 1 to %d characters", "Idempotency-Key 长度须为 1 到 %d 个字符", MaxIdempotencyKey)})
	}
	id := idempotencyID(scope, key)
	sum := sha256.Sum256(fingerprint)
	fp := hex.EncodeToString(sum[:])
	err := e.st.Insert(ctx, collIdempotency, store.Record{ID: id, Version: 1,
		Data: map[string]any{"fingerprint": fp, "state": "running", "created_at": e.now()}})
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, store.ErrDuplicateID) {
		return nil, fmt.Errorf("engine: idempotency key: %w", err)
	}
	rec, err := e.st.Get(ctx, collIdempotency, id)
	if errors.Is(err, store.ErrNotFound) {
		return e.BeginIdempotent(ctx, scope, key, fingerprint) // aborted meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("engine: idempotency key: %w", err)
	}
	if rec.Data["fingerprint"] != fp {
		return nil, morph.Errorf(morph.EUnprocessable, "This Idempotency-Key was used for a different request",
			"该 Idempotency-Key 已用于另一个不同的请求")
	}
	if rec.Data["state"] != "done" {
		return nil, morph.Errorf(morph.EConflict, "A request with this Idempotency-Key is still being processed",
			"使用该 Idempotency-Key 的请求仍在处理中")
	}
	status, _ := rec.Data["status"].(float64)
	body, _ := rec.Data["body"].(string)
	return &Replay{Status: int(status), Body: body}, nil
}

// FinishIdempotent keeps the response of a request for later replays.
func (e *Engine) FinishIdempotent(ctx context.Context, scope, key string, status int, body []byte) error {
	id := idempotencyID(scope, key)
	rec, err := e.st.Get(ctx, collIdempotency, id)
	if err != nil {
		return fmt.Errorf("engine: idempotency key: %w", err)
	}
	rec.Data["state"], rec.Data["status"], rec.Data["body"] = "done", float64(status), string(body)
	rec.Version++
	return e.st.Update(ctx, collIdempotency, rec)
}

// AbortIdempotent releases a claimed key so the request can be retried.
func (e *Engine) AbortIdempotent(ctx context.Context, scope, key string) error {
	err := e.st.Delete(ctx, collIdempotency, idempotencyID(scope, key), 0)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func idempotencyID(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return hex.EncodeToString(sum[:16])
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
