// Package mongo is the MongoDB store, on the official driver: one
// collection per store collection, documents {_id, _v, ...fields}.
//
// It keeps to what MongoDB and FerretDB v1 both support: no transactions,
// no $lookup, $facet, $expr or $avg. Every write is one document guarded by
// its version, so none needs a transaction.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/bson/primitive"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"go.mongodb.org/mongo-driver/mongo/readpref"
	"go.mongodb.org/mongo-driver/x/mongo/driver/connstring"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Store implements store.Store on a MongoDB database.
type Store struct {
	client *mongo.Client
	db     *mongo.Database

	mu      sync.RWMutex
	indexes map[string]map[string]store.Index // collection → index name → index
	partial bool                              // the server takes partialFilterExpression
	aggInGo bool                              // the server lacks $min/$max in $group: aggregate here

	// FerretDB v1 applies an update as a query followed by a write of each
	// matching document, so a filter on the version does not make an update
	// atomic there. On such a server a guarded write first claims the version
	// it replaces with a unique insert: only one writer can hold the claim.
	claims bool
}

var _ store.Store = (*Store)(nil)

var collRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the MongoDB server of a URI such as
// mongodb://host:27017/morph; the database is the URI's path ("morph" when
// it has none).
func Open(ctx context.Context, uri string) (*Store, error) {
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		return nil, fmt.Errorf("mongo: %w", err)
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = "morph"
	}
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		client.Disconnect(context.Background())
		return nil, fmt.Errorf("mongo: %s does not answer: %w", cs.Hosts, err)
	}
	s := &Store{client: client, db: client.Database(dbName), indexes: map[string]map[string]store.Index{}, partial: true}
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err == nil {
		_, s.claims = info["ferretdbVersion"]
	}
	return s, nil
}

// Close disconnects from the server.
func (s *Store) Close() error { return s.client.Disconnect(context.Background()) }

func (s *Store) coll(name string) (*mongo.Collection, error) {
	if !collRE.MatchString(name) {
		return nil, fmt.Errorf("%w: collection name %q", store.ErrInvalid, name)
	}
	return s.db.Collection("c_" + name), nil
}

func field(path string) (string, error) {
	switch path {
	case "id":
		return "_id", nil
	case "version":
		return "_v", nil
	}
	if !query.ValidPath(path) {
		return "", fmt.Errorf("%w: field path %q", store.ErrInvalid, path)
	}
	return path, nil
}

const indexPrefix = "x_"

// EnsureCollection creates the collection and makes its indexes exactly idx.
func (s *Store) EnsureCollection(ctx context.Context, name string, idx []store.Index) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: c.Name()}})
	if err != nil {
		return fmt.Errorf("mongo: list collections: %w", err)
	}
	if len(names) == 0 {
		if err := s.db.CreateCollection(ctx, c.Name()); err != nil && !isNamespaceExists(err) {
			return fmt.Errorf("mongo: create %s: %w", name, err)
		}
	}
	want := map[string]store.Index{}
	for _, ix := range idx {
		if !collRE.MatchString(ix.Name) || len(ix.Fields) == 0 {
			return fmt.Errorf("%w: index %q", store.ErrInvalid, ix.Name)
		}
		for _, f := range ix.Fields {
			if _, err := field(f); err != nil {
				return err
			}
		}
		want[indexPrefix+ix.Name] = ix
	}
	cur, err := c.Indexes().List(ctx)
	if err != nil {
		return fmt.Errorf("mongo: list indexes of %s: %w", name, err)
	}
	var have []bson.M
	if err := cur.All(ctx, &have); err != nil {
		return fmt.Errorf("mongo: list indexes of %s: %w", name, err)
	}
	existing := map[string]bool{}
	for _, h := range have {
		iname, _ := h["name"].(string)
		if !strings.HasPrefix(iname, indexPrefix) {
			continue
		}
		ix, ok := want[iname]
		if ok && sameIndex(h, ix) {
			existing[iname] = true
			continue
		}
		if _, err := c.Indexes().DropOne(ctx, iname); err != nil {
			return fmt.Errorf("mongo: drop index %s: %w", iname, err)
		}
	}
	for iname, ix := range want {
		if existing[iname] {
			continue
		}
		if err := s.createIndex(ctx, c, iname, ix); err != nil {
			if isDuplicate(err) {
				return &store.UniqueError{Collection: name, Index: ix.Name, Fields: ix.Fields}
			}
			return fmt.Errorf("mongo: create index %s: %w", iname, err)
		}
	}
	s.mu.Lock()
	specs := map[string]store.Index{}
	for k, v := range want {
		specs[k] = v
	}
	s.indexes[name] = specs
	s.mu.Unlock()
	return nil
}

// createIndex creates one index. A unique index covers only records that
// have the field, so records without a value never clash; servers that do
// not take partial indexes (FerretDB v1) already treat missing values as
// distinct in unique indexes.
func (s *Store) createIndex(ctx context.Context, c *mongo.Collection, iname string, ix store.Index) error {
	keys := bson.D{}
	for _, f := range ix.Fields {
		fp, _ := field(f)
		keys = append(keys, bson.E{Key: fp, Value: 1})
	}
	opts := options.Index().SetName(iname)
	if ix.Unique {
		opts.SetUnique(true)
		s.mu.RLock()
		partial := s.partial
		s.mu.RUnlock()
		if partial {
			pf := bson.D{}
			for _, f := range ix.Fields {
				fp, _ := field(f)
				pf = append(pf, bson.E{Key: fp, Value: bson.D{{Key: "$exists", Value: true}}})
			}
			popts := *opts
			popts.SetPartialFilterExpression(pf)
			_, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys, Options: &popts})
			if err == nil || isDuplicate(err) || !isNotImplemented(err) {
				return err
			}
			s.mu.Lock()
			s.partial = false
			s.mu.Unlock()
		}
	}
	_, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys, Options: opts})
	return err
}

func sameIndex(h bson.M, ix store.Index) bool {
	unique, _ := h["unique"].(bool)
	if unique != ix.Unique {
		return false
	}
	key, ok := h["key"].(bson.M)
	if !ok || len(key) != len(ix.Fields) {
		if d, ok := h["key"].(bson.D); ok && len(d) == len(ix.Fields) {
			for i, e := range d {
				if fp, _ := field(ix.Fields[i]); e.Key != fp {
					return false
				}
			}
			return true
		}
		return false
	}
	for _, f := range ix.Fields {
		fp, _ := field(f)
		if _, ok := key[fp]; !ok {
			return false
		}
	}
	return true
}

func isNamespaceExists(err error) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == 48
}

func isNotImplemented(err error) bool {
	var ce mongo.CommandError
	if errors.As(err, &ce) {
		return ce.Code == 238 || ce.Code == 2 || ce.Code == 115 || strings.Contains(strings.ToLower(ce.Message), "not implemented") || strings.Contains(strings.ToLower(ce.Message), "not supported")
	}
	return false
}

// DropCollection drops the collection.
func (s *Store) DropCollection(ctx context.Context, name string) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	if err := c.Drop(ctx); err != nil {
		return fmt.Errorf("mongo: drop %s: %w", name, err)
	}
	s.mu.Lock()
	delete(s.indexes, name)
	s.mu.Unlock()
	return nil
}

var dupIndexRE = regexp.MustCompile(`index: (\S+)`)

// writeError maps a duplicate key error to the store's errors.
func (s *Store) writeError(name string, err error) error {
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mongo: %s: %w", name, err)
	}
	return s.dupError(name, err.Error())
}

func (s *Store) dupError(name, msg string) error {
	m := dupIndexRE.FindStringSubmatch(msg)
	if m == nil {
		if strings.Contains(msg, "_id") {
			return store.ErrDuplicateID
		}
		return &store.UniqueError{Collection: name}
	}
	iname := strings.TrimRight(m[1], ",")
	if iname == "_id_" {
		return store.ErrDuplicateID
	}
	ue := &store.UniqueError{Collection: name, Index: strings.TrimPrefix(iname, indexPrefix)}
	s.mu.RLock()
	ix, ok := s.indexes[name][iname]
	s.mu.RUnlock()
	if ok {
		ue.Index, ue.Fields = ix.Name, ix.Fields
	}
	return ue
}

// duplicate finds out which unique index a write violated. MongoDB names
// the index in its message; FerretDB v1 does not, so the record's values are
// looked up in each unique index instead (and its id, for an insert).
func (s *Store) duplicate(ctx context.Context, name string, c *mongo.Collection, rec store.Record, msg string, insert bool) error {
	if dupIndexRE.MatchString(msg) {
		return s.dupError(name, msg)
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
	s.mu.RLock()
	specs := s.indexes[name]
	s.mu.RUnlock()
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, iname := range names {
		ix := specs[iname]
		if !ix.Unique {
			continue
		}
		f := bson.D{{Key: "_id", Value: bson.D{{Key: "$ne", Value: rec.ID}}}}
		complete := true
		for _, fld := range ix.Fields {
			v := store.Lookup(rec.Data, fld)
			if v == nil {
				complete = false
				break
			}
			f = append(f, bson.E{Key: fld, Value: v})
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

func document(rec store.Record) bson.D {
	d := make(bson.D, 0, len(rec.Data)+2)
	d = append(d, bson.E{Key: "_id", Value: rec.ID}, bson.E{Key: "_v", Value: rec.Version})
	keys := make([]string, 0, len(rec.Data))
	for k := range rec.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d = append(d, bson.E{Key: k, Value: rec.Data[k]})
	}
	return d
}

// record turns a decoded document back into a store record with plain values.
func record(m bson.M) store.Record {
	var rec store.Record
	rec.ID, _ = m["_id"].(string)
	switch v := m["_v"].(type) {
	case int64:
		rec.Version = v
	case int32:
		rec.Version = int64(v)
	case float64:
		rec.Version = int64(v)
	}
	rec.Data = make(map[string]any, len(m))
	for k, v := range m {
		if k != "_id" && k != "_v" {
			rec.Data[k] = plain(v)
		}
	}
	return rec
}

// plain converts BSON values to the store's JSON-like values.
func plain(v any) any {
	switch x := v.(type) {
	case bson.M:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case bson.D:
		out := make(map[string]any, len(x))
		for _, e := range x {
			out[e.Key] = plain(e.Value)
		}
		return out
	case bson.A:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case primitive.DateTime:
		return x.Time().UTC().Format("2006-01-02T15:04:05.000Z")
	case primitive.Null, primitive.Undefined:
		return nil
	}
	return v
}
