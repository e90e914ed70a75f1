// Command most-recent follows the guide's Most Recent provider example
// (Python's most_recent_provider_encrypted_table) with the mapper: the keys
// that protect items live, versioned, in a MetaStore table; the Most Recent
// provider encrypts with the newest version and decrypts with whichever
// version an item names. A new version is a call away, and old items stay
// readable.
//
// The MetaStore's own rows are protected by an inner provider, here as in
// production a Direct KMS provider: the MetaStore's keys are readable only
// with access to the KMS key. The KMS key is DDBCRYPT_KMS_KEY_ID, or one the
// example creates in the KMS server on this machine that
// AWS_ENDPOINT_URL_KMS names (local-kms); it never creates keys in AWS.
//
// Run it against the local services (DynamoDB Local and local-kms):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/most-recent [-table name]
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// materialName names the keys of this application in the MetaStore.
const materialName = "example-material"

func run(ctx context.Context, env *setup.Env) error {
	// 1. The inner provider, which protects the MetaStore's rows.
	inner, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: env.KMS, KeyID: env.KMSKeyID})
	if err != nil {
		return err
	}

	// 2. The MetaStore table. A real application keeps one MetaStore under
	// a lasting KMS key; since the local KMS key may be new, the example
	// makes a MetaStore for this run and deletes it at the end.
	var suffix [4]byte
	rand.Read(suffix[:])
	metaTable := fmt.Sprintf("%s-metastore-%x", env.Table, suffix)
	if err := metastore.CreateTable(ctx, env.DB, metaTable); err != nil {
		return err
	}
	defer env.DB.DeleteTable(context.WithoutCancel(ctx), &dynamodb.DeleteTableInput{TableName: &metaTable})

	// 3. The MetaStore and the Most Recent provider. The TTL says how often
	// the provider asks the MetaStore whether there is a newer version (the
	// guide uses 10 minutes); between those calls no item costs a DynamoDB
	// or KMS call for keys.
	store, err := metastore.New(env.DB, metaTable, inner)
	if err != nil {
		return err
	}
	provider, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: materialName, TTL: 10 * time.Minute})
	if err != nil {
		return err
	}

	// 4. The mapper and the table of records (see setup.Record).
	table, err := mapper.NewTable[setup.Record](mapper.New(env.DB, provider), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// 5. Save a record. The first item creates version 0 of the material if
	// the MetaStore has none; the item's material description names it.
	first := setup.NewRecord(55, "data")
	if err := table.Save(ctx, &first); err != nil {
		return err
	}
	if err := printVersion(ctx, env, first); err != nil {
		return err
	}

	// 6. Rotate: a new version of the material. Writers switch to it when
	// their TTL expires; ClearCache makes this one switch now.
	_, version, err := store.NewProvider(ctx, materialName)
	if err != nil {
		return err
	}
	provider.ClearCache()
	env.Printf("created version %d\n", version)
	second := setup.NewRecord(56, "more data")
	if err := table.Save(ctx, &second); err != nil {
		return err
	}
	if err := printVersion(ctx, env, second); err != nil {
		return err
	}

	// 7. The first record is still readable, with version 0.
	loaded := setup.Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	env.Printf("loaded %+v\n", loaded)
	return nil
}

// printVersion prints the MetaStore version that protects a saved record,
// as its material description names it ("amzn-ddb-meta-id").
func printVersion(ctx context.Context, env *setup.Env, r setup.Record) error {
	desc, err := setup.Description(ctx, env.DB, env.Table, r)
	if err != nil {
		return err
	}
	env.Printf("record %d is protected by %s\n", r.SortAttribute, desc[cmp.DescMetaID])
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-example-most-recent", KMSKey: true}, run) }
