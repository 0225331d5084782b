package api

import (
	"maps"
	"strings"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema"
)

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// OpenAPI returns the OpenAPI 3.1 description of the API for the entities of
// a catalog: one schema per entity (its record, its input, its patch) and
// the routes of every entity, generated from the definitions.
func OpenAPI(cat *engine.Catalog) map[string]any {
	schemas := obj{
		"Error": obj{"type": "object", "required": []any{"status", "code", "message"}, "properties": obj{
			"status":  obj{"type": "integer"},
			"code":    obj{"type": "string", "description": "A stable code such as invalid, duplicate_value, version_mismatch"},
			"message": obj{"type": "string", "description": "In the language of Accept-Language (en or zh-CN)"},
			"fields": obj{"type": "array", "items": obj{"type": "object", "required": []any{"path", "code", "message"}, "properties": obj{
				"path":    obj{"type": "string", "description": "JSON pointer into the body, or the query parameter"},
				"code":    obj{"type": "string"},
				"message": obj{"type": "string"},
				"offset":  obj{"type": "integer", "description": "Position inside an expression"},
			}}},
		}},
		"EntityDefinition": obj{"type": "object", "description": "A JSON Schema (draft 2020-12) document with Morph's x- vocabulary",
			"required": []any{"$id", "type", "properties"}},
		"EntityList": obj{"type": "object", "properties": obj{"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
			"name": obj{"type": "string"}, "label": obj{"type": "object"}, "version": obj{"type": "integer"}, "definition": ref("EntityDefinition"),
		}}}}},
	}
	errResp := func(desc string) obj {
		return obj{"description": desc, "content": obj{"application/json": obj{"schema": ref("Error")}}}
	}
	jsonBody := func(s obj) obj { return obj{"application/json": obj{"schema": s}} }
	param := func(name, in, desc string, s obj) obj {
		return obj{"name": name, "in": in, "description": desc, "schema": s}
	}
	lang := param("Accept-Language", "header", "en or zh-CN: the language of messages", obj{"type": "string"})
	ifMatchP := param("If-Match", "header", "The version the change is based on; a stale one is refused with 412", obj{"type": "string"})
	idemP := param("Idempotency-Key", "header", "Repeating a request with the same key returns the first response", obj{"type": "string", "maxLength": 255})
	etagH := obj{"ETag": obj{"description": "The record's version", "schema": obj{"type": "string"}}}
	std := func(responses obj, codes ...string) obj {
		msgs := map[string]string{"400": "Bad input", "404": "Unknown entity or record", "409": "A unique value is taken, or the change clashes",
			"412": "Stale version", "413": "Body too large", "415": "Not JSON", "422": "A related record does not exist"}
		for _, c := range codes {
			responses[c] = errResp(msgs[c])
		}
		return responses
	}

	paths := obj{
		"/healthz": obj{"get": obj{"operationId": "healthz", "summary": "Whether the server and its store answer",
			"responses": obj{"200": obj{"description": "Healthy"}, "503": obj{"description": "The store does not answer"}}}},
		"/api/openapi.json": obj{"get": obj{"operationId": "openapi", "summary": "This description",
			"responses": obj{"200": obj{"description": "OpenAPI 3.1 document", "content": jsonBody(obj{"type": "object"})}}}},
		"/api/entities": obj{"get": obj{"operationId": "listEntities", "summary": "Every entity definition", "parameters": []any{lang},
			"responses": obj{"200": obj{"description": "The entities", "content": jsonBody(ref("EntityList"))}}}},
		"/api/entities/{name}": obj{
			"parameters": []any{obj{"name": "name", "in": "path", "required": true, "schema": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}}, lang},
			"get": obj{"operationId": "getEntity", "summary": "One entity definition",
				"responses": std(obj{"200": obj{"description": "The definition", "headers": etagH, "content": jsonBody(ref("EntityDefinition"))}}, "404")},
			"put": obj{"operationId": "putEntity", "summary": "Create or change an entity definition", "parameters": []any{ifMatchP},
				"requestBody": obj{"required": true, "content": jsonBody(ref("EntityDefinition"))},
				"responses": std(obj{"200": obj{"description": "Changed", "headers": etagH, "content": jsonBody(ref("EntityDefinition"))},
					"201": obj{"description": "Created", "headers": etagH, "content": jsonBody(ref("EntityDefinition"))}}, "400", "409", "412", "413", "415")},
			"delete": obj{"operationId": "deleteEntity", "summary": "Delete an entity and its records (refused while others refer to it)",
				"responses": std(obj{"204": obj{"description": "Deleted"}}, "404", "409")},
		},
	}
	for _, name := range cat.Names() {
		ent := cat.Entity(name)
		op := camel(name)
		rec, input, patch := entitySchemas(ent)
		schemas[op], schemas[op+"Input"], schemas[op+"Patch"] = rec, input, patch
		schemas[op+"Page"] = obj{"type": "object", "required": []any{"items"}, "properties": obj{
			"items": obj{"type": "array", "items": ref(op)}, "next": obj{"type": "string", "description": "Cursor of the next page (after=)"},
			"total": obj{"type": "integer"}}}
		schemas[op+"Bulk"] = obj{"type": "object", "required": []any{"items"}, "properties": obj{
			"key":   obj{"type": "string", "description": "A unique field: items whose value matches a record update it"},
			"items": obj{"type": "array", "maxItems": engine.MaxBulk, "items": ref(op + "Input")}}}
		schemas[op+"BulkResult"] = obj{"type": "object", "properties": obj{
			"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"index": obj{"type": "integer"}, "status": obj{"type": "integer"}, "id": obj{"type": "string"},
				"record": ref(op), "error": ref("Error")}}},
			"failed": obj{"type": "integer"}, "succeeded": obj{"type": "integer"}}}
		label := ent.Label.EN
		idP := obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}}
		paths["/api/records/"+name] = obj{
			"parameters": []any{lang},
			"get": obj{"operationId": "list" + op, "summary": "List " + label + " records", "tags": []any{label},
				"parameters": []any{
					param("filter", "query", `An expression such as stage == "won" && amount > 10000`, obj{"type": "string", "maxLength": 4096}),
					param("sort", "query", "Fields to sort by, - for descending: -amount,name", obj{"type": "string"}),
					param("after", "query", "The next cursor of the previous page", obj{"type": "string"}),
					param("limit", "query", "Page size", obj{"type": "integer", "minimum": 1, "maximum": engine.MaxLimit, "default": engine.DefaultLimit}),
					param("count", "query", "Also return the total of matching records", obj{"type": "boolean"}),
					param("fields", "query", "Only these fields: name,phone", obj{"type": "string"}),
					param("expand", "query", "Relation fields whose records to embed under _expand", obj{"type": "string"}),
				},
				"responses": std(obj{"200": obj{"description": "A page", "content": jsonBody(ref(op + "Page"))}}, "400", "404")},
			"post": obj{"operationId": "create" + op, "summary": "Create a " + label + " record", "tags": []any{label}, "parameters": []any{idemP},
				"requestBody": obj{"required": true, "content": jsonBody(ref(op + "Input"))},
				"responses":   std(obj{"201": obj{"description": "Created", "headers": etagH, "content": jsonBody(ref(op))}}, "400", "404", "409", "413", "415", "422")},
		}
		paths["/api/records/"+name+"/bulk"] = obj{
			"parameters": []any{lang},
			"post": obj{"operationId": "bulk" + op, "summary": "Create or upsert many " + label + " records", "tags": []any{label}, "parameters": []any{idemP},
				"requestBody": obj{"required": true, "content": jsonBody(ref(op + "Bulk"))},
				"responses":   std(obj{"200": obj{"description": "One result per item", "content": jsonBody(ref(op + "BulkResult"))}}, "400", "404", "413", "415")},
		}
		paths["/api/records/"+name+"/{id}"] = obj{
			"parameters": []any{idP, lang},
			"get": obj{"operationId": "get" + op, "summary": "One " + label + " record", "tags": []any{label},
				"responses": std(obj{"200": obj{"description": "The record", "headers": etagH, "content": jsonBody(ref(op))}}, "404")},
			"patch": obj{"operationId": "update" + op, "summary": "Change a " + label + " record (null clears a field)", "tags": []any{label}, "parameters": []any{ifMatchP},
				"requestBody": obj{"required": true, "content": jsonBody(ref(op + "Patch"))},
				"responses":   std(obj{"200": obj{"description": "Changed", "headers": etagH, "content": jsonBody(ref(op))}}, "400", "404", "409", "412", "413", "415", "422")},
			"delete": obj{"operationId": "delete" + op, "summary": "Delete a " + label + " record", "tags": []any{label}, "parameters": []any{ifMatchP},
				"responses": std(obj{"204": obj{"description": "Deleted"}}, "404", "412")},
		}
	}
	return obj{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"info": obj{"title": "Morph API", "version": "1",
			"description": "The generic REST API of a Morph CRM, generated from its entity definitions."},
		"servers":    []any{obj{"url": "/"}},
		"paths":      paths,
		"components": obj{"schemas": schemas},
	}
}

// entitySchemas returns the schemas of a record as returned, of the body
// that creates one and of the body that changes one.
func entitySchemas(ent *schema.Entity) (record, input, patch obj) {
	props := obj{}
	patchProps := obj{}
	for _, f := range ent.Fields {
		p := maps.Clone(f.Prop)
		if f.Label.EN != "" && p["title"] == nil {
			p["title"] = f.Label.EN
		}
		props[f.Name] = p
		patchProps[f.Name] = obj{"anyOf": []any{p, obj{"type": "null"}}}
	}
	var required []any
	for _, f := range ent.Fields {
		if f.Required {
			required = append(required, f.Name)
		}
	}
	input = obj{"type": "object", "title": ent.Label.EN, "properties": withOwner(props), "additionalProperties": false}
	if len(required) > 0 {
		input["required"] = required
	}
	patch = obj{"type": "object", "properties": withOwner(patchProps), "additionalProperties": false}
	recProps := maps.Clone(props)
	str := obj{"type": "string"}
	dt := obj{"type": "string", "format": "date-time"}
	recProps["id"] = obj{"type": "string", "format": "uuid"}
	recProps["version"] = obj{"type": "integer", "minimum": 1}
	recProps["created_at"], recProps["updated_at"] = dt, dt
	recProps["created_by"], recProps["updated_by"], recProps["owner"] = str, str, str
	recProps["_expand"] = obj{"type": "object", "description": "Related records asked for with expand"}
	record = obj{"type": "object", "title": ent.Label.EN, "properties": recProps,
		"required": []any{"id", "version", "created_at", "updated_at"}}
	return record, input, patch
}

func withOwner(props obj) obj {
	if _, ok := props["owner"]; !ok {
		props = maps.Clone(props)
		props["owner"] = obj{"type": "string", "description": "The user who owns the record (default: the caller)"}
	}
	return props
}

// camel turns an entity name into the name used in operation ids:
// sales_order → SalesOrder.
func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
