// Command wrapped-symmetric follows the guide's wrapped symmetric provider
// example (Python's wrapped_symmetric_encrypted_table) with the mapper: every
// item gets a fresh AES content key, wrapped with an AES key-encryption key
// (AES Key Wrap, RFC 3394) and stored in the item's material description;
// a separate HMAC key signs the item. It saves two records, shows that each
// carries its own wrapped content key, and loads one back.
//
// Run it against the local services (DynamoDB Local):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/wrapped-symmetric [-table name]
package main

import (
	"context"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The keys, as in the guide: a 256-bit AES wrapping key and an
	// HMAC-SHA512 signing key. Real keys come from KMS or a secrets store;
	// these are throwaway random ones.
	wrappingKey, err := cmp.NewAESWrappingKey(setup.RandomKey(32))
	if err != nil {
		return err
	}
	signingKey, err := cmp.NewHMACKey("HmacSHA512", setup.RandomKey(64))
	if err != nil {
		return err
	}

	// 2. The provider: the same AES key wraps and unwraps content keys.
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, UnwrappingKey: wrappingKey, SigningKey: signingKey})
	if err != nil {
		return err
	}

	// 3. The mapper and the table of records (see setup.Record).
	table, err := mapper.NewTable[setup.Record](mapper.New(env.DB, provider), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// 4. Save two records. Each is encrypted under a content key of its own,
	// which its material description holds wrapped ("amzn-ddb-env-key").
	for _, record := range []setup.Record{setup.NewRecord(55, "data"), setup.NewRecord(56, "more data")} {
		if err := table.Save(ctx, &record); err != nil {
			return err
		}
		desc, err := setup.Description(ctx, env.DB, env.Table, record)
		if err != nil {
			return err
		}
		env.Printf("saved record %d, its content key wrapped with %s: %.24s...\n",
			record.SortAttribute, desc[cmp.DescWrapAlgorithm], desc[cmp.DescEnvelopeKey])
	}

	// 5. Load one back: the provider unwraps its content key, then the
	// record is verified and decrypted.
	loaded := setup.Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	env.Printf("loaded %+v\n", loaded)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-example-wrapped-symmetric"}, run) }
