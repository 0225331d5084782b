package main

import (
	"context"
	"fmt"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/examples"
	"github.com/morphcrm/morph/schema"
	"github.com/morphcrm/morph/sla"
	"github.com/morphcrm/morph/workflow"
)

// installExample saves an example app's definitions: its calendars first
// (expressions may name them), then its entities, relation targets first.
func installExample(ctx context.Context, eng *engine.Engine, name string) error {
	defs, err := examples.Load(name)
	if err != nil {
		return err
	}
	if err := installCalendars(ctx, eng, name); err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := eng.PutEntity(ctx, engine.System, d.Name, d.JSON); err != nil {
			return fmt.Errorf("example %s: entity %s: %w", name, d.Name, err)
		}
	}
	if err := installRoles(ctx, eng, name); err != nil {
		return err
	}
	return installLayouts(ctx, eng, name)
}

// installLayouts saves an example app's form layouts (each its entity's
// default form).
func installLayouts(ctx context.Context, eng *engine.Engine, name string) error {
	layouts, err := examples.Layouts(name)
	if err != nil {
		return err
	}
	for _, l := range layouts {
		if _, _, err := eng.PutLayout(ctx, engine.System, l.Entity, schema.DefaultLayout, l.JSON); err != nil {
			return fmt.Errorf("example %s: layout of %s: %w", name, l.Entity, err)
		}
	}
	return nil
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

// installCalendars saves an example app's business calendars.
func installCalendars(ctx context.Context, eng *engine.Engine, name string) error {
	cals, err := examples.Calendars(name)
	if err != nil {
		return err
	}
	for _, c := range cals {
		if _, _, err := eng.PutCalendar(ctx, engine.System, c.Name, c.JSON); err != nil {
			return fmt.Errorf("example %s: calendar %s: %w", name, c.Name, err)
		}
	}
	return nil
}

// installWorkflows saves an example app's workflow rules.
func installWorkflows(ctx context.Context, wf *workflow.Service, name string) error {
	rules, err := examples.Workflows(name)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if _, _, err := wf.Put(ctx, engine.System, r.Name, r.JSON, 0); err != nil {
			return fmt.Errorf("example %s: workflow rule %s: %w", name, r.Name, err)
		}
	}
	return nil
}

// installSLAs saves an example app's SLA policies.
func installSLAs(ctx context.Context, svc *sla.Service, name string) error {
	policies, err := examples.SLAs(name)
	if err != nil {
		return err
	}
	for _, p := range policies {
		if _, _, err := svc.Put(ctx, engine.System, p.Name, p.JSON, 0); err != nil {
			return fmt.Errorf("example %s: SLA policy %s: %w", name, p.Name, err)
		}
	}
	return nil
}
