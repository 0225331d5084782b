package api_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
	"github.com/morphcrm/morph/engine/store/mongo"
	"github.com/morphcrm/morph/engine/store/mongo/mongotest"
	"github.com/morphcrm/morph/engine/store/sqlite"
	"github.com/morphcrm/morph/engine/store/storetest/eachstore"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/examples/demo"
	"github.com/morphcrm/morph/identity"
)

// benchAccounts is how many accounts the benchmarks load: 10,000 on the
// embedded store and 1,000 on MongoDB, unless MORPH_BENCH_RECORDS says
// otherwise. The embedded FerretDB that stands in for MongoDB here reads
// whole collections for every query, so larger sets measure FerretDB, not
// Morph; `morph bench` measures 100k accounts.
func benchAccounts(kind string) int {
	if n, err := strconv.Atoi(os.Getenv("MORPH_BENCH_RECORDS")); err == nil && n > 0 {
		return n
	}
	if kind == "mongo" {
		return 1000
	}
	return 10000
}

var benchUsers = func() []string {
	u := make([]string, 50)
	for i := range u {
		u[i] = fmt.Sprintf("rep%02d", i+1)
	}
	return u
}()

// benchServer is a server over the sme-crm example with generated accounts,
// built once per store kind per benchmark binary.
var benchServers sync.Map

func benchServer(b *testing.B, kind string) *testServer {
	if s, ok := benchServers.Load(kind); ok {
		return s.(*testServer)
	}
	ctx := context.Background()
	var st store.Store
	var err error
	switch kind {
	case "sqlite":
		dir, _ := os.MkdirTemp("", "morph-bench")
		st, err = sqlite.Open(ctx, dir+"/m.db")
	case "mongo":
		st, err = mongo.Open(ctx, mongotest.URI(&testing.T{}))
	}
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.New(ctx, st, engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defs, _ := examples.Load("sme-crm")
	for _, d := range defs {
		if _, err := eng.PutEntity(ctx, engine.System, d.Name, d.JSON); err != nil {
			b.Fatal(err)
		}
	}
	roles, _ := examples.Roles("sme-crm")
	for _, r := range roles {
		if _, _, err := eng.PutRole(ctx, engine.System, r.Name, r.JSON); err != nil {
			b.Fatal(err)
		}
	}
	var batch []map[string]any
	flush := func() {
		if _, err := eng.CreateMany(ctx, engine.System, "account", batch, engine.BulkOptions{}); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	demo.Generate(demo.Options{Seed: 1, Accounts: benchAccounts(kind), Users: benchUsers}, func(entity string, data map[string]any) error {
		if entity == "account" {
			if batch = append(batch, data); len(batch) == engine.MaxBulk {
				flush()
			}
		}
		return nil
	})
	if len(batch) > 0 {
		flush()
	}
	s := &testServer{t: &testing.T{}, eng: eng, st: st}
	s.ids = testIdentity(eng, identity.Options{})
	s.token = signIn(&testing.T{}, s.ids)
	s.app = apiNew(eng, s.ids)
	benchServers.Store(kind, s)
	return s
}

// BenchmarkListPage: an indexed, filtered, sorted page of 20 accounts, with
// and without the total, and projected to four fields, through the store
// alone, the engine, and HTTP; and the same page as a sales rep sees it
// (the role's own scope instead of the filter, phones and e-mails masked,
// annual revenue hidden) through the engine.
func BenchmarkListPage(b *testing.B) {
	variants := []struct {
		name   string
		total  bool
		fields string
	}{{"total", true, ""}, {"nototal", false, ""}, {"fields", false, "name,region,tier,owner"}}
	for _, kind := range eachstore.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := benchServer(b, kind)
			ctx := context.Background()
			// What the engine asks of the store for the same page: the
			// stored documents undecoded where the adapter can give them.
			find := func(q query.Query) error {
				if rf, ok := s.st.(store.RawFinder); ok {
					_, err := rf.FindRaw(ctx, "account", q)
					return err
				}
				_, err := s.st.Find(ctx, "account", q)
				return err
			}
			for _, v := range variants {
				if v.fields == "" {
					b.Run("store/"+v.name, func(b *testing.B) {
						for i := 0; i < b.N; i++ {
							f := query.Cmp{Field: "owner", Op: query.Eq, Value: benchUsers[i%len(benchUsers)]}
							if err := find(query.Query{Filter: f, Sort: []query.Sort{{Field: "created_at", Desc: true}, {Field: "id", Desc: true}}, Limit: 21}); err != nil {
								b.Fatal(err)
							}
							if v.total {
								if _, err := s.st.Count(ctx, "account", f); err != nil {
									b.Fatal(err)
								}
							}
						}
					})
				}
				b.Run("engine/"+v.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := s.eng.List(ctx, engine.System, "account", engine.ListRequest{
							Filter: fmt.Sprintf("owner == %q", benchUsers[i%len(benchUsers)]), Sort: "-created_at", Limit: 20,
							Count: v.total, Fields: v.fields}); err != nil {
							b.Fatal(err)
						}
					}
				})
				if v.fields == "" {
					b.Run("engine-rep/"+v.name, func(b *testing.B) {
						for i := 0; i < b.N; i++ {
							rep := engine.Actor{ID: benchUsers[i%len(benchUsers)], Roles: []string{"sales_rep"}}
							if _, err := s.eng.List(ctx, rep, "account", engine.ListRequest{Sort: "-created_at", Limit: 20, Count: v.total}); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
				b.Run("http/"+v.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						path := fmt.Sprintf("/api/records/account?filter=%s&sort=-created_at&limit=20&count=%v&fields=%s",
							urlq(fmt.Sprintf("owner == %q", benchUsers[i%len(benchUsers)])), v.total, v.fields)
						req := httptest.NewRequest("GET", path, nil)
						req.Header.Set("Authorization", "Bearer "+s.token)
						res, err := s.app.Test(req, -1)
						if err != nil || res.StatusCode != 200 {
							b.Fatal(err, res.StatusCode)
						}
						res.Body.Close()
					}
				})
			}
		})
	}
}

// BenchmarkCreate: a validated create of one account through HTTP.
func BenchmarkCreate(b *testing.B) {
	for _, kind := range eachstore.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := benchServer(b, kind)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := createSeq.Add(1)
					body := fmt.Sprintf(`{"name": "基准客户%d", "region": "华东", "tier": "normal", "phone": "138 %04d %04d", "owner": "rep01"}`, n, n%10000, n/10000%10000)
					req := httptest.NewRequest("POST", "/api/records/account", stringsReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+s.token)
					res, err := s.app.Test(req, -1)
					if err != nil || res.StatusCode != 201 {
						b.Fatal(err, res.StatusCode)
					}
					res.Body.Close()
				}
			})
		})
	}
}

// BenchmarkAuthenticate: what authentication adds to every request, to set
// beside BenchmarkListPage's http/nototal (the same page, authenticated by
// a Bearer session token): resolving a session token (one read by the
// token's hash; the actor from the cache) and an API key (one indexed find
// by the key's hash).
func BenchmarkAuthenticate(b *testing.B) {
	for _, kind := range eachstore.Kinds {
		b.Run(kind, func(b *testing.B) {
			s := benchServer(b, kind)
			ctx := context.Background()
			admin, ok, err := s.ids.Actor(ctx, s.adminIDFromToken(b))
			if err != nil || !ok {
				b.Fatal(err)
			}
			_, key, err := s.ids.CreateKey(ctx, admin, map[string]any{"name": "bench"})
			if err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct{ name, cred string }{{"session", s.token}, {"key", key}} {
				b.Run(c.name, func(b *testing.B) {
					for i := 0; i < b.N; i++ {
						if _, err := s.ids.Authenticate(ctx, c.cred, "127.0.0.1"); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

func (s *testServer) adminIDFromToken(b *testing.B) string {
	a, err := s.ids.Authenticate(context.Background(), s.token, "")
	if err != nil {
		b.Fatal(err)
	}
	return a.ID
}
