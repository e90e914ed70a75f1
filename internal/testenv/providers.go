package testenv

import (
	"crypto/rand"
	"testing"

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

// WrappedProvider returns a wrapped provider (AES key wrap, HMAC-SHA256)
// with fresh random keys.
func WrappedProvider(t testing.TB) cmp.Provider {
	t.Helper()
	mac, err := cmp.NewHMACKey("HmacSHA256", RandomKey(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	kek, err := cmp.NewAESWrappingKey(RandomKey(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// StaticProvider returns a static provider (AES-256, HMAC-SHA256) with fresh
// random keys.
func StaticProvider(t testing.TB) cmp.Provider {
	t.Helper()
	mac, err := cmp.NewHMACKey("HmacSHA256", RandomKey(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: RandomKey(t, 32), SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
