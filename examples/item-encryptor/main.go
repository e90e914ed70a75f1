// Command item-encryptor follows the guide's item encryptor example: it
// encrypts and signs a raw item (no structs) with the item encryptor, writes
// it with PutItem, reads it back with GetItem, and prints the item as stored
// beside the item as decrypted. Then it changes a signed attribute in the
// table behind the encryptor's back and shows that the read is refused.
//
// It talks to whatever DynamoDB the standard AWS configuration points at;
// scripts/services.sh starts DynamoDB Local and `eval "$(scripts/services.sh
// env)"` points it there.
//
//	go run ./examples/item-encryptor [-provider static|wrapped|rsa] [-table name]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
)

func main() {
	provider := flag.String("provider", "wrapped", "materials provider: static, wrapped, rsa or kms")
	table := flag.String("table", "ddbcrypt-item-encryptor", "table to use (created if missing)")
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatalf("item-encryptor: %v", err)
	}
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), *provider, *table); err != nil {
		log.Fatalf("item-encryptor: %v", err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, providerName, table string) error {
	if err := setup.Table(ctx, db, table, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}
	provider, err := setup.Provider(ctx, w, providerName)
	if err != nil {
		return err
	}

	// The item encryptor and what it should do with each attribute: keys are
	// signed (DynamoDB must read them), "test" is signed but stays readable,
	// everything else is encrypted and signed.
	encryptor := crypto.NewEncryptor(provider)
	actions := crypto.AttributeActions{
		Default:   crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{"test": crypto.SignOnly},
	}
	ec := crypto.Context{TableName: table, PartitionKeyName: "partition_attribute", SortKeyName: "sort_attribute"}

	item := map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
		"example":             &types.AttributeValueMemberS{Value: "data"},
		"numbers":             &types.AttributeValueMemberN{Value: "99"},
		"binary":              &types.AttributeValueMemberB{Value: []byte{0x00, 0x01, 0x02}},
		"test":                &types.AttributeValueMemberS{Value: "test-value"},
	}
	key := map[string]types.AttributeValue{"partition_attribute": item["partition_attribute"], "sort_attribute": item["sort_attribute"]}

	encrypted, err := encryptor.EncryptItem(ctx, item, actions, ec)
	if err != nil {
		return err
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: encrypted}); err != nil {
		return err
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	decrypted, err := encryptor.DecryptItem(ctx, got.Item, actions, ec)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Provider %s, table %s: the item as stored in DynamoDB, and as decrypted.\n\n", providerName, table)
	printSideBySide(w, got.Item, decrypted, actions, &ec)

	// Change the signed attribute "test" directly in the table, as someone
	// with write access to the table but not to the keys could.
	fmt.Fprintf(w, "\nChanging the signed attribute \"test\" in the table to \"tampered\"...\n")
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &table,
		Key:                       key,
		UpdateExpression:          aws.String("SET #t = :v"),
		ExpressionAttributeNames:  map[string]string{"#t": "test"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "tampered"}},
	}); err != nil {
		return err
	}
	got, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	_, err = encryptor.DecryptItem(ctx, got.Item, actions, ec)
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		return fmt.Errorf("the tampered item was not refused: %v", err)
	}
	fmt.Fprintf(w, "Reading it back is refused: %v\n", err)
	return nil
}

func printSideBySide(out io.Writer, stored, decrypted map[string]types.AttributeValue, actions crypto.AttributeActions, ec *crypto.Context) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ATTRIBUTE\tACTION\tSTORED IN DYNAMODB\tDECRYPTED")
	for _, name := range slices.Sorted(maps.Keys(stored)) {
		action := "-"
		if _, ok := decrypted[name]; ok {
			action = actionOf(name, actions, ec)
		}
		after := "(removed)"
		if av, ok := decrypted[name]; ok {
			after = setup.Show(av)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", name, action, setup.Show(stored[name]), after)
	}
	w.Flush()
}

func actionOf(name string, actions crypto.AttributeActions, ec *crypto.Context) string {
	if name == ec.PartitionKeyName || name == ec.SortKeyName {
		return "sign (key)"
	}
	a, ok := actions.Overrides[name]
	if !ok {
		a = actions.Default
	}
	return map[crypto.Action]string{crypto.DoNothing: "none", crypto.SignOnly: "sign", crypto.EncryptAndSign: "encrypt+sign"}[a]
}
