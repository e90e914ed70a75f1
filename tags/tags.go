// Package tags parses the two struct tags that map a Go struct field to a
// DynamoDB attribute: `ddb` names the attribute, gives its key role and says
// how its value is encoded; `ddbcrypt` says what the item encryptor does with
// it.
//
//	type Order struct {
//		_        struct{} `ddbcrypt:"signonly"`               // struct default (package schema)
//		Customer string   `ddb:"customer,hash"`               // partition key
//		Created  int64    `ddb:"created,range"`               // sort key
//		Rev      int64    `ddb:"rev,version"`                 // optimistic-locking version
//		Card     string   `ddb:"card" ddbcrypt:"encrypt"`     // encrypted and signed
//		Labels   []string `ddb:"labels,stringset,omitempty"`  // the struct default
//		Cache    []byte   `ddb:"cache" ddbcrypt:"donottouch"` // plaintext, unsigned
//		Scratch  string   `ddb:"-"`                           // not stored
//	}
//
// # The ddb tag
//
// `ddb:"name,opt,..."` reads like the `dynamodbav` tag of aws-sdk-go-v2's
// attributevalue package, so that an attributevalue Encoder configured with
// TagKey "ddb" encodes exactly the attributes package schema describes. The
// name is the attribute name; empty keeps the Go field name, and "-" leaves
// the field out of the item. The options are:
//
//   - omitempty, omitemptyelem, nullempty, nullemptyelem, string, stringset,
//     numberset, binaryset, unixtime: value encoding, with attributevalue's
//     meaning;
//   - hash, range, version: the field is the partition key, the sort key or
//     the version attribute. A field has at most one role.
//
// Unlike attributevalue, an unknown, empty or repeated option is an error
// rather than ignored: `ddb:"id, hash"` (note the space) would otherwise turn
// the table's key into an ordinary attribute that is encrypted by default.
//
// A field may not also carry a `dynamodbav` tag: attributevalue reads it
// besides the custom tag key, so it could rename or drop an attribute behind
// the schema's back.
//
// # The ddbcrypt tag
//
// `ddbcrypt:"encrypt"`, `ddbcrypt:"signonly"` or `ddbcrypt:"donottouch"`
// (Java's default, @DoNotEncrypt and @DoNotTouch). Absent or empty means the
// field takes the struct's default; see package schema for how defaults and
// keys are resolved.
package tags

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Struct tag keys.
const (
	Key       = "ddb"        // attribute name, key role, value encoding
	CryptoKey = "ddbcrypt"   // attribute action
	avKey     = "dynamodbav" // refused: attributevalue would read it too
)

// Role is the key role a `ddb` tag gives a field.
type Role int

// Key roles.
const (
	NoRole  Role = iota
	Hash         // "hash": the partition key
	Range        // "range": the sort key
	Version      // "version": the optimistic-locking version attribute
)

func (r Role) String() string {
	switch r {
	case NoRole:
		return "none"
	case Hash:
		return "hash"
	case Range:
		return "range"
	case Version:
		return "version"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Tag is what the `ddb` and `ddbcrypt` tags of one field say. The zero Tag is
// an untagged field.
type Tag struct {
	Name   string // attribute name; "" means the Go field name
	Ignore bool   // `ddb:"-"`: not an attribute
	Role   Role

	// Action is what the `ddbcrypt` tag says; HasAction whether there is
	// one, so that package schema can tell a defaulted action from an
	// explicit one.
	Action    crypto.Action
	HasAction bool

	// Value encoding, as attributevalue's options of the same names.
	OmitEmpty     bool // omitempty
	OmitEmptyElem bool // omitemptyelem
	NullEmpty     bool // nullempty
	NullEmptyElem bool // nullemptyelem
	AsString      bool // string
	AsStrSet      bool // stringset
	AsNumSet      bool // numberset
	AsBinSet      bool // binaryset
	AsUnixTime    bool // unixtime
}

// Error reports a malformed tag. It wraps ddbcrypt.ErrInvalidConfig.
type Error struct {
	Field  string // Go field name
	Key    string // tag key: "ddb", "ddbcrypt" or "dynamodbav"
	Value  string // the tag's value
	Reason string
}

// Detail is the message without the error kind and field name, for callers
// that name the field themselves.
func (e *Error) Detail() string {
	return fmt.Sprintf("tag %s:%q: %s", e.Key, e.Value, e.Reason)
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v: field %s: %s", ddbcrypt.ErrInvalidConfig, e.Field, e.Detail())
}

func (e *Error) Unwrap() error { return ddbcrypt.ErrInvalidConfig }

// Parse reads the `ddb` and `ddbcrypt` tags of f. It checks the tags only,
// not whether they suit the field's type or position; package schema does.
func Parse(f reflect.StructField) (Tag, error) {
	if v := f.Tag.Get(avKey); v != "" {
		return Tag{}, &Error{Field: f.Name, Key: avKey, Value: v, Reason: `not read by ddbcrypt; use the ddb tag`}
	}
	fail := func(key, value, format string, args ...any) (Tag, error) {
		return Tag{}, &Error{Field: f.Name, Key: key, Value: value, Reason: fmt.Sprintf(format, args...)}
	}

	var t Tag
	if v := f.Tag.Get(CryptoKey); v != "" {
		a, ok := parseAction(v)
		if !ok {
			return fail(CryptoKey, v, "want encrypt, signonly or donottouch")
		}
		t.Action, t.HasAction = a, true
	}

	v := f.Tag.Get(Key)
	if v == "" {
		return t, nil
	}
	name, opts, _ := strings.Cut(v, ",")
	if name == "-" {
		if strings.Contains(v, ",") {
			return fail(Key, v, `"-" takes no options`)
		}
		t.Ignore = true
		return t, nil
	}
	t.Name = name
	if !strings.Contains(v, ",") {
		return t, nil
	}
	seen := make(map[string]bool)
	for opt := range strings.SplitSeq(opts, ",") {
		if seen[opt] {
			return fail(Key, v, "repeated option %q", opt)
		}
		seen[opt] = true
		role := NoRole
		switch opt {
		case "":
			return fail(Key, v, "empty option")
		case "omitempty":
			t.OmitEmpty = true
		case "omitemptyelem":
			t.OmitEmptyElem = true
		case "nullempty":
			t.NullEmpty = true
		case "nullemptyelem":
			t.NullEmptyElem = true
		case "string":
			t.AsString = true
		case "stringset":
			t.AsStrSet = true
		case "numberset":
			t.AsNumSet = true
		case "binaryset":
			t.AsBinSet = true
		case "unixtime":
			t.AsUnixTime = true
		case "hash":
			role = Hash
		case "range":
			role = Range
		case "version":
			role = Version
		default:
			return fail(Key, v, "unknown option %q", opt)
		}
		if role != NoRole {
			if t.Role != NoRole {
				return fail(Key, v, "more than one key role (%s and %s)", t.Role, role)
			}
			t.Role = role
		}
	}
	return t, nil
}

func parseAction(s string) (crypto.Action, bool) {
	switch s {
	case "encrypt":
		return crypto.EncryptAndSign, true
	case "signonly":
		return crypto.SignOnly, true
	case "donottouch":
		return crypto.DoNothing, true
	}
	return 0, false
}
