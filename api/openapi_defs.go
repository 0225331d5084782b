package api

import (
	"strings"

	"github.com/morphcrm/morph/schema"
)

// Definitions besides entities in the OpenAPI description: roles and form
// layouts, each document described by its own JSON Schema.

// liftDefs moves a document schema's $defs into the components under
// prefix+Name and points its references there.
func liftDefs(s obj, prefix string, into obj) obj {
	defs, _ := s["$defs"].(obj)
	delete(s, "$defs")
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case obj:
			if r, ok := x["$ref"].(string); ok && strings.HasPrefix(r, "#/$defs/") {
				name := strings.TrimPrefix(r, "#/$defs/")
				x["$ref"] = "#/components/schemas/" + prefix + strings.ToUpper(name[:1]) + name[1:]
			}
			for _, w := range x {
				walk(w)
			}
		case []any:
			for _, w := range x {
				walk(w)
			}
		}
	}
	walk(s)
	for name, d := range defs {
		walk(d)
		into[prefix+strings.ToUpper(name[:1])+name[1:]] = d
	}
	return s
}

func definitionSchemas() obj {
	out := obj{}
	layout := liftDefs(documentSchema(schema.LayoutSchema()), "Layout", out)
	layout["description"] = "A form layout. id and entity are the URL's; version and generated are the server's. " +
		"visibleWhen, requiredWhen and readOnlyWhen are filter expressions over the record; the server enforces the default layout's on every write."
	answered := deepCopy(layout)
	answered["required"] = []any{"id", "entity", "tabs"}
	role := liftDefs(documentSchema(schema.RoleSchema()), "Role", out)
	role["required"] = []any{}
	role["description"] = "A role: what its users may do with the records of each entity; name is the URL's"
	calendar := liftDefs(documentSchema(schema.CalendarSchema()), "Calendar", out)
	calendar["required"] = []any{"timezone", "week"}
	calendar["description"] = "A business calendar: working hours per weekday in a time zone, holidays and make-up working days; name is the URL's. " +
		"A make-up day given as a date takes the hours of the first weekday that has some (Monday first); {\"date\", \"as\"} names the weekday. " +
		"The calendar named default is the one expressions use when they name none."
	str := obj{"type": "string"}
	fieldChange := obj{"type": "object", "required": []any{"field", "type", "holding", "incompatible"},
		"properties": obj{"field": str, "label": obj{"type": "object"}, "type": str, "from": str,
			"changes": obj{"type": "array", "items": str}, "holding": obj{"type": "integer"}, "incompatible": obj{"type": "integer"}}}
	changes := obj{"type": "array", "items": ref("PlanFieldChange")}
	names := obj{"type": "array", "items": str}
	for k, v := range (obj{
		"PlanFieldChange": fieldChange,
		"IndexAdvice": obj{"type": "object", "required": []any{"served"}, "description": "Whether an index serves a list's filter and sort",
			"properties": obj{"served": obj{"type": "boolean"}, "index": str,
				"suggest": obj{"type": "array", "items": str, "description": "An x-indexes entry that would serve it"},
				"why":     obj{"type": "object", "description": "Why nothing serves it and nothing is suggested (en, zh-CN)"}}},
		"Plan": obj{"type": "object", "description": "What saving a definition would do",
			"required": []any{"entity", "create", "version", "records", "added", "removed", "changed", "indexesAdded", "indexesDropped", "layouts", "views", "needsForce", "recompute"},
			"properties": obj{"entity": str, "create": obj{"type": "boolean"}, "version": obj{"type": "integer"}, "records": obj{"type": "integer"},
				"added": changes, "removed": changes, "changed": changes, "indexesAdded": names, "indexesDropped": names,
				"layouts": names, "views": obj{"type": "integer"}, "needsForce": obj{"type": "boolean"},
				"recompute": obj{"type": "boolean", "description": "The formulas compute differently: saving computes them again over the stored records (up to 2,000 before answering, more in the background)"}}},
		"ExpressionCheck": obj{"type": "object", "additionalProperties": false, "required": []any{"entity", "expr", "kind"},
			"properties": obj{
				"entity": obj{"type": "string", "pattern": entityNamePattern},
				"expr":   obj{"type": "string", "maxLength": 4096},
				"kind": obj{"enum": []any{"formula", "default", "rule", "condition", "filter"}, "description": "The place: a formula or a default " +
					"(of field, when given: its type is then the result type), a validation rule or a condition (true or false), " +
					"a filter (the subset translated into store queries: list filters, views, row rules, layout conditions)"},
				"field": obj{"type": "string", "description": "formula and default: the field whose value the expression gives"},
			}},
		"ExpressionCheckResult": obj{"type": "object", "required": []any{"ok", "errors"},
			"properties": obj{
				"ok":   obj{"type": "boolean"},
				"type": obj{"enum": []any{"text", "number", "bool", "datetime", "list", "money", "object", "any"}, "description": "The result's type when ok (any: known only when it runs)"},
				"errors": obj{"type": "array", "items": obj{"type": "object", "required": []any{"code", "message", "offset"},
					"properties": obj{"code": str, "message": str, "offset": obj{"type": "integer", "minimum": 0, "description": "0-based, in characters (runes)"}}}},
			}},
		"RecomputeProgress": obj{"type": "object", "description": "How far the recomputation of an entity's formulas over its stored records has come",
			"required": []any{"entity", "version", "state", "total", "done", "changed", "failed"},
			"properties": obj{"entity": str, "version": obj{"type": "integer", "description": "The definition whose formulas are applied"},
				"state": obj{"enum": []any{"running", "done", "failed", "superseded"}},
				"total": obj{"type": "integer", "description": "Records when it started"}, "done": obj{"type": "integer", "description": "Records read"},
				"changed": obj{"type": "integer", "description": "Records written with new values"},
				"failed":  obj{"type": "integer", "description": "Records on which a formula failed (left as they were, logged)"},
				"error":   str}},
		"LayoutDocument":   layout,
		"Layout":           answered,
		"LayoutList":       obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": ref("Layout")}}},
		"RoleDocument":     role,
		"CalendarDocument": calendar,
		"CalendarList": obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": obj{
			"type": "object", "required": []any{"name", "label", "timezone", "version", "document"},
			"properties": obj{"name": obj{"type": "string"}, "label": obj{"type": "object"}, "timezone": obj{"type": "string"},
				"version":  obj{"type": "integer", "description": "0 for the built-in default"},
				"builtin":  obj{"type": "boolean", "description": "The built-in default calendar: Monday to Friday, 09:00–18:00 in the business time zone, until one named default is saved"},
				"document": ref("CalendarDocument")}}}}},
		"ReferenceList": obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": obj{
			"type": "object", "required": []any{"kind", "name", "path", "pointer", "message"},
			"properties": obj{"kind": obj{"enum": []any{"entity", "layout", "view", "role", "workflow", "sla"}, "description": "The kind of the definition that names it"},
				"name":    obj{"type": "string", "description": "That definition's name (a view's id)"},
				"path":    obj{"type": "string", "description": "Where in that definition, a JSON pointer (empty for the whole)"},
				"pointer": obj{"type": "string", "description": "The path a refused delete or rename names it at: /<kinds>/<name><path>"},
				"message": obj{"type": "string"}}}}}},
		"RoleList": obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": obj{
			"type": "object", "required": []any{"name", "label"},
			"properties": obj{"name": obj{"type": "string"}, "label": obj{"type": "object"}, "version": obj{"type": "integer"},
				"builtin": obj{"type": "boolean"}, "document": ref("RoleDocument")}}}}},
	}) {
		out[k] = v
	}
	return out
}

func definitionPaths() obj {
	str := obj{"type": "string"}
	entity := obj{"name": "name", "in": "path", "required": true, "description": "The entity name",
		"schema": obj{"type": "string", "pattern": entityNamePattern}}
	layoutID := obj{"name": "id", "in": "path", "required": true, "description": "The layout id; default is the entity's form",
		"schema": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}}
	roleName := obj{"name": "name", "in": "path", "required": true, "description": "The role name",
		"schema": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}}
	doc := func(desc, schema string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref(schema))}
	}
	layouts := []any{"Layouts"}
	roles := []any{"Roles"}
	calendars := []any{"Calendars"}
	calendarName := obj{"name": "name", "in": "path", "required": true, "description": "The calendar name; default is the one expressions use when they name none",
		"schema": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}}
	return obj{
		"/api/expressions/check": obj{"parameters": []any{param("AcceptLanguage")},
			"post": obj{"operationId": "checkExpression", "summary": "Check an expression for a place of an entity, for live feedback in the builder",
				"description": "Compiles the expression against the entity's fields (and old, user, now(), the function table) for the place kind " +
					"names, and answers 200 either way: ok with the result's type, or the problems with their offsets. Any signed-in user who may " +
					"read the entity may ask; an entity they may not read is 404, as for its records.",
				"tags":        []any{"Entities"},
				"requestBody": obj{"required": true, "content": jsonContent(ref("ExpressionCheck"))},
				"responses":   responses(obj{"200": obj{"description": "The check", "content": jsonContent(ref("ExpressionCheckResult"))}}, "400", "404", "413", "415")},
		},
		"/api/entities/{name}/recompute": obj{"parameters": []any{entity, param("AcceptLanguage")},
			"get": obj{"operationId": "recomputeStatus", "summary": "The latest recomputation of an entity's formulas on this server (administrators)",
				"description": "A save that changes formulas recomputes the stored records: up to 2,000 before it answers, more in the background, whose progress this shows.",
				"tags":        []any{"Entities"},
				"responses":   responses(obj{"200": obj{"description": "The progress", "content": jsonContent(ref("RecomputeProgress"))}}, "403", "404")},
			"post": obj{"operationId": "recompute", "summary": "Compute an entity's formulas again over its stored records (administrators)",
				"description": "Records whose formula values change are written, each as an audited update by the system. Up to 2,000 records are done before the answer (200); with more it goes on in the background (202), followed with GET.",
				"tags":        []any{"Entities"},
				"responses": responses(obj{"200": obj{"description": "Done", "content": jsonContent(ref("RecomputeProgress"))},
					"202": obj{"description": "Going on in the background", "content": jsonContent(ref("RecomputeProgress"))}}, "403", "404")},
		},
		"/api/entities/{name}/plan": obj{"parameters": []any{entity, param("AcceptLanguage")},
			"post": obj{"operationId": "planEntity", "summary": "What saving this definition would do, without saving it (administrators)",
				"description": "Fields added, removed and changed with the records holding values of each, values the new definition would not accept, indexes built and dropped, layouts and views touched. A definition that is not sound gets the errors a save would.",
				"tags":        []any{"Entities"},
				"requestBody": obj{"required": true, "content": jsonContent(ref("EntityDefinition"))},
				"responses":   responses(obj{"200": obj{"description": "The plan", "content": jsonContent(ref("Plan"))}}, "400", "403", "413")},
		},
		"/api/entities/{name}/rename": obj{"parameters": []any{entity, param("AcceptLanguage")},
			"post": obj{"operationId": "renameEntity", "summary": "Give an entity without records another name (administrators)",
				"description": "The definition is saved under the new name and the old one deleted in one step. Refused with 409, changing nothing, once the entity holds records (has_records), when the name is taken (exists), and with 409 in_use while relation or roll-up fields, saved layouts, views, roles, workflow rules or SLA policies name it (referenced, each at /<kinds>/<name><path>, such as /workflows/deal_won/entity).",
				"tags":        []any{"Entities"},
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(obj{"type": "object", "additionalProperties": false, "required": []any{"name"},
					"properties": obj{"name": obj{"type": "string", "pattern": entityNamePattern}}})},
				"responses": responses(obj{"200": obj{"description": "Renamed: the definition under its new name", "headers": etagHeader(), "content": jsonContent(ref("EntityDefinition"))}}, "400", "403", "404", "409", "412")},
		},
		"/api/entities/{name}/references": obj{"parameters": []any{entity, param("AcceptLanguage")},
			"get": obj{"operationId": "entityReferences", "summary": "The definitions that name an entity (administrators)",
				"description": "Relation and roll-up fields of other entities, its saved layouts, layout drafts and views, roles granting access to it, workflow rules and SLA policies: what a delete (all but its own layouts, drafts, views and roles, which go with it) or a rename is refused for.",
				"tags":        []any{"Entities"},
				"responses":   responses(obj{"200": obj{"description": "The references", "content": jsonContent(ref("ReferenceList"))}}, "403", "404")},
		},
		"/api/entities/{name}/indexes/advice": obj{"parameters": []any{entity, param("AcceptLanguage")},
			"post": obj{"operationId": "adviseIndex", "summary": "Whether an index serves a list's filter and sort, and which composite index would",
				"tags": []any{"Entities"},
				"requestBody": obj{"required": true, "content": jsonContent(obj{"type": "object", "additionalProperties": false,
					"properties": obj{"filter": str, "sort": str}})},
				"responses": responses(obj{"200": obj{"description": "The advice", "content": jsonContent(ref("IndexAdvice"))}}, "400", "404")},
		},
		"/api/entities/{name}/layouts": obj{"parameters": []any{entity, param("AcceptLanguage")},
			"get": obj{"operationId": "listLayouts", "summary": "An entity's form layouts; the generated default when none is saved", "tags": layouts,
				"responses": responses(obj{"200": obj{"description": "The layouts", "content": jsonContent(ref("LayoutList"))}}, "404")},
		},
		"/api/entities/{name}/layouts/{id}": obj{"parameters": []any{entity, layoutID, param("AcceptLanguage")},
			"get": obj{"operationId": "getLayout", "summary": "One layout; default is generated from the entity's fields when none is saved", "tags": layouts,
				"responses": responses(obj{"200": doc("The layout (ETag only when saved)", "Layout")}, "404")},
			"put": obj{"operationId": "putLayout", "summary": "Save a layout, checked completely (administrators)", "tags": layouts,
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("LayoutDocument"))},
				"responses":   responses(obj{"200": doc("Saved", "Layout"), "201": doc("Created", "Layout")}, "400", "403", "404", "412", "413")},
			"delete": obj{"operationId": "deleteLayout", "summary": "Delete a saved layout (administrators)", "tags": layouts,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "403", "404", "412")},
		},
		"/api/entities/{name}/layouts/{id}/draft": obj{"parameters": []any{entity, layoutID, param("AcceptLanguage")},
			"get": obj{"operationId": "getLayoutDraft", "summary": "The draft of a layout (administrators)", "tags": layouts,
				"responses": responses(obj{"200": doc("The draft (draft: true)", "Layout")}, "403", "404")},
			"put": obj{"operationId": "putLayoutDraft", "summary": "Save a draft of a layout, checked completely; the published layout stays in effect (administrators)", "tags": layouts,
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("LayoutDocument"))},
				"responses":   responses(obj{"200": doc("Saved", "Layout"), "201": doc("Created", "Layout")}, "400", "403", "404", "412", "413")},
			"delete": obj{"operationId": "deleteLayoutDraft", "summary": "Discard a draft (administrators)", "tags": layouts,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Discarded"}}, "403", "404", "412")},
		},
		"/api/entities/{name}/layouts/{id}/publish": obj{"parameters": []any{entity, layoutID, param("AcceptLanguage")},
			"post": obj{"operationId": "publishLayout", "summary": "Publish the draft: it becomes the layout users get (administrators)", "tags": layouts,
				"parameters": []any{obj{"name": "If-Match", "in": "header", "description": "The draft's version (ETag) as the publisher saw it", "schema": obj{"type": "string"}}},
				"responses":  responses(obj{"200": doc("Published", "Layout")}, "400", "403", "404", "412")},
		},
		"/api/calendars": obj{"parameters": []any{param("AcceptLanguage")},
			"get": obj{"operationId": "listCalendars", "summary": "The business calendars, the default among them (saved or built-in)", "tags": calendars,
				"responses": responses(obj{"200": obj{"description": "The calendars", "content": jsonContent(ref("CalendarList"))}})},
		},
		"/api/calendars/{name}": obj{"parameters": []any{calendarName, param("AcceptLanguage")},
			"get": obj{"operationId": "getCalendar", "summary": "One calendar's document (the built-in default without an ETag)", "tags": calendars,
				"responses": responses(obj{"200": doc("The calendar", "CalendarDocument")}, "404")},
			"put": obj{"operationId": "putCalendar", "summary": "Save a calendar, checked completely (administrators)", "tags": calendars,
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("CalendarDocument"))},
				"responses":   responses(obj{"200": doc("Saved", "CalendarDocument"), "201": doc("Created", "CalendarDocument")}, "400", "403", "412", "413")},
			"delete": obj{"operationId": "deleteCalendar", "summary": "Delete a calendar; one that entities' expressions, workflow rules or SLA policies name is refused (administrators)",
				"description": "Refused with 409 in_use, changing nothing, while other definitions name the calendar, each a field error (code referenced) at /<kinds>/<name><path>: /entities/case/properties/due/x-expr, /slas/tickets/calendar, /workflows/remind/when.", "tags": calendars,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "403", "404", "409", "412")},
		},
		"/api/calendars/{name}/references": obj{"parameters": []any{calendarName, param("AcceptLanguage")},
			"get": obj{"operationId": "calendarReferences", "summary": "The definitions that name a saved calendar (administrators)",
				"description": "Entities' expressions, workflow rules and SLA policies: what a delete is refused for.", "tags": calendars,
				"responses": responses(obj{"200": obj{"description": "The references", "content": jsonContent(ref("ReferenceList"))}}, "403", "404")},
		},
		"/api/roles": obj{"parameters": []any{param("AcceptLanguage")},
			"get": obj{"operationId": "listRoles", "summary": "The roles, the built-in admin among them (administrators)", "tags": roles,
				"responses": responses(obj{"200": obj{"description": "The roles", "content": jsonContent(ref("RoleList"))}}, "403")},
		},
		"/api/roles/{name}": obj{"parameters": []any{roleName, param("AcceptLanguage")},
			"get": obj{"operationId": "getRole", "summary": "One role's document (administrators)", "tags": roles,
				"responses": responses(obj{"200": doc("The role", "RoleDocument")}, "403", "404")},
			"put": obj{"operationId": "putRole", "summary": "Save a role, checked completely (administrators)", "tags": roles,
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("RoleDocument"))},
				"responses":   responses(obj{"200": doc("Saved", "RoleDocument"), "201": doc("Created", "RoleDocument")}, "400", "403", "412", "413")},
			"delete": obj{"operationId": "deleteRole", "summary": "Delete a role (administrators)", "tags": roles,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "403", "404", "412")},
		},
	}
}
