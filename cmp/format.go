package cmp

// fmt output of the types of this package that hold key material and whose
// files do not say it themselves. Every verb prints the same redacted
// description: the fields hold keys or, through an interface, a provider
// that does, and fmt's error path for a verb a field does not take (%s of
// a pointer) prints the pointee's fields, key bytes included, without
// asking the pointee's own Format.

import (
	"fmt"
	"io"
)

// String names the key sizes and types only.
func (m EncryptionMaterials) String() string {
	return fmt.Sprintf("cmp.EncryptionMaterials{EncryptionKey: %s, SigningKey: %s, MaterialDescription: %v}",
		aesKeySize(m.EncryptionKey), typeName(m.SigningKey), m.MaterialDescription)
}

// Format prints String for every verb, so that logging materials cannot
// leak their keys.
func (m EncryptionMaterials) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

// String names the key sizes and types only.
func (m DecryptionMaterials) String() string {
	return fmt.Sprintf("cmp.DecryptionMaterials{DecryptionKey: %s, VerificationKey: %s}",
		aesKeySize(m.DecryptionKey), typeName(m.VerificationKey))
}

// Format prints String for every verb, so that logging materials cannot
// leak their keys.
func (m DecryptionMaterials) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

// String names the store's type, not what it holds.
func (c MostRecentConfig) String() string {
	return fmt.Sprintf("cmp.MostRecentConfig{Store: %s, MaterialName: %q, TTL: %v, CacheSize: %d}",
		typeName(c.Store), c.MaterialName, c.TTL, c.CacheSize)
}

// Format prints String for every verb: the store may hold providers, and
// so keys, in fields that fmt would print.
func (c MostRecentConfig) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// aesKeySize describes an AES key by its size.
func aesKeySize(key []byte) string {
	if key == nil {
		return "none"
	}
	return fmt.Sprintf("AES-%d", 8*len(key))
}

// typeName describes a key, provider or store by its type alone.
func typeName(v any) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%T", v)
}
