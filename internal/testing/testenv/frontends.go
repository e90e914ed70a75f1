package testenv

// What the integration tests of the two front ends, package mapper and
// package encrypted, share: a Faults for tests that run in parallel, tables
// with secondary indexes, raw access to stored items, the ways DynamoDB
// fails a call, and the check that an error names its item.

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
	"github.com/ddbcrypt/ddbcrypt"
)

// NewParallelFaults is NewFaults for a test that runs in parallel with
// others: the check for leaked goroutines is off (see Faults.LeakWait).
func NewParallelFaults(t testing.TB) *Faults {
	t.Helper()
	f := NewFaults(t)
	f.LeakWait = -1
	return f
}

// TableSpec describes a table for CreateTable.
type TableSpec struct {
	// Name is the table's name; CreateTable makes one up (TableName) if it
	// is empty.
	Name string
	// Partition and Sort are the primary key.
	Partition, Sort Key
	Indexes         []SecondaryIndex
}

// SecondaryIndex is a secondary index of a TableSpec: its key (Sort is nil
// for a partition key alone) and what it projects. A local index has the
// table's partition key.
type SecondaryIndex struct {
	Name       string
	Local      bool
	Partition  Key
	Sort       *Key
	Projection types.ProjectionType
}

// quiet silences the SDK's logger: DynamoDB Local's error responses make the
// SDK warn about their checksums, which is noise in a test.
func quiet(o *dynamodb.Options) { o.Logger = logging.Nop{} }

// CreateTable creates the on-demand table spec describes, waits for it to
// become active and deletes it when the test ends. It returns the table's
// name.
func CreateTable(t testing.TB, client *dynamodb.Client, spec TableSpec) string {
	t.Helper()
	name := spec.Name
	if name == "" {
		name = TableName(t)
	}
	defs := map[string]types.ScalarAttributeType{spec.Partition.Name: spec.Partition.Type, spec.Sort.Name: spec.Sort.Type}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keySchema([]Key{spec.Partition, spec.Sort}),
	}
	for _, ix := range spec.Indexes {
		keys := []Key{ix.Partition}
		if ix.Sort != nil {
			keys = append(keys, *ix.Sort)
		}
		for _, k := range keys {
			defs[k.Name] = k.Type
		}
		projection := &types.Projection{ProjectionType: ix.Projection}
		if ix.Local {
			in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes,
				types.LocalSecondaryIndex{IndexName: aws.String(ix.Name), KeySchema: keySchema(keys), Projection: projection})
		} else {
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes,
				types.GlobalSecondaryIndex{IndexName: aws.String(ix.Name), KeySchema: keySchema(keys), Projection: projection})
		}
	}
	for _, n := range slices.Sorted(maps.Keys(defs)) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: defs[n]})
	}
	if _, err := client.CreateTable(t.Context(), in, quiet); err != nil {
		t.Fatalf("testenv: CreateTable %s: %v", name, err)
	}
	DeleteTableAtEnd(t, client, name, quiet)
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 500*time.Millisecond
	})
	if err := waiter.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		t.Fatalf("testenv: waiting for table %s: %v", name, err)
	}
	return name
}

// RawGet reads the item of table with key as it is stored (consistently),
// or nil if there is none.
func RawGet(t testing.TB, client *dynamodb.Client, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)}, quiet)
	if err != nil {
		t.Fatalf("testenv: raw GetItem %s: %v", ddbcrypt.FormatKey(key), err)
	}
	return out.Item
}

// RawSet overwrites the attribute attr of the stored item of table with key,
// behind the library's back, as someone with write access to the table
// could.
func RawSet(t testing.TB, client *dynamodb.Client, table string, key map[string]types.AttributeValue, attr string, v types.AttributeValue) {
	t.Helper()
	if _, err := client.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       key,
		UpdateExpression:          aws.String("SET #a = :v"),
		ExpressionAttributeNames:  map[string]string{"#a": attr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	}, quiet); err != nil {
		t.Fatalf("testenv: raw UpdateItem of %q of %s: %v", attr, ddbcrypt.FormatKey(key), err)
	}
}

// Failure is a way for DynamoDB to fail a call, once the SDK has given up
// retrying it.
type Failure struct {
	Name string
	// Arm arms a rule to fail this way.
	Arm func(*Rule)
	// Want is a pointer to the type the caller's error must hold
	// (errors.As(err, Want)).
	Want any
}

// Failures returns the ways for DynamoDB to fail a call that every call
// must survive: throttling, a server error and a timeout.
func Failures() []Failure {
	return []Failure{
		{"throttled", (*Rule).Throttle, new(*types.ProvisionedThroughputExceededException)},
		{"server error", (*Rule).ServerError, new(*types.InternalServerError)},
		{"timeout", (*Rule).Timeout, new(interface{ Timeout() bool })},
	}
}

// WantItemError fails the test unless err is a *ddbcrypt.ItemError naming
// table and key.
func WantItemError(t testing.TB, what string, err error, table string, key map[string]types.AttributeValue) {
	t.Helper()
	var ie *ddbcrypt.ItemError
	if !errors.As(err, &ie) {
		t.Errorf("%s: error %v (%T), want a *ddbcrypt.ItemError naming table %s and key %s", what, err, err, table, ddbcrypt.FormatKey(key))
		return
	}
	if ie.Table != table || ddbcrypt.FormatKey(ie.Key) != ddbcrypt.FormatKey(key) {
		t.Errorf("%s: the error names table %s key %s, want %s %s", what, ie.Table, ddbcrypt.FormatKey(ie.Key), table, ddbcrypt.FormatKey(key))
	}
}
