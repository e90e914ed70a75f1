// Command item-encryptor follows the guide's item encryptor example: it
// encrypts and signs a raw item (no structs) with the item encryptor, writes
// it with PutItem, reads it back with GetItem, and prints the item as stored
// beside the item as decrypted. Then it changes a signed attribute in the
// table behind the encryptor's back and shows that the read is refused.
//
// Run it against the local services (DynamoDB Local; local-kms for -provider
// kms):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/item-encryptor [-provider static|wrapped|rsa|kms] [-table name]
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The item encryptor, with the provider chosen by -provider
	// (examples/static and the others show how each is built).
	encryptor := crypto.NewEncryptor(env.Provider)

	// 2. What to do with each attribute (keys signed, "status" signed only,
	// "leave me" left alone, the rest encrypted and signed) and the item's
	// context: its table and the names of its primary key.
	actions := setup.Actions()
	ec := crypto.Context{TableName: env.Table, PartitionKeyName: setup.PartitionKey, SortKeyName: setup.SortKey}

	// 3. Encrypt the item and put it; get it back and decrypt it.
	item, key := setup.Item("is this", 55), setup.Key("is this", 55)
	encrypted, err := encryptor.EncryptItem(ctx, item, actions, ec)
	if err != nil {
		return err
	}
	if _, err := env.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &env.Table, Item: encrypted}); err != nil {
		return err
	}
	got, err := env.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: &env.Table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	decrypted, err := encryptor.DecryptItem(ctx, got.Item, actions, ec)
	if err != nil {
		return err
	}
	env.Printf("Provider %s, table %s: the item as stored in DynamoDB, and as decrypted.\n\n", env.ProviderName, env.Table)
	if err := setup.SideBySide(env.Out, got.Item, decrypted, "DECRYPTED"); err != nil {
		return err
	}

	// 4. Change the signed attribute "status" directly in the table, as
	// someone with write access to the table but not to the keys could.
	// Decryption then refuses the item.
	env.Printf("\nChanging the signed attribute \"status\" in the table to \"closed\"...\n")
	if err := setup.Overwrite(ctx, env.DB, env.Table, key, "status", &types.AttributeValueMemberS{Value: "closed"}); err != nil {
		return err
	}
	tampered, err := setup.Stored(ctx, env.DB, env.Table, key)
	if err != nil {
		return err
	}
	_, err = encryptor.DecryptItem(ctx, tampered, actions, ec)
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		return fmt.Errorf("the tampered item was not refused: %v", err)
	}
	env.Printf("Reading it back is refused: %v\n", err)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-item-encryptor", ChooseProvider: true}, run) }
