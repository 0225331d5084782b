package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// Limits of x-indexes.
const (
	MaxIndexes     = 16 // composite indexes an entity may declare
	MaxIndexFields = 4  // fields in one of them
)

// MaxIndexName is the longest index name Indexes gives: both stores take
// names of [a-z0-9_] up to this length.
const MaxIndexName = 63

// Indexes lists the store indexes the entity needs: one per unique field
// ("u_email"), per x-indexed field and per field indexed by its type
// (relation, one or many, and user: "i_account"), the composite indexes of
// x-indexes ("k_owner_amount_" and a hash of the key list), plus the system
// ones lists filter and sort by most: created_at and updated_at, each alone
// and after owner ("my records, newest first", "my records, last changed
// first"; these serve filters on owner alone too, so owner needs no index of
// its own). Fields are store paths ("amount.amount"); the
// index of a relation with x-many is Multi. Names are stable, unique within
// the entity and at most MaxIndexName long: a longer one is cut and ends
// with a hash of the whole.
func (e *Entity) Indexes() []IndexSpec {
	out := make([]IndexSpec, 0, len(e.Fields)/2+len(e.composite)+4)
	for _, f := range e.Fields {
		path := f.Type.StorePath(f.Name)
		switch {
		case f.Unique:
			out = append(out, IndexSpec{Name: indexName("u_" + f.Name), Fields: []string{path}, Unique: true, from: "/properties/" + f.Name})
		case f.Indexed && f.Name != "owner":
			out = append(out, IndexSpec{Name: indexName("i_" + f.Name), Fields: []string{path}, Multi: f.Many, from: "/properties/" + f.Name})
		}
	}
	out = append(out, e.composite...)
	return append(out,
		IndexSpec{Name: "i_created_at", Fields: []string{"created_at"}},
		IndexSpec{Name: "i_owner_created_at", Fields: []string{"owner", "created_at"}},
		IndexSpec{Name: "i_updated_at", Fields: []string{"updated_at"}},
		IndexSpec{Name: "i_owner_updated_at", Fields: []string{"owner", "updated_at"}},
	)
}

// indexName returns name when it fits MaxIndexName, else its first part
// followed by "_" and a hash of the whole name.
func indexName(name string) string {
	if len(name) <= MaxIndexName {
		return name
	}
	return name[:MaxIndexName-9] + "_" + shortHash(name)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// indexSystemFields are the system fields an x-indexes key may name (id
// ends every index already; version orders nothing a user lists by).
var indexSystemFields = []string{"owner", "created_at", "updated_at", "created_by", "updated_by"}

// checkIndexes reads x-indexes and checks that the entity's index names are
// unique.
func (e *Entity) checkIndexes(v any) []morph.FieldError {
	return append(e.parseIndexes(v), e.checkIndexNames()...)
}

// parseIndexes reads x-indexes: a list of composite indexes, each a list of
// field names, "-" before a name keeping it in descending order
// ([["owner", "-amount"], ["stage", "expected_close"]]). Each field must be
// a scalar field of the entity or one of indexSystemFields; an index may not
// repeat a field, nor repeat another index or an index the entity has
// anyway. Problems are keyed by pointer ("/x-indexes/0/1").
func (e *Entity) parseIndexes(v any) []morph.FieldError {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return []morph.FieldError{settingError("/x-indexes", "type", morph.T(
			`x-indexes must be a list of indexes, each a list of field names, such as [["owner", "-amount"]]`,
			`x-indexes 必须是索引列表，每个索引是字段名列表，例如 [["owner", "-amount"]]`))}
	}
	if len(list) > MaxIndexes {
		return []morph.FieldError{settingError("/x-indexes", "too_many", morph.T("An entity may declare at most %d indexes", "实体最多声明 %d 个索引", MaxIndexes))}
	}
	var errs []morph.FieldError
	implied := e.Indexes() // without the composite ones: e.composite is still empty
	var at []int           // the position in list of each of e.composite
	for i, item := range list {
		path := "/x-indexes/" + strconv.Itoa(i)
		ix, ferrs := e.parseIndex(path, item)
		errs = append(errs, ferrs...)
		if ix == nil {
			continue
		}
		if j := slices.IndexFunc(e.composite, ix.sameOrder); j >= 0 {
			errs = append(errs, settingError(path, "duplicate", morph.T(
				"This index serves the same orders as /x-indexes/%d", "此索引与 /x-indexes/%d 作用相同", at[j])))
			continue
		}
		if j := slices.IndexFunc(implied, func(o IndexSpec) bool { return !o.Unique && !o.Multi && ix.sameOrder(o) }); j >= 0 {
			errs = append(errs, settingError(path, "duplicate", morph.T(
				"The entity has this index already (%s)", "实体已有此索引（%s）", strings.Join(implied[j].Fields, ", "))))
			continue
		}
		e.composite, at = append(e.composite, *ix), append(at, i)
	}
	return errs
}

// parseIndex reads one x-indexes entry; nil when it is wrong.
func (e *Entity) parseIndex(path string, v any) (*IndexSpec, []morph.FieldError) {
	keys, ok := v.([]any)
	if !ok || len(keys) == 0 {
		return nil, []morph.FieldError{settingError(path, "type", morph.T(
			`An index must be a non-empty list of field names, such as ["owner", "-amount"]`,
			`索引必须是非空的字段名列表，例如 ["owner", "-amount"]`))}
	}
	if len(keys) > MaxIndexFields {
		return nil, []morph.FieldError{settingError(path, "too_many", morph.T("An index may have at most %d fields", "一个索引最多 %d 个字段", MaxIndexFields))}
	}
	var errs []morph.FieldError
	ix := &IndexSpec{}
	var names, canon []string
	for j, k := range keys {
		key, _ := k.(string)
		name := strings.TrimPrefix(key, "-")
		storePath, code, t := e.indexKey(name, ix.Fields)
		if code != "" {
			errs = append(errs, settingError(path+"/"+strconv.Itoa(j), code, t))
			continue
		}
		ix.Fields = append(ix.Fields, storePath)
		ix.Desc = append(ix.Desc, key != name)
		names, canon = append(names, name), append(canon, key)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if !slices.Contains(ix.Desc, true) {
		ix.Desc = nil
	}
	ix.Name, ix.from = compositeName(names, canon), path
	return ix, nil
}

// indexKey resolves the field an index key names to its store path, or
// says why it cannot be a key (code and text). taken are the store paths
// of the index's keys before it.
func (e *Entity) indexKey(name string, taken []string) (storePath, code string, t morph.Text) {
	var kind lang.Kind
	switch f := e.byName[name]; {
	case name == "":
		return "", "type", morph.T(`An index key must be a field name, with "-" before it for descending order`, `索引键必须是字段名，前加 "-" 表示降序`)
	case f != nil:
		kind, storePath = f.Kind(), f.Type.StorePath(f.Name)
	case slices.Contains(indexSystemFields, name):
		kind, storePath = systemKinds[name], name
	default:
		return "", "unknown_field", morph.T("%q is not a field of the entity, nor owner, created_at, updated_at, created_by or updated_by",
			"%q 不是该实体的字段，也不是 owner、created_at、updated_at、created_by 或 updated_by", name)
	}
	switch {
	case kind == lang.KindStrings || kind == lang.KindObject:
		return "", "not_indexable", morph.T("Field %q holds a list or an object: it cannot be a key of an index", "字段 %q 是列表或对象，不能作为索引键", name)
	case slices.Contains(taken, storePath):
		return "", "duplicate", morph.T("Field %q is already a key of this index", "字段 %q 已在此索引中", name)
	}
	return storePath, "", morph.Text{}
}

// compositeName names an x-indexes index: "k_", its field names and a hash
// of its keys (directions included), cut to MaxIndexName.
func compositeName(names, keys []string) string {
	readable := "k_" + strings.Join(names, "_")
	if len(readable) > MaxIndexName-9 {
		readable = readable[:MaxIndexName-9]
	}
	return readable + "_" + shortHash(strings.Join(keys, ","))
}

// sameOrder reports whether two non-unique indexes keep the same order, or
// exactly its reverse: either serves every sort the other serves.
func (ix IndexSpec) sameOrder(o IndexSpec) bool {
	if !slices.Equal(ix.Fields, o.Fields) {
		return false
	}
	flip := ix.descending(0) != o.descending(0)
	for i := range ix.Fields {
		if (ix.descending(i) != o.descending(i)) != flip {
			return false
		}
	}
	return true
}

func (ix IndexSpec) descending(i int) bool { return i < len(ix.Desc) && ix.Desc[i] }

// checkIndexNames reports an index whose name another index has already.
// Long names are cut and end with a hash, so a clash takes a field name
// shaped like the cut name of another (or a hash collision); renaming the
// field resolves it.
func (e *Entity) checkIndexNames() []morph.FieldError {
	var errs []morph.FieldError
	seen := map[string]bool{}
	for _, ix := range e.Indexes() {
		if seen[ix.Name] {
			errs = append(errs, settingError(ix.from, "index_name", morph.T(
				"Another index of the entity has the name %s already; rename the field", "该实体的另一个索引已使用名称 %s，请重命名字段", ix.Name)))
		}
		seen[ix.Name] = true
	}
	return errs
}

var systemKinds = map[string]lang.Kind{
	"id": lang.KindString, "version": lang.KindNumber,
	"created_at": lang.KindDateTime, "updated_at": lang.KindDateTime,
	"created_by": lang.KindString, "updated_by": lang.KindString, "owner": lang.KindString,
}

// Resolve looks a field up for the expression language: every field by name,
// the system fields, and dotted paths into json fields ("address.city").
func (e *Entity) Resolve(name string) (lang.Field, bool) {
	if f := e.byName[name]; f != nil {
		return lang.Field{Kind: f.Kind(), Path: f.Type.StorePath(f.Name)}, true
	}
	if k, ok := systemKinds[name]; ok {
		return lang.Field{Kind: k, Path: name}, true
	}
	if head, _, ok := strings.Cut(name, "."); ok {
		if f := e.byName[head]; f != nil && f.Kind() == lang.KindObject {
			return lang.Field{Kind: lang.KindString, Path: name}, true
		}
	}
	return lang.Field{}, false
}
