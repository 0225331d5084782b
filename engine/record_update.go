package engine

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
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
	g := e.Catalog().grantsFor(actor, ce)
	scope, all, err := e.scopeFilter(actor, ce, g, g.update)
	if err != nil {
		return Record{}, err
	}
	// The fields to check against the actor's rights, owner included
	// (takeInput takes it out of the patch).
	sent := make(map[string]any, len(patch))
	for k, v := range patch {
		sent[k] = v
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
		old, err := e.getIn(ctx, ce, id, scope, all)
		if err != nil {
			return Record{}, e.notReached(ctx, actor, ce, id, "change", err)
		}
		if ifVersion > 0 && old.Version != ifVersion {
			return Record{}, storeError(ce, store.ErrConflict)
		}
		if attempt == 0 && !g.everything {
			if err := checkEditable(g, sent, old.Data); err != nil {
				return Record{}, err
			}
			for k := range patch {
				if _, kept := sent[k]; !kept {
					delete(patch, k) // a masked value sent back as shown: not an edit
				}
			}
			if _, kept := sent["owner"]; !kept && ownerIn != nil {
				owner = ""
			}
		}
		data, retired := userData(ce, old.Data)
		mergeFields(data, patch)
		w := &Write{Entity: entity, Actor: actor, Data: data, Old: &old, owner: owner}
		if err := e.prepare(ctx, ce, w, pre); err != nil {
			return Record{}, err
		}
		if attempt == 0 {
			// A relation sent back as it is stored is no change: it is
			// not checked again (its target may since have left the
			// writer's sight, and resending a whole form must still work).
			for name := range changedRel {
				if reflect.DeepEqual(patch[name], old.Data[name]) {
					delete(changedRel, name)
				}
			}
		}
		if len(changedRel) > 0 && attempt == 0 {
			relErrs, err := e.checkRelations(ctx, actor, ce, []map[string]any{w.Data}, changedRel)
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
		err = e.st.Update(ctx, entity, rec, e.recordEntry(actor, AuditUpdate, entity, id, rec.Version, now, old.Data, rec.Data, w))
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
		g.out(rec.Data)
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
	g := e.Catalog().grantsFor(actor, ce)
	scope, all, err := e.scopeFilter(actor, ce, g, g.delete)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		old, err := e.getIn(ctx, ce, id, scope, all)
		if err != nil {
			return e.notReached(ctx, actor, ce, id, "delete", err)
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

// notReached explains why a record the actor wanted to change or delete
// was not among those the operation's scope reaches: 403 when the actor
// may read it (it exists, and they know it), 404 otherwise.
func (e *Engine) notReached(ctx context.Context, actor Actor, ce *compiled, id, op string, err error) error {
	if !errors.Is(err, store.ErrNotFound) || actor.IsAdmin() {
		return storeError(ce, err)
	}
	r, rerr := e.readableOf(actor, ce)
	if rerr != nil {
		return rerr
	}
	if _, gerr := e.getIn(ctx, ce, id, r.filter, r.all); gerr == nil {
		return errRecordForbidden(op)
	}
	return storeError(ce, err)
}
