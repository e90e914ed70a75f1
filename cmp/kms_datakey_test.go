package cmp_test

// The Direct KMS provider refuses a data key KMS should never return.

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// badPlaintextKMS is a fakeKMS whose responses carry plaintext instead of
// the data key it issued, on GenerateDataKey or on Decrypt.
type badPlaintextKMS struct {
	fakeKMS
	plaintext []byte
	onDecrypt bool // false: GenerateDataKey
}

func (b *badPlaintextKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	out, err := b.fakeKMS.GenerateDataKey(ctx, in, o...)
	if err == nil && !b.onDecrypt {
		out.Plaintext = bytes.Clone(b.plaintext)
	}
	return out, err
}

func (b *badPlaintextKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	out, err := b.fakeKMS.Decrypt(ctx, in, o...)
	if err == nil && b.onDecrypt {
		out.Plaintext = bytes.Clone(b.plaintext)
	}
	return out, err
}

// TestDirectKMSDataKeyChecked: a data key of any length but the 32 bytes
// asked for, or all zeros, is a *KMSError wrapping ErrKeyService, from
// GenerateDataKey and from Decrypt, with or without the cache; and it is
// not cached.
func TestDirectKMSDataKeyChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  []byte
	}{
		{"empty", []byte{}},
		{"1 byte", []byte{0x42}},
		{"31 bytes", bytes.Repeat([]byte{0x42}, 31)},
		{"33 bytes", bytes.Repeat([]byte{0x42}, 33)},
		{"64 bytes", bytes.Repeat([]byte{0x42}, 64)},
		{"all zeros", make([]byte, 32)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, cache := range []*cmp.DataKeyCacheConfig{nil, {TTL: time.Hour}} {
				gen := &badPlaintextKMS{plaintext: tc.key}
				p := newDirectKMS(t, cmp.DirectKMSConfig{Client: gen, KeyID: fakeKeyID, Cache: cache})
				em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
				if em != nil {
					t.Errorf("GenerateDataKey returned a %d-byte data key and got materials", len(tc.key))
				}
				wantKMSError(t, err, fakeKeyID, "GenerateDataKey")
				if errors.Is(err, ddbcrypt.ErrIntegrity) {
					t.Errorf("a bad KMS response must not look like tampering: %v", err)
				}

				// A good data key on GenerateDataKey, a bad one on Decrypt.
				dec := newCountingKMS(&badPlaintextKMS{plaintext: tc.key, onDecrypt: true})
				p = newDirectKMS(t, cmp.DirectKMSConfig{Client: dec, KeyID: fakeKeyID, Cache: cache})
				if em, err = p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil)); err != nil {
					t.Fatal(err)
				}
				for range 2 { // not cached: the second read asks KMS again
					dm, err := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), em.MaterialDescription))
					if dm != nil {
						t.Errorf("Decrypt returned a %d-byte data key and got materials", len(tc.key))
					}
					wantKMSError(t, err, fakeKeyID, "Decrypt")
				}
				dec.wantCalls(t, 1, 2)
			}
		})
	}
}
