package mapper_test

// An in-process stand-in for DynamoDB, for what the mapper does without a
// server: what it makes of failures and of answers a real server would not
// give.

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// fakeClient describes any table as having partition key "pk" (S) and sort
// key "sk" (N), keeps the items put into it in memory, and counts calls. A
// test changes its answers with the hooks.
type fakeClient struct {
	describe      func(ctx context.Context, in *dynamodb.DescribeTableInput) (*dynamodb.DescribeTableOutput, error)
	get           func(in *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	batchGet      func(in *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error)
	transactWrite func(in *dynamodb.TransactWriteItemsInput) (*dynamodb.TransactWriteItemsOutput, error)

	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue // table and key ID → stored item
	calls map[string]int
}

var _ mapper.Client = (*fakeClient)(nil)

func newFakeClient() *fakeClient {
	return &fakeClient{items: map[string]map[string]types.AttributeValue{}, calls: map[string]int{}}
}

var errFake = errors.New("fakeClient: not implemented")

func (f *fakeClient) record(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
}

// count returns the number of calls of op.
func (f *fakeClient) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func fakeKey(table string, key map[string]types.AttributeValue) string {
	return table + "/" + tableinfo.KeyID(map[string]types.AttributeValue{"pk": key["pk"], "sk": key["sk"]})
}

// stored returns the stored item with key, or nil.
func (f *fakeClient) stored(table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[fakeKey(table, key)]
}

func (f *fakeClient) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.record(opGet)
	if f.get != nil {
		return f.get(in)
	}
	return &dynamodb.GetItemOutput{Item: f.stored(aws.ToString(in.TableName), in.Key)}, nil
}

func (f *fakeClient) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.record(opPut)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[fakeKey(aws.ToString(in.TableName), in.Item)] = maps.Clone(in.Item)
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeClient) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.record(opDelete)
	return nil, errFake
}

func (f *fakeClient) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.record(opQuery)
	return nil, errFake
}

func (f *fakeClient) Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	f.record(opScan)
	return nil, errFake
}

func (f *fakeClient) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.record(opBatchGet)
	if f.batchGet != nil {
		return f.batchGet(in)
	}
	return nil, errFake
}

func (f *fakeClient) BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	f.record(opBatchWrite)
	return nil, errFake
}

func (f *fakeClient) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.record(opUpdate)
	return nil, errFake
}

func (f *fakeClient) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.record(opTransactWrite)
	if f.transactWrite != nil {
		return f.transactWrite(in)
	}
	return nil, errFake
}

func (f *fakeClient) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	f.record(opDescribeTable)
	if f.describe != nil {
		return f.describe(ctx, in)
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{
		TableName: in.TableName,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	}}, nil
}

// newFakeMapper returns a mapper over a fakeClient.
func newFakeMapper(t *testing.T) (*fakeClient, *mapper.Mapper) {
	t.Helper()
	fc := newFakeClient()
	return fc, mapper.New(fc, newProvider(t), fastRetry)
}
