package metastore_test

// Shared helpers of the MetaStore tests against DynamoDB Local.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// quiet silences the SDK's logger: DynamoDB Local's error responses (a
// failed condition) make the SDK warn that their CRC32 did not match.
func quiet(o *dynamodb.Options) { o.Logger = logging.Nop{} }

// countingClient counts the DynamoDB calls a MetaStore makes and records
// the last Query.
type countingClient struct {
	db                    *dynamodb.Client
	get, put, query, scan atomic.Int64
	conditionalFailures   atomic.Int64
	mu                    sync.Mutex
	lastQuery             *dynamodb.QueryInput
	lastPut               *dynamodb.PutItemInput
}

func newCounting(db *dynamodb.Client) *countingClient { return &countingClient{db: db} }

func (c *countingClient) total() int64 {
	return c.get.Load() + c.put.Load() + c.query.Load() + c.scan.Load()
}

func (c *countingClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.get.Add(1)
	return c.db.GetItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.put.Add(1)
	c.mu.Lock()
	c.lastPut = in
	c.mu.Unlock()
	out, err := c.db.PutItem(ctx, in, append(o, quiet)...)
	var cf *types.ConditionalCheckFailedException
	if errors.As(err, &cf) {
		c.conditionalFailures.Add(1)
	}
	return out, err
}

func (c *countingClient) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.query.Add(1)
	c.mu.Lock()
	c.lastQuery = in
	c.mu.Unlock()
	return c.db.Query(ctx, in, append(o, quiet)...)
}

func (c *countingClient) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c.scan.Add(1)
	return c.db.Scan(ctx, in, append(o, quiet)...)
}

// newMetaTable creates a MetaStore table with metastore.CreateTable and
// deletes it when the test ends.
func newMetaTable(t testing.TB, db *dynamodb.Client, opts ...metastore.TableOption) string {
	t.Helper()
	name := testenv.TableName(t)
	if err := metastore.CreateTable(t.Context(), db, name, opts...); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, name, quiet)
	return name
}

// storeEnv is a MetaStore on a fresh table, with its counting client.
type storeEnv struct {
	db    *dynamodb.Client
	cc    *countingClient
	table string
	inner cmp.Provider
	store *metastore.MetaStore
}

func newStoreEnv(t testing.TB, opts ...metastore.Option) *storeEnv {
	t.Helper()
	db := testenv.DynamoDB(t)
	e := &storeEnv{db: db, cc: newCounting(db), table: newMetaTable(t, db), inner: testenv.WrappedProvider(t)}
	var err error
	if e.store, err = metastore.New(e.cc, e.table, e.inner, opts...); err != nil {
		t.Fatal(err)
	}
	return e
}

// rawRow reads a stored row without decrypting it.
func rawRow(t testing.TB, db *dynamodb.Client, table, name string, version string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]types.AttributeValue{"N": &types.AttributeValueMemberS{Value: name}, "V": &types.AttributeValueMemberN{Value: version}},
		ConsistentRead: aws.Bool(true),
	}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func rawPut(t testing.TB, db *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}, quiet); err != nil {
		t.Fatal(err)
	}
}

// countRows counts the rows of a material name.
func countRows(t testing.TB, db *dynamodb.Client, table, name string) int {
	t.Helper()
	out, err := db.Query(t.Context(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("#N = :n"),
		ExpressionAttributeNames:  map[string]string{"#N": "N"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberS{Value: name}},
		ConsistentRead:            aws.Bool(true),
		Select:                    types.SelectCount,
	}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}
