// Command wrapped-rsa follows the guide's wrapped RSA provider example
// (Java's AsymmetricEncryptedItem, Python's wrapped_rsa_encrypted_table) with
// the mapper: every item gets a fresh AES content key, wrapped with an RSA
// public key (RSA-OAEP with SHA-256) and unwrapped with the private key; an
// RSA key pair signs and verifies the item (SHA512withRSA).
//
// Only the public wrapping key and the private signing key are needed to
// write; only the private unwrapping key and the public verification key to
// read. The private keys can live in an HSM: the provider takes them as
// crypto.Decrypter and crypto.Signer.
//
// Run it against DynamoDB Local: scripts/services.sh start, then
//
//	eval "$(scripts/services.sh env)"; go run ./examples/wrapped-rsa
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
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
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), "ddbcrypt-example-wrapped-rsa"); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, tableName string) error {
	if err := setup.Table(ctx, db, tableName, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}

	// 1. The keys: one RSA key pair wraps content keys, another signs. A real
	// application loads them (x509.ParsePKCS8PrivateKey) or uses an HSM.
	wrappingPair, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	signingPair, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}

	// 2. The provider.
	wrappingKey, err := cmp.NewRSAWrappingKey(&wrappingPair.PublicKey)
	if err != nil {
		return err
	}
	unwrappingKey, err := cmp.NewRSAUnwrappingKey(wrappingPair)
	if err != nil {
		return err
	}
	signingKey, err := cmp.NewRSASigningKey("SHA512withRSA", signingPair)
	if err != nil {
		return err
	}
	verificationKey, err := cmp.NewRSAVerificationKey("SHA512withRSA", &signingPair.PublicKey)
	if err != nil {
		return err
	}
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{
		WrappingKey: wrappingKey, UnwrappingKey: unwrappingKey,
		SigningKey: signingKey, VerificationKey: verificationKey,
	})
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
