package lang

// Kind is the type of a field as the expression language sees it.
type Kind int

const (
	KindInvalid  Kind = iota
	KindString        // text, email, phone, url, select, user, relation (one), autonumber
	KindNumber        // number, integer, percent, currency (its amount)
	KindBool          // boolean
	KindDate          // date, as "2006-01-02"
	KindDateTime      // datetime, as "2006-01-02T15:04:05.000Z"
	KindStrings       // multiselect, tags, relation (many): an array of strings
	KindObject        // json: opaque, not filterable
)

// Field is what the language needs to know of one field: its kind and the
// path under which the store keeps the value that filters and sorts use
// (a currency field "amount" is stored as {"amount": …, "currency": …} and
// compares by "amount.amount").
type Field struct {
	Kind Kind
	Path string
}

// Resolver looks a field up by the name used in an expression ("amount",
// "address.city", "created_at"). ok is false for unknown fields.
type Resolver func(name string) (f Field, ok bool)
