package mongo

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/morphcrm/morph/engine/store"
)

// isDuplicate reports a unique index violation. FerretDB v1 reports one met
// during an update as an internal error carrying SQLite's message.
func isDuplicate(err error) bool {
	return err != nil && (mongo.IsDuplicateKeyError(err) || strings.Contains(err.Error(), "UNIQUE constraint failed"))
}

// dupIndexRE finds the index in MongoDB's E11000 message,
// "E11000 duplicate key error collection: db.c_x index: x_email dup key: { … }",
// or in DocumentDB's, "Duplicate key violation on the requested collection: Index 'x_email'".
var dupIndexRE = regexp.MustCompile(`index: ([A-Za-z0-9_]+)|Index '([A-Za-z0-9_]+)'`)

// dupIndexName is the MongoDB name of the index a duplicate key error
// message names, "" when it names none.
func dupIndexName(msg string) string {
	if m := dupIndexRE.FindStringSubmatch(msg); m != nil {
		return m[1] + m[2]
	}
	return ""
}

// duplicate turns the duplicate key error met writing rec into
// store.ErrDuplicateID or a *store.UniqueError. MongoDB and DocumentDB name
// the index in their messages; FerretDB v1 does not, so there the record's id (for an
// insert) and its values in each unique index are looked up instead.
func (s *Store) duplicate(ctx context.Context, name string, c *mongo.Collection, rec store.Record, msg string, insert bool) error {
	if iname := dupIndexName(msg); iname != "" {
		if iname == "_id_" {
			return store.ErrDuplicateID
		}
		ue := &store.UniqueError{Collection: name, Index: strings.TrimPrefix(iname, indexPrefix)}
		for _, reload := range []bool{false, true} {
			specs, err := s.uniqueIndexes(ctx, name, reload)
			if err != nil {
				break
			}
			if ix, ok := specs[iname]; ok {
				ue.Index, ue.Fields = ix.Name, ix.Fields
				break
			}
		}
		return ue
	}
	if insert {
		n, err := c.CountDocuments(ctx, bson.D{{Key: "_id", Value: rec.ID}})
		if err != nil {
			return fmt.Errorf("mongo: %s: %w", name, err)
		}
		if n > 0 {
			return store.ErrDuplicateID
		}
	}
	specs, err := s.uniqueIndexes(ctx, name, false)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, iname := range names {
		ix := specs[iname]
		f := bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: rec.ID}}}}
		complete := true
		for _, p := range ix.Fields {
			var v any
			switch p {
			case "id":
				v = rec.ID
			case "version":
				v = rec.Version
			default:
				v = store.Lookup(rec.Data, p)
			}
			if v == nil {
				complete = false
				break
			}
			fp, _ := field(p)
			f = append(f, bson.E{Key: fp, Value: v})
		}
		if !complete {
			continue
		}
		n, err := c.CountDocuments(ctx, f)
		if err != nil {
			return fmt.Errorf("mongo: %s: %w", name, err)
		}
		if n > 0 {
			return &store.UniqueError{Collection: name, Index: ix.Name, Fields: ix.Fields}
		}
	}
	return &store.UniqueError{Collection: name}
}
