package testenv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// FakeDB stands in for the DynamoDB clients of the mapper and the
// encrypted client.
var (
	_ mapper.Client       = (*FakeDB)(nil)
	_ encrypted.API       = (*FakeDB)(nil)
	_ tableinfo.Describer = (*FakeDB)(nil)
)

func fakeKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberN{Value: sk}}
}

func TestFakeDBStoresItems(t *testing.T) {
	f := NewFakeDB(t)
	ctx := t.Context()
	item := fakeKey("a", "1")
	item["v"] = &types.AttributeValueMemberS{Value: "one"}
	if _, err := f.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	item["v"] = &types.AttributeValueMemberS{Value: "changed after the put"}

	// The same key, its number written otherwise, is the same item.
	out, err := f.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: fakeKey("a", "1.0")})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if v, ok := out.Item["v"].(*types.AttributeValueMemberS); !ok || v.Value != "one" {
		t.Errorf("GetItem of (a, 1.0) after a put of (a, 1): %v, want the item put", out.Item)
	}
	if got := f.Stored("u", fakeKey("a", "1")); got != nil {
		t.Errorf("table u holds %v, want nothing (the item is in t)", got)
	}
	if got := f.Stored("t", fakeKey("a", "2")); got != nil {
		t.Errorf("(a, 2) is %v, want nothing", got)
	}

	if _, err := f.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: fakeKey("a", "1")}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	if out, err := f.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), Key: fakeKey("a", "1")}); err != nil || out.Item != nil {
		t.Errorf("GetItem after DeleteItem: %v, %v; want no item", out.Item, err)
	}
}

func TestFakeDBRecordsCalls(t *testing.T) {
	f := NewFakeDB(t)
	ctx := t.Context()
	tbl := aws.String("t")
	first := &dynamodb.QueryInput{TableName: tbl}
	second := &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("ix")}
	calls := []func() error{
		func() error { _, err := f.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: tbl}); return err },
		func() error { _, err := f.Query(ctx, first); return err },
		func() error { _, err := f.Scan(ctx, &dynamodb.ScanInput{TableName: tbl}); return err },
		func() error { _, err := f.Query(ctx, second); return err },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got, want := f.DataCalls(), []string{"Query", "Scan", "Query"}; !slices.Equal(got, want) {
		t.Errorf("DataCalls() = %v, want %v", got, want)
	}
	if n := f.Count("Query"); n != 2 {
		t.Errorf(`Count("Query") = %d, want 2`, n)
	}
	if n := f.Count("DescribeTable"); n != 1 {
		t.Errorf(`Count("DescribeTable") = %d, want 1`, n)
	}
	if ins := f.Inputs("Query"); len(ins) != 2 || ins[0] != first || ins[1] != second {
		t.Errorf(`Inputs("Query") = %v, want the two inputs in order`, ins)
	}
	if in := f.Last("Query"); in != second {
		t.Errorf(`Last("Query") = %v, want the second input`, in)
	}
	if in := f.Last("GetItem"); in != nil {
		t.Errorf(`Last("GetItem") = %v, want nil`, in)
	}
}

func TestFakeDBDescribesTables(t *testing.T) {
	f := NewFakeDB(t)
	out, err := f.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	if got, want := describe(out.Table), "t ACTIVE key pk HASH, sk RANGE; defined pk S, sk N"; got != want {
		t.Errorf("DescribeTable by default:\n got %s\nwant %s", got, want)
	}

	f.Keys = []Key{S("id")}
	f.Indexes = []Index{
		{Name: "byGroup", Keys: []Key{S("grp"), N("n")}, Projection: types.ProjectionTypeAll},
		{Name: "byN", Keys: []Key{N("n")}, Projection: types.ProjectionTypeKeysOnly},
	}
	out, err = f.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String("u")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	if got, want := describe(out.Table), "u ACTIVE key id HASH; defined id S, grp S, n N; index byGroup ALL grp HASH, n RANGE; index byN KEYS_ONLY n HASH"; got != want {
		t.Errorf("DescribeTable with indexes:\n got %s\nwant %s", got, want)
	}
	// The library reads it so.
	ti := tableinfo.FromDescription(out.Table)
	if ti.Keys.Partition != "id" || ti.Keys.Sort != "" || !ti.Indexes["byGroup"].ProjectsAll || ti.Indexes["byN"].ProjectsAll || ti.Types["n"] != types.ScalarAttributeTypeN {
		t.Errorf("tableinfo.FromDescription: %+v", ti)
	}
}

// describe renders what a table description says of the keys.
func describe(d *types.TableDescription) string {
	schema := func(ks []types.KeySchemaElement) string {
		var s []string
		for _, k := range ks {
			s = append(s, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		return strings.Join(s, ", ")
	}
	var defs []string
	for _, a := range d.AttributeDefinitions {
		defs = append(defs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
	}
	s := fmt.Sprintf("%s %s key %s; defined %s", aws.ToString(d.TableName), d.TableStatus, schema(d.KeySchema), strings.Join(defs, ", "))
	for _, ix := range d.GlobalSecondaryIndexes {
		s += fmt.Sprintf("; index %s %s %s", aws.ToString(ix.IndexName), ix.Projection.ProjectionType, schema(ix.KeySchema))
	}
	return s
}

// errorsTB stands in for a test: it keeps what Errorf reports and the
// cleanups registered, to run them when told.
type errorsTB struct {
	testing.TB // nil: any other method panics
	mu         sync.Mutex
	errors     []string
	cleanups   []func()
}

func (e *errorsTB) Helper()           {}
func (e *errorsTB) Cleanup(fn func()) { e.cleanups = append(e.cleanups, fn) }
func (e *errorsTB) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errors = append(e.errors, fmt.Sprintf(format, args...))
}

func (e *errorsTB) reported() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.errors)
}

func TestFakeDBStrict(t *testing.T) {
	tb := &errorsTB{}
	f := NewFakeDB(tb)
	ctx := t.Context()
	tbl := aws.String("t")

	// Not strict: anything goes.
	if _, err := f.Scan(ctx, &dynamodb.ScanInput{TableName: tbl}); err != nil {
		t.Errorf("Scan of a fake that is not strict: %v", err)
	}

	f.Expect()
	f.Expect("PutItem")
	if _, err := f.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: tbl}); err != nil {
		t.Errorf("DescribeTable of a strict fake: %v", err)
	}
	if _, err := f.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: fakeKey("a", "1")}); err != nil {
		t.Errorf("expected PutItem: %v", err)
	}
	if got := tb.reported(); len(got) != 0 {
		t.Errorf("expected calls reported %q", got)
	}
	_, err := f.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: fakeKey("a", "1")})
	if err == nil || !strings.Contains(err.Error(), "UpdateItem") {
		t.Errorf("unexpected UpdateItem: error %v, want one naming UpdateItem", err)
	}
	if got := tb.reported(); len(got) != 1 || !strings.Contains(got[0], "unexpected UpdateItem call") {
		t.Errorf("unexpected UpdateItem reported %q, want one error naming it", got)
	}
	if f.Stored("t", fakeKey("a", "1")) == nil {
		t.Errorf("the expected PutItem stored nothing")
	}
	if got, want := f.DataCalls(), []string{"Scan", "PutItem", "UpdateItem"}; !slices.Equal(got, want) {
		t.Errorf("DataCalls() = %v, want %v (refused calls recorded too)", got, want)
	}

	// Once the test is over, an unexpected call still fails, unreported.
	for _, fn := range tb.cleanups {
		fn()
	}
	if _, err := f.Query(ctx, &dynamodb.QueryInput{TableName: tbl}); err == nil {
		t.Errorf("unexpected Query after the test: no error")
	}
	if got := tb.reported(); len(got) != 1 {
		t.Errorf("after the test, reported %q, want only the UpdateItem", got)
	}
}

func TestFakeDBFailAndHooks(t *testing.T) {
	f := NewFakeDB(t)
	ctx := t.Context()
	tbl := aws.String("t")
	boom := errors.New("boom")
	var failed []string
	f.Fail = func(op string) error {
		failed = append(failed, op)
		if op == "GetItem" {
			return boom
		}
		return nil
	}
	doctored := &dynamodb.BatchGetItemOutput{UnprocessedKeys: map[string]types.KeysAndAttributes{"t": {}}}
	f.OnBatchGetItem = func(_ context.Context, in *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error) {
		return doctored, nil
	}
	f.OnGetItem = func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		t.Error("OnGetItem asked about a call Fail failed")
		return nil, nil
	}

	if _, err := f.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: fakeKey("a", "1")}); !errors.Is(err, boom) {
		t.Errorf("GetItem: %v, want Fail's error", err)
	}
	if out, err := f.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{}); err != nil || out != doctored {
		t.Errorf("BatchGetItem: %v, %v; want the hook's answer", out, err)
	}
	if out, err := f.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{}); err != nil || out == nil || out.Responses != nil {
		t.Errorf("TransactGetItems without a hook: %v, %v; want an empty answer", out, err)
	}
	if got, want := failed, []string{"GetItem", "BatchGetItem", "TransactGetItems"}; !slices.Equal(got, want) {
		t.Errorf("Fail asked about %v, want %v", got, want)
	}
	if n := f.Count("GetItem"); n != 1 {
		t.Errorf("%d GetItem calls recorded, want the failed one", n)
	}
}
