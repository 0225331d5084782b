package identity

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Key is an API key as listed: never its secret, which is shown once, when
// the key is made.
type Key struct {
	ID        string `json:"id"`
	User      string `json:"user"` // the user the key acts as
	Name      string `json:"name"`
	Prefix    string `json:"prefix"` // the key's first characters, to tell keys apart
	CreatedAt string `json:"created_at"`
	ExpiresAt string `json:"expires_at,omitempty"`
}

// MaxKeysPerUser bounds the keys one user may hold.
const MaxKeysPerUser = 100

// KeySchema is the JSON Schema (draft 2020-12) of the body that makes a key.
func KeySchema() []byte { return []byte(keySchemaDoc) }

const keySchemaDoc = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "morph:///key.json",
  "title": "Morph API key",
  "type": "object",
  "required": ["name"],
  "propertyNames": {"enum": ["name", "expires_at"]},
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "expires_at": {"type": ["string", "null"], "maxLength": 40}
  }
}`

var kindKey = morph.T("key", "密钥")

var keySchema = sync.OnceValue(func() *docSchema {
	return &docSchema{
		kind:      kindKey,
		validator: compileSchema("morph:///key.json", keySchemaDoc),
		keys:      "name, expires_at",
		rules: map[string]morph.Text{
			"name":       morph.T("name must be text of 1 to 100 characters", "name 必须是 1 到 100 个字符的文本"),
			"expires_at": morph.T("expires_at must be a future date and time such as 2027-01-31T00:00:00Z", "expires_at 必须是将来的日期时间，例如 2027-01-31T00:00:00Z"),
		},
	}
})

func keyFrom(r store.Record) Key {
	k := Key{ID: r.ID}
	k.User, _ = r.Data["user"].(string)
	k.Name, _ = r.Data["name"].(string)
	k.Prefix, _ = r.Data["prefix"].(string)
	k.CreatedAt, _ = r.Data["created_at"].(string)
	k.ExpiresAt, _ = r.Data["expires_at"].(string)
	return k
}

// CreateKey makes an API key that acts as actor's user. in is the decoded
// body: name and, optionally, expires_at. It returns the key as listed and
// its secret, which is stored only as a hash.
func (s *Service) CreateKey(ctx context.Context, actor engine.Actor, in map[string]any) (Key, string, error) {
	if err := s.Ensure(ctx); err != nil {
		return Key{}, "", err
	}
	doc := clone(in)
	if v, ok := doc["name"].(string); ok {
		doc["name"] = strings.TrimSpace(v)
	}
	errs := keySchema().check(doc)
	expires := ""
	if v, ok := doc["expires_at"].(string); ok && !hasPath(errs, "/expires_at") {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil || !t.After(s.opts.Now()) {
			errs = append(errs, fieldError("/expires_at", "format", keySchema().rules["expires_at"]))
		}
		expires = engine.FormatTime(t)
	}
	if len(errs) > 0 {
		return Key{}, "", invalid(kindKey, errs)
	}
	n, err := s.st.Count(ctx, collKeys, query.Cmp{Field: "user", Op: query.Eq, Value: actor.ID})
	if err != nil {
		return Key{}, "", storeError("count keys", err)
	}
	if n >= MaxKeysPerUser {
		return Key{}, "", morph.Errorf(morph.EConflict, "You have %d keys, the most one may hold; revoke one first", "您已有 %d 个密钥，已达上限；请先撤销一个", n)
	}
	secret := KeyPrefix + newSecret()
	data := map[string]any{"user": actor.ID, "name": doc["name"], "hash": hashSecret(secret),
		"prefix": secret[:len(KeyPrefix)+6], "created_at": s.now()}
	if expires != "" {
		data["expires_at"] = expires
	}
	rec := store.Record{ID: newID(), Version: 1, Data: data}
	k := keyFrom(rec)
	entry := s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditKeyCreate, Kind: "key", Record: k.ID,
		New: map[string]any{"name": k.Name, "prefix": k.Prefix, "user": k.User, "expires_at": k.ExpiresAt}})
	if err := s.st.Insert(ctx, collKeys, rec, entry); err != nil {
		return Key{}, "", storeError("create key", err)
	}
	return k, secret, nil
}

// ListKeys lists the keys of a user ("" for every user's), oldest first, at
// most MaxLimit of them.
func (s *Service) ListKeys(ctx context.Context, userID string) ([]Key, error) {
	if err := s.Ensure(ctx); err != nil {
		return nil, err
	}
	q := query.Query{Sort: []query.Sort{{Field: "id"}}, Limit: MaxLimit}
	if userID != "" {
		q.Filter = query.Cmp{Field: "user", Op: query.Eq, Value: userID}
	}
	recs, err := s.st.Find(ctx, collKeys, q)
	if err != nil {
		return nil, storeError("list keys", err)
	}
	keys := make([]Key, len(recs))
	for i, r := range recs {
		keys[i] = keyFrom(r)
	}
	return keys, nil
}

// RevokeKey deletes a key: from the next request on it is refused. A user
// may revoke their own keys, an administrator anyone's; a key the actor may
// not revoke is not found.
func (s *Service) RevokeKey(ctx context.Context, actor engine.Actor, id string) error {
	if err := s.Ensure(ctx); err != nil {
		return err
	}
	r, err := s.st.Get(ctx, collKeys, id)
	if err == nil && r.Data["user"] != actor.ID && !actor.IsAdmin() {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound(morph.T("No such key", "没有此密钥"))
	}
	if err != nil {
		return storeError("read key", err)
	}
	k := keyFrom(r)
	entry := s.eng.AuditRecord(actor, engine.AuditEntry{Action: engine.AuditKeyRevoke, Kind: "key", Record: id,
		Old: map[string]any{"name": k.Name, "prefix": k.Prefix, "user": k.User}})
	if err := s.st.Delete(ctx, collKeys, id, 0, entry); err != nil && !errors.Is(err, store.ErrNotFound) {
		return storeError("revoke key", err)
	}
	return nil
}

// key returns the user of a live API key.
func (s *Service) key(ctx context.Context, secret string) (string, error) {
	hash := hashSecret(secret)
	gen, cached := s.creds.generation(collKeys)
	e, ok := cachedCred{}, false
	if cached {
		e, ok = s.creds.get(hash, gen)
	}
	if !ok {
		recs, err := s.st.Find(ctx, collKeys, query.Query{Filter: query.Cmp{Field: "hash", Op: query.Eq, Value: hash}, Limit: 1})
		if err != nil {
			return "", storeError("read key", err)
		}
		if len(recs) == 0 {
			return "", Unauthenticated()
		}
		e.gen = gen
		e.user, _ = recs[0].Data["user"].(string)
		if exp, ok := recs[0].Data["expires_at"].(string); ok {
			e.expires = parseTime(exp)
		}
		if cached {
			s.creds.put(hash, e)
		}
	}
	if !e.expires.IsZero() && !s.opts.Now().Before(e.expires) {
		return "", Unauthenticated()
	}
	return e.user, nil
}
