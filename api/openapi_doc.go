package api

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/schema"
	exprlang "github.com/morphcrm/morph/schema/lang"
)

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

// The schemas and operations every entity gets, by suffix and prefix of
// the entity's base name.
var (
	entitySchemaSuffixes = []string{"", "Input", "Patch", "Page", "Bulk", "BulkResult", "Definition"}
	entityOpPrefixes     = []string{"list", "create", "bulk", "get", "update", "delete", "history", "export", "erase"}
)

// OpenAPI returns the OpenAPI 3.1 description of the API for the entities of
// a catalog, generated from their definitions: per entity the schema of its
// record, of the body that creates one (Input), of the body that changes one
// (Patch), of a list page and of a bulk call, and its own paths. The same
// catalog always gives the same document. The document shares nothing with
// the catalog: a caller may change it.
func OpenAPI(cat *engine.Catalog) map[string]any { return OpenAPIFor(cat, nil) }

// OpenAPIFor is the description as a caller with the given permissions
// sees it: only the entities they may read or create, only the fields they
// may see (masked ones as text), only the fields they may edit in bodies,
// and only the operations they may call. Nil permissions see everything.
func OpenAPIFor(cat *engine.Catalog, perms *engine.Permissions) map[string]any {
	names := cat.Names()
	if perms != nil && !perms.Admin {
		var seen []string
		for _, n := range names {
			if _, ok := perms.Entities[n]; ok {
				seen = append(seen, n)
			}
		}
		names = seen
	}
	schemas := commonSchemas()
	paths := commonPaths()
	bases := entityBases(names, schemas, paths)
	parameters, headers, resps := sharedComponents()
	tags := []any{
		obj{"name": "Entities", "description": "Entity definitions"},
		obj{"name": "System", "description": "Health and this description"},
		obj{"name": "Identity", "description": "Sign-in, the signed-in user, users, teams and API keys"},
		obj{"name": "Roles", "description": "What users may do with records and fields (administrators)"},
		obj{"name": "Layouts", "description": "Form layouts: how records are laid out, and the conditions of their fields"},
		obj{"name": "Views", "description": "Saved list and kanban views of an entity's records"},
		obj{"name": "Calendars", "description": "Business calendars: working hours, holidays and make-up days for working-time functions and deadlines"},
		obj{"name": "Workflow", "description": "Workflow rules, their runs and deliveries, and users' notifications"},
		obj{"name": "SLA", "description": "SLA policies: response and resolution deadlines on a business calendar, kept on records"},
	}
	tagTaken := map[string]bool{"Entities": true, "System": true, "Identity": true, "Roles": true, "Layouts": true, "Views": true, "Calendars": true, "Workflow": true, "SLA": true}
	for _, name := range names {
		ent := cat.Entity(name)
		if ent == nil {
			continue
		}
		base := bases[name]
		tag := entityTag(ent, tagTaken)
		t := obj{"name": tag}
		if ent.Label.ZH != "" && ent.Label.ZH != tag {
			t["description"] = ent.Label.ZH
		}
		tags = append(tags, t)
		ss, ps := entitySchemas(ent, base, bases), entityPaths(ent, base, tag)
		if perms != nil && !perms.Admin {
			restrictEntity(ent, perms.Entities[name], base, ss, ps)
		}
		for suffix, s := range ss {
			schemas[base+suffix] = s
		}
		for p, item := range ps {
			paths[p] = item
		}
	}
	if perms != nil && !perms.Admin {
		dropDanglingExpands(schemas)
		restrictViews(paths, perms)
		dropAdminOperations(paths)
	}
	return obj{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
		"info": obj{
			"title":   "Morph API",
			"version": "1",
			"description": "The generic REST API of a Morph CRM, generated from its entity definitions. " +
				"Messages follow Accept-Language (en or zh-CN). A change carries the version it is based on " +
				"(If-Match); a POST may carry an Idempotency-Key. Every /api operation but sign-in needs a session token or " +
				"API key (Authorization: Bearer) or the session cookie — without them the answer is 401 (unauthenticated) — " +
				"and a change made with the cookie needs the header X-Morph-CSRF: 1 (403 csrf otherwise); this description is also served without.",
		},
		"servers": []any{obj{"url": "/"}},
		"paths":   paths,
		"components": obj{"schemas": schemas, "parameters": parameters, "headers": headers, "responses": resps,
			"securitySchemes": securitySchemes()},
		"security": authenticated(),
		"tags":     tags,
	}
}

// entityBases gives each entity the base of its schema names and operation
// ids (sales_order → SalesOrder). Bases are unique across the document: when
// one of the names derived from a base is already taken, by the given
// schemas and the operations of the given paths or by an earlier entity (an
// entity named "error" would take the Error schema; "a_b" and "a__b" would
// share AB), the later entity in name order gets a number (Error2).
func entityBases(names []string, schemas, paths obj) map[string]string {
	taken := map[string]bool{}
	for s := range schemas {
		taken["s:"+s] = true
	}
	for _, o := range operationIDs(paths) {
		taken["o:"+o] = true
	}
	derived := func(base string) []string {
		out := make([]string, 0, len(entitySchemaSuffixes)+len(entityOpPrefixes))
		for _, s := range entitySchemaSuffixes {
			out = append(out, "s:"+base+s)
		}
		for _, p := range entityOpPrefixes {
			out = append(out, "o:"+p+base)
		}
		return out
	}
	free := func(base string) bool {
		for _, k := range derived(base) {
			if taken[k] {
				return false
			}
		}
		return true
	}
	bases := make(map[string]string, len(names))
	for _, name := range names {
		c := camel(name)
		base := c
		for i := 2; !free(base); i++ {
			base = c + strconv.Itoa(i)
		}
		for _, k := range derived(base) {
			taken[k] = true
		}
		bases[name] = base
	}
	return bases
}

// operationIDs lists the operation ids of paths.
func operationIDs(paths obj) []string {
	var ids []string
	for _, item := range paths {
		for _, op := range item.(obj) {
			if op, ok := op.(obj); ok {
				if id, ok := op["operationId"].(string); ok {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// entityTag is the tag that groups an entity's operations: its English
// label, or the label with the entity name when another entity has the label.
func entityTag(ent *schema.Entity, taken map[string]bool) string {
	tag := ent.Label.EN
	if tag == "" {
		tag = ent.Name
	}
	if taken[tag] {
		tag += " (" + ent.Name + ")"
	}
	taken[tag] = true
	return tag
}

// commonSchemas are the schemas that do not depend on the definitions.
func commonSchemas() obj {
	str := func(desc string) obj { return obj{"type": "string", "description": desc} }
	schemas := identitySchemas()
	for k, v := range definitionSchemas() {
		schemas[k] = v
	}
	for k, v := range workflowSchemas() {
		schemas[k] = v
	}
	for k, v := range slaSchemas() {
		schemas[k] = v
	}
	for k, v := range (obj{
		"Error": obj{
			"type":        "object",
			"description": "The one shape of every failure",
			"required":    []any{"status", "code", "message"},
			"properties": obj{
				"status": obj{"type": "integer", "description": "The HTTP status"},
				"code": str("A stable code to branch on: invalid, invalid_json, invalid_filter, unauthenticated, forbidden, csrf, not_found, conflict, " +
					"duplicate_value, incompatible_values, version_mismatch, body_too_large, unsupported_media, unprocessable, rule, expression_failed, internal …"),
				"message": str("In the language of Accept-Language (en or zh-CN)"),
				"fields": obj{
					"type":        "array",
					"description": "What is wrong with each part of the input",
					"items": obj{
						"type":     "object",
						"required": []any{"path", "code", "message"},
						"properties": obj{
							"path":    str("A JSON pointer into the body (/phone), or the name of a query parameter or header (filter, If-Match)"),
							"code":    str("What is wrong: required, type, format, unique, unknown_field, read_only …"),
							"message": str("In the language of Accept-Language"),
							"offset":  obj{"type": "integer", "minimum": 0, "description": "The position inside an expression (filter, sort, fields, expand)"},
						},
					},
				},
			},
		},
		"Label": obj{
			"type":        "object",
			"description": "A label in each language Morph speaks",
			"properties":  obj{"en": obj{"type": "string"}, "zh-CN": obj{"type": "string"}},
		},
		"EntityDefinition": obj{
			"type": "object",
			"description": "An entity definition: a JSON Schema (draft 2020-12) document with Morph's x- vocabulary " +
				"(x-type, x-label, x-ref, x-unique, x-indexed, x-personal, x-options, x-indexes …); x-personal: true marks a field " +
				"holding personal data, exported and erased on request with its audit history. The URL names the entity: $id may be left out; " +
				"a plain name in $id must be the URL's, a URI $id (https://example.com/owner.json) is kept as x-source-id " +
				"and never fetched. The stored definition's $id is the entity name.",
			"required": []any{"type", "properties"},
			"properties": obj{
				"$id":         obj{"type": "string", "description": "The entity name, or a URI identifying the document elsewhere"},
				"x-source-id": obj{"type": "string", "description": "The URI $id the definition was saved with"},
				"title":       obj{"type": "string"},
				"type":        obj{"const": "object"},
				"properties":  obj{"type": "object", "additionalProperties": obj{"type": "object"}},
				"required":    obj{"type": "array", "items": obj{"type": "string"}},
				"x-indexes": obj{
					"type": "array", "maxItems": schema.MaxIndexes,
					"description": `Composite indexes for the lists users ask for most: each a list of field names, "-" before ` +
						`a name for descending order, such as [["owner", "-amount"], ["stage", "expected_close"]]. ` +
						"A page filtered on an index's first fields and sorted by the following ones is read in index order.",
					"items": obj{"type": "array", "minItems": 1, "maxItems": schema.MaxIndexFields, "items": obj{"type": "string"}},
				},
			},
		},
		"AuditEntry": obj{
			"type":        "object",
			"description": "One entry of the append-only audit log: who did what to which record or definition, when and from where",
			"required":    []any{"id", "at", "actor", "action"},
			"properties": obj{
				"id":         str("The entry's id"),
				"at":         obj{"type": "string", "format": "date-time"},
				"actor":      str("The user id (system for the engine's own work)"),
				"actor_name": str("The user's name at the time"),
				"addr":       str("The client's address"),
				"via":        str("How the actor signed in: session, key, cli"),
				"action":     str("create, update, delete, define, undefine, login, login_failed, login_locked, logout, key_create, key_revoke, export, erase"),
				"kind":       str("What entity names: record (an entity's record), entity (a definition), role, calendar, view (a saved view: entity is its entity, record its id), user, team, key, session"),
				"entity":     str("The entity of a record; the name of a definition"),
				"record":     str("The record's id"),
				"version":    obj{"type": "integer", "description": "The record's (definition's) version after the change; for a delete, the version deleted"},
				"fields":     obj{"type": "array", "items": obj{"type": "string"}, "description": "The fields that changed (of an erasure: the fields erased)"},
				"old":        obj{"type": "object", "description": "Their previous values (personal ones erased read [erased])"},
				"new":        obj{"type": "object", "description": "Their new values"},
				"note":       str("A remark, such as why a sign-in failed"),
			},
		},
		"AuditPage": obj{
			"type":     "object",
			"required": []any{"items"},
			"properties": obj{
				"items": obj{"type": "array", "items": ref("AuditEntry"), "description": "Newest first"},
				"next":  str("The cursor of the next page (pass it as after); absent on the last page"),
			},
		},
		"Export": obj{
			"type":        "object",
			"description": "Everything Morph holds about a record: the record, the records pointing at it, its history",
			"required":    []any{"entity", "record", "personal_fields", "references", "history"},
			"properties": obj{
				"entity":          obj{"type": "string"},
				"record":          obj{"type": "object"},
				"personal_fields": obj{"type": "array", "items": obj{"type": "string"}, "description": "The entity's x-personal fields"},
				"references": obj{"type": "array", "items": obj{
					"type": "object", "required": []any{"entity", "field", "records"},
					"properties": obj{
						"entity":  obj{"type": "string"},
						"field":   obj{"type": "string", "description": "The relation field pointing at the record"},
						"records": obj{"type": "array", "items": obj{"type": "object"}},
						"more":    obj{"type": "boolean", "description": "More records point at it than are listed"},
					},
				}},
				"history": obj{"type": "array", "items": ref("AuditEntry"), "description": "Newest first"},
			},
		},
		"Erasure": obj{
			"type":     "object",
			"required": []any{"fields", "version", "entries"},
			"properties": obj{
				"fields":  obj{"type": "array", "items": obj{"type": "string"}, "description": "The personal fields the record held"},
				"version": obj{"type": "integer", "description": "The record's version after the erasure (0 when it was deleted before)"},
				"entries": obj{"type": "integer", "description": "How many audit entries had values erased"},
			},
		},
		"EntityList": obj{
			"type":     "object",
			"required": []any{"items"},
			"properties": obj{"items": obj{"type": "array", "items": obj{
				"type":     "object",
				"required": []any{"name", "label", "version", "definition"},
				"properties": obj{
					"name":       obj{"type": "string"},
					"label":      ref("Label"),
					"version":    obj{"type": "integer", "minimum": 1},
					"definition": ref("EntityDefinition"),
				},
			}}},
		},
	}) {
		schemas[k] = v
	}
	for k, v := range viewSchemas() {
		schemas[k] = v
	}
	return schemas
}

const entityNamePattern = "^[a-z][a-z0-9_]{0,39}$"

// The parameters, headers and responses the paths share, as components.
func sharedComponents() (parameters, headers, responses obj) {
	header := func(name, desc string, s obj) obj {
		return obj{"name": name, "in": "header", "description": desc, "schema": s}
	}
	query := func(name, desc string, s obj) obj {
		return obj{"name": name, "in": "query", "description": desc, "schema": s}
	}
	parameters = obj{
		"AcceptLanguage": header("Accept-Language", "en or zh-CN: the language of messages", obj{"type": "string"}),
		"IfMatch": header("If-Match", "The version the change is based on (the ETag of what it changes); "+
			"a stale one is refused with 412. Without it the change applies to the current version.", obj{"type": "string"}),
		"IfNoneMatch": header("If-None-Match", "The ETag of a copy the client holds: while the record is still at "+
			"that version the answer is 304 without a body", obj{"type": "string"}),
		"IdempotencyKey": header("Idempotency-Key", "Repeating a request with the same key returns the first response "+
			"instead of running it again", obj{"type": "string", "minLength": 1, "maxLength": 255}),
		"Filter": query("filter", fmt.Sprintf(`An expression over the fields, such as stage == "won" && amount > 10000 (at most %d bytes)`,
			exprlang.MaxFilterLen), obj{"type": "string", "maxLength": exprlang.MaxFilterLen}),
		"Sort": query("sort", fmt.Sprintf("Fields to sort by, - for descending: -amount,name (at most %d)", exprlang.MaxSortKeys),
			obj{"type": "string", "maxLength": exprlang.MaxListLen}),
		"After": query("after", "The next cursor of the previous page", obj{"type": "string", "maxLength": 4096}),
		"Limit": query("limit", "The page size", obj{"type": "integer", "minimum": 1, "maximum": engine.MaxLimit, "default": engine.DefaultLimit}),
		"Count": query("count", "Also return the number of matching records (total)", obj{"type": "boolean", "default": false}),
		"Fields": query("fields", "Only these fields (with id and version), comma-separated",
			obj{"type": "string", "maxLength": exprlang.MaxListLen}),
		"Expand": query("expand", "Relation fields whose records to embed under _expand, comma-separated",
			obj{"type": "string", "maxLength": exprlang.MaxListLen}),
	}
	headers = obj{
		"ETag":            obj{"description": "The version, to send back in If-Match", "schema": obj{"type": "string"}},
		"ContentLanguage": obj{"description": "The language of the message", "schema": obj{"type": "string"}},
		"Location":        obj{"description": "The URL of what was created", "schema": obj{"type": "string"}},
		"IdempotentReplayed": obj{"description": "true when the response is the stored one of an earlier request with the same Idempotency-Key",
			"schema": obj{"type": "string", "enum": []any{"true"}}},
	}
	responses = obj{}
	for _, r := range errorResponses {
		responses[r.name] = obj{
			"description": r.desc,
			"headers":     obj{"Content-Language": componentRef("headers", "ContentLanguage")},
			"content":     jsonContent(ref("Error")),
		}
	}
	return parameters, headers, responses
}

// errorResponses are the failures, by status.
var errorResponses = map[string]struct{ name, desc string }{
	"400": {"BadRequest", "Bad input: malformed JSON, a wrong field value, an invalid filter"},
	"401": {"Unauthenticated", "No credentials, or credentials that are wrong, expired or revoked (unauthenticated)"},
	"403": {"Forbidden", "The caller may not do this (forbidden), or a change made with the session cookie lacks the CSRF header or comes from another origin (csrf)"},
	"429": {"RateLimited", "Too many failed attempts; retry after Retry-After seconds"},
	"404": {"NotFound", "Unknown entity or record"},
	"409": {"Conflict", "A unique value is taken, or the change clashes with the current state (of a definition: stored values do not fit it, incompatible_values)"},
	"412": {"PreconditionFailed", "The version in If-Match is stale"},
	"413": {"TooLarge", "The body is too large"},
	"415": {"UnsupportedMedia", "The body is not JSON"},
	"422": {"Unprocessable", "A related record does not exist (code unprocessable; of an erasure: the entity has no personal fields), " +
		"a validation rule of the entity says the record is wrong (code rule: the rules' messages, at the fields they name, each with code rule:<name>), " +
		"or a formula, default or rule of the definition could not be computed for the record (code expression_failed, naming it)"},
	"507":     {"StorageFull", "The store has no space left; nothing was changed: retry once space has been freed"},
	"default": {"Unexpected", "An unexpected failure"},
}

func componentRef(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }

func param(name string) obj { return componentRef("parameters", name) }

func etagHeader() obj { return obj{"ETag": componentRef("headers", "ETag")} }

func jsonContent(s obj) obj { return obj{"application/json": obj{"schema": s}} }

// responses returns the given responses with the error responses of codes
// and the default one added.
func responses(ok obj, codes ...string) obj {
	for _, c := range append(codes, "default") {
		ok[c] = componentRef("responses", errorResponses[c].name)
	}
	return ok
}

// commonPaths are the routes that do not depend on the definitions.
func commonPaths() obj {
	nameParam := obj{"name": "name", "in": "path", "required": true, "description": "The entity name",
		"schema": obj{"type": "string", "pattern": entityNamePattern}}
	definition := func(desc string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref("EntityDefinition"))}
	}
	health := obj{"type": "object", "required": []any{"status"}, "properties": obj{"status": obj{"enum": []any{"ok", "unavailable", "storage_full"}}, "message": obj{"type": "string"}}}
	paths := identityPaths()
	for k, v := range definitionPaths() {
		paths[k] = v
	}
	for k, v := range workflowPaths() {
		paths[k] = v
	}
	for k, v := range slaPaths() {
		paths[k] = v
	}
	for p, item := range (obj{
		"/healthz": obj{"get": obj{
			"security":    []any{},
			"operationId": "healthz", "summary": "Whether the server and its store answer", "tags": []any{"System"},
			"responses": obj{
				"200": obj{"description": "Healthy", "content": jsonContent(health)},
				"503": obj{"description": "The store does not answer, or has no space left for writes", "content": jsonContent(health)},
			},
		}},
		"/api/openapi.json": obj{"get": obj{
			"operationId": "openapi", "summary": "This description, generated from the current definitions", "tags": []any{"System"},
			"security":  append([]any{obj{}}, authenticated()...),
			"responses": obj{"200": obj{"description": "An OpenAPI 3.1 document", "content": jsonContent(obj{"type": "object"})}},
		}},
		"/api/audit": obj{
			"parameters": []any{param("AcceptLanguage")},
			"get": obj{
				"operationId": "auditLog", "summary": "The audit log, newest first (administrators only)", "tags": []any{"Audit"},
				"description": "Every create, update and delete of records and definitions, sign-ins, exports and erasures. " +
					"Nothing in the API changes or deletes an entry.",
				"parameters": []any{auditFilter("actor", "Entries of this user id"), auditFilter("entity", "Entries of this entity (records or definition)"),
					auditFilter("record", "Entries of this record id"), auditFilter("action", "Entries of this action (create, update …)"),
					auditFilter("kind", "Entries of this kind (record, entity …)"),
					obj{"name": "from", "in": "query", "description": "Entries at or after this time (RFC 3339)", "schema": obj{"type": "string", "format": "date-time"}},
					obj{"name": "to", "in": "query", "description": "Entries before this time (RFC 3339)", "schema": obj{"type": "string", "format": "date-time"}},
					param("After"), param("Limit")},
				"responses": responses(obj{"200": obj{"description": "A page of entries", "content": jsonContent(ref("AuditPage"))}}, "400", "403"),
			},
		},
		"/api/entities": obj{
			"parameters": []any{param("AcceptLanguage")},
			"get": obj{
				"operationId": "listEntities", "summary": "Every entity definition", "tags": []any{"Entities"},
				"responses": responses(obj{"200": obj{"description": "The entities, by name", "content": jsonContent(ref("EntityList"))}}),
			},
		},
		"/api/entities/{name}": obj{
			"parameters": []any{nameParam, param("AcceptLanguage")},
			"get": obj{
				"operationId": "getEntity", "summary": "One entity definition", "tags": []any{"Entities"},
				"responses": responses(obj{"200": definition("The definition as stored")}, "404"),
			},
			"put": obj{
				"operationId": "putEntity", "summary": "Create or change an entity definition", "tags": []any{"Entities"},
				"description": "The definition is checked completely before it is saved; errors are keyed by the JSON pointer of the part that is wrong. " +
					"A change of a field's type, x-many or x-ref, or a select losing options, is refused with 409 incompatible_values " +
					"while stored records hold values the changed field does not accept (counted per field at /properties/<field>), " +
					"unless force=true: then those values stay as they are.",
				"parameters": []any{param("IfMatch"), obj{"name": "force", "in": "query",
					"description": "Save although stored values do not fit a changed field", "schema": obj{"type": "boolean", "default": false}}},
				"requestBody": obj{"required": true, "content": jsonContent(ref("EntityDefinition"))},
				"responses": responses(obj{"200": definition("Changed"), "201": definition("Created")},
					"400", "409", "412", "413", "415"),
			},
			"delete": obj{
				"operationId": "deleteEntity", "summary": "Delete an entity and its records", "tags": []any{"Entities"},
				"description": "Refused with 409 in_use, changing nothing, while other definitions name it: relation or roll-up fields of other entities, workflow rules (as their entity or a create action's), SLA policies. Each is a field error (code referenced) at /<kinds>/<name><path>: /entities/contact/properties/account, /workflows/deal_won/actions/1/entity, /slas/tickets/entity.",
				"parameters":  []any{param("IfMatch")},
				"responses":   responses(obj{"204": obj{"description": "Deleted"}}, "400", "404", "409", "412"),
			},
		},
	}) {
		paths[p] = item
	}
	for p, item := range viewPaths() {
		paths[p] = item
	}
	return paths
}

// auditFilter is a filter parameter of the audit log.
func auditFilter(name, desc string) obj {
	return obj{"name": name, "in": "query", "description": desc, "schema": obj{"type": "string", "maxLength": 256}}
}

// entityPaths returns the paths of one entity's records.
func entityPaths(ent *schema.Entity, base, tag string) obj {
	label := ent.Label.EN
	if label == "" {
		label = ent.Name
	}
	tags := func() []any { return []any{tag} }
	idParam := obj{"name": "id", "in": "path", "required": true, "description": "The record id",
		"schema": obj{"type": "string", "format": "uuid"}}
	record := func(desc string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref(base))}
	}
	created := record("Created")
	created["headers"].(obj)["Location"] = componentRef("headers", "Location")
	created["headers"].(obj)["Idempotent-Replayed"] = componentRef("headers", "IdempotentReplayed")
	bulkOK := obj{"description": "One result per item, in order; the call succeeds even when items fail",
		"headers": obj{"Idempotent-Replayed": componentRef("headers", "IdempotentReplayed")}, "content": jsonContent(ref(base + "BulkResult"))}

	coll := "/api/records/" + ent.Name
	return obj{
		coll: obj{
			"parameters": []any{param("AcceptLanguage")},
			"get": obj{
				"operationId": "list" + base, "summary": "List " + label + " records", "tags": tags(),
				"parameters": []any{param("Filter"), param("Sort"), param("After"), param("Limit"), param("Count"),
					param("Fields"), param("Expand")},
				"responses": responses(obj{"200": obj{"description": "A page of records", "content": jsonContent(ref(base + "Page"))}}, "400", "404"),
			},
			"post": obj{
				"operationId": "create" + base, "summary": "Create a " + label + " record", "tags": tags(),
				"parameters":  []any{param("IdempotencyKey")},
				"requestBody": obj{"required": true, "content": jsonContent(ref(base + "Input"))},
				"responses":   responses(obj{"201": created}, "400", "404", "409", "413", "415", "422", "507"),
			},
		},
		coll + "/bulk": obj{
			"parameters": []any{param("AcceptLanguage")},
			"post": obj{
				"operationId": "bulk" + base, "summary": "Create or upsert many " + label + " records", "tags": tags(),
				"description": "With key, an item whose key value matches a stored record changes that record (as a PATCH would); " +
					"the others are created. One item's failure does not stop the others.",
				"parameters":  []any{param("IdempotencyKey")},
				"requestBody": obj{"required": true, "content": jsonContent(ref(base + "Bulk"))},
				"responses":   responses(obj{"200": bulkOK}, "400", "404", "409", "413", "415", "507"),
			},
		},
		coll + "/{id}": obj{
			"parameters": []any{idParam, param("AcceptLanguage")},
			"get": obj{
				"operationId": "get" + base, "summary": "One " + label + " record", "tags": tags(),
				"parameters": []any{param("Fields"), param("Expand"), param("IfNoneMatch")},
				"responses": responses(obj{"200": record("The record"),
					"304": obj{"description": "The record is still at the version given in If-None-Match", "headers": etagHeader()}}, "400", "404"),
			},
			"patch": obj{
				"operationId": "update" + base, "summary": "Change a " + label + " record", "tags": tags(),
				"description": "A JSON merge patch (RFC 7396): the fields given change, null clears a field, the others keep their values; " +
					"object values (json, currency) merge the same way, member by member.",
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref(base + "Patch"))},
				"responses":   responses(obj{"200": record("Changed")}, "400", "404", "409", "412", "413", "415", "422", "507"),
			},
			"delete": obj{
				"operationId": "delete" + base, "summary": "Delete a " + label + " record", "tags": tags(),
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "400", "404", "412", "507"),
			},
		},
		coll + "/{id}/history": obj{
			"parameters": []any{idParam, param("AcceptLanguage")},
			"get": obj{
				"operationId": "history" + base, "summary": "The audit history of a " + label + " record, newest first", "tags": tags(),
				"description": "Every change of the record with the fields changed and their old and new values. " +
					"The history of a deleted record stays readable by administrators.",
				"parameters": []any{param("After"), param("Limit")},
				"responses":  responses(obj{"200": obj{"description": "A page of entries", "content": jsonContent(ref("AuditPage"))}}, "400", "404"),
			},
		},
		coll + "/{id}/export": obj{
			"parameters": []any{idParam, param("AcceptLanguage")},
			"get": obj{
				"operationId": "export" + base, "summary": "Everything held about a " + label + " record (administrators only)", "tags": tags(),
				"description": "The record, every record pointing at it through a relation field, and its history; the export is audited.",
				"responses":   responses(obj{"200": obj{"description": "The export", "content": jsonContent(ref("Export"))}}, "400", "403", "404"),
			},
		},
		coll + "/{id}/erase": obj{
			"parameters": []any{idParam, param("AcceptLanguage")},
			"post": obj{
				"operationId": "erase" + base, "summary": "Erase the personal data of a " + label + " record (administrators only)", "tags": tags(),
				"description": "Its x-personal fields are removed (a required one keeps a fixed anonymised value) in the record and in " +
					"the old and new values of its audit history; an erase entry names the fields, not their values.",
				"responses": responses(obj{"200": obj{"description": "Erased", "content": jsonContent(ref("Erasure"))}}, "400", "403", "404", "422", "507"),
			},
		},
	}
}

// entitySchemas returns an entity's schemas by suffix: the record as
// returned (""), the body that creates one (Input), the body that changes one
// (Patch), a list page (Page), a bulk call (Bulk) and its result
// (BulkResult); and, when its fields refer to parts of the definition
// ("$ref": "#/$defs/address"), the definition those references now point
// into (Definition). bases maps entity names to their base names, for the
// records embedded under _expand.
func entitySchemas(ent *schema.Entity, base string, bases map[string]string) map[string]obj {
	props := obj{}      // as the definition has them
	inProps := obj{}    // as a create body may give them
	patchProps := obj{} // as a patch may give them
	var required []any
	expand := obj{}
	defRef := "#/components/schemas/" + base + "Definition"
	refers := false
	for _, f := range ent.Fields {
		p := fieldSchema(f)
		refers = rebaseRefs(p, ent.Name, defRef) || refers
		props[f.Name] = p
		if f.EngineSet() {
			continue // an autonumber or a formula: set by the engine, refused in input
		}
		switch f.Type.Name() {
		case "currency":
			// A bare number is an amount in the field's default currency.
			p = obj{"anyOf": []any{p, obj{"type": "number", "description": "An amount in the default currency"}}}
		case "relation":
			if tb, ok := bases[f.Ref]; ok {
				var target any = ref(tb)
				if f.Many {
					target = obj{"type": "array", "items": ref(tb)}
				}
				expand[f.Name] = target
			}
		}
		inProps[f.Name] = p
		patchProps[f.Name] = obj{"anyOf": []any{mergePatchSchema(p), obj{"type": "null"}}}
		// A default fills a missing value, and a declared owner defaults to the caller.
		if f.Required && f.Default == nil && f.Name != "owner" {
			required = append(required, f.Name)
		}
	}

	title := ent.Label.EN
	if title == "" {
		title = ent.Name
	}
	str := func(desc string) obj { return obj{"type": "string", "readOnly": true, "description": desc} }
	dt := func(desc string) obj {
		return obj{"type": "string", "format": "date-time", "readOnly": true, "description": desc}
	}
	owner := obj{"type": "string", "maxLength": 128, "description": "The id of the user who owns the record (default: the caller)"}

	recProps := deepCopy(props)
	recProps["id"] = obj{"type": "string", "format": "uuid", "readOnly": true}
	recProps["version"] = obj{"type": "integer", "minimum": 1, "readOnly": true,
		"description": "Counts the changes of the record; send it back in If-Match"}
	recProps["created_at"], recProps["updated_at"] = dt("When the record was created"), dt("When the record was last changed")
	recProps["created_by"], recProps["updated_by"] = str("The id of the user who created the record"), str("The id of the user who last changed it")
	if _, ok := recProps["owner"]; !ok {
		recProps["owner"] = deepCopy(owner)
	}
	recProps["_expand"] = obj{"type": "object", "readOnly": true, "properties": expand,
		"description": "The related records asked for with expand, by relation field"}
	record := obj{"type": "object", "title": title, "properties": recProps,
		"required":    []any{"id", "version"},
		"description": "A " + title + " record. A list asked for some fields returns only those with id and version."}
	if ent.Label.ZH != "" {
		record["x-label"] = obj{"en": ent.Label.EN, "zh-CN": ent.Label.ZH}
	}

	if _, ok := inProps["owner"]; !ok {
		inProps["owner"] = deepCopy(owner)
		patchProps["owner"] = deepCopy(owner)
	}
	inProps["id"] = obj{"type": "string", "format": "uuid",
		"description": "The new record's id, a lower-case UUID; generated when absent"}
	input := obj{"type": "object", "title": title + " (create)", "properties": inProps, "additionalProperties": false}
	if len(required) > 0 {
		input["required"] = required
	}
	patch := obj{"type": "object", "title": title + " (change)", "properties": patchProps, "additionalProperties": false}

	bulk := obj{"type": "object", "required": []any{"items"}, "properties": obj{
		"items": obj{"type": "array", "maxItems": engine.MaxBulk, "items": ref(base + "Input")},
	}}
	var keys []any
	for _, f := range ent.Fields {
		if f.Unique {
			keys = append(keys, f.Name)
		}
	}
	if len(keys) > 0 {
		bulk["properties"].(obj)["key"] = obj{"type": "string", "enum": keys,
			"description": "A unique field: an item whose value of it matches a stored record changes that record"}
	}

	out := map[string]obj{
		"":      record,
		"Input": input,
		"Patch": patch,
		"Page": obj{"type": "object", "required": []any{"items"}, "properties": obj{
			"items": obj{"type": "array", "items": ref(base)},
			"next":  obj{"type": "string", "description": "The cursor of the next page (after=); absent on the last page"},
			"total": obj{"type": "integer", "minimum": 0, "description": "The number of matching records, when count=true"},
		}},
		"Bulk": bulk,
		"BulkResult": obj{"type": "object", "required": []any{"items", "failed", "succeeded"}, "properties": obj{
			"items": obj{"type": "array", "items": obj{
				"type":     "object",
				"required": []any{"index", "status"},
				"properties": obj{
					"index":  obj{"type": "integer", "minimum": 0, "description": "The item's position in the request"},
					"status": obj{"type": "integer", "description": "201 created, 200 changed, or the status of the item's error"},
					"id":     obj{"type": "string", "format": "uuid"},
					"record": ref(base),
					"error":  ref("Error"),
				},
			}},
			"failed":    obj{"type": "integer", "minimum": 0},
			"succeeded": obj{"type": "integer", "minimum": 0},
		}},
	}
	if refers {
		def := deepCopy(ent.Doc)
		delete(def, "$id") // an $id would make the references inside resolve against it
		delete(def, "$schema")
		rebaseRefs(def, ent.Name, defRef)
		out["Definition"] = def
	}
	return out
}

// rebaseRefs rewrites, in place, the references of a schema taken out of an
// entity definition to parts of that definition ("#/$defs/address", also
// spelled "account#/$defs/address") so that they point into the copy of the
// definition at defRef. It reports whether there were any. Values that are
// data, not schemas (enum, const, default, examples, x- keywords), are left
// alone.
func rebaseRefs(s map[string]any, entity, defRef string) bool {
	found := false
	for k, v := range s {
		switch x := v.(type) {
		case string:
			if k != "$ref" {
				continue
			}
			frag, ok := strings.CutPrefix(x, "#")
			if !ok {
				frag, ok = strings.CutPrefix(x, entity+"#")
			}
			if ok && (frag == "" || frag[0] == '/') {
				s[k] = defRef + frag
				found = true
			}
		case map[string]any:
			switch {
			case schemaMapKeyword(k): // keyed by names, which may look like keywords
				for _, e := range x {
					if m, ok := e.(map[string]any); ok {
						found = rebaseRefs(m, entity, defRef) || found
					}
				}
			case !dataKeyword(k):
				found = rebaseRefs(x, entity, defRef) || found
			}
		case []any:
			if dataKeyword(k) {
				continue
			}
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					found = rebaseRefs(m, entity, defRef) || found
				}
			}
		}
	}
	return found
}

// schemaMapKeyword reports whether a keyword's value maps names to schemas.
func schemaMapKeyword(k string) bool {
	switch k {
	case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas":
		return true
	}
	return false
}

func dataKeyword(k string) bool {
	switch k {
	case "enum", "const", "default", "examples", "example":
		return true
	}
	return strings.HasPrefix(k, "x-")
}

// fieldSchema is a field's JSON Schema as the definition has it (x-
// keywords included: OpenAPI 3.1 schemas allow extensions), with its English
// label as title when it has none.
func fieldSchema(f *schema.Field) obj {
	p := deepCopy(f.Prop)
	if _, ok := p["title"]; !ok && f.Label.EN != "" {
		p["title"] = f.Label.EN
	}
	if f.EngineSet() {
		p["readOnly"] = true // an autonumber or a formula: set by the engine
	}
	return p
}

// deepCopy copies a decoded JSON object, so that the document shares no
// map or slice with the catalog.
// mergePatchSchema is the schema of a JSON merge patch of values of schema
// s: an object's members are all optional and each may be null (removing
// it); other values are given whole. s is not changed.
func mergePatchSchema(s obj) obj {
	out := deepCopy(s)
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := out[k].([]any); ok {
			for i, a := range alts {
				if m, ok := a.(map[string]any); ok {
					alts[i] = mergePatchSchema(m)
				}
			}
		}
	}
	props, ok := out["properties"].(map[string]any)
	if !ok {
		return out
	}
	delete(out, "required")
	for name, p := range props {
		if m, ok := p.(map[string]any); ok {
			props[name] = obj{"anyOf": []any{mergePatchSchema(m), obj{"type": "null"}}}
		}
	}
	return out
}

func deepCopy(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return deepCopy(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

// camel turns an entity name into the base of its schema names and
// operation ids: sales_order → SalesOrder.
func camel(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// adminOperations are the operations outside the records that only an
// administrator may call: the definitions' changes and their references and
// plans, roles, the workflow rules and their runs, users' and teams'
// changes, and the audit log. (A record's export and erasure are dropped
// with each entity's paths.) TestOpenAPIListsWhatTheCallerMayCall holds
// this list to the answers a member gets.
var adminOperations = map[string][]string{
	"/api/audit":                                      {"get"},
	"/api/calendars/{name}":                           {"put", "delete"},
	"/api/calendars/{name}/references":                {"get"},
	"/api/entities/{name}":                            {"put", "delete"},
	"/api/entities/{name}/layouts/{id}":               {"put", "delete"},
	"/api/entities/{name}/layouts/{id}/draft":         {"get", "put", "delete"},
	"/api/entities/{name}/layouts/{id}/publish":       {"post"},
	"/api/entities/{name}/plan":                       {"post"},
	"/api/entities/{name}/recompute":                  {"get", "post"},
	"/api/entities/{name}/references":                 {"get"},
	"/api/roles":                                      {"get"},
	"/api/roles/{name}":                               {"get", "put", "delete"},
	"/api/slas/{name}":                                {"put", "delete"},
	"/api/teams":                                      {"post"},
	"/api/teams/{id}":                                 {"patch", "delete"},
	"/api/users":                                      {"post"},
	"/api/users/{id}":                                 {"patch", "delete"},
	"/api/users/{id}/password":                        {"put"},
	"/api/workflows":                                  {"get"},
	"/api/workflows/{name}":                           {"get", "put", "delete"},
	"/api/workflows/{name}/deliveries":                {"get"},
	"/api/workflows/{name}/deliveries/{id}/redeliver": {"post"},
	"/api/workflows/{name}/runs":                      {"get"},
	"/api/workflows/{name}/test":                      {"post"},
}

// dropAdminOperations removes the administrators' operations, and the
// paths left with none.
func dropAdminOperations(paths obj) {
	for p, methods := range adminOperations {
		item, ok := paths[p].(obj)
		if !ok {
			continue
		}
		for _, m := range methods {
			delete(item, m)
		}
		dropIfEmpty(paths, p)
	}
}

// dropIfEmpty removes path p when it has no operation left (parameters
// only).
func dropIfEmpty(paths obj, p string) {
	item, ok := paths[p].(obj)
	if !ok {
		return
	}
	for k := range item {
		if k != "parameters" {
			return
		}
	}
	delete(paths, p)
}

// restrictEntity trims an entity's schemas and paths to what a caller with
// permissions p may see and do. Exporting and erasing a record are for
// administrators only.
func restrictEntity(ent *schema.Entity, p engine.EntityPermissions, base string, schemas map[string]obj, paths obj) {
	coll := "/api/records/" + ent.Name
	delete(paths, coll+"/{id}/export")
	delete(paths, coll+"/{id}/erase")
	if !p.Create {
		delete(paths[coll].(obj), "post")
		delete(paths, coll+"/bulk")
		delete(schemas, "Bulk")
		delete(schemas, "BulkResult")
	}
	if p.Read == "none" {
		delete(paths[coll].(obj), "get")
		delete(paths[coll+"/{id}"].(obj), "get")
	}
	if p.Update == "none" {
		delete(paths[coll+"/{id}"].(obj), "patch")
	}
	if p.Delete == "none" {
		delete(paths[coll+"/{id}"].(obj), "delete")
	}
	for _, k := range []string{coll, coll + "/{id}"} {
		dropIfEmpty(paths, k)
	}
	level := func(name string) string {
		if name == "id" || name == "version" || name == "_expand" {
			return "read"
		}
		if l, ok := p.Fields[name]; ok {
			return l
		}
		return "hidden"
	}
	trim := func(s obj, keep func(l string) bool, masked bool) {
		props, _ := s["properties"].(obj)
		for name := range props {
			switch l := level(name); {
			case !keep(l):
				delete(props, name)
			case masked && l == "masked":
				props[name] = obj{"type": "string", "readOnly": true,
					"description": "Shown masked: you may see only part of this value"}
			}
		}
		if req, ok := s["required"].([]any); ok {
			var kept []any
			for _, r := range req {
				if _, ok := props[r.(string)]; ok {
					kept = append(kept, r)
				}
			}
			if len(kept) == 0 {
				delete(s, "required")
			} else {
				s["required"] = kept
			}
		}
	}
	trim(schemas[""], func(l string) bool { return l != "hidden" }, true)
	// A masked field is the creator's to give, never to change.
	trim(schemas["Input"], func(l string) bool { return l == "edit" || l == "masked" }, false)
	trim(schemas["Patch"], func(l string) bool { return l == "edit" }, false)
	if def := schemas["Definition"]; def != nil {
		trim(def, func(l string) bool { return l != "hidden" }, false)
	}
	if bulk := schemas["Bulk"]; bulk != nil {
		if key, ok := bulk["properties"].(obj)["key"].(obj); ok {
			var keys []any
			for _, k := range key["enum"].([]any) {
				if level(k.(string)) == "edit" {
					keys = append(keys, k)
				}
			}
			if len(keys) == 0 {
				delete(bulk["properties"].(obj), "key")
			} else {
				key["enum"] = keys
			}
		}
	}
}

// dropDanglingExpands removes from records' _expand the relations whose
// target entity the document leaves out.
func dropDanglingExpands(schemas obj) {
	for _, s := range schemas {
		props, _ := s.(obj)["properties"].(obj)
		exp, _ := props["_expand"].(obj)
		eprops, _ := exp["properties"].(obj)
		for name, v := range eprops {
			r := v.(obj)
			if items, ok := r["items"].(obj); ok {
				r = items
			}
			target, _ := r["$ref"].(string)
			if _, ok := schemas[strings.TrimPrefix(target, "#/components/schemas/")]; !ok {
				delete(eprops, name)
			}
		}
	}
}
