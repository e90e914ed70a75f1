// Package beacon computes beacons: a truncated HMAC of an encrypted
// attribute's plaintext, stored beside its ciphertext in an attribute of
// its own, so that DynamoDB can find items by an encrypted value (a query
// of an index whose partition key is the beacon, or a filter on it)
// without ever seeing the value. Beacons are short on purpose: many
// values share each beacon, so equal beacons do not prove equal values and
// readers drop the false positives after decrypting (Filter). See the
// Beacons section of docs/security.md for what a beacon reveals and how to
// choose its length.
//
// A beacon is written and read as one more attribute of the legacy item
// format, signed and never encrypted: the Java and Python clients verify
// such items when their configuration makes the beacon attribute
// SIGN_ONLY.
//
// The rules, which readers in other languages need to recompute beacons:
//
//   - The beacon attribute of attribute A is named Prefix + A
//     ("ddbcrypt_b_email" for "email").
//   - The key of A's beacons in table T (the table name bound into the
//     items' signatures) is HKDF-SHA-256 (RFC 5869) of the beacon root
//     key, with no salt and info "ddbcrypt-beacon-v1" followed by T and A,
//     each as a 4-byte big-endian length and its UTF-8 bytes; 32 bytes.
//   - The beacon of a value is HMAC-SHA-256 under that key of the value's
//     canonical serialization (the bytes the legacy format encrypts, which
//     bind its type: crypto.SerializeAttribute), truncated to its first
//     Bits bits, read as a big-endian integer and written as lowercase
//     hexadecimal with (Bits+3)/4 digits, zero-padded: a string (S).
//
// Beacon keys come from a root key of the user's (Keys), never from the
// keys that protect items, so they are stable across key rotation.
package beacon

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Prefix starts the name of every beacon attribute.
const Prefix = "ddbcrypt_b_"

// Bounds and default of a beacon's length in bits. Fewer than 2 bits sorts
// items into at most two buckets, which helps no query; 63 is the
// successor library's limit, and longer beacons reveal equality outright.
const (
	MinBits     = 2
	MaxBits     = 63
	DefaultBits = 16
)

// Attribute returns the name of the beacon attribute of attribute name.
func Attribute(name string) string { return Prefix + name }

// Spec declares a beacon on an encrypted attribute.
type Spec struct {
	Attribute string // the encrypted attribute, not the beacon attribute
	Bits      int    // the beacon's length; 0 means DefaultBits
}

// Name returns the name of the beacon attribute.
func (s Spec) Name() string { return Attribute(s.Attribute) }

// Length returns the beacon's length in bits, DefaultBits for 0.
func (s Spec) Length() int {
	if s.Bits == 0 {
		return DefaultBits
	}
	return s.Bits
}

// Check refuses a spec without an attribute or with a length out of
// bounds, with an error wrapping ddbcrypt.ErrInvalidConfig.
func (s Spec) Check() error {
	if s.Attribute == "" {
		return fmt.Errorf("%w: a beacon needs the name of the attribute it is of", ddbcrypt.ErrInvalidConfig)
	}
	if err := CheckBits(s.Length()); err != nil {
		return &ddbcrypt.AttributeError{Attribute: s.Attribute, Err: err}
	}
	return nil
}

// CheckBits refuses a beacon length out of bounds, with an error wrapping
// ddbcrypt.ErrInvalidConfig.
func CheckBits(bits int) error {
	if bits < MinBits || bits > MaxBits {
		return fmt.Errorf("%w: a beacon has %d to %d bits, not %d", ddbcrypt.ErrInvalidConfig, MinBits, MaxBits, bits)
	}
	return nil
}

// infoLabel starts the HKDF info of every beacon key; the version lets a
// later derivation coexist with this one.
const infoLabel = "ddbcrypt-beacon-v1"

// keyInfo is the HKDF info of the beacon key of attr in table: each name
// length-prefixed, so that no two (table, attr) pairs share it.
func keyInfo(table, attr string) string {
	b := make([]byte, 0, len(infoLabel)+8+len(table)+len(attr))
	b = append(b, infoLabel...)
	for _, s := range [...]string{table, attr} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return string(b)
}

// compute returns the beacon of av under the attribute's key.
func compute(key []byte, av types.AttributeValue, bits int) (string, error) {
	plain, err := crypto.SerializeAttribute(av)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(plain)
	clear(plain)
	sum := mac.Sum(make([]byte, 0, sha256.Size))
	v := binary.BigEndian.Uint64(sum) >> (64 - bits)
	return fmt.Sprintf("%0*x", (bits+3)/4, v), nil
}

// Equal reports whether a and b are the same value: the same canonical
// serialization (the one the beacon is computed from), so that numbers
// compare by value ("1.50" is "1.5") and sets ignore their order.
func Equal(a, b types.AttributeValue) bool {
	sa, errA := crypto.SerializeAttribute(a)
	sb, errB := crypto.SerializeAttribute(b)
	return errA == nil && errB == nil && string(sa) == string(sb)
}

// Filter returns the decrypted items whose attribute attr equals want
// (Equal), dropping the false positives a beacon lets through. It reuses
// items' backing array.
func Filter(items []map[string]types.AttributeValue, attr string, want types.AttributeValue) []map[string]types.AttributeValue {
	out := items[:0]
	for _, item := range items {
		if av, ok := item[attr]; ok && Equal(av, want) {
			out = append(out, item)
		}
	}
	clear(items[len(out):])
	return out
}
