// Package schema holds Morph's definitions: entities as JSON Schema documents
// with an x- vocabulary, the field types (one file each, registered in a
// table), and the checks a definition passes before it is saved.
//
// The x- vocabulary of an entity document:
//
//	$id            the entity name: [a-z][a-z0-9_]{0,39}, immutable (ParseNamed takes the name from
//	               the caller and accepts no $id, the same name, or a URI kept as x-source-id)
//	title          the English label; x-label: {"en": …, "zh-CN": …} overrides
//	x-title-field  the field shown as a record's title (default: first text field)
//	x-icon         the entity's icon in the navigation: an icon's name (a-z, 0-9, -), such as "user"
//	x-indexes      composite indexes for the lists users ask for most: a list of
//	               field lists, "-" before a field for descending order
//	               ([["owner", "-amount"], ["stage", "expected_close"]])
//
// and of a property (a field):
//
//	x-type         the field type (see Types); inferred from plain JSON Schema when absent:
//	               string → text (email/date/date-time/uri formats → email/date/datetime/url),
//	               number, integer, boolean, enum → select, array of enum → multiselect,
//	               array of strings → tags, object → json; a string "owner" → user
//	x-label        {"en": …, "zh-CN": …}; title is the English label when x-label has none
//	x-unique       true: no two records share a value (a unique index)
//	x-indexed      true: an index for filters and sorts
//	x-personal     true: the field holds personal data (a name, phone, e-mail, ID
//	               number): exported and erased on request, with its audit history
//	x-ref          relation: the target entity
//	x-many         relation only: an array of ids instead of one id
//	x-options      select/multiselect: {"value": {"en": …, "zh-CN": …}} labels of enum values
//	x-colors       select/multiselect: {"value": "#rrggbb"} colours of enum values
//	x-currency     currency: the default ISO 4217 code (CNY when absent)
//	x-region       phone: the ISO 3166 region of numbers written without a country code (CN when absent)
//	x-autonumber   autonumber: {"prefix": "CT-", "digits": 6}
//	default        a standard JSON Schema default, applied on create
//	x-default-expr an expression computing the value of a field absent on create
//	x-expr         formula: the expression of its value, computed on every write;
//	               "type" (and "format": date or date-time) is the result type
//
// and of the entity, x-rules: validation rules, each
// {"name", "when", "message": {"en", "zh-CN"}, "fields": [...]} — when "when"
// holds for a record being written, the write is refused (422, code "rule")
// with the message, at the fields named.
//
// Parse also fills in the JSON Schema "type" a field's x-type implies when
// the property leaves it out, so that records are validated alike whatever
// the definition spells out. A "type" may be given as ["string", "null"]:
// null always means "no value" (see Entity.Validate).
//
// System fields (id, version, created_at, created_by, updated_at, updated_by,
// owner) are added by the engine; a definition may not declare them, except
// owner which it may declare as a user field (to label it, or to make it
// required). Field names must also not be words of the expression language
// (and, or, not, in, true, nil, user, now …), or expressions could not name
// them.
package schema

import (
	"github.com/morphcrm/morph/schema/mask"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// SystemFields are the fields every record has, set by the engine.
var SystemFields = []string{"id", "version", "created_at", "created_by", "updated_at", "updated_by", "owner"}

// Entity is a compiled entity definition. It is immutable once built.
type Entity struct {
	Name       string
	Label      morph.Text
	TitleField string
	Icon       string         // x-icon
	Fields     []*Field       // in the order of the document's properties
	Doc        map[string]any // the definition as stored (x-type filled in where it was inferred)

	byName    map[string]*Field
	composite []IndexSpec // x-indexes
	required  []*Field
	validator *jsonschema.Schema // the record validator, compiled once
	vars      *lang.Vars         // the environment of the entity's expressions
	formulas  []*Field           // formula fields, each after those it reads
	rules     []*Rule            // x-rules
	json      []byte             // Doc as JSON text, properties in their order
}

// Field is one property of an entity.
type Field struct {
	Name     string
	Type     FieldType
	Label    morph.Text
	Required bool
	Unique   bool
	Indexed  bool                  // x-indexed, or indexed by its type (relation, user)
	Personal bool                  // x-personal: personal data, erased on request
	Ref      string                // relation target entity
	Many     bool                  // relation (many)
	Enum     []string              // select, multiselect: the allowed values
	Options  map[string]morph.Text // select, multiselect: labels of values (x-options)
	Colors   map[string]string     // select, multiselect: colours of values (x-colors), "#rrggbb"
	Default  any                   // applied on create when the field is absent
	// DefaultExpr (x-default-expr) computes the value of a field absent
	// on create; Expr (x-expr) is a formula's expression.
	DefaultExpr, Expr *lang.Program
	Prop              map[string]any // the property's JSON Schema as stored
	// Mask masks the field's values for users whose access to it is
	// "masked": x-mask when the definition gives one, else the mask of the
	// field's type (phone, e-mail) or the default text mask.
	Mask mask.Masker
}

// FieldType is one kind of field. Each lives in its own file and registers
// itself in the table with Register.
type FieldType interface {
	// Name is the x-type value ("text", "phone" …).
	Name() string
	// Kind is how expressions and filters see the field.
	Kind() lang.Kind
	// StorePath is the path filters and sorts use for field name.
	StorePath(name string) string
	// BaseSchema is the JSON Schema a new field of this type starts from.
	BaseSchema() map[string]any
	// Check reports what is wrong with the field's settings; paths are
	// relative to the property ("/x-ref").
	Check(f *Field) []morph.FieldError
	// Normalize returns the canonical form of a value (trimmed text,
	// lower-case e-mail, E.164 phone, UTC datetime). It leaves values of the
	// wrong JSON type alone, for validation to report.
	Normalize(f *Field, v any) (any, *morph.FieldError)
	// IndexedByDefault reports whether the type is indexed without x-indexed.
	IndexedByDefault() bool
}

// IndexSpec is an index the entity's store collection needs.
type IndexSpec struct {
	Name   string
	Fields []string // store paths
	Desc   []bool   // by position: the field is in descending order (nil: none is)
	Unique bool
	// Multi is set when the field holds an array (a relation with x-many):
	// the index is over its elements (a multikey index in MongoDB). A store
	// that cannot index array elements may skip such an index.
	Multi bool

	from string // the pointer of the definition part that asks for the index
}

// Field returns the named field, or nil.
func (e *Entity) Field(name string) *Field { return e.byName[name] }

// OptionLabel is the label of a select or multiselect value: its x-options
// entry, or the value itself.
func (f *Field) OptionLabel(value string) morph.Text {
	if t, ok := f.Options[value]; ok {
		return t
	}
	return morph.Text{EN: value, ZH: value}
}
