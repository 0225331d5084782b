package mongo_test

import (
	"context"
	"testing"

	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
	"github.com/morphcrm/morph/engine/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := mongo.Open(context.Background(), mongotest.URI(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
