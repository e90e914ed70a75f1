// Command most-recent follows the guide's Most Recent provider example
// (Python's most_recent_provider_encrypted_table) with the mapper: the keys
// that protect items live, versioned, in a MetaStore table; the Most Recent
// provider encrypts with the newest version and decrypts with whichever
// version an item names. A new version is a call away, and old items stay
// readable.
//
// The MetaStore's own rows are protected by an inner provider. Here it is a
// wrapped AES provider with random local keys, so that the example runs on
// DynamoDB Local alone; in production the inner provider is Direct KMS
// (cmp.NewDirectKMS), so that the MetaStore's keys are only readable with
// access to the KMS key.
//
// Run it against DynamoDB Local: scripts/services.sh start, then
//
//	eval "$(scripts/services.sh env)"; go run ./examples/most-recent
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/metastore"
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

// materialName names the keys of this application in the MetaStore.
const materialName = "example-material"

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), "ddbcrypt-example-most-recent"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, tableName string) error {
	if err := setup.Table(ctx, db, tableName, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}
	// The MetaStore table. Its rows are protected by the random inner keys
	// below, which are gone when the program ends, so the example makes a
	// new MetaStore per run and deletes it at the end. A real application
	// keeps one MetaStore and a lasting inner key (a KMS key).
	var suffix [4]byte
	rand.Read(suffix[:])
	metaTable := fmt.Sprintf("%s-metastore-%x", tableName, suffix)
	if err := metastore.CreateTable(ctx, db, metaTable); err != nil {
		return err
	}
	defer db.DeleteTable(context.WithoutCancel(ctx), &dynamodb.DeleteTableInput{TableName: &metaTable})

	// 1. The inner provider that protects the MetaStore's rows. Production:
	// cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: keyARN}).
	wrappingKeyBytes, signingKeyBytes := make([]byte, 32), make([]byte, 32)
	rand.Read(wrappingKeyBytes)
	rand.Read(signingKeyBytes)
	wrappingKey, err := cmp.NewAESWrappingKey(wrappingKeyBytes)
	if err != nil {
		return err
	}
	signingKey, err := cmp.NewHMACKey("HmacSHA256", signingKeyBytes)
	if err != nil {
		return err
	}
	inner, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, UnwrappingKey: wrappingKey, SigningKey: signingKey})
	if err != nil {
		return err
	}

	// 2. The MetaStore and the Most Recent provider. The TTL says how often
	// the provider asks the MetaStore whether there is a newer version (the
	// guide uses 10 minutes); between those calls no item costs a DynamoDB
	// call for keys.
	store, err := metastore.New(db, metaTable, inner)
	if err != nil {
		return err
	}
	provider, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: materialName, TTL: 10 * time.Minute})
	if err != nil {
		return err
	}

	// 3. The mapper and the table of Record.
	table, err := mapper.NewTable[Record](mapper.New(db, provider), mapper.WithTableName(tableName))
	if err != nil {
		return err
	}

	// 4. Save a record, then load it back. The first item creates version 0
	// of the material if the MetaStore has none.
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
	first, err := keysOf(ctx, db, tableName, record)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "record %d is protected by %s\n", record.SortAttribute, first)

	// 5. Rotate: a new version of the material. Writers switch to it when
	// their TTL expires; ClearCache makes this one switch now.
	_, version, err := store.NewProvider(ctx, materialName)
	if err != nil {
		return err
	}
	provider.ClearCache()
	next := Record{PartitionAttribute: "is this", SortAttribute: 56, Example: "more data",
		SomeNumbers: 100, SomeBinary: []byte{0x03}, LeaveMe: "alone"}
	if err := table.Save(ctx, &next); err != nil {
		return err
	}
	second, err := keysOf(ctx, db, tableName, next)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "created version %d; record %d is protected by %s\n", version, next.SortAttribute, second)

	// 6. The old record is still readable.
	again := Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &again, mapper.ConsistentRead()); err != nil {
		return err
	}
	fmt.Fprintf(w, "record %d still loads: example=%q\n", again.SortAttribute, again.Example)
	return nil
}

// keysOf reads a record as stored and returns the MetaStore version named in
// its material description ("amzn-ddb-meta-id").
func keysOf(ctx context.Context, db *dynamodb.Client, tableName string, r Record) (string, error) {
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &tableName,
		Key: map[string]types.AttributeValue{
			"partition_attribute": &types.AttributeValueMemberS{Value: r.PartitionAttribute},
			"sort_attribute":      &types.AttributeValueMemberN{Value: fmt.Sprint(r.SortAttribute)},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return "", err
	}
	b, ok := out.Item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
	if !ok {
		return "", fmt.Errorf("record %d has no material description", r.SortAttribute)
	}
	desc, err := crypto.DecodeMaterialDescription(b.Value)
	if err != nil {
		return "", err
	}
	return desc[cmp.DescMetaID], nil
}
