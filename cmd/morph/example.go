package main

import (
	"context"
	"fmt"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
)

// installExample saves an example app's definitions, relation targets first.
func installExample(ctx context.Context, eng *engine.Engine, name string) error {
	defs, err := examples.Load(name)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := eng.PutEntity(ctx, engine.System, d.Name, d.JSON); err != nil {
			return fmt.Errorf("example %s: entity %s: %w", name, d.Name, err)
		}
	}
	return installRoles(ctx, eng, name)
}

// installRoles saves an example app's roles.
func installRoles(ctx context.Context, eng *engine.Engine, name string) error {
	roles, err := examples.Roles(name)
	if err != nil {
		return err
	}
	for _, r := range roles {
		if _, _, err := eng.PutRole(ctx, engine.System, r.Name, r.JSON); err != nil {
			return fmt.Errorf("example %s: role %s: %w", name, r.Name, err)
		}
	}
	return nil
}
