// Package encrypted is a drop-in replacement for the DynamoDB client that
// encrypts and signs items on the way in and verifies and decrypts them on
// the way out: Go's counterpart of the Python client's EncryptedClient, for
// code that calls the DynamoDB API with attribute-value maps rather than
// structs (for structs, see package mapper).
//
// Client has the SDK's method shapes — ctx, input, optFns — so the SDK's
// paginators work with it:
//
//	c := encrypted.NewClient(dynamodb.NewFromConfig(cfg), provider)
//	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item})
//	for p := dynamodb.NewQueryPaginator(c, in); p.HasMorePages(); { ... }
//
// What the client refuses, before any call, because it would break or leak
// through encryption: condition, filter and key-condition expressions that
// name an encrypted attribute (DynamoDB only sees its ciphertext); the legacy
// parameters (Expected, AttributesToGet, KeyConditions, QueryFilter,
// ScanFilter, AttributeUpdates), which expressions replace; and updates of
// anything but unsigned, plaintext (DO_NOTHING) attributes, which would
// break the item's signature; and transaction elements or batch write
// requests that set more than one operation. A ProjectionExpression is
// applied by the client after the whole item is verified and decrypted, and
// every item a read returns must have the key that was asked for.
package encrypted

import (
	"context"
	"fmt"
	"sync"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// API is the part of the DynamoDB API the client wraps:
// ddbcrypt.DynamoDBAPI, which *dynamodb.Client satisfies.
type API = ddbcrypt.DynamoDBAPI

// TableConfig says how the items of one table are protected.
type TableConfig struct {
	// Provider supplies the keys; nil means the client's provider.
	Provider cmp.Provider
	// Actions assigns an action to each attribute; nil means encrypt and sign
	// everything (Python's default). Key attributes of the table and of its
	// indexes are signed whenever anything is, and never encrypted (see
	// crypto.AttributeActions.KeyAction): a defaulted EncryptAndSign or
	// DoNothing on a key is signed only, and an explicit EncryptAndSign, or
	// an explicit DoNothing while anything else is signed, is an error when
	// the table is first used. Actions.UnsignedKeys is the opt-in for items
	// whose keys were left unsigned (the Python client with a DO_NOTHING
	// default); read its risk first.
	Actions *crypto.AttributeActions
	// SignatureTableName binds the items to this table name in their
	// signature instead of the table's own (Java's @TableAadOverride).
	SignatureTableName string
	// Beacons are the beacons of encrypted attributes (package beacon):
	// on every write the client stores each in its beacon attribute
	// (beacon.Attribute), signed only, for queries and filters to match
	// (Client.Beacon computes the value to ask for; KeepMatches drops the
	// false positives). The beacon attribute must not be configured in
	// Actions. BeaconKeys derives their keys.
	Beacons    []beacon.Spec
	BeaconKeys *beacon.Keys
}

// Option configures a Client.
type Option func(*options)

type options struct {
	configs    map[string]TableConfig
	cryptoOpts []crypto.Option
}

// WithTable configures one table; other tables get the defaults.
func WithTable(name string, cfg TableConfig) Option {
	return func(o *options) { o.configs[name] = cfg }
}

// WithEncryptorOptions passes options to the item encryptors.
func WithEncryptorOptions(opts ...crypto.Option) Option {
	return func(o *options) { o.cryptoOpts = append(o.cryptoOpts, opts...) }
}

// Client wraps a DynamoDB client with client-side encryption. It is safe for
// concurrent use by many goroutines.
//
// Errors of DynamoDB keep their types: errors.As finds the SDK's
// (*types.ConditionalCheckFailedException, smithy.APIError, ...) and
// errors.Is finds ctx's. The client adds what the call was about. When
// DynamoDB fails a single-item call (PutItem, GetItem, DeleteItem,
// UpdateItem), the error is a *ddbcrypt.ItemError naming the table and the
// item's key, as for an item that does not verify (a failed DescribeTable
// names the table only); the item a failed condition returns
// (ReturnValuesOnConditionCheckFailure ALL_OLD) is verified and decrypted,
// or dropped. A failed Query or Scan names its table and index; a failed
// batch, its tables and how many requests each had; a cancelled
// transaction, the elements DynamoDB gave a reason for, by index, table
// and key. A request the client refuses wraps ddbcrypt.ErrInvalidItem. No
// message holds the value of an encrypted attribute (keys are never
// encrypted).
type Client struct {
	db       API
	provider cmp.Provider
	opts     options
	infos    *tableinfo.Cache

	mu     sync.Mutex
	tables map[string]*engine.Table // prepared on first use
}

// NewClient returns a client that encrypts the items of every table with
// keys from provider, unless WithTable says otherwise.
func NewClient(db API, provider cmp.Provider, opts ...Option) *Client {
	c := &Client{db: db, provider: provider, opts: options{configs: make(map[string]TableConfig)}, infos: tableinfo.NewCache(db), tables: make(map[string]*engine.Table)}
	for _, o := range opts {
		o(&c.opts)
	}
	return c
}

// table returns the prepared table the request names, describing it on
// first use: the engine's view of its configuration (engine.Resolver).
func (c *Client) table(ctx context.Context, name *string) (*engine.Table, error) {
	if name == nil || *name == "" {
		return nil, fmt.Errorf("%w: the request names no table", ddbcrypt.ErrInvalidItem)
	}
	c.mu.Lock()
	t, ok := c.tables[*name]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	info, err := c.infos.Get(ctx, *name)
	if err != nil {
		return nil, err
	}
	// The request may name the table by its ARN: configurations and
	// signatures use the table's name.
	cfg, ok := c.opts.configs[*name]
	if !ok {
		cfg = c.opts.configs[info.Name]
	}
	provider := cfg.Provider
	if provider == nil {
		provider = c.provider
	}
	if provider == nil {
		return nil, fmt.Errorf("%w: no provider for table %s", ddbcrypt.ErrInvalidConfig, *name)
	}
	actions := crypto.AttributeActions{Default: crypto.EncryptAndSign}
	if cfg.Actions != nil {
		actions = *cfg.Actions
	}
	policy, err := engine.NewBeaconPolicy(info, actions, cfg.Beacons, info.KeyNames()...)
	if err != nil {
		return nil, err
	}
	t = engine.NewTable(*name, info, policy, cfg.SignatureTableName, crypto.NewEncryptor(provider, c.opts.cryptoOpts...)).WithBeaconKeys(cfg.BeaconKeys)
	if err := t.CheckBeaconKeys(); err != nil {
		return nil, fmt.Errorf("%w: TableConfig.Beacons without BeaconKeys", err)
	}
	c.mu.Lock()
	if old, ok := c.tables[*name]; ok {
		t = old // another goroutine prepared it first
	} else {
		c.tables[*name] = t
	}
	c.mu.Unlock()
	return t, nil
}
