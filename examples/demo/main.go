// Command demo is `make demo`: it saves encrypted structs to DynamoDB with
// the mapper, loads and queries them back, and prints an item as stored in
// the table beside the struct it decrypts to. Then it changes an encrypted
// attribute in the table behind the mapper's back and shows that Load
// refuses the item.
//
// With -provider kms (`make demo-kms`) it uses the Direct KMS provider: the
// key DDBCRYPT_KMS_KEY_ID, or one it creates in the KMS server on this
// machine that AWS_ENDPOINT_URL_KMS names (the local-kms of
// scripts/services.sh); it never creates keys in AWS.
//
// Run it with `make demo` (or `make demo-kms`), which starts the local
// services, runs it and stops them; or, with the services running:
//
//	eval "$(scripts/services.sh env)"
//	go run ./examples/demo [-provider static|wrapped|rsa|kms] [-table name]
package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func run(ctx context.Context, env *setup.Env) error {
	// The mapper with the provider chosen by -provider (examples/static and
	// the others show how each is built), and the table of records (see
	// setup.Record).
	records, err := mapper.NewTable[setup.Record](mapper.New(env.DB, env.Provider), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// Save three records.
	for i, example := range []string{"data", "more data", "even more data"} {
		r := setup.NewRecord(55+i, example)
		if err := records.Save(ctx, &r); err != nil {
			return err
		}
	}
	env.Printf("Saved 3 records to table %s with the %s provider.\n\n", env.Table, env.ProviderName)

	// Load one, and show it beside the item as DynamoDB holds it.
	loaded := setup.Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := records.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	env.Printf("Record 55 as stored in DynamoDB, and as Load returns it:\n")
	if err := setup.ShowStored(ctx, env.Out, env.DB, env.Table, loaded); err != nil {
		return err
	}

	// Query a range of sort keys: each item is verified and decrypted as it
	// comes. Conditions may name keys, never encrypted attributes.
	env.Printf("\nQuery partition_attribute = \"is this\", sort_attribute between 56 and 57:\n")
	for r, err := range records.Query("is this").Sort(mapper.Between(56, 57)).All(ctx) {
		if err != nil {
			return err
		}
		env.Printf("  %d: example=%q, some numbers=%d, and some binary=%x\n", r.SortAttribute, r.Example, r.SomeNumbers, r.SomeBinary)
	}

	// Put record 56's encrypted "example" into record 55 in the table, as
	// someone with write access to the table but not to the keys could: a
	// valid ciphertext, under the same keys, in the wrong place.
	env.Printf("\nCopying the encrypted \"example\" of record 56 into record 55 in the table...\n")
	other, err := setup.Stored(ctx, env.DB, env.Table, setup.Key("is this", 56))
	if err != nil {
		return err
	}
	if err := setup.Overwrite(ctx, env.DB, env.Table, setup.Key("is this", 55), "example", other["example"]); err != nil {
		return err
	}
	err = records.Load(ctx, &loaded, mapper.ConsistentRead())
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		return fmt.Errorf("the tampered record was not refused: %v", err)
	}
	env.Printf("Loading record 55 now fails: %v\n", err)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-demo", ChooseProvider: true}, run) }
