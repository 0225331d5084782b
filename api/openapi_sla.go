package api

import "github.com/morphcrm/morph/sla"

func slaSchemas() obj {
	out := obj{}
	doc := liftDefs(documentSchema(sla.PolicySchema()), "SLA", out)
	doc["required"] = []any{"entity", "targets", "responded_when", "resolved_when", "fields"}
	doc["description"] = "An SLA policy: response and resolution targets in working hours on a business calendar, per option of a priority " +
		"field (\"*\" for the others), and the record fields it maintains inside every write of the entity: the deadlines (cleared while " +
		"pause_when holds, the working hours left kept in the remaining fields), when each target was met, and breached. name is the URL's."
	str := obj{"type": "string"}
	out["SLADocument"] = doc
	out["SLAList"] = obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": obj{
		"type": "object", "required": []any{"name", "label", "version", "document"},
		"properties": obj{"name": str, "label": obj{"type": "object"}, "entity": str, "active": obj{"type": "boolean"},
			"valid":   obj{"type": "boolean", "description": "It compiles against the entities and calendars as they are now"},
			"version": obj{"type": "integer"}, "document": ref("SLADocument")}}}}}
	return out
}

func slaPaths() obj {
	name := obj{"name": "name", "in": "path", "required": true, "description": "The policy name",
		"schema": obj{"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"}}
	doc := func(desc string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref("SLADocument"))}
	}
	tags := []any{"SLA"}
	return obj{
		"/api/slas": obj{"parameters": []any{param("AcceptLanguage")},
			"get": obj{"operationId": "listSLAs", "summary": "The SLA policies of the entities the caller may read (administrators: all)", "tags": tags,
				"responses": responses(obj{"200": obj{"description": "The policies", "content": jsonContent(ref("SLAList"))}}, "400")},
		},
		"/api/slas/{name}": obj{"parameters": []any{name, param("AcceptLanguage")},
			"get": obj{"operationId": "getSLA", "summary": "One policy's document", "tags": tags,
				"responses": responses(obj{"200": doc("The policy")}, "404")},
			"put": obj{"operationId": "putSLA", "summary": "Save a policy, checked completely against the entity and the calendars (administrators)", "tags": tags,
				"parameters":  []any{param("IfMatch")},
				"requestBody": obj{"required": true, "content": jsonContent(ref("SLADocument"))},
				"responses":   responses(obj{"200": doc("Saved"), "201": doc("Created")}, "400", "403", "412", "413")},
			"delete": obj{"operationId": "deleteSLA", "summary": "Delete a policy; records keep the deadlines it set (administrators)", "tags": tags,
				"parameters": []any{param("IfMatch")},
				"responses":  responses(obj{"204": obj{"description": "Deleted"}}, "403", "404", "412")},
		},
	}
}
