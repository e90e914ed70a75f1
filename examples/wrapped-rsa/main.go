// Command wrapped-rsa follows the guide's wrapped RSA provider example
// (Java's AsymmetricEncryptedItem, Python's wrapped_rsa_encrypted_table) with
// the mapper: every item gets a fresh AES content key, wrapped with an RSA
// public key (RSA-OAEP with SHA-256) and unwrapped with the private key; an
// RSA key pair signs and verifies the item (SHA512withRSA).
//
// Writing needs only the public wrapping key and the private signing key;
// reading only the private unwrapping key and the public verification key.
// The example gives each side its own provider: the writer saves a record,
// the reader loads it, and the writer cannot. The private keys can live in
// an HSM: the provider takes them as crypto.Decrypter and crypto.Signer.
//
// Run it against the local services (DynamoDB Local):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/wrapped-rsa [-table name]
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The keys: one RSA key pair wraps content keys, another signs. Real
	// keys come from a key store (x509.ParsePKCS8PrivateKey) or an HSM;
	// these are fresh ones, gone when the program ends.
	wrappingPair, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	signingPair, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
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

	// 2. Two providers: the writer's with the public wrapping key and the
	// private signing key, the reader's with the private unwrapping key and
	// the public verification key. (One provider with all four does both.)
	writer, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, SigningKey: signingKey})
	if err != nil {
		return err
	}
	reader, err := cmp.NewWrapped(cmp.WrappedConfig{UnwrappingKey: unwrappingKey, VerificationKey: verificationKey})
	if err != nil {
		return err
	}

	// 3. A mapper for each, and their views of the same table of records
	// (see setup.Record).
	writes, err := mapper.NewTable[setup.Record](mapper.New(env.DB, writer), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}
	reads, err := mapper.NewTable[setup.Record](mapper.New(env.DB, reader), mapper.WithTableName(env.Table))
	if err != nil {
		return err
	}

	// 4. The writer saves a record.
	record := setup.NewRecord(55, "data")
	if err := writes.Save(ctx, &record); err != nil {
		return err
	}
	env.Printf("saved  %+v\n", record)

	// 5. The reader loads it; the writer, without the private wrapping key,
	// cannot.
	loaded := setup.Record{PartitionAttribute: "is this", SortAttribute: 55}
	if err := reads.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		return err
	}
	env.Printf("loaded %+v\n", loaded)
	err = writes.Load(ctx, &setup.Record{PartitionAttribute: "is this", SortAttribute: 55}, mapper.ConsistentRead())
	if err == nil {
		return fmt.Errorf("the writer read a record without the unwrapping key")
	}
	env.Printf("the writer cannot load it: %v\n", err)
	return nil
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-example-wrapped-rsa"}, run) }
