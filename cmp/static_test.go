package cmp_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	gocmp "github.com/google/go-cmp/cmp"
)

var (
	aes128 = mustHex("000102030405060708090a0b0c0d0e0f")
	aes256 = mustHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
)

func TestStaticRoundTrip(t *testing.T) {
	hk := mustHMAC(t, "HmacSHA256", []byte{0, 1, 2, 3, 4, 5, 6, 7})
	p, err := cmp.NewStatic(cmp.StaticConfig{
		EncryptionKey: aes128,
		SigningKey:    hk,
		Description:   map[string]string{"user": "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	em, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: map[string]string{"extra": "b", "user": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(em.EncryptionKey, aes128) || em.SigningKey != hk {
		t.Fatal("wrong encryption materials")
	}
	if diff := gocmp.Diff(map[string]string{"user": "a", "extra": "b"}, em.MaterialDescription); diff != "" {
		t.Fatalf("description (-want +got):\n%s", diff)
	}
	// No subset check (docs/format.md 10 #18): an item whose description lacks
	// the configured entries still gets the keys.
	dm, err := p.DecryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dm.DecryptionKey, aes128) || dm.VerificationKey != cmp.VerificationKey(hk) {
		t.Fatal("wrong decryption materials; DecryptionKey and VerificationKey should default")
	}
}

func TestStaticCopies(t *testing.T) {
	key := bytes.Clone(aes128)
	desc := map[string]string{"user": "a"}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: key, SigningKey: mustHMAC(t, "HmacSHA256", key), Description: desc})
	if err != nil {
		t.Fatal(err)
	}
	key[0] ^= 0xff
	desc["user"] = "changed"
	em, _ := p.EncryptionMaterials(bg, nil)
	if !bytes.Equal(em.EncryptionKey, aes128) || em.MaterialDescription["user"] != "a" {
		t.Fatal("the provider shares the caller's key or description")
	}
}

// Materials are read-only, so the static provider hands out its own key
// and description without copying them per item; a request for extra
// entries gets a fresh description and leaves the provider's alone.
func TestStaticRequestedEntriesDoNotLeak(t *testing.T) {
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aes128, SigningKey: mustHMAC(t, "HmacSHA256", aes128), Description: map[string]string{"user": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	em, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: map[string]string{"extra": "b"}})
	if err != nil || em.MaterialDescription["extra"] != "b" || em.MaterialDescription["user"] != "a" {
		t.Fatalf("requested entries: %v, %v", em, err)
	}
	em2, _ := p.EncryptionMaterials(bg, nil)
	if _, ok := em2.MaterialDescription["extra"]; ok || em2.MaterialDescription["user"] != "a" {
		t.Fatal("a request changed the provider's description")
	}
}

func TestStaticSeparateKeysAndSignOnly(t *testing.T) {
	priv := testRSAKey()
	sk, _ := cmp.NewRSASigningKey("SHA256withRSA", priv)
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aes128, DecryptionKey: aes256, SigningKey: sk})
	if err != nil {
		t.Fatal(err)
	}
	em, _ := p.EncryptionMaterials(bg, nil)
	dm, err := p.DecryptionMaterials(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(em.EncryptionKey, aes128) || !bytes.Equal(dm.DecryptionKey, aes256) {
		t.Fatal("keys mixed up")
	}
	// The verification key defaults to the RSA signing key's public half.
	sig, _ := sk.Sign([]byte("m"))
	if err := dm.VerificationKey.Verify([]byte("m"), sig); err != nil {
		t.Fatal(err)
	}

	signOnly, err := cmp.NewStatic(cmp.StaticConfig{SigningKey: mustHMAC(t, "HmacSHA256", aes128)})
	if err != nil {
		t.Fatal(err)
	}
	em, _ = signOnly.EncryptionMaterials(bg, nil)
	dm, _ = signOnly.DecryptionMaterials(bg, nil)
	if em.EncryptionKey != nil || dm.DecryptionKey != nil {
		t.Fatal("sign-only provider returned an AES key")
	}
}

func TestStaticMissingKeys(t *testing.T) {
	vk, _ := cmp.NewRSAVerificationKey("SHA256withRSA", &testRSAKey().PublicKey)
	verifyOnly, err := cmp.NewStatic(cmp.StaticConfig{DecryptionKey: aes128, VerificationKey: vk})
	if err != nil {
		t.Fatal(err)
	}
	_, err = verifyOnly.EncryptionMaterials(bg, nil)
	wantIs(t, err, ddbcrypt.ErrNoMaterials)

	sk, _ := cmp.NewRSASigningKey("SHA256withRSA", testRSAKey())
	signOnly := &onlySigner{sk}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aes128, SigningKey: signOnly})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.DecryptionMaterials(bg, nil)
	wantIs(t, err, ddbcrypt.ErrNoMaterials)
}

// onlySigner is a custom SigningKey that cannot verify.
type onlySigner struct{ cmp.SigningKey }

func TestStaticConfigErrors(t *testing.T) {
	hk := mustHMAC(t, "HmacSHA256", aes128)
	long := bytes.Repeat([]byte{0xab, 0xcd}, 20)
	for name, cfg := range map[string]cmp.StaticConfig{
		"no keys":         {EncryptionKey: aes128},
		"short enc key":   {EncryptionKey: long[:15], SigningKey: hk},
		"long dec key":    {EncryptionKey: aes128, DecryptionKey: long, SigningKey: hk},
		"empty enc key":   {EncryptionKey: []byte{}, SigningKey: hk},
		"40-byte enc key": {EncryptionKey: long, SigningKey: hk},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cmp.NewStatic(cfg)
			wantIs(t, err, ddbcrypt.ErrInvalidConfig)
			wantNoSecret(t, err.Error(), long[:15])
		})
	}
}

func TestStaticRequestedDescription(t *testing.T) {
	p, _ := cmp.NewStatic(cmp.StaticConfig{SigningKey: mustHMAC(t, "HmacSHA256", aes128), Description: map[string]string{"user": "a"}})
	_, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: map[string]string{"user": "b"}})
	if de := wantDescriptionError(t, err, "user"); de.Value != "b" {
		t.Errorf("Value = %q", de.Value)
	}
	for _, k := range []string{"amzn-ddb-map-sym-mode", "amzn-ddb-env-key", "amzn-ddb-map-signingAlg", "aws-kms-ec-attr"} {
		_, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: map[string]string{k: "secret"}})
		if de := wantDescriptionError(t, err, k); de.Value != "" {
			t.Errorf("Value = %q; reserved values are never echoed", de.Value)
		}
	}
}

func TestStaticNeverPrinted(t *testing.T) {
	secret := bytes.Repeat([]byte{0x9c, 0x3e}, 16)
	cfg := cmp.StaticConfig{EncryptionKey: secret, SigningKey: mustHMAC(t, "HmacSHA256", secret)}
	p, err := cmp.NewStatic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{cfg, &cfg, p, *p} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%d"} {
			wantNoSecret(t, fmt.Sprintf(verb, v), secret)
		}
	}
}
