package mongo

import (
	"errors"
	"fmt"
	"regexp"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/morphcrm/morph/engine/store"
)

// missingRE finds the SQL backend's report of a table that is gone in
// FerretDB's messages: SQLite's (v1) and PostgreSQL's (v2).
var missingRE = regexp.MustCompile(`no such table|relation "[^"]*" does not exist`)

// missing reports a failure caused by the collection being dropped while
// the operation ran: MongoDB's NamespaceNotFound, or FerretDB passing on its
// SQL backend's error.
func missing(err error) bool {
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Code == 26 {
		return true
	}
	return err != nil && missingRE.MatchString(err.Error())
}

// opError wraps the failure of an operation on the collection name; a
// collection dropped meanwhile is store.ErrNoCollection.
func opError(op, name string, err error) error {
	if missing(err) {
		return fmt.Errorf("%w: %s %s: %v", store.ErrNoCollection, op, name, err)
	}
	return failed(op+" "+name, err)
}
