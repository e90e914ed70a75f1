// Command direct-kms follows the guide's Direct KMS example for the mapper
// (Java's AwsKmsEncryptedObject): it saves a record through the mapper with
// the Direct KMS provider, shows the item as DynamoDB holds it, and loads it
// back. Every item gets its own data key from AWS KMS; the record's
// encryption and signing keys are derived from it, and the KMS-encrypted
// data key is stored in the item.
//
// The KMS key is DDBCRYPT_KMS_KEY_ID (a key id, key ARN, alias name or alias
// ARN). If that is unset and AWS_ENDPOINT_URL_KMS points at a KMS server on
// this machine (the local-kms of scripts/services.sh), the example creates a
// key there; it never creates keys in AWS.
//
// Run it against the local services (DynamoDB Local and local-kms):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/direct-kms [-table name]
//
// or `make demo-kms` for the demo with this provider.
package main

import (
	"context"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The Direct KMS provider, with a KMS client and the KMS key. Every
	// Save costs one GenerateDataKey call, every Load one Decrypt call.
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: env.KMS, KeyID: env.KMSKeyID})
	if err != nil {
		return err
	}

	// 2. The mapper, which encrypts on Save and decrypts on Load, and the
	// table of records (see setup.Record). It always writes whole items
	// (Java needs SaveBehavior.PUT for that).
	table, err := mapper.NewTable[setup.Record](mapper.New(env.DB, provider), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// 3. Save the record, then see what DynamoDB holds: the encrypted
	// attributes are binary, and the material description carries the
	// KMS-encrypted data key ("amzn-ddb-env-key").
	record := setup.NewRecord(55, "data")
	if err := table.Save(ctx, &record); err != nil {
		return err
	}
	env.Printf("The record as stored in DynamoDB, beside the struct:\n")
	if err := setup.ShowStored(ctx, env.Out, env.DB, env.Table, record); err != nil {
		return err
	}
	desc, err := setup.Description(ctx, env.DB, env.Table, record)
	if err != nil {
		return err
	}
	env.Printf("Its material description:\n")
	setup.PrintDescription(env.Out, desc)

	// 4. Load (and decrypt) the record.
	loaded := setup.Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	env.Printf("loaded %+v\n", loaded)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-example-direct-kms", KMSKey: true}, run) }
