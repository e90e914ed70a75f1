// Package tags parses the struct tags that map a Go struct field to a
// DynamoDB attribute: `ddb` (or attributevalue's own `dynamodbav`) names the
// attribute and says how its value is encoded, and `ddb` also gives its key
// roles; `ddbcrypt` says what the item encryptor does with it.
//
//	type Order struct {
//		_        struct{} `ddbcrypt:"signonly"`                     // struct default (package schema)
//		Customer string   `ddb:"customer,hash"`                     // partition key
//		Created  int64    `ddb:"created,range"`                     // sort key
//		Rev      int64    `ddb:"rev,version"`                       // optimistic-locking version
//		Email    string   `ddb:"email,index=by-email:hash"`         // partition key of an index
//		Card     string   `ddb:"card" ddbcrypt:"encrypt"`           // encrypted and signed
//		Labels   []string `dynamodbav:"labels,stringset,omitempty"` // attributevalue's tag
//		Cache    []byte   `ddb:"cache" ddbcrypt:"donottouch"`       // plaintext, unsigned
//		Scratch  string   `ddb:"-"`                                 // not stored
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
//   - hash, range, version: the field is the table's partition key, its
//     sort key or the version attribute. A field has at most one of them;
//   - index=NAME:hash, index=NAME:range: the field is the partition key or
//     the sort key of the secondary index NAME (3 to 255 letters, digits,
//     '_', '-' or '.', as DynamoDB requires). Repeat the option for each
//     index the field is a key of: `ddb:"total,index=by-email:range,index=by-total:hash"`.
//     Package schema puts the indexes together and checks them.
//
// Unlike attributevalue, an unknown, empty or repeated option is an error
// rather than ignored: `ddb:"id, hash"` (note the space) would otherwise turn
// the table's key into an ordinary attribute that is encrypted by default.
//
// # The dynamodbav tag
//
// A field without a `ddb` tag takes its name and value-encoding options from
// its `dynamodbav` tag, so that structs already tagged for attributevalue
// need no new tags: `dynamodbav:"total,omitempty"` is `ddb:"total,omitempty"`.
// The dynamodbav tag carries attributevalue's options only, read as strictly
// as the ddb tag's; key roles and indexes are ddbcrypt's and go in a ddb tag.
//
// attributevalue reads both tags (the dynamodbav tag first, then the ddb
// tag over it), so a field may carry both only when they agree: the same
// name (or both "-") and the same value-encoding options, the ddb tag
// adding key roles and indexes. `dynamodbav:"id" ddb:"id,hash"` is
// accepted; `dynamodbav:"id" ddb:",hash"` is refused, since the ddb tag's
// empty name is the Go field name, not "id".
//
// # The ddbcrypt tag
//
// `ddbcrypt:"encrypt"`, `ddbcrypt:"signonly"` or `ddbcrypt:"donottouch"`
// (Java's default, @DoNotEncrypt and @DoNotTouch). Absent or empty means the
// field takes the struct's default; see package schema for how defaults and
// keys are resolved.
//
// An encrypted field may also have a beacon (package beacon), so that its
// items can be found by its value: the option beacon (of
// beacon.DefaultBits bits) or beacon=BITS, and beaconindex=NAME when the
// beacon attribute is the partition key of the global secondary index
// NAME, each separated by a comma from the action word, if any:
//
//	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=16,beaconindex=by-email"`
//	Phone string `ddb:"phone" ddbcrypt:"beacon=12"` // encrypted by the struct default
package tags

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Struct tag keys.
const (
	Key       = "ddb"        // attribute name, key roles, value encoding
	AVKey     = "dynamodbav" // attributevalue's: name and value encoding
	CryptoKey = "ddbcrypt"   // attribute action
)

// Role is the key role a `ddb` tag gives a field, in the table or in an
// index.
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

// IndexKey is one `index=NAME:ROLE` option: the field is the partition key
// (Hash) or the sort key (Range) of the secondary index Index.
type IndexKey struct {
	Index string
	Role  Role
}

// Tag is what the tags of one field say. The zero Tag is an untagged field.
type Tag struct {
	Name   string // attribute name; "" means the Go field name
	Ignore bool   // "-": not an attribute
	Role   Role
	// Indexes are the index= options, in the tag's order; no index is
	// named twice.
	Indexes []IndexKey

	// Action is what the `ddbcrypt` tag says; HasAction whether there is
	// one, so that package schema can tell a defaulted action from an
	// explicit one.
	Action    crypto.Action
	HasAction bool
	// Beacon is the length in bits of the field's beacon (ddbcrypt tag
	// option beacon or beacon=BITS), 0 for none; BeaconIndex the index
	// whose partition key is the beacon attribute (beaconindex=NAME).
	Beacon      int
	BeaconIndex string

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

type encoding struct {
	name string
	flag func(*Tag) *bool
}

// encodings are attributevalue's value-encoding options and the Tag field
// each sets, in the order Options lists them.
var encodings = [...]encoding{
	{"omitempty", func(t *Tag) *bool { return &t.OmitEmpty }},
	{"omitemptyelem", func(t *Tag) *bool { return &t.OmitEmptyElem }},
	{"nullempty", func(t *Tag) *bool { return &t.NullEmpty }},
	{"nullemptyelem", func(t *Tag) *bool { return &t.NullEmptyElem }},
	{"string", func(t *Tag) *bool { return &t.AsString }},
	{"stringset", func(t *Tag) *bool { return &t.AsStrSet }},
	{"numberset", func(t *Tag) *bool { return &t.AsNumSet }},
	{"binaryset", func(t *Tag) *bool { return &t.AsBinSet }},
	{"unixtime", func(t *Tag) *bool { return &t.AsUnixTime }},
}

// Options returns the value-encoding options the tag sets, by their
// attributevalue names (e.g. ["omitempty", "stringset"]), in a fixed order.
func (t Tag) Options() []string {
	var opts []string
	for _, e := range encodings {
		if *e.flag(&t) {
			opts = append(opts, e.name)
		}
	}
	return opts
}

// IsZero reports whether the field has no tag that says anything.
func (t Tag) IsZero() bool {
	return t.Name == "" && !t.Ignore && t.Role == NoRole && len(t.Indexes) == 0 && !t.HasAction && t.Beacon == 0 && len(t.Options()) == 0
}

// Error reports a malformed tag, or two tags that disagree. It wraps
// ddbcrypt.ErrInvalidConfig.
type Error struct {
	Field  string // Go field name
	Key    string // tag key: "ddb", "dynamodbav" or "ddbcrypt"
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

// Parse reads the `ddb`, `dynamodbav` and `ddbcrypt` tags of f. It checks
// the tags only, not whether they suit the field's type or position;
// package schema does.
func Parse(f reflect.StructField) (Tag, error) {
	var t Tag
	if v := f.Tag.Get(CryptoKey); v != "" {
		if err := t.parseCrypto(f.Name, v); err != nil {
			return Tag{}, err
		}
	}
	ddb, av := f.Tag.Get(Key), f.Tag.Get(AVKey)
	var err error
	switch {
	case ddb != "":
		err = t.parse(f.Name, Key, ddb)
	case av != "":
		err = t.parse(f.Name, AVKey, av)
	}
	if err != nil {
		return Tag{}, err
	}
	if ddb != "" && av != "" {
		var a Tag
		if err := a.parse(f.Name, AVKey, av); err != nil {
			return Tag{}, err
		}
		if why := disagreement(t, a); why != "" {
			return Tag{}, &Error{Field: f.Name, Key: Key, Value: ddb,
				Reason: fmt.Sprintf("disagrees with %s:%q, which attributevalue reads too: %s", AVKey, av, why)}
		}
	}
	return t, nil
}

// parse reads the value v of the tag key into t. Only the ddb tag may give
// key roles and indexes.
func (t *Tag) parse(field, key, v string) error {
	fail := func(format string, args ...any) error {
		return &Error{Field: field, Key: key, Value: v, Reason: fmt.Sprintf(format, args...)}
	}
	name, opts, hasOpts := strings.Cut(v, ",")
	if name == "-" {
		if hasOpts {
			return fail(`"-" takes no options`)
		}
		t.Ignore = true
		return nil
	}
	t.Name = name
	if !hasOpts {
		return nil
	}
	seen := make(map[string]bool)
	for opt := range strings.SplitSeq(opts, ",") {
		if seen[opt] {
			return fail("repeated option %q", opt)
		}
		seen[opt] = true
		if opt == "" {
			return fail("empty option")
		}
		if i := slices.IndexFunc(encodings[:], func(e encoding) bool { return e.name == opt }); i >= 0 {
			*encodings[i].flag(t) = true
			continue
		}
		role, isRole := roles[opt]
		index, isIndex := strings.CutPrefix(opt, "index=")
		switch {
		case (isRole || isIndex) && key != Key:
			return fail("option %q is ddbcrypt's: key roles and indexes go in a %s tag", opt, Key)
		case isRole && t.Role != NoRole:
			return fail("more than one key role (%s and %s)", t.Role, role)
		case isRole:
			t.Role = role
		case isIndex:
			ix, err := parseIndex(index)
			if err != nil {
				return fail("option %q: %v", opt, err)
			}
			if slices.ContainsFunc(t.Indexes, func(k IndexKey) bool { return k.Index == ix.Index }) {
				return fail("index %q named twice; a field is one key of an index", ix.Index)
			}
			t.Indexes = append(t.Indexes, ix)
		default:
			return fail("unknown option %q", opt)
		}
	}
	return nil
}

// parseCrypto reads the value v of the ddbcrypt tag into t: an action
// word, beacon options, or both, comma-separated.
func (t *Tag) parseCrypto(field, v string) error {
	fail := func(format string, args ...any) error {
		return &Error{Field: field, Key: CryptoKey, Value: v, Reason: fmt.Sprintf(format, args...)}
	}
	seen := make(map[string]bool)
	for opt := range strings.SplitSeq(v, ",") {
		word, arg, hasArg := strings.Cut(opt, "=")
		if seen[word] {
			return fail("repeated option %q", word)
		}
		seen[word] = true
		if a, ok := ParseAction(opt); ok {
			if t.HasAction {
				return fail("more than one action (%s and %s)", t.Action, a)
			}
			t.Action, t.HasAction = a, true
			continue
		}
		switch {
		case opt == "":
			return fail("empty option")
		case word == "beacon" && !hasArg:
			t.Beacon = beacon.DefaultBits
		case word == "beacon":
			bits, err := strconv.Atoi(arg)
			if err != nil || beacon.CheckBits(bits) != nil {
				return fail("option %q: want beacon=BITS, %d to %d bits", opt, beacon.MinBits, beacon.MaxBits)
			}
			t.Beacon = bits
		case word == "beaconindex" && hasArg:
			if err := checkIndexName(arg); err != nil {
				return fail("option %q: %v", opt, err)
			}
			t.BeaconIndex = arg
		default:
			return fail("unknown option %q; want encrypt, signonly or donottouch, beacon[=BITS] and beaconindex=NAME", opt)
		}
	}
	if t.BeaconIndex != "" && t.Beacon == 0 {
		return fail("beaconindex=%s without a beacon; add beacon or beacon=BITS", t.BeaconIndex)
	}
	return nil
}

var roles = map[string]Role{"hash": Hash, "range": Range, "version": Version}

// parseIndex reads NAME:hash or NAME:range.
func parseIndex(s string) (IndexKey, error) {
	name, role, ok := strings.Cut(s, ":")
	if !ok || (role != "hash" && role != "range") {
		return IndexKey{}, fmt.Errorf("want index=NAME:hash or index=NAME:range")
	}
	if err := checkIndexName(name); err != nil {
		return IndexKey{}, err
	}
	return IndexKey{Index: name, Role: roles[role]}, nil
}

// checkIndexName applies DynamoDB's rule for index names.
func checkIndexName(name string) error {
	if len(name) < 3 || len(name) > 255 {
		return fmt.Errorf("an index name has 3 to 255 characters, not %d", len(name))
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-', r == '.':
		default:
			return fmt.Errorf("an index name has only letters, digits, '_', '-' and '.', not %q", r)
		}
	}
	return nil
}

// disagreement says how the ddb tag d and the dynamodbav tag a differ in
// what attributevalue reads of them: "" if they do not.
func disagreement(d, a Tag) string {
	name := func(t Tag) string {
		if t.Ignore {
			return `"-" (not stored)`
		}
		if t.Name == "" {
			return "the Go field name"
		}
		return fmt.Sprintf("%q", t.Name)
	}
	if d.Ignore != a.Ignore || d.Name != a.Name {
		return fmt.Sprintf("the attribute name is %s in %s and %s in %s", name(d), Key, name(a), AVKey)
	}
	if do, ao := d.Options(), a.Options(); !slices.Equal(do, ao) {
		return fmt.Sprintf("the options are %v in %s and %v in %s", do, Key, ao, AVKey)
	}
	return ""
}

// ParseAction reads one of the action words of the ddbcrypt tag:
// "encrypt" (crypto.EncryptAndSign), "signonly" (crypto.SignOnly) or
// "donottouch" (crypto.DoNothing). The words are case-sensitive; ok is false
// for any other string. Package config reads the same words.
func ParseAction(s string) (a crypto.Action, ok bool) {
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
