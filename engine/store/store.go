// Package store is the storage port of the engine: the interface every
// adapter implements, the records it moves and the errors it returns.
//
// Adapters live in subpackages (sqlite, mongo) and know this package only.
// storetest holds the conformance suite that every adapter must pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/morphcrm/morph/engine/query"
)

// Record is one stored document of a collection.
//
// ID and Version are kept apart from Data by the adapters; Data holds every
// other field, system ones (created_at, owner, …) included, as JSON-like values:
// map[string]any, []any, string, float64, int64, bool and nil. Adapters return
// Data in that form too (numbers as float64, whatever their stored type), so a
// record read back can be validated and encoded without conversion.
type Record struct {
	ID      string
	Version int64
	Data    map[string]any
}

// Index is an index a collection must have. Fields are dotted paths.
// Unique indexes ignore records where any of the fields is missing or null.
//
// Adapters end every non-unique index with the record id, in the direction
// of the index's last field, so that a page filtered on the leading fields
// and sorted by the following ones (then by id, as the engine always sorts)
// is read in index order, forwards or backwards, without a sort step.
type Index struct {
	Name   string // unique within the collection: [a-z][a-z0-9_]{0,62}
	Fields []string
	// Desc marks, by position, the fields kept in descending order; a
	// missing entry is ascending. nil: every field ascending.
	Desc   []bool
	Unique bool
	// Multi marks an index over a field that holds a list, to find records
	// by one of its elements. Adapters that cannot index list elements may
	// leave such an index out.
	Multi bool
}

// Store is the storage port.
//
// Collection names match [a-z_][a-z0-9_]*; names starting with "_" are the
// engine's system collections. Every method honours ctx's deadline.
// Errors are the sentinel values below (test with errors.Is), a *UniqueError,
// or adapter failures that the caller must treat as internal.
//
// A collection that does not exist (never created, or dropped while a
// request was under way) is ErrNoCollection, for reads and writes alike —
// except where the database itself creates a collection on first use
// (MongoDB): there reads of it find nothing and writes create it.
//
// Any write (Insert, InsertMany, Update, Delete, NextSequence,
// EnsureCollection) may fail with an error wrapping ErrFull.
//
// Audit entries. A record write (Insert, InsertMany, Update, Delete) may
// carry audit entries: records of AuditCollection (an id, Version 1, the
// entry's fields in Data) that the store keeps durably together with the
// write. The contract, for every adapter:
//   - when the write returns nil, its entries are stored (they survive a
//     crash of the process that follows);
//   - when the write fails (ErrConflict, ErrNotFound, ErrDuplicateID, a
//     *UniqueError, ErrFull, any failure that left the record unchanged),
//     none of its entries is ever visible in AuditCollection;
//   - an entry is stored at most once, under its own id: relaying it again
//     after a crash never duplicates it;
//   - reads of AuditCollection (Get, Find, Count, Aggregate) return only
//     entries whose write is known to have happened.
//
// What a write whose outcome the caller never learned (the process died, the
// context ended) leaves is decided with the write: its entries are visible
// exactly when its change is (an adapter may need a recovery pass at open to
// bring them in, see Recoverer). SQLite writes the entries in the write's
// own transaction; MongoDB, without multi-document transactions, uses an
// outbox (see that adapter's package comment).
type Store interface {
	// EnsureCollection creates the collection if needed and makes its
	// secondary indexes exactly the given ones: missing indexes are created,
	// indexes no longer listed are dropped. Creating a unique index over
	// existing duplicates fails with a *UniqueError.
	EnsureCollection(ctx context.Context, coll string, indexes []Index) error

	// DropCollection removes the collection and its records. Dropping a
	// missing collection is not an error.
	DropCollection(ctx context.Context, coll string) error

	// Insert stores a new record as given (its Version is kept, normally 1).
	// It returns ErrDuplicateID when a record with the ID exists and a
	// *UniqueError when a unique index is violated. audit are the entries
	// stored with it (see the contract above).
	Insert(ctx context.Context, coll string, rec Record, audit ...Record) error

	// InsertMany inserts records in one batch (one transaction where the
	// store has them) and returns one error per record, nil for success;
	// a failed record does not stop the others. The returned error is for
	// the batch as a whole (connection lost, context ended). audit is empty
	// or holds one entry per record: audit[i] is stored exactly when recs[i]
	// is (an entry with an empty ID stands for none).
	InsertMany(ctx context.Context, coll string, recs []Record, audit ...Record) ([]error, error)

	// Get returns one record or ErrNotFound.
	Get(ctx context.Context, coll, id string) (Record, error)

	// GetMany returns the records with the given ids that exist, in no
	// particular order. It makes one round trip per batch, never one per id.
	GetMany(ctx context.Context, coll string, ids []string) ([]Record, error)

	// Update replaces the record with ID rec.ID if its stored version is
	// rec.Version-1, and stores it with rec.Version. It returns ErrNotFound
	// when no such record exists, ErrConflict when the stored version differs
	// and a *UniqueError when a unique index is violated. audit are the
	// entries stored with it.
	Update(ctx context.Context, coll string, rec Record, audit ...Record) error

	// Delete removes the record if its stored version is version (any
	// version when version is 0). It returns ErrNotFound or ErrConflict.
	// audit are the entries stored with it.
	Delete(ctx context.Context, coll, id string, version int64, audit ...Record) error

	// Find returns the records matching q.Filter in q.Sort order, at most
	// q.Limit of them (all when 0). An invalid path or operator is ErrInvalid.
	Find(ctx context.Context, coll string, q query.Query) ([]Record, error)

	// Count returns how many records match filter.
	Count(ctx context.Context, coll string, filter query.Expr) (int64, error)

	// Aggregate groups the records matching filter by the values of by (no
	// fields: one group over all) and computes aggs for each group. Groups
	// come back ordered by their keys.
	Aggregate(ctx context.Context, coll string, filter query.Expr, by []string, aggs []query.Agg) ([]query.Group, error)

	// NextSequence atomically increments the named counter and returns the
	// new value; the first call returns 1. Counters survive restarts.
	NextSequence(ctx context.Context, name string) (int64, error)

	// Close releases the store's resources.
	Close() error
}

// AuditCollection is the collection of the audit entries that record writes
// carry. The engine creates it (with its indexes) like its other system
// collections; adapters write the entries there.
const AuditCollection = "_audit"

// Generations is implemented by stores that see every write of their data —
// the embedded store, whose file one process holds — so that what was read
// can be kept until the collection next changes. Generation returns a number
// that changes whenever a write to coll (or its removal) has committed, before
// that write returns to its caller. A store shared by several processes does
// not implement it.
type Generations interface {
	Generation(coll string) uint64
}

// Recoverer is implemented by adapters whose audit entries may, after a
// crash, wait in an outbox: Recover brings every entry whose write happened
// into AuditCollection and drops those whose write did not. Adapters run it
// when they open; running it again (or on several instances at once) is
// harmless.
type Recoverer interface {
	Recover(ctx context.Context) error
}

var (
	ErrNotFound     = errors.New("store: record not found")
	ErrConflict     = errors.New("store: version conflict")
	ErrDuplicateID  = errors.New("store: duplicate record id")
	ErrInvalid      = errors.New("store: invalid query")
	ErrNoCollection = errors.New("store: no such collection")
	// ErrFull is wrapped by the error of a write refused because the store
	// has no space left (a full disk or quota). The write changed nothing,
	// and writes succeed again once space is freed.
	ErrFull = errors.New("store: no space left")
)

// UniqueError reports a violated unique index.
type UniqueError struct {
	Collection string
	Index      string   // the index name as given in EnsureCollection, when the adapter can tell
	Fields     []string // the index's fields, when the adapter can tell
}

func (e *UniqueError) Error() string {
	return fmt.Sprintf("store: duplicate value for unique index %s on %s (%s)", e.Index, e.Collection, strings.Join(e.Fields, ", "))
}

// IsUnique reports whether err is a *UniqueError.
func IsUnique(err error) bool {
	var u *UniqueError
	return errors.As(err, &u)
}

// Lookup returns the value at a dotted path of a record's data, nil when
// any part of the path is missing.
func Lookup(data map[string]any, path string) any {
	var cur any = data
	for {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		head, rest, more := strings.Cut(path, ".")
		if !more {
			return m[head]
		}
		cur, path = m[head], rest
	}
}

// RawRecord is a record as its stored JSON document (an object without id
// and version), for answers that pass documents on without looking inside.
type RawRecord struct {
	ID      string
	Version int64
	JSON    []byte
}

// RawFinder is implemented by adapters that can return a query's documents
// as JSON without decoding them. It has Find's contract otherwise. The engine
// uses it for list pages it sends on unchanged.
type RawFinder interface {
	FindRaw(ctx context.Context, coll string, q query.Query) ([]RawRecord, error)
}

// Descending reports whether the index keeps its i-th field in descending order.
func (ix Index) Descending(i int) bool { return i < len(ix.Desc) && ix.Desc[i] }
