package mapper_test

// Shared helpers for the mapper's integration tests against DynamoDB Local:
// a key provider, a testenv.Faults that counts (and can disturb) calls, raw
// table access and key formatting.

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// Operation names, as testenv.Faults counts them.
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

// newFaults returns a testenv.Faults, the real client that counts calls
// and keeps their inputs, for a test that runs in parallel with others
// (no leak check).
func newFaults(t *testing.T) *testenv.Faults {
	t.Helper()
	f := testenv.NewFaults(t)
	f.LeakWait = -1
	return f
}

// total returns the number of calls f has seen, of every operation.
func total(f *testenv.Faults) int {
	n := 0
	for _, k := range f.Counts() {
		n += k
	}
	return n
}

// fastRetry makes batch retries quick.
var fastRetry = mapper.WithBatchRetry(8, time.Millisecond, 10*time.Millisecond)

// env is one test's DynamoDB Local client, counting testenv.Faults and
// mapper.
type env struct {
	db *dynamodb.Client
	cc *testenv.Faults
	p  cmp.Provider
	m  *mapper.Mapper
}

func newEnv(t *testing.T, opts ...mapper.Option) *env {
	t.Helper()
	db := testenv.DynamoDB(t)
	cc := newFaults(t)
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
	testenv.DeleteTableAtEnd(t, db, name)
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
