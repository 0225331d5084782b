package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/examples/demo"
	"github.com/morphcrm/morph/identity"
)

func demoCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var c common
	c.register(fs)
	records := fs.Int("records", 1000, "number of accounts to generate (contacts, opportunities … follow in proportion)")
	seed := fs.Int64("seed", 1, "seed of the generator: the same seed gives the same data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.example != "sme-crm" {
		return fmt.Errorf("demo data exists for the sme-crm example only")
	}
	log := c.logger()
	eng, closeStore, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer closeStore()
	ids := identity.New(eng, identity.Options{Logger: log})
	// The administrator comes first, as on the server's first start: the
	// demo's people would otherwise be a store's only users.
	if err := firstAdmin(ctx, ids, log); err != nil {
		return err
	}
	return demoData(ctx, eng, ids, log, *records, *seed)
}

// demoData makes the example company's teams and users, then generates
// demo records owned by its sales reps.
func demoData(ctx context.Context, eng *engine.Engine, ids *identity.Service, log *slog.Logger, accounts int, seed int64) error {
	start := time.Now()
	reps, err := ensureDemoPeople(ctx, ids, log)
	if err != nil {
		return err
	}
	counts, err := loadDemo(ctx, eng, log, demo.Options{Seed: seed, Accounts: accounts, Users: reps,
		Ref: time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	log.Info("demo data loaded", "took", time.Since(start).Round(time.Millisecond), "records", counts)
	return nil
}

// loadDemo generates demo data and stores it through the engine's bulk
// pipeline (every record validated). Records are buffered per entity and a
// buffer is flushed only after the buffers of the entities it refers to, so
// relation targets always exist when a record is stored.
func loadDemo(ctx context.Context, eng *engine.Engine, log *slog.Logger, opts demo.Options) (map[string]int, error) {
	defs, err := examples.Load("sme-crm")
	if err != nil {
		return nil, err
	}
	deps := map[string][]string{}
	for _, d := range defs {
		ent := eng.Catalog().Entity(d.Name)
		if ent == nil {
			return nil, fmt.Errorf("entity %s is not defined in the store", d.Name)
		}
		for _, f := range ent.Fields {
			if f.Ref != "" && f.Ref != d.Name {
				deps[d.Name] = append(deps[d.Name], f.Ref)
			}
		}
	}
	const batch = 500
	buf := map[string][]map[string]any{}
	counts := map[string]int{}
	var flush func(entity string, visiting map[string]bool) error
	flush = func(entity string, visiting map[string]bool) error {
		if visiting[entity] {
			return nil
		}
		visiting[entity] = true
		for _, dep := range deps[entity] {
			if err := flush(dep, visiting); err != nil {
				return err
			}
		}
		items := buf[entity]
		if len(items) == 0 {
			return nil
		}
		buf[entity] = nil
		results, err := eng.CreateMany(ctx, engine.System, entity, items, engine.BulkOptions{})
		if err != nil {
			return fmt.Errorf("store %s: %w", entity, err)
		}
		for _, r := range results {
			if r.Err != nil {
				return fmt.Errorf("demo %s record %d: %w", entity, r.Index, r.Err)
			}
		}
		counts[entity] += len(items)
		return nil
	}
	err = demo.Generate(opts, func(entity string, data map[string]any) error {
		buf[entity] = append(buf[entity], data)
		if len(buf[entity]) >= batch {
			return flush(entity, map[string]bool{})
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		if err := flush(d.Name, map[string]bool{}); err != nil {
			return nil, err
		}
	}
	return counts, nil
}
