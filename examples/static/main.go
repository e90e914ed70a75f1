// Command static follows the guide's static provider example with the
// mapper: one fixed AES key encrypts every item and one fixed HMAC key signs
// it (Java's SymmetricStaticProvider, Python's
// StaticCryptographicMaterialsProvider).
//
// Run it against DynamoDB Local: scripts/services.sh start, then
//
//	eval "$(scripts/services.sh env)"; go run ./examples/static
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

// DataPoJo is the guide's record. Keys are signed, "leave me" is left alone,
// the rest is encrypted and signed.
type DataPoJo struct {
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
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), "ddbcrypt-example-static"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, tableName string) error {
	if err := setup.Table(ctx, db, tableName, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}

	// 1. The keys. A real application loads them from its key store; these
	// are fresh random keys: a 256-bit AES key and an HMAC-SHA256 key.
	aesKey, hmacKey := make([]byte, 32), make([]byte, 32)
	rand.Read(aesKey)
	rand.Read(hmacKey)

	// 2. The provider: the same keys for every item.
	signingKey, err := cmp.NewHMACKey("HmacSHA256", hmacKey)
	if err != nil {
		return err
	}
	provider, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey, SigningKey: signingKey})
	if err != nil {
		return err
	}

	// 3. The mapper and the table of DataPoJo.
	table, err := mapper.NewTable[DataPoJo](mapper.New(db, provider), mapper.WithTableName(tableName))
	if err != nil {
		return err
	}

	// 4. Save a record: it is encrypted and signed on the way.
	record := DataPoJo{PartitionAttribute: "is this", SortAttribute: 55, Example: "data",
		SomeNumbers: 99, SomeBinary: []byte{0x00, 0x01, 0x02}, LeaveMe: "alone"}
	if err := table.Save(ctx, &record); err != nil {
		return err
	}

	// 5. Load it back: verified, then decrypted.
	loaded := DataPoJo{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	fmt.Fprintf(w, "saved  %+v\nloaded %+v\n", record, loaded)
	return nil
}
