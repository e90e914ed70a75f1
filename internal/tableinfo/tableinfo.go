// Package tableinfo learns what the encrypting layers need to know about a
// table from DescribeTable, once per table, like the Python client's
// TableInfo: the primary key and the keys of every secondary index. Key
// attributes must stay readable to DynamoDB, so they are signed, never
// encrypted.
package tableinfo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/flight"
	"github.com/ddbcrypt/ddbcrypt/internal/number"
	"golang.org/x/sync/singleflight"
)

// Describer is the one DynamoDB call this package makes.
type Describer interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// KeySchema names a partition key and an optional sort key.
type KeySchema struct {
	Partition, Sort string
}

// Index describes a secondary index.
type Index struct {
	Keys KeySchema
	// ProjectsAll is true when the index holds whole items: only then can
	// its items be verified, since the signature covers every signed
	// attribute.
	ProjectsAll bool
}

// Info is what the encrypting layers need to know about a table.
type Info struct {
	Name    string
	Keys    KeySchema
	Types   map[string]types.ScalarAttributeType // of every key attribute
	Indexes map[string]Index
}

// IsIndexKey reports whether name is a key attribute of a secondary index.
func (ti *Info) IsIndexKey(name string) bool {
	for _, ix := range ti.Indexes {
		if ix.Keys.Partition == name || ix.Keys.Sort == name {
			return true
		}
	}
	return false
}

// IsKey reports whether name is a key attribute of the table or of one of
// its indexes.
func (ti *Info) IsKey(name string) bool {
	return name == ti.Keys.Partition || name == ti.Keys.Sort || ti.IsIndexKey(name)
}

// KeyNames lists the key attributes of the table and of its indexes: the
// attributes the key rule covers (crypto.AttributeActions.ForKeys).
func (ti *Info) KeyNames() []string {
	names := []string{ti.Keys.Partition, ti.Keys.Sort}
	for _, ix := range ti.Indexes {
		names = append(names, ix.Keys.Partition, ix.Keys.Sort)
	}
	return names
}

// Cache describes each table once. It is safe for concurrent use.
type Cache struct {
	client Describer
	infos  sync.Map // table name → *Info
	group  singleflight.Group
}

// NewCache returns a cache that describes tables through client.
func NewCache(client Describer) *Cache { return &Cache{client: client} }

// Get returns the description of the named table, calling DescribeTable on
// first use only; concurrent first uses make one call. A failed call is
// not retried here (the SDK's retryer has done that): its error is
// returned, naming the table.
func (c *Cache) Get(ctx context.Context, name string) (*Info, error) {
	if ti, ok := c.infos.Load(name); ok {
		return ti.(*Info), nil
	}
	// Concurrent first uses share one call; see flight.Do.
	ti, err := flight.Do(ctx, &c.group, name, func(ctx context.Context) (*Info, error) { return c.describe(ctx, name) })
	if err != nil && err == ctx.Err() {
		return nil, fmt.Errorf("table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: err})
	}
	return ti, err
}

// describe calls DescribeTable and caches the answer.
func (c *Cache) describe(ctx context.Context, name string) (*Info, error) {
	if ti, ok := c.infos.Load(name); ok {
		return ti.(*Info), nil
	}
	out, err := c.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: err})
	}
	if out == nil || out.Table == nil {
		return nil, fmt.Errorf("table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: errors.New("the answer describes no table")})
	}
	ti := FromDescription(out.Table)
	c.infos.Store(name, ti)
	return ti, nil
}

// FromDescription extracts the Info of a DescribeTable answer.
func FromDescription(d *types.TableDescription) *Info {
	ti := &Info{
		Name:    deref(d.TableName),
		Keys:    keysOf(d.KeySchema),
		Types:   make(map[string]types.ScalarAttributeType, len(d.AttributeDefinitions)),
		Indexes: make(map[string]Index),
	}
	for _, ad := range d.AttributeDefinitions {
		ti.Types[deref(ad.AttributeName)] = ad.AttributeType
	}
	for _, ix := range d.GlobalSecondaryIndexes {
		ti.Indexes[deref(ix.IndexName)] = Index{Keys: keysOf(ix.KeySchema), ProjectsAll: projectsAll(ix.Projection)}
	}
	for _, ix := range d.LocalSecondaryIndexes {
		ti.Indexes[deref(ix.IndexName)] = Index{Keys: keysOf(ix.KeySchema), ProjectsAll: projectsAll(ix.Projection)}
	}
	return ti
}

// StringNumberTable is the CreateTable input of an on-demand table keyed
// by a string partition key and a number sort key: the shape of the
// MetaStore and of the tableops checkpoint table.
func StringNumberTable(name string, keys KeySchema) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(keys.Partition), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(keys.Sort), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(keys.Partition), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(keys.Sort), KeyType: types.KeyTypeRange},
		},
	}
}

// WaitActive waits, for at most maxWait, until the named table exists and
// is active, polling every 100ms at first and every 5s at the most.
func WaitActive(ctx context.Context, client dynamodb.DescribeTableAPIClient, name string, maxWait time.Duration) error {
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 5*time.Second
	})
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, maxWait)
}

func keysOf(ks []types.KeySchemaElement) KeySchema {
	var k KeySchema
	for _, e := range ks {
		switch e.KeyType {
		case types.KeyTypeHash:
			k.Partition = deref(e.AttributeName)
		case types.KeyTypeRange:
			k.Sort = deref(e.AttributeName)
		}
	}
	return k
}

func projectsAll(p *types.Projection) bool {
	return p != nil && p.ProjectionType == types.ProjectionTypeAll
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// KeyID identifies a primary key, for matching DynamoDB's answers to
// requests: numbers in canonical form, as DynamoDB returns them ("-0" and
// "0", "1.50" and "1.5" are the same key).
func KeyID(key map[string]types.AttributeValue) string {
	canonical := make(map[string]types.AttributeValue, len(key))
	for name, av := range key {
		if n, ok := av.(*types.AttributeValueMemberN); ok {
			if c, err := number.Canonical(n.Value); err == nil {
				av = &types.AttributeValueMemberN{Value: c}
			}
		}
		canonical[name] = av
	}
	return ddbcrypt.FormatKey(canonical)
}

// PrimaryKey returns the attributes of item that are the table's primary
// key.
func (ti *Info) PrimaryKey(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	key := make(map[string]types.AttributeValue, 2)
	for _, name := range [...]string{ti.Keys.Partition, ti.Keys.Sort} {
		if av, ok := item[name]; ok && name != "" {
			key[name] = av
		}
	}
	return key
}

// SameKey reports whether a and b have the same primary key: each key
// attribute in both, of the same type and value, numbers compared in
// canonical form.
func (ti *Info) SameKey(a, b map[string]types.AttributeValue) bool {
	for _, name := range [...]string{ti.Keys.Partition, ti.Keys.Sort} {
		if name == "" {
			continue
		}
		va, oka := a[name]
		vb, okb := b[name]
		if !oka || !okb || !sameKeyValue(va, vb) {
			return false
		}
	}
	return true
}

func sameKeyValue(a, b types.AttributeValue) bool {
	switch va := a.(type) {
	case *types.AttributeValueMemberS:
		vb, ok := b.(*types.AttributeValueMemberS)
		return ok && va.Value == vb.Value
	case *types.AttributeValueMemberB:
		vb, ok := b.(*types.AttributeValueMemberB)
		return ok && bytes.Equal(va.Value, vb.Value)
	case *types.AttributeValueMemberN:
		vb, ok := b.(*types.AttributeValueMemberN)
		if !ok {
			return false
		}
		ca, erra := number.Canonical(va.Value)
		cb, errb := number.Canonical(vb.Value)
		if erra != nil || errb != nil {
			return va.Value == vb.Value
		}
		return ca == cb
	}
	return false // no key has another type
}

// CheckKey checks that item, which DynamoDB returned for the key
// requested, has that key: a store that answers with another item, valid
// as it may be, would otherwise pass it off as the one asked for. A
// mismatch is an *ddbcrypt.ItemError naming the table and the requested
// key and wrapping ddbcrypt.ErrIntegrity. A nil item (none found) passes.
func (ti *Info) CheckKey(table string, requested, item map[string]types.AttributeValue) error {
	if item == nil || ti.SameKey(requested, item) {
		return nil
	}
	return ti.keyMismatch(table, ti.PrimaryKey(requested), item, "which was not asked for")
}

// CheckKeys checks that every item of a batch answer has one of the keys
// requested, and no two items the same one.
func (ti *Info) CheckKeys(table string, requested, items []map[string]types.AttributeValue) error {
	asked := make(map[string]bool, len(requested))
	for _, k := range requested {
		asked[KeyID(ti.PrimaryKey(k))] = true
	}
	seen := make(map[string]bool, len(items))
	for _, item := range items {
		id := KeyID(ti.PrimaryKey(item))
		switch {
		case !asked[id]:
			return ti.keyMismatch(table, ti.PrimaryKey(item), item, "which was not asked for")
		case seen[id]:
			return ti.keyMismatch(table, ti.PrimaryKey(item), item, "twice")
		}
		seen[id] = true
	}
	return nil
}

func (ti *Info) keyMismatch(table string, key, item map[string]types.AttributeValue, why string) error {
	return &ddbcrypt.ItemError{Table: table, Key: key, Err: fmt.Errorf("%w: DynamoDB returned the item %s, %s", ddbcrypt.ErrIntegrity, ddbcrypt.FormatKey(ti.PrimaryKey(item)), why)}
}
