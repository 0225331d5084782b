package identity

import (
	"context"
	"encoding/base64"
	"maps"
	"reflect"
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// Page sizes of the user and team lists.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// page reads the records of coll in id order after the cursor, and returns
// the cursor of the next page ("" at the end). A cursor is the last id of a
// page in unpadded base64url: opaque to callers.
func (s *Service) page(ctx context.Context, coll, after string, limit int) ([]store.Record, string, error) {
	if err := s.Ensure(ctx); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	q := query.Query{Sort: []query.Sort{{Field: "id"}}, Limit: limit + 1}
	if after != "" {
		id, err := base64.RawURLEncoding.DecodeString(after)
		if err != nil || len(id) == 0 || len(id) > 64 {
			return nil, "", morph.Invalid(morph.FieldError{Path: "after", Code: "cursor", Offset: -1,
				Text: morph.T("after must be the next cursor of an earlier page", "after 必须是上一页返回的 next 游标")})
		}
		q.Filter = query.Cmp{Field: "id", Op: query.Gt, Value: string(id)}
	}
	recs, err := s.st.Find(ctx, coll, q)
	if err != nil {
		return nil, "", storeError("list "+coll, err)
	}
	next := ""
	if len(recs) > limit {
		recs = recs[:limit]
		next = base64.RawURLEncoding.EncodeToString([]byte(recs[limit-1].ID))
	}
	return recs, next, nil
}

// clone copies a flat document (its lists too).
func clone(m map[string]any) map[string]any {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range out {
		if l, ok := v.([]any); ok {
			out[k] = append([]any(nil), l...)
		}
	}
	return out
}

// changed lists, in the order of fields, those whose values differ between
// two documents (nil for a document that does not exist).
func changed(before, after map[string]any, fields []string) []string {
	var out []string
	for _, f := range fields {
		b, inB := before[f]
		a, inA := after[f]
		if inA != inB || !reflect.DeepEqual(a, b) {
			out = append(out, f)
		}
	}
	return out
}

// pick returns the fields of doc that it has.
func pick(doc map[string]any, fields []string) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		if v, ok := doc[f]; ok {
			out[f] = v
		}
	}
	return out
}

func hasPath(errs []morph.FieldError, path string) bool {
	for _, e := range errs {
		if e.Path == path || strings.HasPrefix(e.Path, path+"/") {
			return true
		}
	}
	return false
}

// stale is the answer to a write whose If-Match names another version than
// the stored one (current; 0 when not known).
func stale(current int64) error {
	if current > 0 {
		return morph.Errorf(morph.EVersion, "It was changed meanwhile: the current version is %d", "已被他人修改：当前版本为 %d", current)
	}
	return morph.Errorf(morph.EVersion, "It was changed meanwhile; read it again", "已被他人修改；请重新读取")
}

func itoa(i int) string { return strconv.Itoa(i) }

// escape makes a key one JSON pointer token (RFC 6901).
func escape(k string) string { return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1") }
