package mapper

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Option configures the mapper (New), a table (NewTable), one read or
// write, or the creation of a table (CreateTable): the mapper has this one option type, in attributevalue's
// functional style. Each option says where it applies; given anywhere
// else it is an error wrapping ddbcrypt.ErrInvalidConfig that names it
// (for New, reported on the mapper's first use).
type Option struct {
	name  string
	where scope
	apply func(*settings)
}

// scope is where an option applies.
type scope uint8

const (
	atNew      scope = 1 << iota // New
	atNewTable                   // NewTable
	atRead                       // Load, BatchLoad, Query, Scan
	atWrite                      // Save, Delete, TxSave, TxDelete
	atCreate                     // CreateTable, CreateTableInput
)

func (s scope) String() string {
	var parts []string
	for _, p := range [...]struct {
		s    scope
		name string
	}{{atNew, "New"}, {atNewTable, "NewTable"}, {atRead, "reads (Load, BatchLoad, Query, Scan)"}, {atWrite, "writes (Save, Delete, TxSave, TxDelete)"}, {atCreate, "CreateTable"}} {
		if s&p.s != 0 {
			parts = append(parts, p.name)
		}
	}
	return strings.Join(parts, " and ")
}

// settings is what the options set, everywhere.
type settings struct {
	// New
	acceptUnknown bool
	cryptoOpts    []crypto.Option
	backoff       backoff
	encoderOpts   []func(*attributevalue.EncoderOptions)
	decoderOpts   []func(*attributevalue.DecoderOptions)
	beaconKeys    *beacon.Keys
	// NewTable
	tableName, signatureName string
	unsignedKeys             bool
	// reads
	consistent bool
	// writes
	conditions []expression.ConditionBuilder
	// CreateTable
	create createSettings
}

// apply applies the options given to call, which takes those of scope at,
// to s.
func (s *settings) apply(at scope, call string, opts []Option) error {
	for _, o := range opts {
		if o.apply == nil {
			return invalidConfig("%s: a zero mapper.Option; build options with the mapper's functions", call)
		}
		if o.where&at == 0 {
			return invalidConfig("%s does not take the option %s, which applies to %v", call, o.name, o.where)
		}
		o.apply(s)
	}
	return nil
}

// options collects the options given to one read or write.
func options(at scope, call string, opts []Option) (settings, error) {
	var s settings
	return s, s.apply(at, call, opts)
}

// AcceptUnknownAttributes (New) lets Load accept stored attributes that the
// struct does not have (written by a newer version of the program, say):
// they are verified with the type's default action and then ignored, as
// with Java's @HandleUnknownAttributes. Without it such an item is an
// error that names them.
func AcceptUnknownAttributes() Option {
	return Option{"AcceptUnknownAttributes", atNew, func(s *settings) { s.acceptUnknown = true }}
}

// WithEncryptorOptions (New) passes options to the item encryptor, e.g.
// crypto.WithStrictOrdering.
func WithEncryptorOptions(opts ...crypto.Option) Option {
	return Option{"WithEncryptorOptions", atNew, func(s *settings) { s.cryptoOpts = append(s.cryptoOpts, opts...) }}
}

// WithBatchRetry (New) sets how batch calls retry unprocessed items:
// attempts in all, and the first and longest wait between them (doubled
// each time, with jitter). The default is 8 attempts from 50ms to 5s.
func WithBatchRetry(attempts int, first, longest time.Duration) Option {
	return Option{"WithBatchRetry", atNew, func(s *settings) {
		s.backoff = backoff{attempts: attempts, first: first, longest: longest}
	}}
}

// WithEncoderOptions (New) sets attributevalue's EncoderOptions for
// marshaling structs into items, in attributevalue's functional-option
// style: the mapper's item is then exactly what attributevalue.MarshalMap
// with these options writes. The mapper's own TagKey ("ddb") must stay: the
// struct tags name the attributes and say which are encrypted, and a
// TagKey other than "ddb" is an error wrapping ddbcrypt.ErrInvalidConfig on
// first use. NullEmptySets, OmitNullAttributeValues, OmitEmptyTime and
// EncodeTime keep the mapper's fast codec; UseEncodingMarshalers makes it
// hand every struct to attributevalue whole, which is slower.
func WithEncoderOptions(optFns ...func(*attributevalue.EncoderOptions)) Option {
	return Option{"WithEncoderOptions", atNew, func(s *settings) { s.encoderOpts = append(s.encoderOpts, optFns...) }}
}

// WithDecoderOptions (New) sets attributevalue's DecoderOptions for
// unmarshaling items into structs, as WithEncoderOptions does for
// marshaling. UseNumber, DecodeTime and FixUnmarshalIndividualSetValues
// keep the fast codec; UseEncodingUnmarshalers makes it hand every struct
// to attributevalue whole. A TagKey other than "ddb" is an error.
func WithDecoderOptions(optFns ...func(*attributevalue.DecoderOptions)) Option {
	return Option{"WithDecoderOptions", atNew, func(s *settings) { s.decoderOpts = append(s.decoderOpts, optFns...) }}
}

// WithBeaconKeys (New) gives the keys of the beacons that struct tags
// declare (ddbcrypt tag option beacon): Save writes each beacon, and
// QueryBeacon and WhereEqual compute it. A type with a beacon cannot be
// used without them.
func WithBeaconKeys(keys *beacon.Keys) Option {
	return Option{"WithBeaconKeys", atNew, func(s *settings) { s.beaconKeys = keys }}
}

// WithTableName (NewTable) names the table, for a type without a TableName
// method or to use another table.
func WithTableName(name string) Option {
	return Option{"WithTableName", atNewTable, func(s *settings) { s.tableName = name }}
}

// WithSignatureTableName (NewTable) binds items to the table name logical
// in their signature instead of the table's own name, so that items copied
// between tables still verify: Java's @TableAadOverride (docs/format.md
// 5.7).
func WithSignatureTableName(logical string) Option {
	return Option{"WithSignatureTableName", atNewTable, func(s *settings) { s.signatureName = logical }}
}

// WithUnsignedKeys (NewTable) lets the key attributes of the table and its
// indexes go unsigned when the struct's default action is donottouch, as
// the Python client writes items whose default is DO_NOTHING: it is the
// mapper's crypto.AttributeActions.UnsignedKeys, and carries its risk —
// anyone who can write to the table can move a stored item to another key
// and it still verifies. Use it only to read and write items written that
// way.
func WithUnsignedKeys() Option {
	return Option{"WithUnsignedKeys", atNewTable, func(s *settings) { s.unsignedKeys = true }}
}

// ConsistentRead (reads: Load, BatchLoad, Query, Scan) reads the latest
// committed items (not on global secondary indexes).
func ConsistentRead() Option {
	return Option{"ConsistentRead", atRead, func(s *settings) { s.consistent = true }}
}

// If (writes: Save, Delete, TxSave, TxDelete) adds a condition the write
// must meet, e.g. If(expression.Name("status").Equal(expression.Value("open"))).
// It may only name attributes that are not encrypted. A condition that
// fails is an error wrapping ErrConditionFailed.
func If(cond expression.ConditionBuilder) Option {
	return Option{"If", atWrite, func(s *settings) { s.conditions = append(s.conditions, cond) }}
}
