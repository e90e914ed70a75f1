package encrypted_test

// An in-process stand-in for DynamoDB, for what the client does without a
// server: refusals before any call, and what it makes of answers a real
// server would not give.

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// fakeDB describes any table as having partition key "pk" (S) and sort key
// "sk" (N), keeps the items put into it in memory, and records every call.
// A test changes its answers with the hooks.
type fakeDB struct {
	get      func(in *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	batchGet func(in *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error)
	txGet    func(in *dynamodb.TransactGetItemsInput) (*dynamodb.TransactGetItemsOutput, error)
	put      func(in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error)
	// fail returns the error a call of op fails with, or nil; it is asked
	// before the hooks above.
	fail func(op string) error

	mu     sync.Mutex
	items  map[string]map[string]types.AttributeValue // table and key ID → stored item
	calls  map[string]int
	inputs map[string][]any
}

var _ encrypted.API = (*fakeDB)(nil)

func newFakeDB() *fakeDB {
	return &fakeDB{items: map[string]map[string]types.AttributeValue{}, calls: map[string]int{}, inputs: map[string][]any{}}
}

var errFake = errors.New("fakeDB: not implemented")

func fakeKey(table string, key map[string]types.AttributeValue) string {
	return table + "/" + tableinfo.KeyID(pick(key, "pk", "sk"))
}

// record records a call of op and returns the error it fails with, if any.
func (f *fakeDB) record(op string, in any) error {
	f.mu.Lock()
	f.calls[op]++
	f.inputs[op] = append(f.inputs[op], in)
	f.mu.Unlock()
	if f.fail != nil {
		return f.fail(op)
	}
	return nil
}

// count returns how many times op was called.
func (f *fakeDB) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// dataCalls returns how many calls were made, DescribeTable aside.
func (f *fakeDB) dataCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for op, k := range f.calls {
		if op != opDescribe {
			n += k
		}
	}
	return n
}

// last returns the input of the last call of op, or nil.
func (f *fakeDB) last(op string) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	ins := f.inputs[op]
	if len(ins) == 0 {
		return nil
	}
	return ins[len(ins)-1]
}

// stored returns the stored item with key, or nil.
func (f *fakeDB) stored(table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[fakeKey(table, key)]
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := f.record(opPut, in); err != nil {
		return nil, err
	}
	if f.put != nil {
		return f.put(in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[fakeKey(aws.ToString(in.TableName), in.Item)] = maps.Clone(in.Item)
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := f.record(opGet, in); err != nil {
		return nil, err
	}
	if f.get != nil {
		return f.get(in)
	}
	return &dynamodb.GetItemOutput{Item: f.stored(aws.ToString(in.TableName), in.Key)}, nil
}

func (f *fakeDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := f.record(opDelete, in); err != nil {
		return nil, err
	}
	return nil, errFake
}

func (f *fakeDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := f.record(opUpdate, in); err != nil {
		return nil, err
	}
	return &dynamodb.UpdateItemOutput{}, nil
}

func (f *fakeDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := f.record(opQuery, in); err != nil {
		return nil, err
	}
	return nil, errFake
}

func (f *fakeDB) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	if err := f.record(opScan, in); err != nil {
		return nil, err
	}
	return nil, errFake
}

func (f *fakeDB) BatchGetItem(_ context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if err := f.record(opBatchGet, in); err != nil {
		return nil, err
	}
	if f.batchGet != nil {
		return f.batchGet(in)
	}
	return nil, errFake
}

func (f *fakeDB) BatchWriteItem(_ context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if err := f.record(opBatchWrite, in); err != nil {
		return nil, err
	}
	return &dynamodb.BatchWriteItemOutput{}, nil
}

func (f *fakeDB) TransactGetItems(_ context.Context, in *dynamodb.TransactGetItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	if err := f.record(opTxGet, in); err != nil {
		return nil, err
	}
	if f.txGet != nil {
		return f.txGet(in)
	}
	return nil, errFake
}

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := f.record(opTxWrite, in); err != nil {
		return nil, err
	}
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

func (f *fakeDB) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if err := f.record(opDescribe, in); err != nil {
		return nil, err
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{
		TableName: in.TableName,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
	}}, nil
}

// fakeEnv is an encrypted client over a fakeDB, with testActions for table
// "t".
type fakeEnv struct {
	db    *fakeDB
	c     *encrypted.Client
	table string
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	db := newFakeDB()
	return &fakeEnv{db: db, c: newClient(db, newStaticProvider(t), "t", testActions()), table: "t"}
}
