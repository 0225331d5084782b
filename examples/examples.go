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
)

//go:embed sme-crm/*.json
var files embed.FS

// Definition is one entity definition of an example.
type Definition struct {
	Name string // the entity name ($id)
	JSON []byte // the definition document
}

// Names lists the examples.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
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
// each definition's targets already exist.
func Load(name string) ([]Definition, error) {
	entries, err := fs.ReadDir(files, name)
	if err != nil {
		return nil, fmt.Errorf("examples: no example %q (have %s)", name, strings.Join(Names(), ", "))
	}
	defs := map[string]Definition{}
	deps := map[string][]string{}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := files.ReadFile(path.Join(name, e.Name()))
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
		defs[doc.ID] = Definition{Name: doc.ID, JSON: b}
		names = append(names, doc.ID)
		for _, p := range doc.Properties {
			if p.Ref != "" && p.Ref != doc.ID {
				deps[doc.ID] = append(deps[doc.ID], p.Ref)
			}
		}
	}
	sort.Strings(names)
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
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}
