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
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/direct-kms
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// DataPoJo is the guide's record. The keys are signed (DynamoDB must read
// them), "leave me" is neither signed nor encrypted, the rest is encrypted
// and signed.
type DataPoJo struct {
	PartitionAttribute string `ddb:"partition_attribute,hash"`
	SortAttribute      int    `ddb:"sort_attribute,range"`
	Example            string `ddb:"example"`
	SomeNumbers        int64  `ddb:"some numbers"`
	SomeBinary         []byte `ddb:"and some binary"`
	LeaveMe            string `ddb:"leave me" ddbcrypt:"donottouch"`
}

func main() {
	log.SetFlags(0)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatalf("direct-kms: %v", err)
	}
	kmsClient := kms.NewFromConfig(cfg)
	keyID, err := setup.KMSKeyID(ctx, os.Stdout, kmsClient, "ddbcrypt example")
	if err != nil {
		log.Fatalf("direct-kms: %v", err)
	}
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), kmsClient, keyID, "ddbcrypt-example-direct-kms"); err != nil {
		log.Fatalf("direct-kms: %v", err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, kmsClient cmp.KMSClient, keyID, tableName string) error {
	if err := setup.Table(ctx, db, tableName, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}

	// 1. The record to protect.
	record := DataPoJo{PartitionAttribute: "is this", SortAttribute: 55, Example: "data",
		SomeNumbers: 99, SomeBinary: []byte{0x00, 0x01, 0x02}, LeaveMe: "alone"}

	// 2. The Direct KMS provider, with a KMS client and the KMS key.
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kmsClient, KeyID: keyID})
	if err != nil {
		return err
	}

	// 3. The mapper, which encrypts on Save and decrypts on Load. It always
	// writes whole items (Java needs SaveBehavior.PUT for that).
	table, err := mapper.NewTable[DataPoJo](mapper.New(db, provider), mapper.WithTableName(tableName))
	if err != nil {
		return err
	}

	// 4. Save the record.
	fmt.Fprintf(w, "Plaintext record: %+v\n", record)
	if err := table.Save(ctx, &record); err != nil {
		return err
	}

	// 5. Read the item directly from DynamoDB to see what is stored.
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &tableName, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
			"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
		}})
	if err != nil {
		return err
	}
	stored := got.Item
	fmt.Fprintf(w, "Encrypted record:\n")
	printItem(w, stored)
	if desc, ok := stored[crypto.DescriptionAttribute].(*types.AttributeValueMemberB); ok {
		d, err := crypto.DecodeMaterialDescription(desc.Value)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Its material description (the KMS-encrypted data key is amzn-ddb-env-key):\n")
		for _, k := range slices.Sorted(maps.Keys(d)) {
			v := d[k]
			if len(v) > 40 {
				v = v[:37] + "..."
			}
			fmt.Fprintf(w, "  %-22s %s\n", k, v)
		}
	}
	// The encrypted fields are stored as bytes; "leave me" is as it was.
	if _, ok := stored["example"].(*types.AttributeValueMemberB); !ok {
		return errors.New("example is not stored encrypted")
	}
	if _, ok := stored["some numbers"].(*types.AttributeValueMemberB); !ok {
		return errors.New("some numbers is not stored encrypted")
	}
	if b, ok := stored["and some binary"].(*types.AttributeValueMemberB); !ok || bytes.Equal(b.Value, record.SomeBinary) {
		return errors.New("and some binary is not stored encrypted")
	}
	if s, ok := stored["leave me"].(*types.AttributeValueMemberS); !ok || s.Value != record.LeaveMe {
		return errors.New("leave me was changed")
	}

	// 6. Load (and decrypt) the record.
	decrypted := DataPoJo{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &decrypted, mapper.ConsistentRead()); err != nil {
		return err
	}
	fmt.Fprintf(w, "Decrypted record: %+v\n", decrypted)
	if decrypted.Example != record.Example || decrypted.SomeNumbers != record.SomeNumbers || !bytes.Equal(decrypted.SomeBinary, record.SomeBinary) {
		return errors.New("the decrypted record differs from the saved one")
	}
	return nil
}

func printItem(w io.Writer, item map[string]types.AttributeValue) {
	for _, name := range slices.Sorted(maps.Keys(item)) {
		fmt.Fprintf(w, "  %-22s %s\n", name, setup.Show(item[name]))
	}
}
