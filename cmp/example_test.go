package cmp_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// A static provider: the same AES key and HMAC key for every item.
func ExampleNewStatic() {
	// Fixed keys for the example. Real keys come from KMS or a secrets
	// store, never from source code.
	signingKey, err := cmp.NewHMACKey("HmacSHA256", bytes.Repeat([]byte{0x02}, 32))
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: bytes.Repeat([]byte{0x01}, 32), SigningKey: signingKey})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(provider) // keys never show in logs
	printDescription(provider)
	// Output:
	// cmp.Static{keys redacted}
	// the provider describes each item with: nothing (every item has the same keys)
}

// A wrapped provider with an AES key-encryption key: a fresh content key
// for every item, wrapped into the item's material description; a separate
// HMAC key signs.
func ExampleNewWrapped() {
	// Fixed keys for the example. Real keys come from KMS or a secrets
	// store, never from source code.
	wrappingKey, err := cmp.NewAESWrappingKey(bytes.Repeat([]byte{0x03}, 32))
	if err != nil {
		log.Fatal(err)
	}
	signingKey, err := cmp.NewHMACKey("HmacSHA512", bytes.Repeat([]byte{0x04}, 64))
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, UnwrappingKey: wrappingKey, SigningKey: signingKey})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(provider)
	printDescription(provider)
	// Output:
	// cmp.Wrapped{keys redacted}
	// the provider describes each item with: amzn-ddb-env-alg=AES/256 amzn-ddb-env-key=(the wrapped content key) amzn-ddb-wrap-alg=AESWrap
}

// A wrapped provider with RSA keys: content keys wrapped with RSA-OAEP, items
// signed with RSA. A writer needs only the public wrapping key and the
// private signing key; a reader only the private unwrapping key and the
// public verification key. Private keys may live in an HSM
// (crypto.Decrypter, crypto.Signer).
func ExampleNewWrapped_rsa() {
	// New keys for the example. Real keys come from a key store or an HSM.
	wrappingPair, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	signingPair, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	wrappingKey, err := cmp.NewRSAWrappingKey(&wrappingPair.PublicKey)
	if err != nil {
		log.Fatal(err)
	}
	unwrappingKey, err := cmp.NewRSAUnwrappingKey(wrappingPair)
	if err != nil {
		log.Fatal(err)
	}
	signingKey, err := cmp.NewRSASigningKey("SHA256withRSA", signingPair)
	if err != nil {
		log.Fatal(err)
	}
	// The verification key defaults to the public half of the signing key.
	provider, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wrappingKey, UnwrappingKey: unwrappingKey, SigningKey: signingKey})
	if err != nil {
		log.Fatal(err)
	}
	printDescription(provider)
	// Output:
	// the provider describes each item with: amzn-ddb-env-alg=AES/256 amzn-ddb-env-key=(the wrapped content key) amzn-ddb-wrap-alg=RSA/ECB/OAEPWithSHA-256AndMGF1Padding
}

// A Direct KMS provider: every item gets its own data key from AWS KMS, so
// each write costs a GenerateDataKey call and each read a Decrypt call.
// Building the provider calls nothing; using it needs KMS (or the
// local-kms of scripts/services.sh) and permission to use the key.
func ExampleNewDirectKMS() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: "alias/orders"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(provider)
	// Output:
	// cmp.DirectKMS{KeyID: "alias/orders"}
}

// A Most Recent provider over a MetaStore: versioned keys in a DynamoDB
// table, protected there by an inner provider (Direct KMS in production).
// Items are encrypted with the newest version, which the provider looks up
// at most once per TTL; old items stay readable. Building it calls nothing;
// using it needs the MetaStore table (metastore.CreateTable) in DynamoDB,
// where the first item creates version 0.
func ExampleNewMostRecent() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	inner, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: "alias/metastore"})
	if err != nil {
		log.Fatal(err)
	}
	store, err := metastore.New(dynamodb.NewFromConfig(cfg), "my-metastore", inner)
	if err != nil {
		log.Fatal(err)
	}
	provider, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: "orders", TTL: 5 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(provider)
	// Output:
	// cmp.MostRecent("orders")
}

// printDescription prints what the provider puts in the material
// description of an item it encrypts (the item encryptor adds its own
// entries). The wrapped content key is random; its name stands for it.
func printDescription(p cmp.Provider) {
	m, err := p.EncryptionMaterials(context.Background(), &cmp.EncryptionContext{TableName: "orders", PartitionKeyName: "id"})
	if err != nil {
		log.Fatal(err)
	}
	var entries []string
	for _, k := range slices.Sorted(maps.Keys(m.MaterialDescription)) {
		v := m.MaterialDescription[k]
		if k == cmp.DescEnvelopeKey {
			v = "(the wrapped content key)"
		}
		entries = append(entries, k+"="+v)
	}
	if len(entries) == 0 {
		entries = append(entries, "nothing (every item has the same keys)")
	}
	fmt.Println("the provider describes each item with:", strings.Join(entries, " "))
}
