package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/morphcrm/morph/engine/store"
)

// Update applies a partial change to a record: a JSON merge patch (RFC
// 7396), so object values (json and currency fields) merge member by member
// and a null removes a value, at any depth. Normalisation and validation
// run on the merged record. With ifVersion > 0 the record must still be at that version,
// or the update is refused with EVersion. Without it, a concurrent change is
// merged: the engine re-reads the record and applies the patch again, so two
// updates of different fields never lose one another.
func (e *Engine) Update(ctx context.Context, actor Actor, entity, id string, patch map[string]any, ifVersion int64) (Record, error) {
	ce, err := e.entity(entity)
	if err != nil {
		return Record{}, err
	}
	_, ownerIn, pre := takeInput(ce, patch, false)
	var owner string
	if ownerIn != nil {
		o, ferr := checkOwner(ownerIn)
		if ferr != nil {
			pre = append(pre, *ferr)
		}
		owner = o
	}
	changedRel := map[string]bool{}
	for _, f := range ce.relations {
		if v, ok := patch[f.Name]; ok && v != nil {
			changedRel[f.Name] = true
		}
	}

	for attempt := 0; ; attempt++ {
		old, err := e.st.Get(ctx, entity, id)
		if err != nil {
			return Record{}, storeError(ce, err)
		}
		if ifVersion > 0 && old.Version != ifVersion {
			return Record{}, storeError(ce, store.ErrConflict)
		}
		data, retired := userData(ce, old.Data)
		mergeFields(data, patch)
		w := &Write{Entity: entity, Actor: actor, Data: data, Old: &old}
		if err := e.prepare(ctx, ce, w, pre); err != nil {
			return Record{}, err
		}
		if len(changedRel) > 0 && attempt == 0 {
			relErrs, err := e.checkRelations(ctx, ce, []map[string]any{w.Data}, changedRel)
			if err != nil {
				return Record{}, err
			}
			if relErrs != nil {
				return Record{}, relationError(relErrs[0])
			}
		}
		for _, k := range []string{"created_at", "created_by", "owner"} {
			if v, ok := old.Data[k]; ok && (k != "owner" || ce.Field("owner") == nil) {
				w.Data[k] = v
			}
		}
		if owner != "" {
			w.Data["owner"] = owner
		}
		for k, v := range retired {
			if _, set := w.Data[k]; !set {
				w.Data[k] = v
			}
		}
		now := e.now()
		w.Data["updated_at"], w.Data["updated_by"] = now, actor.ID
		rec := Record{ID: id, Version: old.Version + 1, Data: w.Data}
		err = e.st.Update(ctx, entity, rec, e.recordEntry(actor, AuditUpdate, entity, id, rec.Version, now, old.Data, rec.Data))
		if errors.Is(err, store.ErrConflict) && ifVersion == 0 && attempt < e.opts.MaxRetries {
			if err := backoff(ctx, attempt); err != nil {
				return Record{}, storeError(ce, err)
			}
			continue
		}
		if err != nil {
			return Record{}, storeError(ce, err)
		}
		e.publish(ctx, Event{Type: Updated, Entity: entity, Record: rec, Old: old, Actor: actor})
		return rec, nil
	}
}

// Delete removes a record. With ifVersion > 0 the record must still be at
// that version.
func (e *Engine) Delete(ctx context.Context, actor Actor, entity, id string, ifVersion int64) error {
	ce, err := e.entity(entity)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		old, err := e.st.Get(ctx, entity, id)
		if err != nil {
			return storeError(ce, err)
		}
		if ifVersion > 0 && old.Version != ifVersion {
			return storeError(ce, store.ErrConflict)
		}
		err = e.st.Delete(ctx, entity, id, old.Version, e.recordEntry(actor, AuditDelete, entity, id, old.Version, e.now(), old.Data, nil))
		if errors.Is(err, store.ErrConflict) && ifVersion == 0 && attempt < e.opts.MaxRetries {
			if err := backoff(ctx, attempt); err != nil {
				return storeError(ce, err)
			}
			continue
		}
		if err != nil {
			return storeError(ce, err)
		}
		e.publish(ctx, Event{Type: Deleted, Entity: entity, Record: old, Actor: actor})
		return nil
	}
}

// backoff waits a little before a retry after a concurrent change, longer
// with each attempt and with jitter, so contending writers spread out.
func backoff(ctx context.Context, attempt int) error {
	d := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
