package mongo

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/morphcrm/morph/engine/store"
)

// The server's ways of saying that it has no space left are store.ErrFull;
// other failures are not.
func TestFailedRecognisesFullDisk(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		full bool
	}{
		{"command error", mongo.CommandError{Code: 14031, Name: "OutOfDiskSpace", Message: "out of disk space"}, true},
		{"write exception", mongo.WriteException{WriteErrors: mongo.WriteErrors{{Code: 14031, Message: "out of disk space"}}}, true},
		{"bulk item", mongo.WriteError{Code: 14031, Message: "out of disk space"}, true},
		{"system message", mongo.CommandError{Code: 8, Message: "WiredTiger error (28) No space left on device"}, true},
		{"other code", mongo.CommandError{Code: 2, Message: "bad value"}, false},
		{"plain", errors.New("connection reset"), false},
	} {
		if got := errors.Is(failed("insert into x", tc.err), store.ErrFull); got != tc.full {
			t.Errorf("%s: full %v, want %v", tc.name, got, tc.full)
		}
	}
}
