package mapper

import (
	"context"
	"reflect"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/codec"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Client is the part of the DynamoDB API the mapper calls:
// ddbcrypt.DynamoDBAPI, which *dynamodb.Client and *encrypted.Client
// satisfy.
type Client = ddbcrypt.DynamoDBAPI

// Mapper saves Go structs to DynamoDB as encrypted and signed items and
// loads them back, verified and decrypted: Go's DynamoDBMapper with the
// AttributeEncryptor. Save always writes whole items (PutItem): a partial
// update would break an item's signature.
//
// A Mapper is safe for concurrent use by many goroutines.
type Mapper struct {
	client    Client
	encryptor *crypto.Encryptor
	opts      options

	codec    *codec.Codec // structs ↔ items
	codecErr error        // options New cannot honour, reported on first use

	tablesMu sync.Mutex
	tables   map[reflect.Type]*table // for the untyped Save/Load/Delete
	infos    *tableinfo.Cache        // one DescribeTable per table
}

type options struct {
	acceptUnknown bool
	cryptoOpts    []crypto.Option
	backoff       backoff
	encoderOpts   []func(*attributevalue.EncoderOptions)
	decoderOpts   []func(*attributevalue.DecoderOptions)
}

// Option configures a Mapper.
type Option func(*options)

// AcceptUnknownAttributes lets Load accept stored attributes that the struct
// does not have (written by a newer version of the program, say): they are
// verified with the type's default action and then ignored, as with Java's
// @HandleUnknownAttributes. Without it such an item is an error that names
// them.
func AcceptUnknownAttributes() Option {
	return func(o *options) { o.acceptUnknown = true }
}

// WithEncryptorOptions passes options to the item encryptor, e.g.
// crypto.WithStrictOrdering.
func WithEncryptorOptions(opts ...crypto.Option) Option {
	return func(o *options) { o.cryptoOpts = append(o.cryptoOpts, opts...) }
}

// WithBatchRetry sets how batch calls retry unprocessed items: attempts in
// all, and the first and longest wait between them (doubled each time, with
// jitter). The default is 8 attempts from 50ms to 5s.
func WithBatchRetry(attempts int, first, longest time.Duration) Option {
	return func(o *options) { o.backoff = backoff{attempts: attempts, first: first, longest: longest} }
}

// WithEncoderOptions sets attributevalue's EncoderOptions for marshaling
// structs into items, in attributevalue's functional-option style: the
// mapper's item is then exactly what attributevalue.MarshalMap with these
// options writes. The mapper's own TagKey ("ddb") must stay: the struct
// tags name the attributes and say which are encrypted, and a TagKey other
// than "ddb" is an error wrapping ddbcrypt.ErrInvalidConfig on first use.
// NullEmptySets, OmitNullAttributeValues, OmitEmptyTime and EncodeTime keep
// the mapper's fast codec; UseEncodingMarshalers makes it hand every struct
// to attributevalue whole, which is slower.
func WithEncoderOptions(optFns ...func(*attributevalue.EncoderOptions)) Option {
	return func(o *options) { o.encoderOpts = append(o.encoderOpts, optFns...) }
}

// WithDecoderOptions sets attributevalue's DecoderOptions for unmarshaling
// items into structs, as WithEncoderOptions does for marshaling. UseNumber,
// DecodeTime and FixUnmarshalIndividualSetValues keep the fast codec;
// UseEncodingUnmarshalers makes it hand every struct to attributevalue
// whole. A TagKey other than "ddb" is an error.
func WithDecoderOptions(optFns ...func(*attributevalue.DecoderOptions)) Option {
	return func(o *options) { o.decoderOpts = append(o.decoderOpts, optFns...) }
}

// New returns a mapper that stores items through client with keys from
// provider.
func New(client Client, provider cmp.Provider, opts ...Option) *Mapper {
	m := &Mapper{
		client: client,
		opts:   options{backoff: defaultBackoff},
		tables: make(map[reflect.Type]*table),
		infos:  tableinfo.NewCache(client),
	}
	for _, o := range opts {
		o(&m.opts)
	}
	m.codec, m.codecErr = codec.New(m.opts.encoderOpts, m.opts.decoderOpts)
	unknown := crypto.WithUnknownAttributes(crypto.UnknownReject)
	if m.opts.acceptUnknown {
		unknown = crypto.WithUnknownAttributes(crypto.UnknownUseDefault)
	}
	m.encryptor = crypto.NewEncryptor(provider, append([]crypto.Option{unknown}, m.opts.cryptoOpts...)...)
	return m
}

// Save encrypts, signs and writes v, a pointer to a struct whose type names
// its table with a TableName method. See Table.Save.
func (m *Mapper) Save(ctx context.Context, v any, opts ...WriteOption) error {
	t, rv, err := m.tableOf(v)
	if err != nil {
		return err
	}
	return t.save(ctx, rv, opts)
}

// Load reads the item with v's primary key into v. See Table.Load.
func (m *Mapper) Load(ctx context.Context, v any, opts ...ReadOption) error {
	t, rv, err := m.tableOf(v)
	if err != nil {
		return err
	}
	return t.load(ctx, rv, opts)
}

// Delete deletes the item with v's primary key. See Table.Delete.
func (m *Mapper) Delete(ctx context.Context, v any, opts ...WriteOption) error {
	t, rv, err := m.tableOf(v)
	if err != nil {
		return err
	}
	return t.delete(ctx, rv, opts)
}

// tableOf returns the table of v's type, named by its TableName method.
func (m *Mapper) tableOf(v any) (*table, reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, reflect.Value{}, invalidItem("want a non-nil pointer to a struct, not %T", v)
	}
	typ := rv.Elem().Type()
	m.tablesMu.Lock()
	t, ok := m.tables[typ]
	m.tablesMu.Unlock()
	if !ok {
		var err error
		if t, err = newTable(m, typ, tableConfig{}); err != nil {
			return nil, reflect.Value{}, err
		}
		m.tablesMu.Lock()
		m.tables[typ] = t
		m.tablesMu.Unlock()
	}
	return t, rv.Elem(), nil
}
