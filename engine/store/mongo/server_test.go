package mongo

import (
	"errors"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"

	"github.com/morphcrm/morph/engine/store"
)

// buildInfo answers as each server gives them (trimmed).
func TestServerOf(t *testing.T) {
	tests := []struct {
		info bson.M
		want server
	}{
		{bson.M{"version": "7.0.12", "gitVersion": "abc"}, mongoDB},
		{bson.M{"version": "7.0.42", "ferretdbVersion": "v1.24.0"}, ferretV1},
		{bson.M{"version": "7.0.77", "ferretdb": bson.M{"version": "v2.5.0", "package": "unknown"}}, documentDB},
	}
	for _, tt := range tests {
		if got := serverOf(tt.info); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.info, got, tt.want)
		}
	}
}

// Only DocumentDB's error for a unique index built over duplicates counts,
// and only there.
func TestIsIndexBuildClash(t *testing.T) {
	clash := mongo.CommandError{Code: 1, Name: "InternalError", Message: `could not create exclusion constraint "documents_rum_index_424"`}
	unique := store.Index{Name: "u", Fields: []string{"u"}, Unique: true}
	plain := store.Index{Name: "i", Fields: []string{"i"}}
	tests := []struct {
		server server
		err    error
		ix     store.Index
		want   bool
	}{
		{documentDB, clash, unique, true},
		{documentDB, fmt.Errorf("mongo: %w", clash), unique, true},
		{documentDB, clash, plain, false},
		{mongoDB, clash, unique, false},
		{ferretV1, clash, unique, false},
		{documentDB, mongo.CommandError{Code: 1, Message: "could not extend file"}, unique, false},
		{documentDB, mongo.CommandError{Code: 67, Message: `could not create exclusion constraint "x"`}, unique, false},
		{documentDB, errors.New(`could not create exclusion constraint "x"`), unique, false},
	}
	for i, tt := range tests {
		s := &Store{server: tt.server}
		if got := s.isIndexBuildClash(tt.err, tt.ix); got != tt.want {
			t.Errorf("%d: %v on %v: %v, want %v", i, tt.err, tt.server, got, tt.want)
		}
	}
}

// The index a duplicate key error names, in each server's message.
func TestDuplicateIndexName(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"E11000 duplicate key error collection: morph.c_people index: x_u_email dup key: { email: \"a\" }", "x_u_email"},
		{"E11000 duplicate key error collection: morph.c_people index: _id_ dup key: { _id: \"a\" }", "_id_"},
		{"Duplicate key violation on the requested collection: Index 'x_u_email'", "x_u_email"},
		{"Duplicate key violation on the requested collection: Index '_id_'", "_id_"},
		{"UNIQUE constraint failed: c_people.email", ""},
	}
	for _, tt := range tests {
		if got := dupIndexName(tt.msg); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.msg, dupIndexName(tt.msg), tt.want)
		}
	}
}
