// Command direct-kms-item follows the guide's Direct KMS example for the
// item encryptor (Java's AwsKmsEncryptedItem): it encrypts and signs a raw
// item with the Direct KMS provider and decrypts it again. Like the guide,
// it does not store the item: an encrypted item is an ordinary item that
// PutItem writes and GetItem reads (see examples/item-encryptor for that,
// and examples/direct-kms for the mapper).
//
// The KMS key is DDBCRYPT_KMS_KEY_ID (a key id, key ARN, alias name or alias
// ARN). If that is unset and AWS_ENDPOINT_URL_KMS points at a KMS server on
// this machine (the local-kms of scripts/services.sh), the example creates a
// key there; it never creates keys in AWS.
//
// Run it against the local services (local-kms):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/direct-kms-item
package main

import (
	"context"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The item, its context (the table and the primary key's names, which
	// the signature binds), and what to do with each attribute: the keys
	// are signed only (they must stay readable), "status" too, "leave me"
	// is left alone, the rest is encrypted and signed.
	item := setup.Item("is this", 55)
	encryptionContext := crypto.Context{TableName: "ExampleTable", PartitionKeyName: setup.PartitionKey, SortKeyName: setup.SortKey}
	actions := setup.Actions()
	env.Printf("Plaintext item:\n")
	setup.PrintItem(env.Out, item)

	// 2. The Direct KMS provider and the item encryptor. Both are safe for
	// concurrent use and meant to be reused.
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: env.KMS, KeyID: env.KMSKeyID})
	if err != nil {
		return err
	}
	encryptor := crypto.NewEncryptor(provider)

	// 3. Encrypt it: one GenerateDataKey call.
	encrypted, err := encryptor.EncryptItem(ctx, item, actions, encryptionContext)
	if err != nil {
		return err
	}
	env.Printf("Encrypted item:\n")
	setup.PrintItem(env.Out, encrypted)

	// 4. Decrypt it, as if it had come back from DynamoDB: one Decrypt call.
	decrypted, err := encryptor.DecryptItem(ctx, encrypted, actions, encryptionContext)
	if err != nil {
		return err
	}
	env.Printf("Decrypted item:\n")
	setup.PrintItem(env.Out, decrypted)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{KMSKey: true}, run) }
