package mongo

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
)

// On MongoDB, a page filtered on an index's leading field and sorted by the
// next one, then by id (as the engine asks, either direction), is read in
// index order: the winning plan has no SORT stage. (FerretDB v1 sorts every
// find itself and DocumentDB reads index order only for _id: see the package
// comment.)
func TestIndexedPageIsIndexWalk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, mongotest.URI(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.server != mongoDB {
		t.Skipf("index order is MongoDB's; this server is %v", s.server)
	}
	idx := []store.Index{{Name: "owner_created_at", Fields: []string{"owner", "created_at"}}}
	if err := s.EnsureCollection(ctx, "walk", idx); err != nil {
		t.Fatal(err)
	}
	for _, desc := range []bool{false, true} {
		q := query.Query{
			Filter: query.Cmp{Field: "owner", Op: query.Eq, Value: "u1"},
			Sort:   []query.Sort{{Field: "created_at", Desc: desc}, {Field: "id", Desc: desc}},
			Limit:  21,
		}
		f, _ := filter(q.Filter)
		sort := bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}
		if desc {
			sort = bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: -1}}
		}
		var plan bson.M
		cmd := bson.D{{Key: "explain", Value: bson.D{{Key: "find", Value: collPrefix + "walk"}, {Key: "filter", Value: f},
			{Key: "sort", Value: sort}, {Key: "limit", Value: q.Limit}}}, {Key: "verbosity", Value: "queryPlanner"}}
		if err := s.db.RunCommand(ctx, cmd).Decode(&plan); err != nil {
			t.Fatal(err)
		}
		qp, _ := plan["queryPlanner"].(bson.M)
		if hasStage(qp["winningPlan"], "SORT") || !hasStage(qp["winningPlan"], "IXSCAN") {
			t.Errorf("descending %v: winning plan %v, want an IXSCAN without SORT", desc, qp["winningPlan"])
		}
	}
}

// hasStage reports whether a plan (nested documents and arrays) has a stage
// of the name.
func hasStage(plan any, name string) bool {
	switch p := plan.(type) {
	case bson.M:
		for k, v := range p {
			if k == "stage" && v == name || hasStage(v, name) {
				return true
			}
		}
	case bson.A:
		for _, v := range p {
			if hasStage(v, name) {
				return true
			}
		}
	}
	return false
}

func TestHasStage(t *testing.T) {
	walk := bson.M{"stage": "LIMIT", "inputStage": bson.M{"stage": "FETCH", "inputStage": bson.M{"stage": "IXSCAN", "direction": "backward"}}}
	sorted := bson.M{"queryPlan": bson.M{"stage": "SORT", "inputStage": bson.M{"stage": "OR", "inputStages": bson.A{bson.M{"stage": "IXSCAN"}}}}}
	if hasStage(walk, "SORT") || !hasStage(walk, "IXSCAN") || !hasStage(sorted, "SORT") || !hasStage(sorted, "IXSCAN") {
		t.Error("hasStage misreads a plan")
	}
}
