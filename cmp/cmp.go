// Package cmp holds the cryptographic materials providers (CMPs) of ddbcrypt:
// the Provider interface, the materials a provider hands to the item
// encryptor, the signing and verification keys, and the providers: Static,
// Wrapped (AES key wrap or RSA), Direct KMS, and Most Recent over a
// ProviderStore (package metastore).
//
// A provider decides which keys protect an item and what the item's material
// description records about them (docs/format.md section 7). Everything else — the
// serialization, the signature and the attribute encryption — is the item
// encryptor's job (package crypto).
package cmp

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
)

// Material description keys written and read by providers (docs/format.md 3.3).
// The item encryptor's own keys (sym-mode, signingAlg) live in package crypto.
const (
	DescEnvelopeKey       = "amzn-ddb-env-key"  // base64 of the wrapped content key
	DescEnvelopeAlgorithm = "amzn-ddb-env-alg"  // content-key algorithm, "AES" or "AES/256"
	DescWrapAlgorithm     = "amzn-ddb-wrap-alg" // how the content key was wrapped
	DescSigningAlgorithm  = "amzn-ddb-sig-alg"  // Direct KMS: derived signing key algorithm
	DescMetaID            = metaid.Key          // MetaStore: "<material name>#<version>"
	DescKMSContextAttrs   = "aws-kms-ec-attr"   // Direct KMS: "*keys*"
)

// EncryptionContext is what a provider learns about the item it is asked to
// protect or open (docs/format.md 7.1).
type EncryptionContext struct {
	// TableName is the table name bound into the signature: the physical table
	// name, or the logical name that overrides it.
	TableName string
	// PartitionKeyName and SortKeyName name the primary key attributes; the
	// sort key name is empty for tables without one.
	PartitionKeyName string
	SortKeyName      string
	// Attributes is the plaintext item when encrypting and the stored item when
	// decrypting. Providers must not modify it.
	Attributes map[string]types.AttributeValue
	// MaterialDescription is the description requested by the caller when
	// encrypting, and the description parsed from the stored item when
	// decrypting. Providers must not modify it.
	MaterialDescription map[string]string
}

// EncryptionMaterials are the keys that protect one item being written.
// They are read-only: a provider may hand the same key bytes and description
// to every item, so consumers must not modify them.
type EncryptionMaterials struct {
	// EncryptionKey is the raw AES key (16, 24 or 32 bytes) that encrypts the
	// attributes; nil when the provider only signs.
	EncryptionKey []byte
	// SigningKey signs the item. Required.
	SigningKey SigningKey
	// MaterialDescription is stored with the item, so that a reader can
	// rebuild the keys. The item encryptor adds its own entries to a copy.
	MaterialDescription map[string]string
}

// DecryptionMaterials are the keys that open one stored item. They are
// read-only, like EncryptionMaterials.
type DecryptionMaterials struct {
	// DecryptionKey is the raw AES key that decrypts the attributes; nil when
	// the provider only verifies.
	DecryptionKey []byte
	// VerificationKey checks the item's signature. Required.
	VerificationKey VerificationKey
}

// Provider supplies the keys for items. It is the one interface to implement
// for a custom key source. Implementations must be safe for concurrent use.
//
// Errors that come from a failed unwrap or key check must wrap
// ddbcrypt.ErrIntegrity and say nothing more, so they cannot serve as an
// oracle.
type Provider interface {
	// EncryptionMaterials returns the keys for an item about to be written.
	EncryptionMaterials(ctx context.Context, ec *EncryptionContext) (*EncryptionMaterials, error)
	// DecryptionMaterials returns the keys for a stored item; ec carries the
	// item's parsed material description.
	DecryptionMaterials(ctx context.Context, ec *EncryptionContext) (*DecryptionMaterials, error)
}

// cloneDescription copies a description so that callers and providers never
// share a map.
func cloneDescription(d map[string]string) map[string]string {
	out := make(map[string]string, len(d)+4)
	maps.Copy(out, d)
	return out
}
