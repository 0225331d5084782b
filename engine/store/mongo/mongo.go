// Package mongo is the MongoDB store, on the official driver (v1).
//
// Each store collection is a MongoDB collection named "c_<name>" holding
// documents {_id: id, _v: version, ...fields}. Counters live in "_sequences".
//
// MongoDB's semantics are the contract. The adapter keeps to what MongoDB,
// FerretDB v1 and FerretDB v2 all support: no transactions, no $lookup,
// $facet, $expr or $avg. Every write is one document guarded by its
// version, so none needs a transaction. Non-unique indexes end with _id in
// the direction of their last field, so that a page filtered on leading
// fields and sorted by the following ones, then by id, is an index walk.
//
// Open tells the servers apart by buildInfo (see serverOf) and works around
// where they differ from MongoDB.
//
// FerretDB v1 (buildInfo reports a ferretdbVersion):
//   - an update or findAndModify is a query followed by a write, so a filter
//     on the version does not make it atomic: a guarded write first claims
//     the version it replaces by inserting a document with a unique _id into
//     "_claims", and a counter hands out numbers by inserting one document
//     per number (see sequence.go);
//   - $group has $sum and $count but not $min and $max: such groups are
//     computed here from the matching documents (see aggregate.go);
//   - indexes take no partialFilterExpression: unique indexes are plain
//     ones, where a missing field never clashes (SQLite treats the missing
//     value as NULL, and NULLs are distinct).
//
// FerretDB v2 on PostgreSQL with the DocumentDB extension (buildInfo
// reports a ferretdb document) has atomic guarded writes, $min, $max and
// partial indexes, but:
//   - its $min counts a missing or null value as the smallest: the adapter
//     asks for the minimum of {$ifNull: [field, MaxKey]} (see aggregate.go);
//   - a unique index built over duplicate values fails with an InternalError
//     (code 1) "could not create exclusion constraint", not E11000: the
//     adapter recognises that message there (see isIndexBuildClash);
//   - its duplicate key messages name the index as "Index 'x_name'";
//   - a sorted find or an aggregate answers through a cursor that holds its
//     PostgreSQL connection, which FerretDB closes once the cursor is read,
//     so each would start a PostgreSQL backend: finds with a limit and
//     groups ask for a single batch there and counts use the count command
//     (see find.go and aggregate.go);
//   - it answers a sort from an index only for _id (the primary key): any
//     other sort reads the filter's matches and sorts them, whatever the
//     index (its ordered index scans are an experimental server setting).
//
// Unique indexes ignore records where any indexed field is missing. A field
// stored with an explicit null counts as a value on both servers; the engine
// omits absent fields rather than storing null, so this does not arise.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/bson"
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

	// server is the kind of server, from buildInfo (see the package comment).
	server server

	mu      sync.RWMutex
	indexes map[string]map[string]store.Index // collection → MongoDB index name → index
	// writeLocks serialise single-document writes of collections with
	// unique indexes on FerretDB v2 (uniqueWrites): collection → *sync.Mutex.
	writeLocks sync.Map

	hooks  hooks
	clears clearer // outboxes waiting to be cleared (FerretDB v2)
}

// hooks let tests stop a write where a crash could.
type hooks struct {
	// beforeRelay, when it returns true, stops a write after its document
	// (or pending delete) is stored and before its entries are relayed, as
	// if the process had stopped there.
	beforeRelay func() bool
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Recoverer = (*Store)(nil)
)

const (
	collPrefix      = "c_"         // store collection name → MongoDB collection name
	indexPrefix     = "x_"         // store index name → MongoDB index name
	sequencesColl   = "_sequences" // counters: {_id: name, n: last value}
	numbersColl     = "_sequence_numbers"
	claimsColl      = "_claims"
	defaultDatabase = "morph"
)

var (
	collRE  = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	indexRE = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
)

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
		dbName = defaultDatabase
	}
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		return nil, fmt.Errorf("mongo: connect: %w", err)
	}
	s := &Store{client: client, db: client.Database(dbName), indexes: map[string]map[string]store.Index{}}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		s.Close()
		return nil, fmt.Errorf("mongo: %s does not answer: %w", strings.Join(cs.Hosts, ","), err)
	}
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		s.Close()
		return nil, fmt.Errorf("mongo: buildInfo: %w", err)
	}
	s.server = serverOf(info)
	if err := s.Recover(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// server is a kind of MongoDB-compatible server, as far as the adapter
// treats them apart.
type server int

const (
	mongoDB    server = iota // MongoDB itself, or a server that reports nothing else
	ferretV1                 // FerretDB v1 (its SQLite or PostgreSQL handler)
	documentDB               // FerretDB v2 and later, on PostgreSQL with the DocumentDB extension
)

// serverOf tells the server apart by its buildInfo answer: FerretDB v1
// adds a ferretdbVersion field, FerretDB v2 a ferretdb document.
func serverOf(info bson.M) server {
	if _, ok := info["ferretdbVersion"]; ok {
		return ferretV1
	}
	if _, ok := info["ferretdb"]; ok {
		return documentDB
	}
	return mongoDB
}

func (k server) String() string {
	switch k {
	case ferretV1:
		return "FerretDB v1"
	case documentDB:
		return "FerretDB v2 (DocumentDB)"
	}
	return "MongoDB"
}

// Close disconnects from the server, waiting at most ten seconds for
// operations in flight.
func (s *Store) Close() error {
	s.closeClears()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.client.Disconnect(ctx)
}

func (s *Store) coll(name string) (*mongo.Collection, error) {
	if !collRE.MatchString(name) {
		return nil, fmt.Errorf("%w: collection name %q", store.ErrInvalid, name)
	}
	return s.db.Collection(collPrefix + name), nil
}

// field maps a query path to the document's field.
func field(path string) (string, error) {
	switch path {
	case "id":
		return "_id", nil
	case "version":
		return "_v", nil
	}
	if !query.ValidPath(path) || path == outboxKey || strings.HasPrefix(path, outboxKey+".") {
		return "", fmt.Errorf("%w: field path %q", store.ErrInvalid, path)
	}
	return path, nil
}

// path is field's inverse.
func path(field string) string {
	switch field {
	case "_id":
		return "id"
	case "_v":
		return "version"
	}
	return field
}

// EnsureCollection creates the collection and makes its indexes exactly idx.
func (s *Store) EnsureCollection(ctx context.Context, name string, idx []store.Index) error {
	c, err := s.coll(name)
	if err != nil {
		return err
	}
	want := map[string]store.Index{}
	for _, ix := range idx {
		if !indexRE.MatchString(ix.Name) || len(ix.Fields) == 0 {
			return fmt.Errorf("%w: index %q", store.ErrInvalid, ix.Name)
		}
		for _, f := range ix.Fields {
			if _, err := field(f); err != nil {
				return err
			}
		}
		if _, dup := want[indexPrefix+ix.Name]; dup {
			return fmt.Errorf("%w: index %q listed twice", store.ErrInvalid, ix.Name)
		}
		want[indexPrefix+ix.Name] = ix
	}
	names, err := s.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: c.Name()}})
	if err != nil {
		return fmt.Errorf("mongo: list collections: %w", err)
	}
	if len(names) == 0 {
		if err := s.db.CreateCollection(ctx, c.Name()); err != nil && !isCode(err, 48) { // NamespaceExists
			return fmt.Errorf("mongo: create %s: %w", name, err)
		}
	}
	have, err := listIndexes(ctx, c)
	if err != nil {
		return fmt.Errorf("mongo: list indexes of %s: %w", name, err)
	}
	existing := map[string]bool{}
	for iname, h := range have {
		if ix, ok := want[iname]; ok && s.sameIndex(h, ix) {
			existing[iname] = true
			continue
		}
		if _, err := c.Indexes().DropOne(ctx, iname); err != nil {
			return fmt.Errorf("mongo: drop index %s of %s: %w", iname, name, err)
		}
	}
	for iname, ix := range want {
		if existing[iname] {
			continue
		}
		if err := s.createIndex(ctx, c, iname, ix); err != nil {
			if isDuplicate(err) || s.isIndexBuildClash(err, ix) {
				return &store.UniqueError{Collection: name, Index: ix.Name, Fields: ix.Fields}
			}
			return fmt.Errorf("mongo: create index %s of %s: %w", iname, name, err)
		}
	}
	s.mu.Lock()
	s.indexes[name] = want
	s.mu.Unlock()
	return nil
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

func isCode(err error, code int32) bool {
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Code == code
}
