package engine

import (
	"context"
	"fmt"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// The engine's system collections. Entity names start with a letter, so
// these can never clash with an entity's collection.
const (
	collEntities    = "_entities"       // current definitions: id = entity name
	collDefHistory  = "_entity_history" // every saved version of every definition
	collIdempotency = "_idempotency"    // responses kept for Idempotency-Key replays
)

func (e *Engine) ensureSystem(ctx context.Context) error {
	for _, c := range []struct {
		name string
		idx  []store.Index
	}{
		{collEntities, nil},
		{collRoles, nil},
		{collLayouts, nil},
		{collCalendars, nil},
		{collLayoutDrafts, nil},
		{collViews, []store.Index{{Name: "i_entity", Fields: []string{"entity"}}}},
		{collDefHistory, []store.Index{{Name: "i_entity", Fields: []string{"entity"}}}},
		{collIdempotency, []store.Index{{Name: "i_created_at", Fields: []string{"created_at"}}}},
		// The log is listed by id, which orders entries by time (entryIDs).
		{collAudit, []store.Index{{Name: "i_record", Fields: []string{"entity", "record"}},
			{Name: "i_actor", Fields: []string{"actor"}}}},
	} {
		if err := e.st.EnsureCollection(ctx, c.name, c.idx); err != nil {
			return fmt.Errorf("engine: system collection %s: %w", c.name, err)
		}
	}
	return nil
}

func queryAll() query.Query { return query.Query{Sort: []query.Sort{{Field: "id"}}} }
