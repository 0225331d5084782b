package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/morphcrm/morph/engine/store"
)

// serverIndex is an index as the server lists it.
type serverIndex struct {
	ix      store.Index // the store's view: without the trailing id of a non-unique index
	keys    bson.D      // the key document, as listed
	partial bool        // it has a partialFilterExpression
}

// indexKeys is the key document of an index: its fields in their
// directions, then, for a non-unique index, the id in the direction of the
// last field (unless the index holds the id already), as store.Index asks.
func indexKeys(ix store.Index) bson.D {
	keys := make(bson.D, 0, len(ix.Fields)+1)
	hasID := false
	for i, f := range ix.Fields {
		fp, _ := field(f)
		hasID = hasID || fp == "_id"
		dir := int32(1)
		if ix.Descending(i) {
			dir = -1
		}
		keys = append(keys, bson.E{Key: fp, Value: dir})
	}
	if !ix.Unique && !hasID && len(keys) > 0 {
		keys = append(keys, bson.E{Key: "_id", Value: keys[len(keys)-1].Value})
	}
	return keys
}

// listIndexes returns the collection's own indexes (those named with
// indexPrefix) by name.
func listIndexes(ctx context.Context, c *mongo.Collection) (map[string]serverIndex, error) {
	cur, err := c.Indexes().List(ctx)
	if err != nil {
		return nil, err
	}
	var specs []bson.D
	if err := cur.All(ctx, &specs); err != nil {
		return nil, err
	}
	out := map[string]serverIndex{}
	for _, spec := range specs {
		var si serverIndex
		var iname string
		for _, e := range spec {
			switch e.Key {
			case "name":
				iname, _ = e.Value.(string)
			case "unique":
				si.ix.Unique, _ = e.Value.(bool)
			case "partialFilterExpression":
				si.partial = true
			case "key":
				si.keys, _ = e.Value.(bson.D)
			}
		}
		if !strings.HasPrefix(iname, indexPrefix) {
			continue
		}
		si.ix.Name = strings.TrimPrefix(iname, indexPrefix)
		keys := si.keys
		if n := len(keys); !si.ix.Unique && n > 1 && keys[n-1].Key == "_id" {
			keys = keys[:n-1]
		}
		for i, k := range keys {
			si.ix.Fields = append(si.ix.Fields, path(k.Key))
			if direction(k.Value) < 0 {
				for len(si.ix.Desc) < i {
					si.ix.Desc = append(si.ix.Desc, false)
				}
				si.ix.Desc = append(si.ix.Desc, true)
			}
		}
		out[iname] = si
	}
	return out, nil
}

// direction is the sign of a key's value as listed (1, -1, as any number
// type); 0 for other kinds of index ("text", "2dsphere", …).
func direction(v any) int {
	var f float64
	switch x := v.(type) {
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case float64:
		f = x
	}
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// sameIndex reports whether an index on the server is the one ix asks for:
// the same keys in the same directions (the trailing id included) and the
// same uniqueness, a unique one partial where the server takes partial
// indexes. Any other index of the name is rebuilt.
func (s *Store) sameIndex(have serverIndex, ix store.Index) bool {
	want := indexKeys(ix)
	if have.ix.Unique != ix.Unique || len(have.keys) != len(want) {
		return false
	}
	if ix.Unique && have.partial != s.partialIndexes() {
		return false
	}
	for i := range want {
		if have.keys[i].Key != want[i].Key || direction(have.keys[i].Value) != direction(want[i].Value) {
			return false
		}
	}
	return true
}

// partialIndexes reports whether the server takes partialFilterExpression.
func (s *Store) partialIndexes() bool { return s.server != ferretV1 }

// createIndex creates one index. A unique index covers only records that
// have every indexed field, so records without a value never clash. FerretDB
// v1 takes no partial indexes; there a plain unique index already lets
// missing values through.
func (s *Store) createIndex(ctx context.Context, c *mongo.Collection, iname string, ix store.Index) error {
	keys := indexKeys(ix)
	opts := options.Index().SetName(iname)
	if ix.Unique {
		opts.SetUnique(true)
		if s.partialIndexes() {
			pf := bson.D{}
			for _, k := range keys {
				pf = append(pf, bson.E{Key: k.Key, Value: bson.D{{Key: "$exists", Value: true}}})
			}
			opts.SetPartialFilterExpression(pf)
		}
	}
	_, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys, Options: opts})
	return err
}

// isIndexBuildClash reports the error DocumentDB gives for a unique index
// built over duplicate values: not E11000 but an InternalError (code 1)
// carrying PostgreSQL's message, as the index is an exclusion constraint
// there.
func (s *Store) isIndexBuildClash(err error, ix store.Index) bool {
	var ce mongo.CommandError
	return s.server == documentDB && ix.Unique && errors.As(err, &ce) && ce.Code == 1 &&
		strings.HasPrefix(ce.Message, "could not create exclusion constraint")
}

// uniqueIndexes returns the collection's unique indexes by MongoDB name:
// those of the last EnsureCollection, or the server's when this process has
// made none for the collection or reload is set (another instance may have
// changed them).
func (s *Store) uniqueIndexes(ctx context.Context, name string, reload bool) (map[string]store.Index, error) {
	s.mu.RLock()
	specs, known := s.indexes[name]
	s.mu.RUnlock()
	if !known || reload {
		c, err := s.coll(name)
		if err != nil {
			return nil, err
		}
		have, err := listIndexes(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("mongo: list indexes of %s: %w", name, err)
		}
		specs = make(map[string]store.Index, len(have))
		for iname, si := range have {
			specs[iname] = si.ix
		}
		s.mu.Lock()
		s.indexes[name] = specs
		s.mu.Unlock()
	}
	out := map[string]store.Index{}
	for iname, ix := range specs {
		if ix.Unique {
			out[iname] = ix
		}
	}
	return out, nil
}
