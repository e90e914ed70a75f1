// Package metastore is the MetaStore of the legacy DynamoDB Encryption
// Client: a provider store (cmp.ProviderStore) in a DynamoDB table, read and
// written in exactly the layout of Java's MetaStore and Python's MetaStore
// (docs/format.md 7.6), so the three share one table.
//
// Each row is one version of one material name: partition key "N" (S, the
// material name), sort key "V" (N, the version, from 0), and the fields
// "t" (material type "0"), "enc" (a 32-byte AES key-wrapping key), "encAlg"
// ("AES"), "int" (a 32-byte HMAC key) and "intAlg" ("HmacSHA256"). The row is
// itself protected by an item encryptor with an inner provider (Direct KMS in
// production, or any cmp.Provider): N and V are signed, every other attribute
// is encrypted and signed, and the signature binds the MetaStore's table
// name.
//
// A version's provider is a wrapped provider (cmp.Wrapped) with "enc" as its
// AES wrapping and unwrapping key, "int" as its HMAC signing key and the
// description "amzn-ddb-meta-id" = "<name>#<version>". A Most Recent provider
// (cmp.NewMostRecent) over a MetaStore is how items are normally protected:
//
//	store, err := metastore.New(dynamodbClient, "my-metastore", kmsProvider)
//	provider, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: "orders", TTL: 5 * time.Minute})
//	// new keys for new items, old items still readable:
//	_, version, err := store.NewProvider(ctx, "orders")
//
// # Creation time
//
// ddbcrypt adds one attribute to the rows it writes, "ddbcrypt-created": the
// creation time (UTC, RFC 3339), listed by Versions. Like every attribute
// but N and V it is encrypted and signed, which is what the Java and Python
// readers expect of every non-key attribute, so they read these rows as
// before (and ignore it). Rows written by them have no creation time.
//
// Errors wrap one of the ddbcrypt error kinds and, where they concern a
// material, are a *cmp.MaterialError naming its name and version. A failed
// DynamoDB call wraps ddbcrypt.ErrKeyService (the MetaStore is the key
// service of the items it protects) and the SDK's error.
package metastore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
)

// Attribute names of a MetaStore row (docs/format.md 7.6.2), as they appear in
// its plaintext view; all but N and V are stored encrypted.
const (
	AttrName          = "N"                // partition key, S: the material name
	AttrVersion       = "V"                // sort key, N: the version
	AttrType          = "t"                // S: the material type, MaterialTypeWrapped
	AttrEncryptionKey = "enc"              // B: the AES wrapping key
	AttrEncryptionAlg = "encAlg"           // S: "AES"
	AttrIntegrityKey  = "int"              // B: the HMAC key
	AttrIntegrityAlg  = "intAlg"           // S: "HmacSHA256"
	AttrCreated       = "ddbcrypt-created" // S: creation time, RFC 3339 UTC; ddbcrypt's addition
)

// MaterialTypeWrapped is the value of "t": the only material type there is.
const MaterialTypeWrapped = "0"

const (
	encryptionAlgorithm  = "AES"
	integrityAlgorithm   = "HmacSHA256"
	generatedKeyLength   = 32                                                    // bytes of each new key, as Java and Python
	conditionNotExisting = "attribute_not_exists(N) AND attribute_not_exists(V)" // Python's, docs/format.md 7.6.4
)

// ErrNotFound reports a version that is not in the store. It wraps
// ddbcrypt.ErrNotFound.
var ErrNotFound = fmt.Errorf("%w: no such version in the MetaStore", ddbcrypt.ErrNotFound)

// ErrKeysDiffer reports that Replicate found the version in the target
// store already, with different keys: the two stores are not replicas of
// each other, and the target's row is never overwritten. It wraps
// ddbcrypt.ErrInvalidConfig. (It is not a failed write condition that a
// retry could resolve, unlike ddbcrypt.ErrVersionConflict.)
var ErrKeysDiffer = fmt.Errorf("%w: the version exists in the target with different keys", ddbcrypt.ErrInvalidConfig)

// Client is the part of the DynamoDB API a MetaStore calls. *dynamodb.Client
// satisfies it.
type Client interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Option configures a MetaStore.
type Option func(*options)

type options struct {
	logical string
}

// WithSignatureTableName binds the rows' signatures (and, with a Direct KMS
// inner provider, their KMS encryption context) to name instead of the
// physical table name: rows copied from a MetaStore table called name
// verify in this one. It is crypto.WithSignatureTableName for the MetaStore's
// own rows.
func WithSignatureTableName(name string) Option {
	return func(o *options) { o.logical = name }
}

// MetaStore is a provider store in a DynamoDB table. It is safe for
// concurrent use; concurrent creators of the same version, in any number of
// processes, all end up with the keys of the one row DynamoDB accepted.
type MetaStore struct {
	client    Client
	table     string // the physical table
	logical   string // the table name bound into the rows
	encryptor *crypto.Encryptor
	now       func() time.Time // time.Now; replaced by tests
}

// rowActions: N and V signed, everything else encrypted and signed
// (docs/format.md 7.6.3).
var rowActions = crypto.AttributeActions{
	Default:   crypto.EncryptAndSign,
	Overrides: map[string]crypto.Action{AttrName: crypto.SignOnly, AttrVersion: crypto.SignOnly},
}

// New returns a MetaStore on table tableName (which must exist; see
// CreateTable) whose rows are protected by inner.
func New(client Client, tableName string, inner cmp.Provider, opts ...Option) (*MetaStore, error) {
	switch {
	case client == nil:
		return nil, fmt.Errorf("%w: a MetaStore needs a DynamoDB client", ddbcrypt.ErrInvalidConfig)
	case tableName == "":
		return nil, fmt.Errorf("%w: a MetaStore needs a table name", ddbcrypt.ErrInvalidConfig)
	case inner == nil:
		return nil, fmt.Errorf("%w: a MetaStore needs an inner provider to protect its rows", ddbcrypt.ErrInvalidConfig)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &MetaStore{client: client, table: tableName, logical: tableName, now: time.Now}
	var cryptoOpts []crypto.Option
	if o.logical != "" && o.logical != tableName {
		s.logical = o.logical
		cryptoOpts = append(cryptoOpts, crypto.WithSignatureTableName(tableName, o.logical))
	}
	s.encryptor = crypto.NewEncryptor(inner, cryptoOpts...)
	return s, nil
}

// TableName returns the physical table name.
func (s *MetaStore) TableName() string { return s.table }

// rowContext is the encryption context of every row.
func (s *MetaStore) rowContext() crypto.Context {
	return crypto.Context{TableName: s.table, PartitionKeyName: AttrName, SortKeyName: AttrVersion}
}

func rowKey(name string, version int64) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrName:    &types.AttributeValueMemberS{Value: name},
		AttrVersion: &types.AttributeValueMemberN{Value: strconv.FormatInt(version, 10)},
	}
}

// checkMaterial validates a name and version before any call.
func checkMaterial(op, name string, version int64) error {
	if err := metaid.CheckName(name); err != nil {
		return &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	if version < 0 {
		return &cmp.MaterialError{Op: op, Name: name, Version: -1, Err: fmt.Errorf("%w: negative version %d", ddbcrypt.ErrInvalidConfig, version)}
	}
	return nil
}

// callError wraps a failed DynamoDB call: ddbcrypt.ErrKeyService, not
// ddbcrypt.ErrDynamoDB, since the MetaStore is a key store.
func (s *MetaStore) callError(call string, err error) error {
	return fmt.Errorf("%w: DynamoDB %s on table %s: %w", ddbcrypt.ErrKeyService, call, s.table, err)
}

// Provider loads version of material name (consistent read), verifies and
// decrypts its row, and returns its wrapped provider. A missing version is
// ErrNotFound; a row that fails verification wraps ddbcrypt.ErrIntegrity.
func (s *MetaStore) Provider(ctx context.Context, name string, version int64) (cmp.Provider, error) {
	const op = "load"
	if err := checkMaterial(op, name, version); err != nil {
		return nil, err
	}
	k, _, err := s.load(ctx, op, name, version)
	if err != nil {
		return nil, err
	}
	defer k.wipe()
	return k.provider(op, name, version)
}

// load reads and opens one row; it returns the row's keys and its whole
// decrypted item.
func (s *MetaStore) load(ctx context.Context, op, name string, version int64) (*rowKeys, map[string]types.AttributeValue, error) {
	stored, err := s.getRow(ctx, name, version)
	if err != nil {
		return nil, nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	if stored == nil {
		return nil, nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: ErrNotFound}
	}
	return s.open(ctx, op, name, version, stored)
}

// getRow reads one stored row with a consistent read; nil if absent.
func (s *MetaStore) getRow(ctx context.Context, name string, version int64) (map[string]types.AttributeValue, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            rowKey(name, version),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, s.callError("GetItem", err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

// open verifies and decrypts a stored row and checks that it is the row of
// name and version.
func (s *MetaStore) open(ctx context.Context, op, name string, version int64, stored map[string]types.AttributeValue) (*rowKeys, map[string]types.AttributeValue, error) {
	plain, err := s.encryptor.DecryptItem(ctx, stored, rowActions, s.rowContext())
	if err != nil {
		return nil, nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	k, err := parseRow(plain, name, version)
	if err != nil {
		return nil, nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	return k, plain, nil
}

// MaxVersion returns the highest version of material name, or -1 if it has
// none. Like Java (docs/format.md 10 #19) it is one strongly consistent Query
// that reads only V, so it needs no decryption.
func (s *MetaStore) MaxVersion(ctx context.Context, name string) (int64, error) {
	const op = "find the newest version of"
	if err := metaid.CheckName(name); err != nil {
		return 0, &cmp.MaterialError{Op: op, Name: name, Version: -1, Err: err}
	}
	out, err := s.client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#N = :name"),
		ExpressionAttributeNames:  map[string]string{"#N": AttrName, "#V": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":name": &types.AttributeValueMemberS{Value: name}},
		ProjectionExpression:      aws.String("#V"),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return 0, &cmp.MaterialError{Op: op, Name: name, Version: -1, Err: s.callError("Query", err)}
	}
	if len(out.Items) == 0 {
		return -1, nil
	}
	v, err := parseVersion(out.Items[0][AttrVersion])
	if err != nil {
		return 0, &cmp.MaterialError{Op: op, Name: name, Version: -1, Err: err}
	}
	return v, nil
}

// GetOrCreate returns version of material name, creating it with fresh keys
// if it does not exist. The row is written with a conditional PutItem
// (attribute_not_exists(N) AND attribute_not_exists(V)); if another writer
// created it first, its row is read back (consistent read) and used, so that
// all creators share one set of keys.
func (s *MetaStore) GetOrCreate(ctx context.Context, name string, version int64) (cmp.Provider, error) {
	const op = "create"
	if err := checkMaterial(op, name, version); err != nil {
		return nil, err
	}
	k, err := newRowKeys(s.now())
	if err != nil {
		return nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	defer k.wipe()
	created, err := s.put(ctx, k.item(name, version))
	switch {
	case err != nil:
		return nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	case created:
		return k.provider(op, name, version)
	}
	// Another writer won the race: use its row.
	return s.Provider(ctx, name, version)
}

// put encrypts a plaintext row for this store and writes it unless its key
// exists. created is false when the condition failed.
func (s *MetaStore) put(ctx context.Context, plain map[string]types.AttributeValue) (created bool, err error) {
	stored, err := s.encryptor.EncryptItem(ctx, plain, rowActions, s.rowContext())
	if err != nil {
		return false, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                stored,
		ConditionExpression: aws.String(conditionNotExisting),
	})
	var condFailed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &condFailed):
		return false, nil
	case err != nil:
		return false, s.callError("PutItem", err)
	}
	return true, nil
}

// NewProvider creates the next version of material name (the highest
// version plus one, or 0) and returns its provider and number. Two callers
// racing get the same new version. Writers using a Most Recent provider
// switch to it when their TTL expires.
func (s *MetaStore) NewProvider(ctx context.Context, name string) (cmp.Provider, int64, error) {
	max, err := s.MaxVersion(ctx, name)
	if err != nil {
		return nil, 0, err
	}
	p, err := s.GetOrCreate(ctx, name, max+1)
	if err != nil {
		return nil, 0, err
	}
	return p, max + 1, nil
}

// Replicate copies version of material name to target, re-encrypting the
// row with target's inner provider and table name (Java's replicate). If the
// target holds the version already with the same keys, nothing is written;
// with other keys it is ErrKeysDiffer, never overwritten.
func (s *MetaStore) Replicate(ctx context.Context, name string, version int64, target *MetaStore) error {
	const op = "replicate"
	if err := checkMaterial(op, name, version); err != nil {
		return err
	}
	if target == nil {
		return &cmp.MaterialError{Op: op, Name: name, Version: version, Err: fmt.Errorf("%w: nil target MetaStore", ddbcrypt.ErrInvalidConfig)}
	}
	k, plain, err := s.load(ctx, op, name, version)
	if err != nil {
		return err
	}
	defer k.wipe()
	created, err := target.put(ctx, plain)
	if err != nil {
		return &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	if created {
		return nil
	}
	have, _, err := target.load(ctx, op, name, version)
	if err != nil {
		return err
	}
	defer have.wipe()
	if !have.equal(k) {
		return &cmp.MaterialError{Op: op, Name: name, Version: version, Err: ErrKeysDiffer}
	}
	return nil
}

// Version describes one row, without its keys.
type Version struct {
	Name    string    // material name
	Version int64     // version
	Created time.Time // creation time; zero for rows written by Java or Python
}

// Versions lists every version of every material name, sorted by name and
// version. Each row is verified and decrypted (the creation time is
// encrypted), so it needs the inner provider's decrypt permission and fails,
// naming the row, on one that does not verify. Key material is never
// returned.
func (s *MetaStore) Versions(ctx context.Context) ([]Version, error) {
	var list []Version
	p := dynamodb.NewScanPaginator(s.client, &dynamodb.ScanInput{
		TableName:      aws.String(s.table),
		ConsistentRead: aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.callError("Scan", err)
		}
		for _, stored := range page.Items {
			name, version, err := storedKey(stored)
			if err != nil {
				return nil, &cmp.MaterialError{Op: "list", Name: name, Version: -1, Err: err}
			}
			k, _, err := s.open(ctx, "list", name, version, stored)
			if err != nil {
				return nil, err
			}
			list = append(list, Version{Name: name, Version: version, Created: k.created})
			k.wipe()
		}
	}
	slices.SortFunc(list, func(a, b Version) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		switch {
		case a.Version < b.Version:
			return -1
		case a.Version > b.Version:
			return 1
		}
		return 0
	})
	return list, nil
}

// storedKey reads N and V of a stored row.
func storedKey(item map[string]types.AttributeValue) (string, int64, error) {
	n, ok := item[AttrName].(*types.AttributeValueMemberS)
	if !ok {
		return "", 0, fmt.Errorf("%w: a MetaStore row without a string %s", ddbcrypt.ErrInvalidItem, AttrName)
	}
	v, err := parseVersion(item[AttrVersion])
	return n.Value, v, err
}

func parseVersion(av types.AttributeValue) (int64, error) {
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("%w: a MetaStore row without a number %s", ddbcrypt.ErrInvalidItem, AttrVersion)
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: MetaStore version %q is not a non-negative integer", ddbcrypt.ErrInvalidItem, n.Value)
	}
	return v, nil
}

// String names the table only.
func (s *MetaStore) String() string { return "metastore.MetaStore(" + s.table + ")" }

// Format prints String for every verb.
func (s *MetaStore) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

var _ cmp.ProviderStore = (*MetaStore)(nil)
