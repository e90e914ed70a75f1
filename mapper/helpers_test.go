package mapper_test

// Shared helpers for the mapper's integration tests against DynamoDB Local:
// a test's env (a mapper through a testenv.Faults that counts, and can
// disturb, calls; a fresh table), raw scans and key formatting. What the
// encrypted client's tests need too is testenv's (frontends.go).

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
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
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
// mapper, and the table newTableEnv made.
type env struct {
	db    *dynamodb.Client
	cc    *testenv.Faults
	p     cmp.Provider
	m     *mapper.Mapper
	table string
}

// newEnv returns an env, without a table, for a test that runs in parallel
// with others: its Faults does not check for leaked goroutines.
func newEnv(t *testing.T, opts ...mapper.Option) *env {
	t.Helper()
	return newEnvOn(t, testenv.NewParallelFaults(t), opts...)
}

// newEnvOn returns an env, without a table, whose mapper goes through f.
func newEnvOn(t *testing.T, f *testenv.Faults, opts ...mapper.Option) *env {
	t.Helper()
	p := newProvider(t)
	return &env{db: f.DynamoDB, cc: f, p: p, m: mapper.New(f, p, append([]mapper.Option{fastRetry}, opts...)...)}
}

// newTableEnv is newEnv with a fresh table, e.table (pk S, sk N); it
// returns T's typed table on it too.
func newTableEnv[T any](t *testing.T, opts ...mapper.Option) (*env, *mapper.Table[T]) {
	t.Helper()
	return withTable[T](t, newEnv(t, opts...))
}

// withTable gives e a fresh table, e.table (pk S, sk N), and returns T's
// typed table on it.
func withTable[T any](t *testing.T, e *env) (*env, *mapper.Table[T]) {
	t.Helper()
	e.table = testenv.NewTable(t, e.db, testenv.S("pk"), testenv.N("sk"))
	return e, mustTable[T](t, e.m, e.table)
}

// fault starts counting f's calls afresh and returns a rule for the calls
// of op (see testenv.Faults.On), removed when the test ends.
func fault(t *testing.T, f *testenv.Faults, op string) *testenv.Rule {
	t.Helper()
	f.Reset()
	t.Cleanup(f.Clear)
	return f.On(op)
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

// key builds a primary key {pk: S, sk: N}.
func key(pk string, sk int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberN{Value: fmt.Sprint(sk)},
	}
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
