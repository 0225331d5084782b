// Package examples holds ready-made apps as entity definition files. They
// are what an empty server starts with and the fixtures of the tests.
package examples

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/morphcrm/morph"
)

//go:embed sme-crm/*.json sme-crm/roles/*.json sme-crm/layouts/*.json sme-crm/calendars/*.json sme-crm/workflows/*.json sme-crm/slas/*.json
var files embed.FS

// Definition is one entity definition of an example.
type Definition struct {
	Name string // the entity name ($id)
	JSON []byte // the definition document
}

// Names lists the examples, sorted.
func Names() []string { return names(files) }

func names(fsys fs.FS) []string {
	entries, _ := fs.ReadDir(fsys, ".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// Load returns an example's definitions ordered so that every relation
// target comes before the entities that refer to it: saved in this order,
// each definition's targets already exist. A roll-up counts the records of
// an entity that refers to its own, so an entity with roll-ups comes twice:
// first without them, and whole after every other entity.
func Load(name string) ([]Definition, error) {
	defs, err := load(files, name)
	if err != nil {
		return nil, err
	}
	var later []Definition
	for i, d := range defs {
		stripped, ok, err := withoutRollups(d.JSON)
		if err != nil {
			return nil, fmt.Errorf("examples: %s: %s: %w", name, d.Name, err)
		}
		if ok {
			later = append(later, d)
			defs[i].JSON = stripped
		}
	}
	return append(defs, later...), nil
}

// withoutRollups returns a definition without its roll-up fields, and
// whether it had any.
func withoutRollups(def []byte) ([]byte, bool, error) {
	var doc map[string]any
	if err := json.Unmarshal(def, &doc); err != nil {
		return nil, false, err
	}
	props, _ := doc["properties"].(map[string]any)
	stripped := false
	for k, p := range props {
		if m, ok := p.(map[string]any); ok && m["x-type"] == "rollup" {
			delete(props, k)
			stripped = true
		}
	}
	if !stripped {
		return def, false, nil
	}
	b, err := json.Marshal(doc)
	return b, true, err
}

func load(fsys fs.FS, name string) ([]Definition, error) {
	entries, err := fs.ReadDir(fsys, name)
	if err != nil || !fs.ValidPath(name) || name == "." {
		return nil, morph.Errorf(morph.ENotFound, "There is no example %q; there are: %s", "没有名为 %q 的示例；可用的示例：%s",
			name, strings.Join(names(fsys), ", "))
	}
	defs := map[string]Definition{}
	deps := map[string][]string{}
	var ids []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(name, e.Name()))
		if err != nil {
			return nil, err
		}
		var doc struct {
			ID         string `json:"$id"`
			Properties map[string]struct {
				Ref string `json:"x-ref"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("examples: %s/%s: %w", name, e.Name(), err)
		}
		if doc.ID == "" {
			return nil, fmt.Errorf("examples: %s/%s has no $id", name, e.Name())
		}
		if _, dup := defs[doc.ID]; dup {
			return nil, fmt.Errorf("examples: %s: two files define %s", name, doc.ID)
		}
		defs[doc.ID] = Definition{Name: doc.ID, JSON: b}
		ids = append(ids, doc.ID)
		for _, p := range doc.Properties {
			if p.Ref != "" && p.Ref != doc.ID {
				deps[doc.ID] = append(deps[doc.ID], p.Ref)
			}
		}
	}
	sort.Strings(ids)
	var out []Definition
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("examples: %s: relations form a cycle through %s", name, n)
		case 2:
			return nil
		}
		if _, ok := defs[n]; !ok {
			return fmt.Errorf("examples: %s: an entity refers to %q, which the example lacks", name, n)
		}
		state[n] = 1
		sort.Strings(deps[n])
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
		}
		state[n] = 2
		out = append(out, defs[n])
		return nil
	}
	for _, n := range ids {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Role is one role document of an example.
type Role struct {
	Name string
	JSON []byte
}

// Roles returns an example's role documents (its roles/ folder), by name.
func Roles(name string) ([]Role, error) {
	entries, err := fs.ReadDir(files, path.Join(name, "roles"))
	if err != nil {
		return nil, nil // an example without roles
	}
	var out []Role
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			b, err := fs.ReadFile(files, path.Join(name, "roles", e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, Role{Name: n, JSON: b})
		}
	}
	return out, nil
}

// Layout is the form layout of one entity of an example.
type Layout struct {
	Entity string
	JSON   []byte
}

// Layouts returns an example's form layouts (its layouts/ folder, one file
// per entity), by entity name.
func Layouts(name string) ([]Layout, error) {
	entries, err := fs.ReadDir(files, path.Join(name, "layouts"))
	if err != nil {
		return nil, nil // an example without layouts
	}
	var out []Layout
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			b, err := fs.ReadFile(files, path.Join(name, "layouts", e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, Layout{Entity: n, JSON: b})
		}
	}
	return out, nil
}

// Calendar is one business calendar of an example.
type Calendar struct {
	Name string
	JSON []byte
}

// Calendars returns an example's business calendars (its calendars/
// folder, one file per calendar), by name.
func Calendars(name string) ([]Calendar, error) {
	entries, err := fs.ReadDir(files, path.Join(name, "calendars"))
	if err != nil {
		return nil, nil // an example without calendars
	}
	var out []Calendar
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			b, err := fs.ReadFile(files, path.Join(name, "calendars", e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, Calendar{Name: n, JSON: b})
		}
	}
	return out, nil
}

// Workflow is one workflow rule of an example.
type Workflow struct {
	Name string // the file name without .json: the rule's name
	JSON []byte
}

// Workflows returns an example's workflow rules (its workflows/ folder),
// by name.
func Workflows(name string) ([]Workflow, error) {
	entries, err := fs.ReadDir(files, path.Join(name, "workflows"))
	if err != nil {
		return nil, nil // an example without workflow rules
	}
	var out []Workflow
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			b, err := fs.ReadFile(files, path.Join(name, "workflows", e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, Workflow{Name: n, JSON: b})
		}
	}
	return out, nil
}

// SLA is one SLA policy of an example.
type SLA struct {
	Name string // the file name without .json: the policy's name
	JSON []byte
}

// SLAs returns an example's SLA policies (its slas/ folder), by name.
func SLAs(name string) ([]SLA, error) {
	entries, err := fs.ReadDir(files, path.Join(name, "slas"))
	if err != nil {
		return nil, nil // an example without SLA policies
	}
	var out []SLA
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			b, err := fs.ReadFile(files, path.Join(name, "slas", e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, SLA{Name: n, JSON: b})
		}
	}
	return out, nil
}
