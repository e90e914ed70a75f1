package cmp

// Building the description a provider hands out (docs/format.md 3.3, 7.2, 7.3.1).

import (
	"fmt"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
)

// isReservedDescriptionKey reports whether key belongs to the item encryptor
// or a provider (docs/format.md 3.3, 8) rather than to the caller.
func isReservedDescriptionKey(key string) bool {
	return strings.HasPrefix(key, "amzn-ddb-") || key == DescKMSContextAttrs
}

// describe returns a fresh description: the configured entries plus the
// entries the caller requested for this item (EncryptionContext
// .MaterialDescription when encrypting).
//
// A request may add user entries but not change a configured one (a Java
// static provider reading the item requires its configured entries to be
// present unchanged, docs/format.md 7.2), and may not set reserved keys, which
// only the item encryptor and providers write. Both mistakes are errors
// rather than silently dropped requests.
//
// Without requested entries the configured map itself is returned:
// materials are read-only.
func describe(configured map[string]string, ec *EncryptionContext) (map[string]string, error) {
	if ec == nil || len(ec.MaterialDescription) == 0 {
		return configured, nil
	}
	out := cloneDescription(configured)
	for k, v := range ec.MaterialDescription {
		if isReservedDescriptionKey(k) {
			// The value is left out: a reserved entry could hold key material.
			return nil, &ddbcrypt.DescriptionError{Field: k, Err: fmt.Errorf("%w: reserved key in the requested description", ddbcrypt.ErrMaterialDescription)}
		}
		if old, ok := configured[k]; ok && old != v {
			return nil, &ddbcrypt.DescriptionError{Field: k, Value: v, Err: fmt.Errorf("%w: the request conflicts with the provider's configured value", ddbcrypt.ErrMaterialDescription)}
		}
		out[k] = v
	}
	return out, nil
}

// defaultVerificationKey is the verification key of a provider configured
// with only a signing key: the key itself if it can also verify (*HMACKey),
// the public half of an *RSASigningKey, else nil.
func defaultVerificationKey(sk SigningKey, vk VerificationKey) VerificationKey {
	if vk != nil {
		return vk
	}
	switch k := sk.(type) {
	case VerificationKey:
		return k
	case *RSASigningKey:
		if k != nil {
			return k.VerificationKey()
		}
	}
	return nil
}
