// Package ddbcrypt encrypts and signs Amazon DynamoDB items on the client,
// byte-compatible with the legacy Amazon DynamoDB Encryption Client for Java
// and Python.
//
// This root package holds only the error kinds shared by every layer, so that
// callers can test any error from any package with errors.Is and errors.As:
//
//	if errors.Is(err, ddbcrypt.ErrIntegrity) { ... } // tampered or wrong keys
//
// The work is done in the sub-packages: cmp (cryptographic materials
// providers) and crypto (the item encryptor).
package ddbcrypt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Error kinds. Every error returned by ddbcrypt wraps exactly one of these.
var (
	// ErrIntegrity reports that an item failed an integrity check: a bad or
	// missing signature, a key that did not unwrap, or bad padding. The cause is
	// deliberately not said, so that no failure can serve as an oracle.
	ErrIntegrity = errors.New("ddbcrypt: item failed its integrity check")

	// ErrInvalidItem reports an item that cannot be encrypted or decrypted as
	// given: an unsupported or empty attribute value, a reserved attribute name,
	// an encrypted primary key, an encrypted value that is not binary.
	ErrInvalidItem = errors.New("ddbcrypt: invalid item")

	// ErrInvalidConfig reports a configuration that cannot work: bad key sizes,
	// unknown algorithms, a missing table name, conflicting attribute actions.
	ErrInvalidConfig = errors.New("ddbcrypt: invalid configuration")

	// ErrMaterialDescription reports a material description that is malformed
	// or holds a value this library does not accept.
	ErrMaterialDescription = errors.New("ddbcrypt: invalid material description")

	// ErrSerialization reports bytes that are not a valid serialized attribute
	// value.
	ErrSerialization = errors.New("ddbcrypt: invalid serialized attribute")

	// ErrUnknownAttribute reports attributes in a stored item that the reader's
	// configuration does not name, when it is set to refuse them.
	ErrUnknownAttribute = errors.New("ddbcrypt: unknown attribute")

	// ErrKeyService reports that a key service (AWS KMS) failed or refused a
	// call: a disabled key, denied access, throttling, no connection. The
	// error says which key and which operation.
	ErrKeyService = errors.New("ddbcrypt: key service call failed")

	// ErrNoMaterials reports that a provider cannot supply the materials asked
	// for: a provider without a wrapping key asked to encrypt, without an
	// unwrapping key asked to decrypt, and the like.
	ErrNoMaterials = errors.New("ddbcrypt: no materials")
)

// AttributeError says which attribute an error is about.
type AttributeError struct {
	Attribute string // the attribute name
	Err       error  // wraps one of the error kinds
}

func (e *AttributeError) Error() string { return fmt.Sprintf("attribute %q: %v", e.Attribute, e.Err) }
func (e *AttributeError) Unwrap() error { return e.Err }

// DescriptionError says which material description field an error is about.
type DescriptionError struct {
	Field string // the description key, e.g. "amzn-ddb-wrap-alg"
	Value string // the offending value, never key material
	Err   error  // wraps ErrMaterialDescription or ErrNoMaterials
}

func (e *DescriptionError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("material description field %q: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("material description field %q = %q: %v", e.Field, e.Value, e.Err)
}
func (e *DescriptionError) Unwrap() error { return e.Err }

// ItemError says which item an error is about: the table and the item's
// primary key, whose attributes are never encrypted.
type ItemError struct {
	Table string
	Key   map[string]types.AttributeValue
	Err   error
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("table %s, item %s: %v", e.Table, FormatKey(e.Key), e.Err)
}

func (e *ItemError) Unwrap() error { return e.Err }

// FormatKey renders a primary key for messages: name=value pairs in name
// order, strings quoted, binary values in hex.
func FormatKey(key map[string]types.AttributeValue) string {
	names := make([]string, 0, len(key))
	for name := range key {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		b.WriteByte('=')
		switch v := key[name].(type) {
		case *types.AttributeValueMemberS:
			fmt.Fprintf(&b, "%q", v.Value)
		case *types.AttributeValueMemberN:
			b.WriteString(v.Value)
		case *types.AttributeValueMemberB:
			fmt.Fprintf(&b, "0x%x", v.Value)
		default:
			fmt.Fprintf(&b, "%T", v)
		}
	}
	b.WriteByte('}')
	return b.String()
}
