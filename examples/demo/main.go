// Command demo is `make demo`: it saves encrypted structs to DynamoDB with
// the mapper, loads and queries them back, and prints an item as stored in
// the table beside the struct it decrypts to. Then it changes a signed
// attribute in the table behind the mapper's back and shows that Load
// refuses the item.
//
// It talks to whatever DynamoDB the standard AWS configuration points at;
// `make demo` starts DynamoDB Local and points it there.
//
// With -provider kms (`make demo-kms`) it uses the Direct KMS provider: the
// key DDBCRYPT_KMS_KEY_ID, or one it creates in the KMS server on this
// machine that AWS_ENDPOINT_URL_KMS names (the local-kms of
// scripts/services.sh); it never creates keys in AWS.
//
//	go run ./examples/demo [-provider static|wrapped|rsa|kms] [-table name]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// Record is the guide's example item: the keys are signed (DynamoDB must
// read them), "leave me" is neither signed nor encrypted, everything else is
// encrypted and signed.
type Record struct {
	PartitionAttribute string `ddb:"partition_attribute,hash"`
	SortAttribute      int    `ddb:"sort_attribute,range"`
	Example            string `ddb:"example"`
	SomeNumbers        int    `ddb:"some numbers"`
	SomeBinary         []byte `ddb:"and some binary"`
	LeaveMe            string `ddb:"leave me" ddbcrypt:"donottouch"`
}

func main() {
	provider := flag.String("provider", "wrapped", "materials provider: static, wrapped, rsa or kms")
	table := flag.String("table", "ddbcrypt-demo", "table to use (created if missing)")
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatalf("demo: %v", err)
	}
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), *provider, *table); err != nil {
		log.Fatalf("demo: %v", err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, providerName, tableName string) error {
	if err := setup.Table(ctx, db, tableName, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}
	provider, err := setup.Provider(ctx, w, providerName)
	if err != nil {
		return err
	}
	m := mapper.New(db, provider)
	records, err := mapper.NewTable[Record](m, mapper.WithTableName(tableName))
	if err != nil {
		return err
	}

	// Save three records.
	for i, example := range []string{"data", "more data", "even more data"} {
		r := Record{PartitionAttribute: "is this", SortAttribute: 55 + i, Example: example,
			SomeNumbers: 99 + i, SomeBinary: []byte{0x00, 0x01, byte(i)}, LeaveMe: "alone"}
		if err := records.Save(ctx, &r); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "Saved 3 records to table %s with the %s provider.\n\n", tableName, providerName)

	// Load one, and show it beside the item as DynamoDB holds it.
	loaded := Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := records.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	key := map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
	}
	raw, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &tableName, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Record 55 as stored in DynamoDB, and as Load returns it:")
	inStruct, err := attributevalue.MarshalMapWithOptions(&loaded, func(o *attributevalue.EncoderOptions) { o.TagKey = "ddb" })
	if err != nil {
		return err
	}
	if err := setup.SideBySide(w, raw.Item, inStruct, "IN THE STRUCT"); err != nil {
		return err
	}

	// Query a range of sort keys.
	fmt.Fprintln(w, "\nQuery partition_attribute = \"is this\", sort_attribute between 56 and 57:")
	for r, err := range records.Query("is this").Sort(mapper.Between(56, 57)).All(ctx) {
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %d: example=%q, some numbers=%d, and some binary=%x\n", r.SortAttribute, r.Example, r.SomeNumbers, r.SomeBinary)
	}

	// Change a signed attribute in the table, as someone with write access
	// to the table but not to the keys could.
	fmt.Fprintln(w, "\nSwapping the encrypted \"example\" values of records 55 and 56 in the table...")
	other, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &tableName, ConsistentRead: aws.Bool(true), Key: map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "56"},
	}})
	if err != nil {
		return err
	}
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &tableName, Key: key,
		UpdateExpression:          aws.String("SET example = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": other.Item["example"]},
	}); err != nil {
		return err
	}
	err = records.Load(ctx, &loaded, mapper.ConsistentRead())
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		return fmt.Errorf("the tampered record was not refused: %v", err)
	}
	fmt.Fprintf(w, "Loading record 55 now fails: %v\n", err)
	return nil
}
