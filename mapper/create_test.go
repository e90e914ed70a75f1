package mapper_test

// Creating a table from a struct's tags: the request, and the table
// DynamoDB Local makes of it, used through the mapper and its indexes.

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/schema"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// purchase declares a local index (its partition key is the table's), a
// global index with two keys, one with a partition key only, and a sparse
// one on a binary key.
type purchase struct {
	Customer string    `ddb:"customer,hash,index=by-placed:hash"`
	ID       string    `ddb:"id,range"`
	Email    string    `ddb:"email,index=by-email:hash"`
	Total    int64     `ddb:"total,index=by-email:range,index=by-total:hash"`
	Placed   time.Time `ddb:"placed,unixtime,index=by-placed:range"`
	Receipt  []byte    `ddb:"receipt,omitempty,index=by-receipt:hash"`
	Card     string    `ddb:"card"`
	Note     string    `ddb:"note" ddbcrypt:"signonly"`
}

// sdkTypes compares SDK request types, which have unexported fields.
var sdkTypes = cmpopts.IgnoreUnexported(
	dynamodb.CreateTableInput{}, types.AttributeDefinition{}, types.KeySchemaElement{}, types.Projection{},
	types.GlobalSecondaryIndex{}, types.LocalSecondaryIndex{}, types.ProvisionedThroughput{}, types.Tag{},
	types.StreamSpecification{},
)

func keys(hash, sort string) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
	if sort != "" {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sort), KeyType: types.KeyTypeRange})
	}
	return ks
}

var projectAll = &types.Projection{ProjectionType: types.ProjectionTypeAll}

// wantPurchaseInput is the request for purchase's table, on demand.
func wantPurchaseInput(name string) *dynamodb.CreateTableInput {
	def := func(n string, t types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: t}
	}
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keys("customer", "id"),
		AttributeDefinitions: []types.AttributeDefinition{
			def("customer", "S"), def("id", "S"), def("placed", "N"), def("email", "S"), def("total", "N"), def("receipt", "B"),
		},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{
			{IndexName: aws.String("by-placed"), KeySchema: keys("customer", "placed"), Projection: projectAll},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("by-email"), KeySchema: keys("email", "total"), Projection: projectAll},
			{IndexName: aws.String("by-total"), KeySchema: keys("total", ""), Projection: projectAll},
			{IndexName: aws.String("by-receipt"), KeySchema: keys("receipt", ""), Projection: projectAll},
		},
	}
}

func TestCreateTableInput(t *testing.T) {
	_, m := newFakeMapper(t)
	tbl := mustTable[purchase](t, m, "purchases")
	got, err := tbl.CreateTableInput()
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff(wantPurchaseInput("purchases"), got, sdkTypes); d != "" {
		t.Errorf("CreateTableInput (-want +got):\n%s", d)
	}

	got, err = tbl.CreateTableInput(
		mapper.WithProvisionedThroughput(5, 2),
		mapper.WithResourceTag("team", "orders"),
		mapper.WithResourceTag("env", ""),
		mapper.WithStream(types.StreamViewTypeNewAndOldImages),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := wantPurchaseInput("purchases")
	want.BillingMode = types.BillingModeProvisioned
	capacity := func() *types.ProvisionedThroughput {
		return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(2)}
	}
	want.ProvisionedThroughput = capacity()
	for i := range want.GlobalSecondaryIndexes {
		want.GlobalSecondaryIndexes[i].ProvisionedThroughput = capacity() // local indexes share the table's
	}
	want.Tags = []types.Tag{{Key: aws.String("team"), Value: aws.String("orders")}, {Key: aws.String("env"), Value: aws.String("")}}
	want.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	if d := gocmp.Diff(want, got, sdkTypes); d != "" {
		t.Errorf("CreateTableInput with options (-want +got):\n%s", d)
	}
	// Each index has its own throughput, so that changing one request
	// does not change another.
	if got.ProvisionedThroughput == got.GlobalSecondaryIndexes[0].ProvisionedThroughput {
		t.Error("the table and an index share one ProvisionedThroughput")
	}

	// A table without indexes or sort key.
	simple, err := mustTable[tagged](t, m, "simple").CreateTableInput()
	if err != nil {
		t.Fatal(err)
	}
	wantSimple := &dynamodb.CreateTableInput{
		TableName:            aws.String("simple"),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            keys("pk", "sk"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}, {AttributeName: aws.String("sk"), AttributeType: "S"}},
	}
	if d := gocmp.Diff(wantSimple, simple, sdkTypes); d != "" {
		t.Errorf("CreateTableInput of tagged (-want +got):\n%s", d)
	}
}

func TestCreateTableInputOptionErrors(t *testing.T) {
	_, m := newFakeMapper(t)
	tbl := mustTable[purchase](t, m, "purchases")
	for _, c := range []struct {
		opt  mapper.Option
		says string
	}{
		{mapper.WithProvisionedThroughput(0, 5), "provisioned throughput of 0 read and 5 write capacity units: each must be at least 1"},
		{mapper.WithProvisionedThroughput(5, -1), "each must be at least 1"},
		{mapper.WithResourceTag("", "x"), "a resource tag needs a key"},
		{mapper.WithStream("NEW"), `stream view type "NEW": want one of [NEW_IMAGE OLD_IMAGE NEW_AND_OLD_IMAGES KEYS_ONLY]`},
	} {
		in, err := tbl.CreateTableInput(c.opt)
		if in != nil || !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("CreateTableInput = %v, %v; want ErrInvalidConfig saying %q", in, err, c.says)
		}
		if err := tbl.CreateTable(t.Context(), c.opt); !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("CreateTable = %v; want ErrInvalidConfig saying %q", err, c.says)
		}
	}
}

// TestCreateTableClient: a client without CreateTable is told so before
// any call.
func TestCreateTableClient(t *testing.T) {
	db := strictFake(t)
	m := mapper.New(db, newProvider(t))
	err := mustTable[purchase](t, m, "purchases").CreateTable(t.Context())
	var ce *mapper.ClientError
	if !errors.As(err, &ce) || !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Fatalf("CreateTable = %v, want a *mapper.ClientError wrapping ErrInvalidConfig", err)
	}
	want := mapper.ClientError{Op: "CreateTable", Client: "*testenv.FakeDB", Need: "mapper.TableCreator"}
	if *ce != want {
		t.Errorf("ClientError = %+v, want %+v", *ce, want)
	}
	for _, s := range []string{"CreateTable needs a client that satisfies mapper.TableCreator", "*testenv.FakeDB"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q does not say %q", err, s)
		}
	}
	if calls := db.DataCalls(); len(calls) != 0 {
		t.Errorf("calls made: %v", calls)
	}
}

// createdTable creates T's table in DynamoDB Local with Table.CreateTable,
// through a mapper on a fresh testenv.Faults, and deletes it when the test
// ends.
func createdTable[T any](t *testing.T) (*testenv.Faults, *mapper.Table[T]) {
	t.Helper()
	f := testenv.NewParallelFaults(t)
	name := testenv.TableName(t)
	testenv.DeleteTableAtEnd(t, f.DynamoDB, name)
	tbl := mustTable[T](t, mapper.New(f, newProvider(t)), name)
	if err := tbl.CreateTable(t.Context()); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	return f, tbl
}

// TestCreateTable creates purchase's table in DynamoDB Local, which the
// mapper then accepts on first use; items go in encrypted and signed and
// come back through every index.
func TestCreateTable(t *testing.T) {
	f, tbl := createdTable[purchase](t)
	name, ctx := tbl.Name(), t.Context()
	if d := gocmp.Diff(wantPurchaseInput(name), f.Last("CreateTable"), sdkTypes); d != "" {
		t.Errorf("CreateTable sent (-want +got):\n%s", d)
	}
	desc, err := f.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if desc.Table.TableStatus != types.TableStatusActive {
		t.Errorf("table status %s after CreateTable", desc.Table.TableStatus)
	}
	if got := len(desc.Table.GlobalSecondaryIndexes) + len(desc.Table.LocalSecondaryIndexes); got != 4 {
		t.Errorf("the table has %d indexes, want 4", got)
	}

	at := time.Unix(1700000000, 0)
	items := []purchase{
		{Customer: "ann", ID: "1", Email: "ann@x", Total: 30, Placed: at.Add(3 * time.Hour), Card: "4111", Note: "a"},
		{Customer: "ann", ID: "2", Email: "ann@x", Total: 10, Placed: at.Add(1 * time.Hour), Receipt: []byte{1, 2}, Card: "4222"},
		{Customer: "ann", ID: "3", Email: "ann@y", Total: 20, Placed: at.Add(2 * time.Hour), Card: "4333"},
		{Customer: "bob", ID: "1", Email: "bob@x", Total: 10, Placed: at, Receipt: []byte{3}, Card: "5111"},
	}
	for i := range items {
		if err := tbl.Save(ctx, &items[i]); err != nil {
			t.Fatalf("Save %d: %v", i, err)
		}
	}
	// One DescribeTable of the mapper's own after the waiter's: the keys
	// matched on first use.
	describes := f.Calls(opDescribeTable)
	got := purchase{Customer: "ann", ID: "2"}
	if err := tbl.Load(ctx, &got); err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff(items[1], got); d != "" {
		t.Errorf("Load (-want +got):\n%s", d)
	}
	if f.Calls(opDescribeTable) != describes {
		t.Errorf("DescribeTable called again after first use")
	}

	query := func(q *mapper.Query[purchase]) []string {
		t.Helper()
		found, err := collect(q.All(ctx))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range found {
			ids = append(ids, p.Customer+"/"+p.ID)
		}
		return ids
	}
	for _, c := range []struct {
		what     string
		q        *mapper.Query[purchase]
		want     []string
		anyOrder bool // the index has no sort key
	}{
		{"by-email", tbl.Query("ann@x").Index("by-email"), []string{"ann/2", "ann/1"}, false},
		{"by-email, total > 10", tbl.Query("ann@x").Index("by-email").Sort(mapper.Greater(10)), []string{"ann/1"}, false},
		{"by-total", tbl.Query(10).Index("by-total"), []string{"ann/2", "bob/1"}, true},
		{"by-placed (local)", tbl.Query("ann").Index("by-placed"), []string{"ann/2", "ann/3", "ann/1"}, false},
		{"by-placed, descending", tbl.Query("ann").Index("by-placed").Descending().Limit(1), []string{"ann/1"}, false},
		{"by-receipt (sparse)", tbl.Query([]byte{1, 2}).Index("by-receipt"), []string{"ann/2"}, true},
	} {
		got := query(c.q)
		if c.anyOrder {
			slices.Sort(got)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.what, got, c.want)
		}
	}
}

// TestCreateTableIndexKeys: what the schema says of the index keys (signed,
// not encrypted) is what the mapper does with the table DescribeTable
// describes: they are stored in plaintext, and changing one breaks the
// item's signature.
func TestCreateTableIndexKeys(t *testing.T) {
	f, tbl := createdTable[purchase](t)
	name, ctx := tbl.Name(), t.Context()
	s, err := schema.For[purchase]()
	if err != nil {
		t.Fatal(err)
	}
	p := purchase{Customer: "c", ID: "1", Email: "e@x", Total: 7, Placed: time.Unix(1700000000, 0), Receipt: []byte{9}, Card: "4111"}
	if err := tbl.Save(ctx, &p); err != nil {
		t.Fatal(err)
	}
	k := map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "c"}, "id": &types.AttributeValueMemberS{Value: "1"}}
	stored := testenv.RawGet(t, f.DynamoDB, name, k)
	plain := map[string]types.AttributeValue{
		"email":   &types.AttributeValueMemberS{Value: "e@x"},
		"total":   &types.AttributeValueMemberN{Value: "7"},
		"placed":  &types.AttributeValueMemberN{Value: "1700000000"},
		"receipt": &types.AttributeValueMemberB{Value: []byte{9}},
	}
	for attr, want := range plain {
		if s.Field(attr).Action != crypto.SignOnly {
			t.Errorf("schema: index key %s is %v, want SIGN_ONLY", attr, s.Field(attr).Action)
		}
		if d := gocmp.Diff(want, stored[attr], cmpopts.IgnoreUnexported(types.AttributeValueMemberS{}, types.AttributeValueMemberN{}, types.AttributeValueMemberB{})); d != "" {
			t.Errorf("stored %s is not its plaintext (-want +got):\n%s", attr, d)
		}
	}
	if card, ok := stored["card"].(*types.AttributeValueMemberB); !ok || string(card.Value) == "4111" {
		t.Errorf("stored card = %#v, want ciphertext", stored["card"])
	}
	for attr, other := range map[string]types.AttributeValue{
		"email": &types.AttributeValueMemberS{Value: "f@x"},
		"total": &types.AttributeValueMemberN{Value: "8"},
	} {
		testenv.RawSet(t, f.DynamoDB, name, k, attr, other)
		got := purchase{Customer: "c", ID: "1"}
		if err := tbl.Load(ctx, &got); !errors.Is(err, ddbcrypt.ErrIntegrity) {
			t.Errorf("Load after changing index key %s: %v, want ErrIntegrity", attr, err)
		}
		testenv.RawSet(t, f.DynamoDB, name, k, attr, plain[attr])
	}
	if err := tbl.Load(ctx, &purchase{Customer: "c", ID: "1"}); err != nil {
		t.Errorf("Load once restored: %v", err)
	}
}

// avOrder is tagged for attributevalue, with ddb tags that agree only where
// the mapper needs key roles and an index.
type avOrder struct {
	Customer string   `dynamodbav:"customer" ddb:"customer,hash"`
	Placed   int64    `dynamodbav:"placed" ddb:"placed,range"`
	Email    string   `dynamodbav:"email" ddb:"email,index=by-email:hash"`
	Total    int      `dynamodbav:"total,string" ddbcrypt:"signonly"`
	Items    []string `dynamodbav:"items,stringset,omitempty"`
	Secret   string   `dynamodbav:"secret"`
	Skip     string   `dynamodbav:"-"`
}

func TestCreateTableDynamodbav(t *testing.T) {
	f, tbl := createdTable[avOrder](t)
	name, ctx := tbl.Name(), t.Context()
	o := avOrder{Customer: "c", Placed: 5, Email: "e@x", Total: 12, Items: []string{"a", "b"}, Secret: "s", Skip: "not stored"}
	if err := tbl.Save(ctx, &o); err != nil {
		t.Fatal(err)
	}
	k := map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "c"}, "placed": &types.AttributeValueMemberN{Value: "5"}}
	stored := testenv.RawGet(t, f.DynamoDB, name, k)
	var names []string
	for n := range stored {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"*amzn-ddb-map-desc*", "*amzn-ddb-map-sig*", "customer", "email", "items", "placed", "secret", "total"}; !slices.Equal(names, want) {
		t.Errorf("stored attributes %v, want %v", names, want)
	}
	if total, ok := stored["total"].(*types.AttributeValueMemberS); !ok || total.Value != "12" {
		t.Errorf(`stored total = %#v, want S "12" (dynamodbav:"total,string", signed only)`, stored["total"])
	}
	found, err := collect(tbl.Query("e@x").Index("by-email").All(ctx))
	if err != nil {
		t.Fatal(err)
	}
	o.Skip = ""
	if d := gocmp.Diff([]avOrder{o}, found); d != "" {
		t.Errorf("Query by-email (-want +got):\n%s", d)
	}
}

// TestCreateTableFailures: DynamoDB's refusal, and a failed wait, are
// *ddbcrypt.DynamoDBError for CreateTable.
func TestCreateTableFailures(t *testing.T) {
	f, tbl := createdTable[purchase](t)
	name := tbl.Name()
	err := tbl.CreateTable(t.Context())
	var de *ddbcrypt.DynamoDBError
	var inUse *types.ResourceInUseException
	if !errors.As(err, &de) || de.Op != "CreateTable" || !errors.As(err, &inUse) || !errors.Is(err, ddbcrypt.ErrDynamoDB) || !strings.Contains(err.Error(), name) {
		t.Errorf("CreateTable of an existing table = %v, want a DynamoDBError for CreateTable wrapping ResourceInUseException and naming the table", err)
	}

	name2 := testenv.TableName(t)
	testenv.DeleteTableAtEnd(t, f.DynamoDB, name2)
	tbl2 := mustTable[purchase](t, mapper.New(f, newProvider(t)), name2)
	f.On("DescribeTable").Throttle()
	err = tbl2.CreateTable(t.Context())
	var throttled *types.ProvisionedThroughputExceededException
	if !errors.As(err, &de) || de.Op != "CreateTable" || !errors.Is(err, ddbcrypt.ErrDynamoDB) || !errors.As(err, &throttled) || !strings.Contains(err.Error(), "waiting for the table to become ACTIVE") {
		t.Errorf("CreateTable whose wait is throttled = %v, want a DynamoDBError for CreateTable about the wait, wrapping the SDK's error", err)
	}
}
