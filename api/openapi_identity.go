package api

import (
	"encoding/json"

	"github.com/morphcrm/morph/identity"
)

// Identity in the OpenAPI description: sign-in, the caller, users, teams
// and API keys, and the two ways to authenticate.

// securitySchemes are the credentials every /api operation but sign-in
// takes: a Bearer token (a session token from sign-in, or an API key) or
// the session cookie.
func securitySchemes() obj {
	return obj{
		"bearer": obj{"type": "http", "scheme": "bearer",
			"description": "A session token (ms_…) from POST /api/auth/login, or an API key (mk_…) from POST /api/keys. " +
				"An administrator's GET with the header " + ViewAsHeader + ": <user id> acts as that user (a read as they see it)."},
		"cookie": obj{"type": "apiKey", "in": "cookie", "name": SessionCookie,
			"description": "The session cookie set by sign-in. A change (POST, PUT, PATCH, DELETE) made with it needs the header " +
				CSRFHeader + ": 1 and, when the browser sends Origin, the server's own origin (403 csrf otherwise)."},
	}
}

// authenticated is the security requirement of most operations.
func authenticated() []any { return []any{obj{"bearer": []any{}}, obj{"cookie": []any{}}} }

// documentSchema is one of identity's JSON Schemas, for use inside the
// description.
func documentSchema(doc []byte) obj {
	var s obj
	if err := json.Unmarshal(doc, &s); err != nil {
		panic(err)
	}
	delete(s, "$schema")
	delete(s, "$id")
	return s
}

func identitySchemas() obj {
	str := obj{"type": "string"}
	user := obj{
		"type": "object", "description": "A user; the password hash is never shown",
		"required": []any{"id", "version", "email", "name", "roles", "active", "language"},
		"properties": obj{
			"id": str, "version": obj{"type": "integer"}, "email": str, "name": str, "phone": str,
			"team": obj{"type": "string", "description": "A team id"}, "roles": obj{"type": "array", "items": str},
			"active": obj{"type": "boolean"}, "language": obj{"enum": []any{"en", "zh-CN"}},
			"created_at": str, "updated_at": str,
		},
	}
	me := deepCopy(user)
	me["description"] = "The signed-in user and what they may do"
	me["properties"].(obj)["permissions"] = obj{"type": "object", "description": "admin, and per entity create, the scopes of read/update/delete and each field's level"}
	userInput := documentSchema(identity.UserSchema())
	userInput["description"] = "A user document. password only when the user is created (then checked against the password policy)."
	userPatch := deepCopy(userInput)
	delete(userPatch, "required")
	delete(userPatch["properties"].(obj), "password")
	userPatch["description"] = "A JSON merge patch of a user document (null removes a field)"
	teamInput := documentSchema(identity.TeamSchema())
	teamPatch := deepCopy(teamInput)
	delete(teamPatch, "required")
	key := obj{
		"type": "object", "description": "An API key, without its secret", "required": []any{"id", "user", "name", "prefix", "created_at"},
		"properties": obj{"id": str, "user": str, "name": str, "prefix": obj{"type": "string", "description": "The key's first characters"},
			"created_at": str, "expires_at": str},
	}
	newKey := deepCopy(key)
	newKey["description"] = "An API key as made: key is its secret, shown this once"
	newKey["properties"].(obj)["key"] = str
	newKey["required"] = append(newKey["required"].([]any), "key")
	page := func(item obj) obj {
		return obj{"type": "object", "required": []any{"items"},
			"properties": obj{"items": obj{"type": "array", "items": item}, "next": obj{"type": "string", "description": "The cursor of the next page"}}}
	}
	return obj{
		"IdentityUser":      user,
		"IdentityUserBrief": obj{"type": "object", "description": "What every signed-in user sees of others", "required": []any{"id", "name"}, "properties": obj{"id": str, "name": str, "team": str}},
		"IdentityUserInput": userInput,
		"IdentityUserPatch": userPatch,
		"IdentityUserPage":  page(obj{"anyOf": []any{ref("IdentityUser"), ref("IdentityUserBrief")}}),
		"IdentityMe":        me,
		"IdentityTeam": obj{"type": "object", "required": []any{"id", "version", "name"},
			"properties": obj{"id": str, "version": obj{"type": "integer"}, "name": str, "parent": str, "manager": str, "created_at": str, "updated_at": str}},
		"IdentityTeamInput": teamInput,
		"IdentityTeamPatch": teamPatch,
		"IdentityTeamPage":  page(ref("IdentityTeam")),
		"IdentityKey":       key,
		"IdentityNewKey":    newKey,
		"IdentityKeyInput":  documentSchema(identity.KeySchema()),
		"IdentityKeyList":   obj{"type": "object", "required": []any{"items"}, "properties": obj{"items": obj{"type": "array", "items": ref("IdentityKey")}}},
		"LoginRequest": obj{"type": "object", "required": []any{"email", "password"},
			"properties": obj{"email": str, "password": obj{"type": "string", "format": "password"}}},
		"LoginResponse": obj{"type": "object", "required": []any{"user", "token"},
			"properties": obj{"user": ref("IdentityUser"), "token": obj{"type": "string", "description": "The session token, for Authorization: Bearer"}}},
	}
}

func identityPaths() obj {
	tag := []any{"Identity"}
	idParam := func(what string) obj {
		return obj{"name": "id", "in": "path", "required": true, "description": "The " + what + "'s id", "schema": obj{"type": "string"}}
	}
	ok := func(desc, schema string) obj {
		return obj{"description": desc, "headers": etagHeader(), "content": jsonContent(ref(schema))}
	}
	body := func(schema string) obj { return obj{"required": true, "content": jsonContent(ref(schema))} }
	none := obj{"description": "Done"}
	op := func(id, summary string, resp obj, extra obj) obj {
		o := obj{"operationId": id, "summary": summary, "tags": tag, "responses": resp}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}
	pagination := []any{param("After"), obj{"name": "limit", "in": "query", "description": "The page size",
		"schema": obj{"type": "integer", "minimum": 1, "maximum": identity.MaxLimit, "default": identity.DefaultLimit}}}
	return obj{
		"/api/auth/login": obj{"parameters": []any{param("AcceptLanguage")}, "post": op("login", "Sign in with e-mail and password",
			obj{"200": obj{"description": "Signed in: the token, also set as the HttpOnly cookie " + SessionCookie,
				"content": jsonContent(ref("LoginResponse"))},
				"400": componentRef("responses", "BadRequest"), "401": componentRef("responses", "Unauthenticated"),
				"403": componentRef("responses", "Forbidden"), "429": componentRef("responses", "RateLimited"),
				"default": componentRef("responses", "Unexpected")},
			obj{"security": []any{}, "requestBody": body("LoginRequest"),
				"description": "A wrong e-mail address and a wrong password get the same 401. Failures are counted per account from one " +
					"client address (5 in 15 minutes), per address (20) and per account (50); past a limit the answer is 429 " +
					"with Retry-After until its 15-minute lock-out ends."})},
		"/api/auth/logout": obj{"parameters": []any{param("AcceptLanguage")}, "post": op("logout", "End the session of the request",
			responses(obj{"204": none}), nil)},
		"/api/me": obj{"parameters": []any{param("AcceptLanguage")},
			"get": op("getMe", "The signed-in user and their permissions", responses(obj{"200": ok("The user", "IdentityMe")}), nil),
			"patch": op("updateMe", "Change one's own name, phone or language", responses(obj{"200": ok("Changed", "IdentityMe")}, "400", "412"),
				obj{"parameters": []any{param("IfMatch")}, "requestBody": obj{"required": true, "content": jsonContent(obj{"type": "object",
					"properties": obj{"name": obj{"type": "string"}, "phone": obj{"type": []any{"string", "null"}}, "language": obj{"enum": []any{"en", "zh-CN", nil}}}})}}),
		},
		"/api/me/password": obj{"parameters": []any{param("AcceptLanguage")}, "post": op("changeMyPassword", "Change one's own password",
			responses(obj{"204": none}, "400", "429"), obj{"description": "The other sessions of the user end.",
				"requestBody": obj{"required": true, "content": jsonContent(obj{"type": "object", "required": []any{"current", "new"},
					"properties": obj{"current": obj{"type": "string"}, "new": obj{"type": "string"}}})}})},
		"/api/users": obj{"parameters": []any{param("AcceptLanguage")},
			"get": op("listUsers", "Users, a page at a time (administrators see everything, others id, name and team)",
				responses(obj{"200": obj{"description": "A page", "content": jsonContent(ref("IdentityUserPage"))}}, "400"), obj{"parameters": pagination}),
			"post": op("createUser", "Create a user (administrators)", responses(obj{"201": ok("Created", "IdentityUser")}, "400", "409", "403"),
				obj{"requestBody": body("IdentityUserInput")}),
		},
		"/api/users/{id}": obj{"parameters": []any{idParam("user"), param("AcceptLanguage")},
			"get": op("getUser", "One user", responses(obj{"200": ok("The user", "IdentityUser")}, "404"), nil),
			"patch": op("updateUser", "Change a user (administrators); deactivating ends their sessions and keys",
				responses(obj{"200": ok("Changed", "IdentityUser")}, "400", "404", "409", "412", "403"),
				obj{"parameters": []any{param("IfMatch")}, "requestBody": body("IdentityUserPatch")}),
			"delete": op("deleteUser", "Delete a user (administrators)", responses(obj{"204": none}, "404", "409", "412", "403"),
				obj{"parameters": []any{param("IfMatch")}}),
		},
		"/api/users/{id}/password": obj{"parameters": []any{idParam("user"), param("AcceptLanguage")},
			"put": op("setUserPassword", "Set a user's password (administrators); their sessions end", responses(obj{"204": none}, "400", "404", "403"),
				obj{"requestBody": obj{"required": true, "content": jsonContent(obj{"type": "object", "required": []any{"password"},
					"properties": obj{"password": obj{"type": "string"}}})}})},
		"/api/teams": obj{"parameters": []any{param("AcceptLanguage")},
			"get": op("listTeams", "Teams, a page at a time", responses(obj{"200": obj{"description": "A page", "content": jsonContent(ref("IdentityTeamPage"))}}, "400"),
				obj{"parameters": pagination}),
			"post": op("createTeam", "Create a team (administrators)", responses(obj{"201": ok("Created", "IdentityTeam")}, "400", "409", "403"),
				obj{"requestBody": body("IdentityTeamInput")}),
		},
		"/api/teams/{id}": obj{"parameters": []any{idParam("team"), param("AcceptLanguage")},
			"get": op("getTeam", "One team", responses(obj{"200": ok("The team", "IdentityTeam")}, "404"), nil),
			"patch": op("updateTeam", "Change a team (administrators); a parent that makes a cycle is refused",
				responses(obj{"200": ok("Changed", "IdentityTeam")}, "400", "404", "409", "412", "403"),
				obj{"parameters": []any{param("IfMatch")}, "requestBody": body("IdentityTeamPatch")}),
			"delete": op("deleteTeam", "Delete a team without users or sub-teams (administrators)", responses(obj{"204": none}, "404", "409", "412", "403"),
				obj{"parameters": []any{param("IfMatch")}}),
		},
		"/api/keys": obj{"parameters": []any{param("AcceptLanguage")},
			"get": op("listKeys", "API keys: one's own; administrators everyone's, or one user's", responses(obj{"200": obj{"description": "The keys",
				"content": jsonContent(ref("IdentityKeyList"))}}, "400", "403"),
				obj{"parameters": []any{obj{"name": "user", "in": "query", "description": "Only this user's keys (administrators)", "schema": obj{"type": "string"}}}}),
			"post": op("createKey", "Make an API key that acts as the caller; its secret is shown this once",
				responses(obj{"201": obj{"description": "Made", "content": jsonContent(ref("IdentityNewKey"))}}, "400", "409"),
				obj{"requestBody": body("IdentityKeyInput")}),
		},
		"/api/keys/{id}": obj{"parameters": []any{idParam("key"), param("AcceptLanguage")},
			"delete": op("revokeKey", "Revoke an API key: refused from the next request on", responses(obj{"204": none}, "404"), nil)},
	}
}
