package ddbcrypt_test

// The newcomer's program of issue 10, end to end against DynamoDB Local,
// through the public API (testenv gives the client and the tables'
// names): a struct tagged for attributevalue alone in a table
// created by hand, and a struct whose table, with a secondary index,
// CreateTable creates.

import (
	"crypto/rand"
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// newcomerProvider builds a Wrapped provider as the README does, from
// keys a program would read from a secrets store.
func newcomerProvider(t *testing.T) cmp.Provider {
	t.Helper()
	hmacKey, wrappingKey := make([]byte, 32), make([]byte, 32)
	rand.Read(hmacKey)
	rand.Read(wrappingKey)
	mac, err := cmp.NewHMACKey("HmacSHA256", hmacKey)
	if err != nil {
		t.Fatal(err)
	}
	kek, err := cmp.NewAESWrappingKey(wrappingKey)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	return provider
}

// Customer is tagged as Go code tags structs for attributevalue, plus
// ddbcrypt actions: no ddb tag, no key roles.
type Customer struct {
	ID    string `dynamodbav:"id"`                                    // the table's partition key
	Since int64  `dynamodbav:"since"`                                 // its sort key
	Email string `dynamodbav:"email" ddbcrypt:"signonly"`             // readable, signed
	Card  string `dynamodbav:"card"`                                  // encrypted, signed
	Notes string `dynamodbav:"notes,omitempty" ddbcrypt:"donottouch"` // neither
	Temp  string `dynamodbav:"-"`                                     // not stored
}

func TestNewcomerDynamodbavStruct(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testenv.DynamoDB(t)
	name := testenv.NewTable(t, db, testenv.S("id"), testenv.N("since")) // CreateTable, by hand
	customers, err := mapper.NewTable[Customer](mapper.New(db, newcomerProvider(t)), mapper.WithTableName(name))
	if err != nil {
		t.Fatal(err)
	}
	saved := []Customer{
		{ID: "c-1", Since: 2019, Email: "ann@example.com", Card: "4111 1111 1111 1111", Notes: "vip"},
		{ID: "c-1", Since: 2024, Email: "ann@example.org", Card: "5500 0000 0000 0004"},
		{ID: "c-2", Since: 2021, Email: "bo@example.com", Card: "3400 0000 0000 009"},
	}
	for i := range saved {
		if err := customers.Save(ctx, &saved[i]); err != nil {
			t.Fatalf("Save %+v: %v", saved[i], err)
		}
	}
	got := Customer{ID: "c-1", Since: 2019, Temp: "scratch"}
	if err := customers.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got != saved[0] {
		t.Errorf("Load = %+v, %v; want %+v", got, err, saved[0])
	}
	var found []Customer
	for c, err := range customers.Query("c-1", mapper.ConsistentRead()).Sort(mapper.GreaterOrEqual(2020)).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, c)
	}
	if !slices.Equal(found, saved[1:2]) {
		t.Errorf("Query = %+v, want %+v", found, saved[1:2])
	}

	// As stored: the keys, the signed email and the notes readable; the
	// card encrypted.
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &name, ConsistentRead: new(true), Key: map[string]types.AttributeValue{
		"id": &types.AttributeValueMemberS{Value: "c-1"}, "since": &types.AttributeValueMemberN{Value: "2019"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for attr, want := range map[string]string{"id": "c-1", "email": "ann@example.com", "notes": "vip"} {
		if v, ok := out.Item[attr].(*types.AttributeValueMemberS); !ok || v.Value != want {
			t.Errorf("stored %s = %#v, want the string %q", attr, out.Item[attr], want)
		}
	}
	if v, ok := out.Item["since"].(*types.AttributeValueMemberN); !ok || v.Value != "2019" {
		t.Errorf("stored since = %#v, want the number 2019", out.Item["since"])
	}
	if _, ok := out.Item["card"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("stored card is %T, want ciphertext", out.Item["card"])
	}

	// The sort key is signed: the item written under another one fails.
	out.Item["since"] = &types.AttributeValueMemberN{Value: "2020"}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: out.Item}); err != nil {
		t.Fatal(err)
	}
	moved := Customer{ID: "c-1", Since: 2020}
	if err := customers.Load(ctx, &moved, mapper.ConsistentRead()); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("Load of an item moved to another sort key: %+v, %v; want ErrIntegrity", moved, err)
	}
}

// Order declares its keys and a global secondary index in its tags, so
// that CreateTable makes its table.
type Order struct {
	Customer string `ddb:"customer,hash"`              // the table's partition key
	ID       string `ddb:"id,range"`                   // its sort key
	Email    string `ddb:"email,index=by-email:hash"`  // the index's partition key
	Total    int64  `ddb:"total,index=by-email:range"` // its sort key
	Card     string `ddb:"card"`                       // encrypted, signed
}

func TestNewcomerCreateTableWithIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := testenv.DynamoDB(t)
	orders, err := mapper.NewTable[Order](mapper.New(db, newcomerProvider(t)), mapper.WithTableName(testenv.TableName(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := orders.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, orders.Name())

	saved := []Order{
		{Customer: "c-1", ID: "o-1", Email: "ann@example.com", Total: 30, Card: "4111"},
		{Customer: "c-1", ID: "o-2", Email: "ann@example.com", Total: 12, Card: "5500"},
		{Customer: "c-2", ID: "o-3", Email: "bo@example.com", Total: 99, Card: "3400"},
		{Customer: "c-3", ID: "o-4", Email: "ann@example.com", Total: 55, Card: "6011"},
	}
	for i := range saved {
		if err := orders.Save(ctx, &saved[i]); err != nil {
			t.Fatalf("Save %+v: %v", saved[i], err)
		}
	}
	var found []Order
	for o, err := range orders.Query("ann@example.com").Index("by-email").Sort(mapper.Greater(20)).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, o)
	}
	if want := []Order{saved[0], saved[3]}; !slices.Equal(found, want) {
		t.Errorf("Query by-email, total > 20 = %+v, want %+v", found, want)
	}
	got := Order{Customer: "c-2", ID: "o-3"}
	if err := orders.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got != saved[2] {
		t.Errorf("Load = %+v, %v; want %+v", got, err, saved[2])
	}
}
