package encrypted_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"maps"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
)

// The examples run without DynamoDB: memoryTable below stands in for it. A
// program passes dynamodb.NewFromConfig(cfg) to NewClient instead; to run
// one against DynamoDB Local, `make services-up` and
// eval "$(scripts/services.sh env)" first (examples/encrypted-client is
// such a program).

// exampleProvider returns a static provider with fixed keys, for examples
// that need no secret. Real keys come from KMS or a secrets store, never
// from source code.
func exampleProvider() cmp.Provider {
	mac, err := cmp.NewHMACKey("HmacSHA256", bytes.Repeat([]byte{2}, 32))
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: bytes.Repeat([]byte{1}, 32), SigningKey: mac})
	if err != nil {
		log.Fatal(err)
	}
	return provider
}

// newOrdersClient returns the client of the Client example.
func newOrdersClient(db encrypted.API) *encrypted.Client {
	return encrypted.NewClient(db, exampleProvider(), encrypted.WithTable("orders", encrypted.TableConfig{
		Actions: &crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"status": crypto.SignOnly}},
	}))
}

func order() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"customer": &types.AttributeValueMemberS{Value: "c-7"},
		"id":       &types.AttributeValueMemberN{Value: "1"},
		"status":   &types.AttributeValueMemberS{Value: "open"},
		"card":     &types.AttributeValueMemberS{Value: "4111 1111 1111 1111"},
	}
}

// The client encrypts and signs on PutItem and verifies and decrypts on
// GetItem: DynamoDB holds the keys and "status" in plaintext, "card" as
// ciphertext, and the signature and material description.
func ExampleClient() {
	ctx := context.Background()
	db := newMemoryTable() // stands in for DynamoDB: a program passes dynamodb.NewFromConfig(cfg)
	// "orders" items are encrypted and signed, except for "status", which is
	// signed only (and the keys, which are always signed only).
	c := encrypted.NewClient(db, exampleProvider(), encrypted.WithTable("orders", encrypted.TableConfig{
		Actions: &crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"status": crypto.SignOnly}},
	}))

	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: new("orders"), Item: order()}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored:")
	stored := db.items[`c-7/1`]
	for _, name := range slices.Sorted(maps.Keys(stored)) {
		fmt.Printf("  %-19s %s\n", name, show(stored[name]))
	}

	key := map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "c-7"}, "id": &types.AttributeValueMemberN{Value: "1"}}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: new("orders"), Key: key})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("read: card", show(out.Item["card"]))
	// Output:
	// stored:
	//   *amzn-ddb-map-desc* B (binary)
	//   *amzn-ddb-map-sig*  B (binary)
	//   card                B (binary)
	//   customer            S c-7
	//   id                  N 1
	//   status              S open
	// read: card S 4111 1111 1111 1111
}

// A condition on an encrypted attribute is refused before anything is
// sent, since DynamoDB sees only its ciphertext; one on a plaintext
// attribute is sent.
func ExampleClient_PutItem_condition() {
	ctx := context.Background()
	c := newOrdersClient(newMemoryTable()) // as in the Client example

	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: new("orders"), Item: order(),
		ConditionExpression: new("attribute_not_exists(customer)")})
	fmt.Println("condition on customer:", err)

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: new("orders"), Item: order(),
		ConditionExpression:       new("card <> :card"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":card": &types.AttributeValueMemberS{Value: "0000"}}})
	if attr, ok := errors.AsType[*ddbcrypt.AttributeError](err); ok {
		fmt.Printf("condition on card: refused (attribute %q, invalid item: %v)\n", attr.Attribute, errors.Is(err, ddbcrypt.ErrInvalidItem))
	}
	// Output:
	// condition on customer: <nil>
	// condition on card: refused (attribute "card", invalid item: true)
}

// A Lambda function on the table's stream receives the items as stored,
// encrypted and signed, and opens each record with DecryptEventRecord. The
// record here is made from an item the client wrote, as DynamoDB Streams
// would deliver it.
func ExampleClient_DecryptEventRecord() {
	ctx := context.Background()
	db := newMemoryTable()
	c := newOrdersClient(db) // as in the Client example
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: new("orders"), Item: order()}); err != nil {
		log.Fatal(err)
	}
	stored := db.items[`c-7/1`]
	rec := events.DynamoDBEventRecord{
		EventName:      "INSERT",
		EventSourceArn: "arn:aws:dynamodb:us-east-1:111122223333:table/orders/stream/2024-01-01T00:00:00.000",
		Change: events.DynamoDBStreamRecord{
			Keys:     eventImage(map[string]types.AttributeValue{"customer": stored["customer"], "id": stored["id"]}),
			NewImage: eventImage(stored),
		},
	}
	fmt.Println("the record's card is binary:", rec.Change.NewImage["card"].DataType() == events.DataTypeBinary)

	// In the handler: func(ctx context.Context, ev events.DynamoDBEvent), for each of ev.Records.
	newImage, oldImage, err := c.DecryptEventRecord(ctx, rec)
	if err != nil {
		log.Fatal(err) // a handler reports the record as failed: see examples/lambda-stream
	}
	fmt.Println("decrypted card:", show(newImage["card"]))
	fmt.Println("old image:", oldImage) // an INSERT has none
	// Output:
	// the record's card is binary: true
	// decrypted card: S 4111 1111 1111 1111
	// old image: map[]
}

// show prints an attribute value's type and, unless it is binary, its value.
func show(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return "S " + v.Value
	case *types.AttributeValueMemberN:
		return "N " + v.Value
	case *types.AttributeValueMemberB:
		return "B (binary)"
	}
	return fmt.Sprintf("%T", av)
}

// eventImage converts an item of S, N and B values to aws-lambda-go's types,
// as a stream record carries it.
func eventImage(item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	image := make(map[string]events.DynamoDBAttributeValue, len(item))
	for name, av := range item {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			image[name] = events.NewStringAttribute(v.Value)
		case *types.AttributeValueMemberN:
			image[name] = events.NewNumberAttribute(v.Value)
		case *types.AttributeValueMemberB:
			image[name] = events.NewBinaryAttribute(v.Value)
		}
	}
	return image
}

// memoryTable stands in for DynamoDB in the examples: it describes the
// table "orders" (partition key "customer" S, sort key "id" N), and keeps
// the items PutItem writes for GetItem to read, with no condition checked.
type memoryTable struct {
	encrypted.API // the other methods: not called
	items         map[string]map[string]types.AttributeValue
}

func newMemoryTable() *memoryTable {
	return &memoryTable{items: make(map[string]map[string]types.AttributeValue)}
}

func (*memoryTable) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	customer, id := new("customer"), new("id")
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{TableName: in.TableName, TableStatus: types.TableStatusActive,
		KeySchema:            []types.KeySchemaElement{{AttributeName: customer, KeyType: types.KeyTypeHash}, {AttributeName: id, KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: customer, AttributeType: "S"}, {AttributeName: id, AttributeType: "N"}},
	}}, nil
}

func (m *memoryTable) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	m.items[memoryKey(in.Item)] = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

func (m *memoryTable) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{Item: m.items[memoryKey(in.Key)]}, nil
}

func memoryKey(item map[string]types.AttributeValue) string {
	return item["customer"].(*types.AttributeValueMemberS).Value + "/" + item["id"].(*types.AttributeValueMemberN).Value
}
