package mapper_test

// Shared helpers for the mapper's integration tests against DynamoDB Local:
// a key provider, a Client wrapper that counts (and can disturb) calls, raw
// table access and key formatting.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// Operation names, as counted by countingClient.
const (
	opGet           = "GetItem"
	opPut           = "PutItem"
	opUpdate        = "UpdateItem"
	opTransactWrite = "TransactWriteItems"
	opDelete        = "DeleteItem"
	opQuery         = "Query"
	opScan          = "Scan"
	opBatchGet      = "BatchGetItem"
	opBatchWrite    = "BatchWriteItem"
	opDescribeTable = "DescribeTable"
)

// randomBytes and newProvider are testenv's.
var (
	randomBytes = testenv.RandomKey
	newProvider = testenv.WrappedProvider
)

// countingClient wraps the real client, counts calls per operation and
// records their inputs. The optional hooks replace the real BatchWriteItem
// BatchGetItem and DescribeTable; they get the call number (1 for the first call).
type countingClient struct {
	real *dynamodb.Client

	batchWrite func(ctx context.Context, n int, in *dynamodb.BatchWriteItemInput) (*dynamodb.BatchWriteItemOutput, error)
	batchGet   func(ctx context.Context, n int, in *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error)
	describe   func(ctx context.Context, n int, in *dynamodb.DescribeTableInput) (*dynamodb.DescribeTableOutput, error)

	mu     sync.Mutex
	calls  map[string]int
	inputs map[string][]any
}

var _ mapper.Client = (*countingClient)(nil)

func newCounting(real *dynamodb.Client) *countingClient {
	return &countingClient{real: real, calls: map[string]int{}, inputs: map[string][]any{}}
}

func (c *countingClient) record(op string, in any) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
	c.inputs[op] = append(c.inputs[op], in)
	return c.calls[op]
}

// count returns the number of calls of op.
func (c *countingClient) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

// total returns the number of calls of every operation.
func (c *countingClient) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.calls {
		n += k
	}
	return n
}

// snapshot returns a copy of the counts, for messages.
func (c *countingClient) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.calls))
	for k, v := range c.calls {
		m[k] = v
	}
	return m
}

// reset forgets every call so far.
func (c *countingClient) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = map[string]int{}
	c.inputs = map[string][]any{}
}

// inputsOf returns the inputs of every call of op.
func (c *countingClient) inputsOf(op string) []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.inputs[op])
}

// lastInput returns the input of the last call of op, or nil.
func (c *countingClient) lastInput(op string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	ins := c.inputs[op]
	if len(ins) == 0 {
		return nil
	}
	return ins[len(ins)-1]
}

func (c *countingClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.record(opGet, in)
	return c.real.GetItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.record(opPut, in)
	return c.real.PutItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.record(opUpdate, in)
	return c.real.UpdateItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.record(opTransactWrite, in)
	return c.real.TransactWriteItems(ctx, in, append(o, quiet)...)
}

func (c *countingClient) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.record(opDelete, in)
	return c.real.DeleteItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.record(opQuery, in)
	return c.real.Query(ctx, in, append(o, quiet)...)
}

func (c *countingClient) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c.record(opScan, in)
	return c.real.Scan(ctx, in, append(o, quiet)...)
}

func (c *countingClient) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	n := c.record(opBatchGet, in)
	if c.batchGet != nil {
		return c.batchGet(ctx, n, in)
	}
	return c.real.BatchGetItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	n := c.record(opBatchWrite, in)
	if c.batchWrite != nil {
		return c.batchWrite(ctx, n, in)
	}
	return c.real.BatchWriteItem(ctx, in, append(o, quiet)...)
}

func (c *countingClient) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, o ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	n := c.record(opDescribeTable, in)
	if c.describe != nil {
		return c.describe(ctx, n, in)
	}
	return c.real.DescribeTable(ctx, in, append(o, quiet)...)
}

// quiet silences the SDK's logger. DynamoDB Local's error responses (a
// failed condition, say) make the SDK warn that their CRC32 did not match
// when it closes the body; the warning is noise for these tests.
func quiet(o *dynamodb.Options) { o.Logger = logging.Nop{} }

// fastRetry makes batch retries quick.
var fastRetry = mapper.WithBatchRetry(8, time.Millisecond, 10*time.Millisecond)

// env is one test's DynamoDB Local client, counting wrapper and mapper.
type env struct {
	db *dynamodb.Client
	cc *countingClient
	p  cmp.Provider
	m  *mapper.Mapper
}

func newEnv(t *testing.T, opts ...mapper.Option) *env {
	t.Helper()
	db := testenv.DynamoDB(t)
	cc := newCounting(db)
	p := newProvider(t)
	return &env{db: db, cc: cc, p: p, m: mapper.New(cc, p, append([]mapper.Option{fastRetry}, opts...)...)}
}

// mustTable returns the typed table of T named name.
func mustTable[T any](t *testing.T, m *mapper.Mapper, name string) *mapper.Table[T] {
	t.Helper()
	tbl, err := mapper.NewTable[T](m, mapper.WithTableName(name))
	if err != nil {
		t.Fatalf("NewTable[%T]: %v", *new(T), err)
	}
	return tbl
}

// gsi describes a global secondary index for createTable.
type gsi struct {
	name       string
	partition  testenv.Key
	sort       *testenv.Key
	projection types.ProjectionType
}

// createTable creates a table named name (pk S, sk N unless keys say
// otherwise) with the given global secondary indexes, waits for it and
// deletes it when the test ends.
func createTable(t *testing.T, db *dynamodb.Client, name string, partition, sort testenv.Key, indexes ...gsi) {
	t.Helper()
	defs := map[string]types.ScalarAttributeType{partition.Name: partition.Type, sort.Name: sort.Type}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(partition.Name), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sort.Name), KeyType: types.KeyTypeRange},
		},
	}
	for _, ix := range indexes {
		defs[ix.partition.Name] = ix.partition.Type
		g := types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.name),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(ix.partition.Name), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: ix.projection},
		}
		if ix.sort != nil {
			defs[ix.sort.Name] = ix.sort.Type
			g.KeySchema = append(g.KeySchema, types.KeySchemaElement{AttributeName: aws.String(ix.sort.Name), KeyType: types.KeyTypeRange})
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
	}
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: defs[n]})
	}
	if _, err := db.CreateTable(t.Context(), in); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Errorf("DeleteTable %s: %v", name, err)
		}
	})
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 500*time.Millisecond
	})
	if err := w.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		t.Fatalf("waiting for %s: %v", name, err)
	}
}

// key builds a primary key {pk: S, sk: N}.
func key(pk string, sk int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberN{Value: fmt.Sprint(sk)},
	}
}

// rawGet reads an item as stored, consistently; nil if there is none.
func rawGet(t *testing.T, db *dynamodb.Client, table string, k map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("raw GetItem: %v", err)
	}
	return out.Item
}

// rawKeys scans the table raw and returns the formatted primary keys of all
// its items, sorted.
func rawKeys(t *testing.T, db *dynamodb.Client, table string) []string {
	t.Helper()
	var keys []string
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("raw Scan: %v", err)
		}
		for _, item := range out.Items {
			keys = append(keys, fmtKey(map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}))
		}
	}
	sort.Strings(keys)
	return keys
}

// tamper overwrites one attribute of a stored item with raw bytes.
func tamper(t *testing.T, db *dynamodb.Client, table string, k map[string]types.AttributeValue, attr string, v types.AttributeValue) {
	t.Helper()
	if _, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       k,
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	}); err != nil {
		t.Fatalf("raw UpdateItem: %v", err)
	}
}

// fmtKey renders a key (or any item of scalar values) as "name=T:value"
// pairs in name order, for comparisons.
func fmtKey(k map[string]types.AttributeValue) string {
	names := make([]string, 0, len(k))
	for n := range k {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		var v string
		switch av := k[n].(type) {
		case *types.AttributeValueMemberS:
			v = "S:" + av.Value
		case *types.AttributeValueMemberN:
			v = "N:" + av.Value
		case *types.AttributeValueMemberB:
			v = fmt.Sprintf("B:%x", av.Value)
		case nil:
			v = "<nil>"
		default:
			v = fmt.Sprintf("%T", av)
		}
		parts[i] = n + "=" + v
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// fmtKeys formats and sorts a list of keys.
func fmtKeys(keys []map[string]types.AttributeValue) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmtKey(k)
	}
	sort.Strings(out)
	return out
}

// itemKey returns the *mapper.ItemError's key in err, formatted, or fails.
func itemKey(t *testing.T, err error) string {
	t.Helper()
	var ie *mapper.ItemError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not a *mapper.ItemError", err, err)
	}
	return fmtKey(ie.Key)
}

// wantErrIs fails the test unless err wraps target.
func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v (%T), want one wrapping %q", what, err, err, target)
	}
}

// wantMention fails the test unless err's message contains every s.
func wantMention(t *testing.T, what string, err error, ss ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one mentioning %q", what, ss)
		return
	}
	for _, s := range ss {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: error %q does not mention %q", what, err, s)
		}
	}
}

// noPanic runs f and turns a panic into a test error.
func noPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s panicked: %v", what, r)
		}
	}()
	f()
}
