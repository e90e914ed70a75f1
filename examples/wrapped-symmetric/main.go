// Command wrapped-symmetric follows the guide's wrapped symmetric provider
// example (Python's wrapped_symmetric_encrypted_table) with the mapper: every
// item gets a fresh AES content key, wrapped with an AES key-encryption key
// (AES Key Wrap, RFC 3394) and stored in the item's material description;
// a separate HMAC key signs the item.
//
// Run it against DynamoDB Local: scripts/services.sh start, then
//
//	eval "$(scripts/services.sh env)"; go run ./examples/wrapped-symmetric
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// Record is the guide's record. Keys are signed, "leave me" is left alone,
// the rest is encrypted and signed.
type Record struct {
	PartitionAttribute string `ddb:"partition_attribute,hash"`
	SortAttribute      int    `ddb:"sort_attribute,range"`
	Example            string `ddb:"example"`
	SomeNumbers        int    `ddb:"some numbers"`
	SomeBinary         []byte `ddb:"and some binary"`
	LeaveMe            string `ddb:"leave me" ddbcrypt:"donottouch"`
}

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), "ddbcrypt-example-wrapped-symmetric"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, tableName string) error {
	if err := setup.Table(ctx, db, tableName, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}

	// 1. The keys, as in the guide: a 256-bit AES wrapping key and an
	// HMAC-SHA512 signing key. A real application loads them from its key
	// store.
	wrappingKeyBytes, signingKeyBytes := make([]byte, 32), make([]byte, 64)
	rand.Read(wrappingKeyBytes)
	rand.Read(signingKeyBytes)

	// 2. The provider: the same AES key wraps and unwraps content keys.
	wrappingKey, err := cmp.NewAESWrappingKey(wrappingKeyBytes)
	if err != nil {
		return err
	}
	signingKey, err := cmp.NewHMACKey("HmacSHA512", signingKeyBytes)
	if err != nil {
		return err
	}
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, UnwrappingKey: wrappingKey, SigningKey: signingKey})
	if err != nil {
		return err
	}

	// 3. The mapper and the table of Record.
	table, err := mapper.NewTable[Record](mapper.New(db, provider), mapper.WithTableName(tableName))
	if err != nil {
		return err
	}

	// 4. Save a record, then load it back.
	record := Record{PartitionAttribute: "is this", SortAttribute: 55, Example: "data",
		SomeNumbers: 99, SomeBinary: []byte{0x00, 0x01, 0x02}, LeaveMe: "alone"}
	if err := table.Save(ctx, &record); err != nil {
		return err
	}
	loaded := Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	fmt.Fprintf(w, "saved  %+v\nloaded %+v\n", record, loaded)
	return nil
}
