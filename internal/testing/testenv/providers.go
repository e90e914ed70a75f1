package testenv

import (
	"crypto/rand"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// RandomKey returns n random bytes, for throwaway test keys.
func RandomKey(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// BeaconKeys returns beacon keys from a fresh random root key.
func BeaconKeys(t testing.TB) *beacon.Keys {
	t.Helper()
	k, err := beacon.NewKeys(RandomKey(t, beacon.RootKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// WrappedProvider returns a wrapped provider (AES key wrap, HMAC-SHA256)
// with fresh random keys.
func WrappedProvider(t testing.TB) cmp.Provider {
	t.Helper()
	return NewWrapped(t, RandomKey(t, 32), RandomKey(t, 32), nil)
}

// StaticProvider returns a static provider (AES-256, HMAC-SHA256) with fresh
// random keys.
func StaticProvider(t testing.TB) cmp.Provider {
	t.Helper()
	return NewStatic(t, RandomKey(t, 32), RandomKey(t, 32))
}

// NewWrapped returns a wrapped provider that wraps content keys with the
// AES key-encryption key kek and signs with HMAC-SHA256 under macKey, with
// the configured description desc (nil for none).
func NewWrapped(t testing.TB, kek, macKey []byte, desc map[string]string) *cmp.Wrapped {
	t.Helper()
	mac, err := cmp.NewHMACKey("HmacSHA256", macKey)
	if err != nil {
		t.Fatal(err)
	}
	wk, err := cmp.NewAESWrappingKey(kek)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, UnwrappingKey: wk, SigningKey: mac, Description: desc})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// NewStatic returns a static provider that encrypts attributes with the AES
// key key and signs with HMAC-SHA256 under macKey.
func NewStatic(t testing.TB, key, macKey []byte) *cmp.Static {
	t.Helper()
	mac, err := cmp.NewHMACKey("HmacSHA256", macKey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: key, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
