package api

import "github.com/morphcrm/morph/workflow"

func workflowSchemas() obj {
	out := obj{}
	rule := liftDefs(documentSchema(workflow.RuleSchema()), "Workflow", out)
	rule["required"] = []any{"entity", "trigger", "actions"}
	rule["description"] = "A workflow rule: a trigger on an entity's records, a condition (when) and actions; name is the URL's. " +
		"Expressions are over the record's fields, old and user. set (without after) and reject run inside the write; the other actions " +
		"run after it from a durable queue. A webhook's secret is answered as ******** and kept when sent back so."
	str := obj{"type": "string"}
	page := func(item obj) obj {
		return obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": item}, "next": str}}
	}
	action := obj{"type": "object", "properties": obj{"index": obj{"type": "integer"}, "type": str,
		"status": obj{"enum": []any{"ok", "failed", "would"}}, "result": obj{}, "error": str}}
	out["WorkflowDocument"] = rule
	out["WorkflowList"] = obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": obj{
		"type": "object", "required": []any{"name", "label", "version", "document"},
		"properties": obj{"name": str, "label": obj{"type": "object"}, "entity": str, "active": obj{"type": "boolean"},
			"valid":   obj{"type": "boolean", "description": "It compiles against the entities as they are now"},
			"version": obj{"type": "integer"}, "document": ref("WorkflowDocument")}}}}}
	out["WorkflowRunPage"] = page(obj{"type": "object", "description": "One attempt at running a rule for a record",
		"properties": obj{"id": str, "rule": str, "entity": str, "record": str, "trigger": str, "item": str, "at": str,
			"actor": str, "attempt": obj{"type": "integer"}, "depth": obj{"type": "integer"}, "condition": obj{"type": "boolean"},
			"status": obj{"enum": runStatuses, "description": "skipped: the depth limit; condition_false: the write matched the trigger but not the condition, so nothing was queued"},
			"error":  str, "note": str,
			"actions": obj{"type": "array", "items": action}}})
	out["WorkflowTest"] = obj{"type": "object", "additionalProperties": false, "description": "A stored record by id, or a record's values",
		"properties": obj{"id": str, "record": obj{"type": "object"}}}
	out["WorkflowTestResult"] = obj{"type": "object", "required": []any{"rule", "entity", "active", "condition", "actions"},
		"properties": obj{"rule": str, "entity": str, "record": str, "active": obj{"type": "boolean"}, "condition": obj{"type": "boolean"},
			"actions": obj{"type": "array", "items": action}, "error": str}}
	out["WorkflowDeliveryPage"] = page(obj{"type": "object", "description": "A webhook call or an e-mail of a rule",
		"properties": obj{"id": str, "kind": obj{"enum": []any{"webhook", "email"}}, "rule": str, "status": obj{"enum": []any{"pending", "running", "done", "dead"}},
			"attempts": obj{"type": "integer"}, "next_at": str, "last_at": str, "last_error": str, "url": str, "body": str,
			"to": obj{"type": "array", "items": str}, "subject": str, "created_at": str}})
	out["NotificationPage"] = obj{"type": "object", "required": []any{"items", "unread"}, "properties": obj{
		"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"id": str, "at": str, "rule": str, "entity": str,
			"record": str, "read": obj{"type": "boolean"}, "message": obj{"type": "object", "properties": obj{"en": str, "zh-CN": str}}}}},
		"next": str, "unread": obj{"type": "integer", "description": "The caller's unread notifications"}}}
	return out
}

// runStatuses are the statuses of a rule's runs.
var runStatuses = []any{"done", "failed", "dead", "skipped", "condition_false"}

func workflowPaths() obj {
	name := obj{"name": "name", "in": "path", "required": true, "description": "The rule name",
		"schema": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}}
	after := obj{"name": "after", "in": "query", "description": "The next of the previous page", "schema": obj{"type": "string"}}
	limit := obj{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 200}}
	doc := func(desc string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref("WorkflowDocument"))}
	}
	tags := []any{"Workflow"}
	return obj{
		"/api/workflows": obj{"parameters": []any{param("AcceptLanguage")},
			"get": obj{"operationId": "listWorkflows", "summary": "The workflow rules (administrators)", "tags": tags,
				"responses": responses(obj{"200": obj{"description": "The rules", "content": jsonContent(ref("WorkflowList"))}}, "403")},
		},
		"/api/workflows/{name}": obj{"parameters": []any{name, param("AcceptLanguage")},
			"get": obj{"operationId": "getWorkflow", "summary": "One rule's document (administrators)", "tags": tags,
				"responses": responses(obj{"200": doc("The rule")}, "403", "404")},
			"put": obj{"operationId": "putWorkflow", "summary": "Save a rule, checked completely against the entities (administrators)", "tags": tags,
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("WorkflowDocument"))},
				"responses":   responses(obj{"200": doc("Saved"), "201": doc("Created")}, "400", "403", "412", "413")},
			"delete": obj{"operationId": "deleteWorkflow", "summary": "Delete a rule (administrators)", "tags": tags,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "403", "404", "412")},
		},
		"/api/workflows/{name}/runs": obj{"parameters": []any{name, param("AcceptLanguage")},
			"get": obj{"operationId": "workflowRuns", "summary": "The rule's run log, newest first; status lists the runs of one status (administrators)", "tags": tags,
				"parameters": []any{after, limit, obj{"name": "status", "in": "query", "schema": obj{"enum": runStatuses}}},
				"responses":  responses(obj{"200": obj{"description": "A page of runs", "content": jsonContent(ref("WorkflowRunPage"))}}, "400", "403", "404")},
		},
		"/api/workflows/{name}/test": obj{"parameters": []any{name, param("AcceptLanguage")},
			"post": obj{"operationId": "testWorkflow", "summary": "What the rule would do to a record, without doing it (administrators)", "tags": tags,
				"requestBody": obj{"required": true, "content": jsonContent(ref("WorkflowTest"))},
				"responses":   responses(obj{"200": obj{"description": "The dry run", "content": jsonContent(ref("WorkflowTestResult"))}}, "400", "403", "404")},
		},
		"/api/workflows/{name}/deliveries": obj{"parameters": []any{name, param("AcceptLanguage")},
			"get": obj{"operationId": "workflowDeliveries", "summary": "The rule's webhook calls and e-mails, newest first; status=dead lists the dead letters (administrators)", "tags": tags,
				"parameters": []any{after, limit, obj{"name": "status", "in": "query", "schema": obj{"enum": []any{"pending", "running", "done", "dead"}}}},
				"responses":  responses(obj{"200": obj{"description": "A page of deliveries", "content": jsonContent(ref("WorkflowDeliveryPage"))}}, "400", "403")},
		},
		"/api/workflows/{name}/deliveries/{id}/redeliver": obj{"parameters": []any{name,
			obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}}, param("AcceptLanguage")},
			"post": obj{"operationId": "redeliver", "summary": "Send a delivery again, its attempts counted from zero (administrators)", "tags": tags,
				"responses": responses(obj{"202": obj{"description": "Queued"}}, "403", "404", "409")},
		},
		"/api/notifications": obj{"parameters": []any{param("AcceptLanguage")},
			"get": obj{"operationId": "listNotifications", "summary": "The caller's in-app notifications, newest first, with the unread count", "tags": tags,
				"parameters": []any{after, limit, obj{"name": "unread", "in": "query", "schema": obj{"type": "boolean"}}},
				"responses":  responses(obj{"200": obj{"description": "A page of notifications", "content": jsonContent(ref("NotificationPage"))}}, "400")},
		},
		"/api/notifications/{id}/read": obj{"parameters": []any{obj{"name": "id", "in": "path", "required": true, "schema": obj{"type": "string"}}, param("AcceptLanguage")},
			"post": obj{"operationId": "readNotification", "summary": "Mark one of the caller's notifications read", "tags": tags,
				"responses": responses(obj{"204": obj{"description": "Read"}}, "404")},
		},
	}
}
