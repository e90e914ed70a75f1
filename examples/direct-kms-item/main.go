// Command direct-kms-item follows the guide's Direct KMS example for the
// item encryptor (Java's AwsKmsEncryptedItem): it encrypts and signs a raw
// item with the Direct KMS provider and decrypts it again. Like the guide,
// it does not store the item: an encrypted item is an ordinary item that
// PutItem writes and GetItem reads (see examples/direct-kms for the mapper
// and DynamoDB).
//
// The KMS key is DDBCRYPT_KMS_KEY_ID (a key id, key ARN, alias name or alias
// ARN). If that is unset and AWS_ENDPOINT_URL_KMS points at a KMS server on
// this machine (the local-kms of scripts/services.sh), the example creates a
// key there; it never creates keys in AWS.
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/direct-kms-item
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
)

const (
	stringFieldName  = "example"
	binaryFieldName  = "and some binary"
	numberFieldName  = "some numbers"
	ignoredFieldName = "leave me"
)

func main() {
	log.SetFlags(0)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatalf("direct-kms-item: %v", err)
	}
	kmsClient := kms.NewFromConfig(cfg)
	keyID, err := setup.KMSKeyID(ctx, os.Stdout, kmsClient, "ddbcrypt example")
	if err != nil {
		log.Fatalf("direct-kms-item: %v", err)
	}
	if err := run(ctx, os.Stdout, kmsClient, keyID, "ExampleTable"); err != nil {
		log.Fatalf("direct-kms-item: %v", err)
	}
}

func run(ctx context.Context, w io.Writer, kmsClient cmp.KMSClient, keyID, tableName string) error {
	// 1. The record to protect.
	const partitionKeyName, sortKeyName = "partition_attribute", "sort_attribute"
	record := map[string]types.AttributeValue{
		partitionKeyName: &types.AttributeValueMemberS{Value: "is this"},
		sortKeyName:      &types.AttributeValueMemberN{Value: "55"},
		stringFieldName:  &types.AttributeValueMemberS{Value: "data"},
		numberFieldName:  &types.AttributeValueMemberN{Value: "99"},
		binaryFieldName:  &types.AttributeValueMemberB{Value: []byte{0x00, 0x01, 0x02}},
		ignoredFieldName: &types.AttributeValueMemberS{Value: "alone"}, // neither encrypted nor signed
	}

	// 2. The Direct KMS provider and the item encryptor. Both are safe for
	// concurrent use and meant to be reused.
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kmsClient, KeyID: keyID})
	if err != nil {
		return err
	}
	encryptor := crypto.NewEncryptor(provider)

	// 3. The context of the item: its table and primary key.
	encryptionContext := crypto.Context{TableName: tableName, PartitionKeyName: partitionKeyName, SortKeyName: sortKeyName}

	// 4. What to do with each attribute: the keys are signed only (they
	// must stay readable, and are never encrypted), "leave me" is left
	// alone, everything else is encrypted and signed.
	actions := crypto.AttributeActions{
		Default: crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{
			partitionKeyName: crypto.SignOnly,
			sortKeyName:      crypto.SignOnly,
			ignoredFieldName: crypto.DoNothing,
		},
	}

	// 5. Encrypt the record: one GenerateDataKey call.
	encrypted, err := encryptor.EncryptItem(ctx, record, actions, encryptionContext)
	if err != nil {
		return err
	}
	// The encrypted fields are bytes now; the ignored one is as it was.
	if _, ok := encrypted[stringFieldName].(*types.AttributeValueMemberB); !ok {
		return errors.New("example was not encrypted")
	}
	if _, ok := encrypted[numberFieldName].(*types.AttributeValueMemberB); !ok {
		return errors.New("some numbers was not encrypted")
	}
	if bytes.Equal(encrypted[binaryFieldName].(*types.AttributeValueMemberB).Value, record[binaryFieldName].(*types.AttributeValueMemberB).Value) {
		return errors.New("and some binary was not encrypted")
	}
	if encrypted[ignoredFieldName].(*types.AttributeValueMemberS).Value != "alone" {
		return errors.New("leave me was changed")
	}
	fmt.Fprintln(w, "Plaintext record:")
	printItem(w, record)
	fmt.Fprintln(w, "Encrypted record:")
	printItem(w, encrypted)

	// 6. Decrypt it, as if it had come back from DynamoDB: one Decrypt call.
	decrypted, err := encryptor.DecryptItem(ctx, encrypted, actions, encryptionContext)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Decrypted record:")
	printItem(w, decrypted)
	for _, name := range []string{stringFieldName, numberFieldName, binaryFieldName} {
		if setup.Show(decrypted[name]) != setup.Show(record[name]) {
			return fmt.Errorf("%s decrypted to %s, want %s", name, setup.Show(decrypted[name]), setup.Show(record[name]))
		}
	}
	return nil
}

func printItem(w io.Writer, item map[string]types.AttributeValue) {
	for _, name := range slices.Sorted(maps.Keys(item)) {
		fmt.Fprintf(w, "  %-22s %s\n", name, setup.Show(item[name]))
	}
}
