package mapper

import (
	"context"
	"reflect"
	"sync"

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
	opts      settings

	codec     *codec.Codec // structs ↔ items
	configErr error        // options New cannot honour, reported on first use

	tablesMu sync.Mutex
	tables   map[reflect.Type]*table // for the untyped Save/Load/Delete
	infos    *tableinfo.Cache        // one DescribeTable per table
}

// New returns a mapper that stores items through client with keys from
// provider.
func New(client Client, provider cmp.Provider, opts ...Option) *Mapper {
	m := &Mapper{
		client: client,
		opts:   settings{backoff: defaultBackoff},
		tables: make(map[reflect.Type]*table),
		infos:  tableinfo.NewCache(client),
	}
	m.configErr = m.opts.apply(atNew, "New", opts)
	codec, err := codec.New(m.opts.encoderOpts, m.opts.decoderOpts)
	if m.configErr == nil {
		m.codec, m.configErr = codec, err
	}
	unknown := crypto.WithUnknownAttributes(crypto.UnknownReject)
	if m.opts.acceptUnknown {
		unknown = crypto.WithUnknownAttributes(crypto.UnknownUseDefault)
	}
	m.encryptor = crypto.NewEncryptor(provider, append([]crypto.Option{unknown}, m.opts.cryptoOpts...)...)
	return m
}

// Save encrypts, signs and writes v, a pointer to a struct whose type names
// its table with a TableName method. See Table.Save.
func (m *Mapper) Save(ctx context.Context, v any, opts ...Option) error {
	t, rv, err := m.tableOf("Save", v)
	if err != nil {
		return err
	}
	return t.save(ctx, rv, opts)
}

// Load reads the item with v's primary key into v. See Table.Load.
func (m *Mapper) Load(ctx context.Context, v any, opts ...Option) error {
	t, rv, err := m.tableOf("Load", v)
	if err != nil {
		return err
	}
	return t.load(ctx, rv, opts)
}

// Delete deletes the item with v's primary key. See Table.Delete.
func (m *Mapper) Delete(ctx context.Context, v any, opts ...Option) error {
	t, rv, err := m.tableOf("Delete", v)
	if err != nil {
		return err
	}
	return t.delete(ctx, rv, opts)
}

// tableOf returns the table of the type v points to, named by its
// TableName method, and the struct.
func (m *Mapper) tableOf(call string, v any) (*table, reflect.Value, error) {
	rv, err := itemValue(call, v)
	if err != nil {
		return nil, reflect.Value{}, err
	}
	typ := rv.Type()
	m.tablesMu.Lock()
	t, ok := m.tables[typ]
	m.tablesMu.Unlock()
	if !ok {
		if t, err = newTable(m, typ, settings{}); err != nil {
			return nil, reflect.Value{}, err
		}
		m.tablesMu.Lock()
		m.tables[typ] = t
		m.tablesMu.Unlock()
	}
	return t, rv, nil
}
