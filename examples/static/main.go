// Command static follows the guide's static provider example with the
// mapper: one fixed AES key encrypts every item and one fixed HMAC key signs
// it (Java's SymmetricStaticProvider, Python's
// StaticCryptographicMaterialsProvider). It saves a record and loads it
// back.
//
// Run it against the local services (DynamoDB Local):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/static [-table name]
package main

import (
	"context"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The keys: a 256-bit AES key and an HMAC-SHA256 key. Real keys come
	// from KMS or a secrets store; these are throwaway random ones.
	aesKey := setup.RandomKey(32)
	signingKey, err := cmp.NewHMACKey("HmacSHA256", setup.RandomKey(32))
	if err != nil {
		return err
	}

	// 2. The provider: the same keys for every item.
	provider, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey, SigningKey: signingKey})
	if err != nil {
		return err
	}

	// 3. The mapper and the table of records (see setup.Record for the
	// struct and its tags).
	table, err := mapper.NewTable[setup.Record](mapper.New(env.DB, provider), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// 4. Save a record: it is encrypted and signed on the way.
	record := setup.Record{PartitionAttribute: "is this", SortAttribute: 55, Status: "active",
		Example: "data", SomeNumbers: 99, SomeBinary: []byte{0x00, 0x01, 0x02}, LeaveMe: "alone"}
	if err := table.Save(ctx, &record); err != nil {
		return err
	}

	// 5. Load it back by its key: verified, then decrypted.
	loaded := setup.Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	env.Printf("saved  %+v\nloaded %+v\n", record, loaded)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-example-static"}, run) }
