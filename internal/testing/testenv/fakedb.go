package testenv

// An in-process stand-in for DynamoDB, for the unit tests of what the
// library does without a server: its refusals before any call, the requests
// it sends, and what it makes of failures and of answers a real server
// would not give.

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// FakeDB is a DynamoDB client that makes no network call; it satisfies
// mapper.Client and encrypted.API. Every table it is asked about has the
// key schema Keys and the indexes Indexes. PutItem, GetItem and DeleteItem
// work on items kept in memory; every other call is answered as done, with
// an empty answer, and changes nothing stored.
//
// It records every call (see Count, Inputs, Last, DataCalls). Fail and the
// On hooks replace its answers. After Expect it is strict: a call of an
// operation not expected fails the test.
//
// Set the fields before the calls they are about, not while calls run.
type FakeDB struct {
	// Keys is the primary key of every table: the partition key, then the
	// sort key if any. NewFakeDB sets pk (S) and sk (N).
	Keys []Key
	// Indexes are the global secondary indexes DescribeTable reports.
	Indexes []Index

	// Fail, if set, is asked about every call (strict mode's check aside,
	// first): a non-nil error fails the call.
	Fail func(op string) error

	// A hook, if set, answers the calls of its operation in the fake's
	// place, once Fail has let them through.
	OnGetItem            func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	OnPutItem            func(context.Context, *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error)
	OnDeleteItem         func(context.Context, *dynamodb.DeleteItemInput) (*dynamodb.DeleteItemOutput, error)
	OnUpdateItem         func(context.Context, *dynamodb.UpdateItemInput) (*dynamodb.UpdateItemOutput, error)
	OnQuery              func(context.Context, *dynamodb.QueryInput) (*dynamodb.QueryOutput, error)
	OnScan               func(context.Context, *dynamodb.ScanInput) (*dynamodb.ScanOutput, error)
	OnBatchGetItem       func(context.Context, *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error)
	OnBatchWriteItem     func(context.Context, *dynamodb.BatchWriteItemInput) (*dynamodb.BatchWriteItemOutput, error)
	OnTransactGetItems   func(context.Context, *dynamodb.TransactGetItemsInput) (*dynamodb.TransactGetItemsOutput, error)
	OnTransactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput) (*dynamodb.TransactWriteItemsOutput, error)
	OnDescribeTable      func(context.Context, *dynamodb.DescribeTableInput) (*dynamodb.DescribeTableOutput, error)

	t testing.TB

	mu       sync.Mutex
	expected map[string]bool // nil: not strict
	ended    bool            // the test is over: record calls, report none
	calls    []fakeCall
	items    map[string]map[string]types.AttributeValue // table and key ID → item
}

// Index is a global secondary index of a FakeDB's tables: its key (the
// partition key, then the sort key if any) and what it projects.
type Index struct {
	Name       string
	Keys       []Key
	Projection types.ProjectionType
}

type fakeCall struct {
	op string
	in any
}

// NewFakeDB returns an empty FakeDB whose tables have the key pk (S), sk
// (N) and no index; it is not strict.
func NewFakeDB(t testing.TB) *FakeDB {
	f := &FakeDB{Keys: []Key{S("pk"), N("sk")}, t: t, items: map[string]map[string]types.AttributeValue{}}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.ended = true
	})
	return f
}

// Expect makes the fake strict and lets the calls of ops through. A strict
// fake lets through DescribeTable and the operations named in every Expect
// so far; any other call fails the test, naming the operation, and returns
// an error. Expect() with no operation expects nothing but DescribeTable.
func (f *FakeDB) Expect(ops ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.expected == nil {
		f.expected = map[string]bool{}
	}
	for _, op := range ops {
		f.expected[op] = true
	}
}

// Count returns the number of calls of op so far.
func (f *FakeDB) Count(op string) int {
	return len(f.Inputs(op))
}

// Inputs returns the inputs of every call of op so far, in order.
func (f *FakeDB) Inputs(op string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ins []any
	for _, c := range f.calls {
		if c.op == op {
			ins = append(ins, c.in)
		}
	}
	return ins
}

// Last returns the input of the last call of op, or nil.
func (f *FakeDB) Last(op string) any {
	ins := f.Inputs(op)
	if len(ins) == 0 {
		return nil
	}
	return ins[len(ins)-1]
}

// DataCalls returns the operations called so far, in order, DescribeTable
// aside.
func (f *FakeDB) DataCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ops []string
	for _, c := range f.calls {
		if c.op != "DescribeTable" {
			ops = append(ops, c.op)
		}
	}
	return ops
}

// Stored returns a copy of the item of table with the primary key of key
// (numbers compared as numbers), or nil.
func (f *FakeDB) Stored(table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.items[f.itemID(table, key)])
}

// itemID identifies the item of table with the primary key of item.
func (f *FakeDB) itemID(table string, item map[string]types.AttributeValue) string {
	key := make(map[string]types.AttributeValue, len(f.Keys))
	for _, k := range f.Keys {
		if av, ok := item[k.Name]; ok {
			key[k.Name] = av
		}
	}
	return table + "/" + tableinfo.KeyID(key) // table names have no "/"
}

// call records a call of op and returns the error it fails with, if any.
func (f *FakeDB) call(op string, in any) error {
	f.mu.Lock()
	f.calls = append(f.calls, fakeCall{op, in})
	unexpected := f.expected != nil && !f.expected[op] && op != "DescribeTable"
	report := unexpected && !f.ended
	f.mu.Unlock()
	if report {
		f.t.Errorf("unexpected %s call reached DynamoDB", op)
	}
	if unexpected {
		return fmt.Errorf("testenv.FakeDB: unexpected %s call", op)
	}
	if f.Fail != nil {
		return f.Fail(op)
	}
	return nil
}

// answer records a call of op and answers it: with an error if call says
// so, else with hook if set, else with fake (an empty answer if nil).
func answer[In, Out any](ctx context.Context, f *FakeDB, op string, in *In,
	hook func(context.Context, *In) (*Out, error), fake func() *Out) (*Out, error) {
	if err := f.call(op, in); err != nil {
		return nil, err
	}
	if hook != nil {
		return hook(ctx, in)
	}
	if fake == nil {
		return new(Out), nil
	}
	return fake(), nil
}

func (f *FakeDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return answer(ctx, f, "GetItem", in, f.OnGetItem, func() *dynamodb.GetItemOutput {
		return &dynamodb.GetItemOutput{Item: f.Stored(aws.ToString(in.TableName), in.Key)}
	})
}

func (f *FakeDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return answer(ctx, f, "PutItem", in, f.OnPutItem, func() *dynamodb.PutItemOutput {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.items[f.itemID(aws.ToString(in.TableName), in.Item)] = maps.Clone(in.Item)
		return &dynamodb.PutItemOutput{}
	})
}

func (f *FakeDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return answer(ctx, f, "DeleteItem", in, f.OnDeleteItem, func() *dynamodb.DeleteItemOutput {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.items, f.itemID(aws.ToString(in.TableName), in.Key))
		return &dynamodb.DeleteItemOutput{}
	})
}

func (f *FakeDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return answer(ctx, f, "UpdateItem", in, f.OnUpdateItem, nil)
}

func (f *FakeDB) Query(ctx context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return answer(ctx, f, "Query", in, f.OnQuery, nil)
}

func (f *FakeDB) Scan(ctx context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	return answer(ctx, f, "Scan", in, f.OnScan, nil)
}

func (f *FakeDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	return answer(ctx, f, "BatchGetItem", in, f.OnBatchGetItem, nil)
}

func (f *FakeDB) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	return answer(ctx, f, "BatchWriteItem", in, f.OnBatchWriteItem, nil)
}

func (f *FakeDB) TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	return answer(ctx, f, "TransactGetItems", in, f.OnTransactGetItems, nil)
}

func (f *FakeDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return answer(ctx, f, "TransactWriteItems", in, f.OnTransactWriteItems, nil)
}

func (f *FakeDB) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return answer(ctx, f, "DescribeTable", in, f.OnDescribeTable, func() *dynamodb.DescribeTableOutput {
		desc := &types.TableDescription{
			TableName:   in.TableName,
			TableStatus: types.TableStatusActive,
			KeySchema:   keySchema(f.Keys),
		}
		defined := map[string]bool{}
		define := func(keys []Key) {
			for _, k := range keys {
				if !defined[k.Name] {
					defined[k.Name] = true
					desc.AttributeDefinitions = append(desc.AttributeDefinitions,
						types.AttributeDefinition{AttributeName: aws.String(k.Name), AttributeType: k.Type})
				}
			}
		}
		define(f.Keys)
		for _, ix := range f.Indexes {
			define(ix.Keys)
			desc.GlobalSecondaryIndexes = append(desc.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{
				IndexName:   aws.String(ix.Name),
				IndexStatus: types.IndexStatusActive,
				KeySchema:   keySchema(ix.Keys),
				Projection:  &types.Projection{ProjectionType: ix.Projection},
			})
		}
		return &dynamodb.DescribeTableOutput{Table: desc}
	})
}

// keySchema returns the key schema of keys: the partition key, then the
// sort key if any.
func keySchema(keys []Key) []types.KeySchemaElement {
	schema := make([]types.KeySchemaElement, len(keys))
	for i, k := range keys {
		schema[i] = types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: types.KeyTypeHash}
		if i > 0 {
			schema[i].KeyType = types.KeyTypeRange
		}
	}
	return schema
}
