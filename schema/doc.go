// Package schema models a Go struct type as an encrypted DynamoDB item: which
// attributes it has, which are the keys and the version, and what the item
// encryptor does with each (docs/format.md 6). It is the Go counterpart of the
// metadata Java's DynamoDBMapper and AttributeEncryptor read from
// annotations, and is built once per type from the struct tags parsed by
// package tags:
//
//	type Order struct {
//		_        struct{} `ddbcrypt:"signonly"`               // default for untagged fields
//		Customer string   `ddb:"customer,hash"`               // partition key: always signed, never encrypted
//		Created  int64    `ddb:"created,range"`               // sort key: likewise
//		Rev      int64    `ddb:"rev,version"`                 // version: never encrypted
//		Card     string   `ddb:"card" ddbcrypt:"encrypt"`     // encrypted and signed
//		Note     string   `ddb:"note,omitempty"`              // the default: signed only
//		Cache    []byte   `ddb:"cache" ddbcrypt:"donottouch"` // plaintext, unsigned
//		Audit                                                // embedded: its fields are Order's
//	}
//
//	s, err := schema.For[Order]()
//
// # Attributes
//
// The attributes are the fields an attributevalue Encoder with TagKey "ddb"
// would write, in its order: exported fields not tagged `ddb:"-"`, with the
// fields of embedded structs (and pointers to structs) promoted unless the
// embedded field is given a name, and name clashes settled by Go's embedding
// rules as encoding/json and attributevalue settle them (the shallowest field
// wins; at equal depth, the one named by a tag). Where attributevalue would
// silently drop an attribute, or fail on it, Of returns an error instead:
//
//   - two fields of the same attribute name at the same depth, neither of
//     them (or both) named by a tag;
//   - a field hidden by another that carries a key role or a ddbcrypt tag,
//     whose intent would be lost;
//   - an unexported field with a ddb or ddbcrypt tag;
//   - an unexported embedded field that is not flattened (a non-struct, or
//     a struct named by its tag), which attributevalue cannot encode;
//   - a chan, func or unsafe.Pointer field not tagged `ddb:"-"`;
//   - a `dynamodbav` tag that disagrees with the field's `ddb` tag
//     (attributevalue reads both; package tags).
//
// A field without a `ddb` tag takes its name and value-encoding options
// from its `dynamodbav` tag, so a struct tagged for attributevalue alone
// has exactly the attributes attributevalue.MarshalMap writes.
//
// Attribute names may not be the item encryptor's reserved
// "*amzn-ddb-map-desc*" and "*amzn-ddb-map-sig*".
//
// Tags belong on the leaf fields: an embedded struct that is promoted may not
// carry a ddbcrypt tag or ddb options, since they would apply to nothing.
// Tagged with a name, it is an ordinary (map) attribute like any other field.
//
// # Actions
//
// Each attribute gets the crypto.Action of its ddbcrypt tag ("encrypt":
// EncryptAndSign, "signonly": SignOnly, "donottouch": DoNothing), or else the
// struct default. The default is EncryptAndSign unless the struct has a blank
// field with a ddbcrypt tag, Java's class-level @DoNotEncrypt / @DoNotTouch:
//
//	_ struct{} `ddbcrypt:"signonly"`
//
// The partition key and sort key follow the key rule, which package crypto
// decides (crypto.AttributeActions.KeyAction): never encrypted, and signed
// whenever anything is, so that an item cannot be moved to another key
// (docs/format.md 6.3); `ddbcrypt:"encrypt"` or `ddbcrypt:"donottouch"` on a key
// is an error. The version is never encrypted either, as in Java's mapper: a
// defaulted EncryptAndSign becomes SignOnly, and an explicit
// `ddbcrypt:"encrypt"` is an error. With a DoNothing default the keys and the version are
// signed if anything else is; if nothing at all is, they are left alone too
// and the item is stored as is, which is Java's @DoNotTouch class. The
// version may be tagged `ddbcrypt:"donottouch"`, as Java allows.
//
// There is at most one partition key, one sort key and one version, and no
// sort key without a partition key. None may be a set, and the version must
// be an integer (or a pointer to one) stored as a number.
//
// # Secondary indexes
//
// The tag option index=NAME:hash or index=NAME:range makes a field the
// partition key or the sort key of the secondary index NAME; a field may be
// a key of several indexes, and of the table too:
//
//	Customer string `ddb:"customer,hash,index=by-placed:hash"` // table and local index
//	ID       string `ddb:"id,range"`
//	Placed   int64  `ddb:"placed,index=by-placed:range"`
//	Email    string `ddb:"email,index=by-email:hash"` // global index
//	Total    int64  `ddb:"total,index=by-email:range"`
//
// An index has one partition key and at most one sort key. An index whose
// partition key is the table's is a local secondary index (Index.Local),
// which needs a sort key of its own and a table with a sort key; any other
// is global. Index keys follow the key rule as the table's keys do: signed,
// never encrypted, `ddbcrypt:"encrypt"` on one is an error. The mapper asks
// the same rule on first use for the keys of every index DescribeTable
// reports, so the actions agree.
//
// Key fields of the table and of its indexes must be stored as a string, a
// number or binary (Field.KeyType): string kinds (S), integer and float
// kinds and json.Number (N, or S with the string option), []byte and byte
// arrays (B), time.Time (S, or N with unixtime), or a type whose
// MarshalDynamoDBAttributeValue writes one of them for its zero value,
// which is called once to find out. This is what attributevalue writes
// with its default options; an EncodeTime option that writes times
// otherwise must keep to the same type.
//
// Only the top-level attributes have actions. A struct stored as one
// attribute (a field of struct type, or an embedded struct named by its tag)
// is encrypted or signed whole; ddb tags inside it only say how its members
// are encoded, and roles or ddbcrypt tags there are not read.
package schema
