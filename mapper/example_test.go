package mapper_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

type Order struct {
	ID      string `ddb:"pk,hash"`
	Created int64  `ddb:"sk,range"`
	Version int    `ddb:"version,version"`
	Status  string `ddb:"status" ddbcrypt:"signonly"`
	Card    string `ddb:"card"`
}

func (Order) TableName() string { return "orders" }

// Save, then query. This example needs DynamoDB (it has no output to
// check): against DynamoDB Local, run `make services-up` and
// eval "$(scripts/services.sh env)" first, and create the table
// (Table.CreateTable).
func Example() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// Keys: a real application loads them from its key store, or uses
	// cmp.NewDirectKMS or cmp.NewMostRecent.
	aesKey, hmacKey := make([]byte, 32), make([]byte, 32)
	rand.Read(aesKey)
	rand.Read(hmacKey)
	mac, _ := cmp.NewHMACKey("HmacSHA256", hmacKey)
	provider, _ := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey, SigningKey: mac})

	orders, err := mapper.NewTable[Order](mapper.New(dynamodb.NewFromConfig(cfg), provider))
	if err != nil {
		log.Fatal(err)
	}
	o := Order{ID: "customer-7", Created: 1700000000, Status: "open", Card: "4111 1111 1111 1111"}
	if err := orders.Save(ctx, &o); err != nil { // o.Version is now 1
		log.Fatal(err)
	}
	for o, err := range orders.Query("customer-7").Sort(mapper.GreaterOrEqual(1700000000)).All(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(o.Status, o.Card)
	}
}

// An Account is a key of two secondary indexes: a local one (its partition
// key is the table's) and a global one.
type Account struct {
	Tenant  string `ddb:"tenant,hash,index=by-created:hash"`
	ID      string `ddb:"id,range"`
	Created int64  `ddb:"created,index=by-created:range"`
	Email   string `ddb:"email,index=by-email:hash"` // an index key: signed, never encrypted
	Card    string `ddb:"card"`
}

// The request that creates a struct's table, read from its tags. It needs
// no DynamoDB: Table.CreateTable sends the same request and waits until the
// table is ACTIVE.
func ExampleTable_CreateTableInput() {
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1"})                                                      // not called
	accounts, err := mapper.NewTable[Account](mapper.New(db, exampleProvider()), mapper.WithTableName("accounts")) // exampleProvider: fixed keys
	if err != nil {
		log.Fatal(err)
	}
	in, err := accounts.CreateTableInput()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("table", *in.TableName, in.BillingMode)
	fmt.Println("  key:", showKeys(in.KeySchema))
	for _, d := range in.AttributeDefinitions {
		fmt.Println("  attribute:", *d.AttributeName, d.AttributeType)
	}
	for _, ix := range in.LocalSecondaryIndexes {
		fmt.Println("  local index", *ix.IndexName+":", showKeys(ix.KeySchema), "projecting", ix.Projection.ProjectionType)
	}
	for _, ix := range in.GlobalSecondaryIndexes {
		fmt.Println("  global index", *ix.IndexName+":", showKeys(ix.KeySchema), "projecting", ix.Projection.ProjectionType)
	}
	// Output:
	// table accounts PAY_PER_REQUEST
	//   key: tenant HASH, id RANGE
	//   attribute: tenant S
	//   attribute: id S
	//   attribute: created N
	//   attribute: email S
	//   local index by-created: tenant HASH, created RANGE projecting ALL
	//   global index by-email: email HASH projecting ALL
}

func showKeys(ks []types.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, *k.AttributeName+" "+string(k.KeyType))
	}
	return strings.Join(parts, ", ")
}

// A condition may name attributes that are not encrypted. One that names an
// encrypted attribute is refused before anything is sent: DynamoDB sees
// only its ciphertext.
func ExampleIf() {
	ctx := context.Background()
	// ordersTable stands in for DynamoDB (a program passes a *dynamodb.Client);
	// exampleProvider is a Static provider with fixed keys.
	orders, err := mapper.NewTable[Order](mapper.New(ordersTable{}, exampleProvider()))
	if err != nil {
		log.Fatal(err)
	}
	o := Order{ID: "customer-7", Created: 1700000000, Status: "open", Card: "4111 1111 1111 1111"}

	// status is signed, not encrypted: the condition is sent with the item.
	err = orders.Save(ctx, &o, mapper.If(expression.Name("status").NotEqual(expression.Value("closed"))))
	fmt.Println("condition on status:", err)
	// card is encrypted: the error names it, and is of kind ErrInvalidItem.
	err = orders.Save(ctx, &o, mapper.If(expression.Name("card").Equal(expression.Value("4111 1111 1111 1111"))))
	if attr, ok := errors.AsType[*ddbcrypt.AttributeError](err); ok {
		fmt.Printf("condition on card: refused (attribute %q, invalid item: %v)\n", attr.Attribute, errors.Is(err, ddbcrypt.ErrInvalidItem))
	}
	// Output:
	// condition on status: <nil>
	// condition on card: refused (attribute "card", invalid item: true)
}

// exampleProvider returns a static provider with fixed keys, for examples
// that need no secret. Real keys come from KMS or a secrets store, never
// from source code.
func exampleProvider() cmp.Provider {
	mac, err := cmp.NewHMACKey("HmacSHA256", bytes.Repeat([]byte{2}, 32))
	if err != nil {
		log.Fatal(err)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: bytes.Repeat([]byte{1}, 32), SigningKey: mac})
	if err != nil {
		log.Fatal(err)
	}
	return p
}

// ordersTable stands in for DynamoDB in the examples that run without it:
// it describes Order's table as Table.CreateTable would create it, and
// accepts every PutItem without storing anything. A program passes a
// *dynamodb.Client.
type ordersTable struct {
	mapper.Client // the other methods: not called
}

func (ordersTable) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	orders, err := mapper.NewTable[Order](mapper.New(ordersTable{}, exampleProvider()))
	if err != nil {
		return nil, err
	}
	in, err := orders.CreateTableInput()
	if err != nil {
		return nil, err
	}
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{TableName: in.TableName, TableStatus: types.TableStatusActive,
		KeySchema: in.KeySchema, AttributeDefinitions: in.AttributeDefinitions}}, nil
}

func (ordersTable) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, nil
}
