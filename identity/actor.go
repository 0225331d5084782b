package identity

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// maxCachedActors bounds the actor cache; when full it starts afresh.
const maxCachedActors = 10000

// actorCache keeps resolved actors (a user with their roles and team member
// lists) by user id, for ActorTTL. Every change of a user or team made
// through the Service empties it; gen makes sure an actor read before such
// a change is not put back after it.
type actorCache struct {
	mu  sync.Mutex
	gen uint64
	m   map[string]cachedActor
}

type cachedActor struct {
	actor  engine.Actor
	active bool
	at     time.Time
}

func (c *actorCache) init() { c.m = map[string]cachedActor{} }

func (c *actorCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

func (c *actorCache) get(id string, now time.Time, ttl time.Duration) (cachedActor, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if ok && now.Sub(e.at) < ttl && !now.Before(e.at) {
		return e, c.gen, true
	}
	return cachedActor{}, c.gen, false
}

func (c *actorCache) put(id string, e cachedActor, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.m) >= maxCachedActors {
		clear(c.m)
	}
	c.m[id] = e
}

// Actor returns the actor of a user as a request made by them would act
// (without Addr and Via), or ok false when there is no such active user.
func (s *Service) Actor(ctx context.Context, userID string) (engine.Actor, bool, error) {
	if err := s.Ensure(ctx); err != nil {
		return engine.Actor{}, false, err
	}
	return s.actor(ctx, userID)
}

// actor resolves a user's actor through the cache. The slices of the actor
// returned are shared: callers must not change them.
func (s *Service) actor(ctx context.Context, userID string) (engine.Actor, bool, error) {
	now := s.opts.Now()
	e, gen, ok := s.cache.get(userID, now, s.opts.ActorTTL)
	if !ok {
		var err error
		if e, err = s.loadActor(ctx, userID); err != nil {
			return engine.Actor{}, false, err
		}
		e.at = now
		s.cache.put(userID, e, gen)
	}
	if !e.active {
		return engine.Actor{}, false, nil
	}
	return e.actor, true, nil
}

// loadActor reads a user and the members of their team and of the teams
// below it.
func (s *Service) loadActor(ctx context.Context, userID string) (cachedActor, error) {
	r, err := s.st.Get(ctx, collUsers, userID)
	if errors.Is(err, store.ErrNotFound) {
		return cachedActor{}, nil
	}
	if err != nil {
		return cachedActor{}, storeError("read user", err)
	}
	u := userFrom(r)
	a := engine.Actor{ID: u.ID, Name: u.Name, Roles: u.Roles, Team: u.Team, Language: u.Language,
		TeamMembers: []string{u.ID}, TreeMembers: []string{u.ID}}
	if u.Team != "" {
		teams, err := s.allTeams(ctx)
		if err != nil {
			return cachedActor{}, err
		}
		tree := subtree(teams, u.Team)
		if a.TeamMembers, err = s.members(ctx, []string{u.Team}, u.ID); err != nil {
			return cachedActor{}, err
		}
		if len(tree) == 1 {
			a.TreeMembers = a.TeamMembers
		} else if a.TreeMembers, err = s.members(ctx, tree, u.ID); err != nil {
			return cachedActor{}, err
		}
	}
	return cachedActor{actor: a, active: u.Active}, nil
}

// members returns the ids of the users of the given teams, self included.
func (s *Service) members(ctx context.Context, teams []string, self string) ([]string, error) {
	in := make([]any, len(teams))
	for i, t := range teams {
		in[i] = t
	}
	recs, err := s.st.Find(ctx, collUsers, query.Query{Filter: query.Cmp{Field: "team", Op: query.In, Value: in}})
	if err != nil {
		return nil, storeError("read team members", err)
	}
	ids := []string{self}
	for _, r := range recs {
		if r.ID != self {
			ids = append(ids, r.ID)
		}
	}
	slices.Sort(ids[1:])
	return ids, nil
}

// subtree returns the team root and every team below it.
func subtree(teams map[string]Team, root string) []string {
	children := map[string][]string{}
	for id, t := range teams {
		if t.Parent != "" {
			children[t.Parent] = append(children[t.Parent], id)
		}
	}
	out, seen := []string{root}, map[string]bool{root: true}
	for i := 0; i < len(out); i++ {
		for _, c := range children[out[i]] {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}
