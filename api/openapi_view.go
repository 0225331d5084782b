package api

import (
	"encoding/json"
	"slices"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema"
)

// viewSchemas are the schemas of saved views: the document (ViewDocument,
// schema.ViewSchema: what a client sends, and with the server's keys what
// it gets) and a list of them (ViewList).
func viewSchemas() obj {
	var doc obj
	if err := json.Unmarshal(schema.ViewSchema(), &doc); err != nil {
		panic(err)
	}
	delete(doc, "$schema")
	delete(doc, "$id")
	return obj{
		"ViewDocument": doc,
		"ViewList": obj{
			"type":     "object",
			"required": []any{"items"},
			"properties": obj{"items": obj{"type": "array", "items": ref("ViewDocument"),
				"description": "The generated views first (where the caller has no view of their type), then the shared views and the caller's own by label"}},
		},
	}
}

// viewPaths are the routes of saved views.
func viewPaths() obj {
	nameParam := obj{"name": "name", "in": "path", "required": true, "description": "The entity name",
		"schema": obj{"type": "string", "pattern": entityNamePattern}}
	idParam := obj{"name": "id", "in": "path", "required": true,
		"description": "The view id: a UUID, or default / default_kanban for the generated views",
		"schema":      obj{"type": "string", "maxLength": 64}}
	view := func(desc string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref("ViewDocument"))}
	}
	created := view("Created")
	created["headers"].(obj)["Location"] = componentRef("headers", "Location")
	tags := []any{"Views"}
	return obj{
		"/api/entities/{name}/views": obj{
			"parameters": []any{nameParam, param("AcceptLanguage")},
			"get": obj{
				"operationId": "listViews", "summary": "The list and kanban views of an entity the caller may use", "tags": tags,
				"description": "The shared views and the caller's own private ones, by label in the language of Accept-Language, " +
					"after the generated ones (default: a list; default_kanban: a kanban by the first select field), which come " +
					"only where no view of their type is listed. Columns, card fields, sort keys and the group-by field that the " +
					"caller may not read, or that the entity no longer has, are left out.",
				"responses": responses(obj{"200": obj{"description": "The views", "content": jsonContent(ref("ViewList"))}}, "404"),
			},
			"post": obj{
				"operationId": "createView", "summary": "Save a new view of an entity", "tags": tags,
				"description": "The document is checked completely (fields that exist and that the caller may read, a filter and " +
					"sort that compile, columns for a list, a select or user field to group a kanban by); every problem comes " +
					"back at once, keyed by JSON pointer. id, entity, owner, version and generated are set by the server and " +
					"ignored when sent. The view is the caller's; only administrators share views (shared: true).",
				"requestBody": obj{"required": true, "content": jsonContent(ref("ViewDocument"))},
				"responses":   responses(obj{"201": created}, "400", "403", "404", "409", "413", "415"),
			},
		},
		"/api/entities/{name}/views/{id}": obj{
			"parameters": []any{nameParam, idParam, param("AcceptLanguage")},
			"get": obj{
				"operationId": "getView", "summary": "One view: shared, the caller's own, or a generated one", "tags": tags,
				"responses": responses(obj{"200": view("The view (a stored one with its version as ETag)")}, "404"),
			},
			"put": obj{
				"operationId": "putView", "summary": "Replace a view (its owner or an administrator)", "tags": tags,
				"description": "Checked as on creation. Only administrators make a view shared.",
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("ViewDocument"))},
				"responses":   responses(obj{"200": view("Changed")}, "400", "403", "404", "412", "413", "415"),
			},
			"delete": obj{
				"operationId": "deleteView", "summary": "Delete a view (its owner or an administrator)", "tags": tags,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "400", "403", "404", "412"),
			},
		},
	}
}

// restrictViews limits the entity name of the view routes to the entities
// a caller with permissions perms may read, and drops the routes when
// there is none.
func restrictViews(paths obj, perms *engine.Permissions) {
	var names []any
	for n, p := range perms.Entities {
		if p.Read != "none" {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b any) int {
		switch {
		case a.(string) < b.(string):
			return -1
		case a.(string) > b.(string):
			return 1
		}
		return 0
	})
	for _, p := range []string{"/api/entities/{name}/views", "/api/entities/{name}/views/{id}"} {
		if len(names) == 0 {
			delete(paths, p)
			continue
		}
		params := paths[p].(obj)["parameters"].([]any)
		name := deepCopy(params[0].(obj))
		name["schema"] = obj{"type": "string", "enum": names}
		params[0] = name
	}
}
