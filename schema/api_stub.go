package schema

import (
	"errors"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/schema/lang"
)

// entityImpl holds the compiled parts of an entity (the record validator …).
type entityImpl struct{}

// Parse compiles an entity definition document (JSON). A definition that is
// wrong returns a *morph.Error with code EInvalid whose Fields are keyed by
// JSON pointer into the document ("/properties/tier/enum").
func Parse(doc []byte) (*Entity, error) { return nil, errors.New("not implemented") }

// CheckRefs reports relation fields whose target entity does not exist.
func (e *Entity) CheckRefs(exists func(entity string) bool) []morph.FieldError { return nil }

// ApplyDefaults sets the default of every absent field that has one.
func (e *Entity) ApplyDefaults(data map[string]any) {}

// Normalize replaces each value in data by its canonical form, in place.
func (e *Entity) Normalize(data map[string]any) []morph.FieldError { return nil }

// Validate checks a record's fields (system fields other than owner are not
// in data) against the entity: unknown fields, types, required, enums,
// lengths, formats. Errors are keyed by JSON pointer into data ("/phone").
func (e *Entity) Validate(data map[string]any) []morph.FieldError { return nil }

// Indexes lists the store indexes the entity needs (unique, indexed and
// relation fields, and the system fields lists sort and filter by).
func (e *Entity) Indexes() []IndexSpec { return nil }

// Resolve looks a field up for the expression language, system fields included.
func (e *Entity) Resolve(name string) (lang.Field, bool) { return lang.Field{}, false }
