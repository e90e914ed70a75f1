package cmp_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

func newAESWrapped(t *testing.T, desc map[string]string) *cmp.Wrapped {
	t.Helper()
	kek, err := cmp.NewAESWrappingKey(aes128)
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewWrapped(cmp.WrappedConfig{
		WrappingKey:   kek,
		UnwrappingKey: kek,
		SigningKey:    mustHMAC(t, "HmacSHA256", []byte{0, 1, 2, 3, 4, 5, 6, 7}),
		Description:   desc,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newRSAWrapped is the asymmetric provider over the shared test key.
func newRSAWrapped(t *testing.T, legacy bool) *cmp.Wrapped {
	t.Helper()
	priv := testRSAKey()
	sk, err := cmp.NewRSASigningKey("SHA256withRSA", priv)
	if err != nil {
		t.Fatal(err)
	}
	if !legacy {
		p, err := cmp.NewAsymmetricStatic(priv, sk, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	wk, _ := cmp.NewRSAWrappingKey(&priv.PublicKey)
	uk, _ := cmp.NewRSAUnwrappingKey(priv)
	p, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, UnwrappingKey: uk, SigningKey: sk, AllowLegacyRSAPKCS1v15: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// roundTrip encrypts and decrypts through p and returns the description.
func roundTrip(t *testing.T, p cmp.Provider, requested map[string]string) (*cmp.EncryptionMaterials, *cmp.DecryptionMaterials) {
	t.Helper()
	em, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: requested})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := p.DecryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: em.MaterialDescription})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(em.EncryptionKey, dm.DecryptionKey) {
		t.Fatal("the unwrapped key differs from the generated one")
	}
	return em, dm
}

func TestWrappedAESRoundTrip(t *testing.T) {
	p := newAESWrapped(t, map[string]string{"user": "a"})
	em, dm := roundTrip(t, p, map[string]string{"extra": "b"})
	if len(em.EncryptionKey) != 32 {
		t.Fatalf("content key of %d bytes, want 32", len(em.EncryptionKey))
	}
	d := em.MaterialDescription
	want := map[string]string{
		"user":              "a",
		"extra":             "b",
		"amzn-ddb-env-alg":  "AES/256",
		"amzn-ddb-wrap-alg": "AESWrap",
		"amzn-ddb-env-key":  d["amzn-ddb-env-key"],
	}
	if !maps.Equal(d, want) {
		t.Fatalf("description %v, want %v", d, want)
	}
	wrapped, err := base64.StdEncoding.Strict().DecodeString(d["amzn-ddb-env-key"])
	if err != nil || len(wrapped) != 40 {
		t.Fatalf("env-key is not padded std base64 of 40 bytes: %v", err)
	}
	if dm.VerificationKey == nil || dm.VerificationKey.Algorithm() != "HmacSHA256" {
		t.Fatal("verification key should default to the HMAC signing key")
	}
	// A fresh key per item.
	em2, _ := p.EncryptionMaterials(bg, nil)
	if bytes.Equal(em.EncryptionKey, em2.EncryptionKey) || em2.MaterialDescription["amzn-ddb-env-key"] == d["amzn-ddb-env-key"] {
		t.Fatal("content key reused")
	}
}

func TestWrappedRSARoundTrip(t *testing.T) {
	p := newRSAWrapped(t, false)
	em, dm := roundTrip(t, p, nil)
	d := em.MaterialDescription
	if d["amzn-ddb-wrap-alg"] != "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" || d["amzn-ddb-env-alg"] != "AES/256" || len(em.EncryptionKey) != 32 {
		t.Fatalf("description %v", d)
	}
	sig, _ := em.SigningKey.Sign([]byte("m"))
	if err := dm.VerificationKey.Verify([]byte("m"), sig); err != nil {
		t.Fatal(err)
	}
}

func TestWrappedContentKeySize(t *testing.T) {
	for alg, n := range map[string]int{"AES": 32, "AES/128": 16, "AES/192": 24, "AES/256": 32} {
		em, _ := roundTrip(t, newAESWrapped(t, map[string]string{"amzn-ddb-env-alg": alg}), nil)
		if len(em.EncryptionKey) != n || em.MaterialDescription["amzn-ddb-env-alg"] != fmt.Sprintf("AES/%d", 8*n) {
			t.Errorf("configured %q: %d-byte key, env-alg %q", alg, len(em.EncryptionKey), em.MaterialDescription["amzn-ddb-env-alg"])
		}
	}
}

func TestWrappedConfigErrors(t *testing.T) {
	kek, _ := cmp.NewAESWrappingKey(aes128)
	hk := mustHMAC(t, "HmacSHA256", aes128)
	rk, _ := cmp.NewRSAWrappingKey(&testRSAKey().PublicKey)
	for name, cfg := range map[string]cmp.WrappedConfig{
		"no wrapping keys":     {SigningKey: hk},
		"no signature keys":    {WrappingKey: kek},
		"env-key configured":   {WrappingKey: kek, SigningKey: hk, Description: map[string]string{"amzn-ddb-env-key": "x"}},
		"bad env-alg":          {WrappingKey: kek, SigningKey: hk, Description: map[string]string{"amzn-ddb-env-alg": "AES/512"}},
		"DES env-alg":          {WrappingKey: kek, SigningKey: hk, Description: map[string]string{"amzn-ddb-env-alg": "DESede"}},
		"wrap-alg mismatch":    {WrappingKey: kek, SigningKey: hk, Description: map[string]string{"amzn-ddb-wrap-alg": "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"}},
		"wrap-alg unwrap only": {UnwrappingKey: kek, SigningKey: hk, Description: map[string]string{"amzn-ddb-wrap-alg": "AESWrap"}},
		"wrap-alg legacy":      {WrappingKey: rk, SigningKey: hk, Description: map[string]string{"amzn-ddb-wrap-alg": "RSA"}},
		"custom algorithm":     {WrappingKey: oddWrapper{}, SigningKey: hk},
		"custom unwrap alg":    {UnwrappingKey: oddWrapper{}, SigningKey: hk},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cmp.NewWrapped(cfg)
			wantIs(t, err, ddbcrypt.ErrInvalidConfig)
		})
	}
	// A configured wrap-alg naming the key's own algorithm is fine.
	if _, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, SigningKey: hk, Description: map[string]string{"amzn-ddb-wrap-alg": "AESWrap"}}); err != nil {
		t.Fatal(err)
	}
	_, err := cmp.NewAsymmetricStatic(nil, hk, nil, nil)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
}

// oddWrapper is a custom key with an algorithm outside the allow-list.
type oddWrapper struct{}

func (oddWrapper) WrapAlgorithm() string                              { return "DESedeWrap" }
func (oddWrapper) Wrap(k []byte) ([]byte, error)                      { return k, nil }
func (oddWrapper) Unwrap(_ context.Context, k []byte) ([]byte, error) { return k, nil }

func TestWrappedMissingKeys(t *testing.T) {
	kek, _ := cmp.NewAESWrappingKey(aes128)
	hk := mustHMAC(t, "HmacSHA256", aes128)
	full := newAESWrapped(t, nil)
	em, _ := full.EncryptionMaterials(bg, nil)
	ec := &cmp.EncryptionContext{MaterialDescription: em.MaterialDescription}

	wrapOnly, _ := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, SigningKey: hk})
	_, err := wrapOnly.DecryptionMaterials(bg, ec)
	wantIs(t, err, ddbcrypt.ErrNoMaterials)

	unwrapOnly, _ := cmp.NewWrapped(cmp.WrappedConfig{UnwrappingKey: kek, SigningKey: hk})
	_, err = unwrapOnly.EncryptionMaterials(bg, nil)
	wantIs(t, err, ddbcrypt.ErrNoMaterials)
	if _, err := unwrapOnly.DecryptionMaterials(bg, ec); err != nil {
		t.Fatal(err)
	}

	sk, _ := cmp.NewRSASigningKey("SHA256withRSA", testRSAKey())
	noVerify, _ := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: &onlySigner{sk}})
	_, err = noVerify.DecryptionMaterials(bg, ec)
	wantIs(t, err, ddbcrypt.ErrNoMaterials)
	vk := sk.VerificationKey()
	noSign, _ := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, VerificationKey: vk})
	_, err = noSign.EncryptionMaterials(bg, nil)
	wantIs(t, err, ddbcrypt.ErrNoMaterials)
}

// itemDescription encrypts once with p and returns the stored description.
func itemDescription(t *testing.T, p cmp.Provider) map[string]string {
	t.Helper()
	em, err := p.EncryptionMaterials(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return em.MaterialDescription
}

func decryptWith(p cmp.Provider, d map[string]string) error {
	_, err := p.DecryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: d})
	return err
}

// with returns a copy of d with the key-value pairs kv set, or deleted where
// the value is "<delete>".
func with(d map[string]string, kv ...string) map[string]string {
	out := maps.Clone(d)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "<delete>" {
			delete(out, kv[i])
		} else {
			out[kv[i]] = kv[i+1]
		}
	}
	return out
}

func TestWrappedDescriptionErrors(t *testing.T) {
	aesP := newAESWrapped(t, nil)
	rsaP := newRSAWrapped(t, false)
	aesD := itemDescription(t, aesP)
	rsaD := itemDescription(t, rsaP)
	const (
		envKey  = "amzn-ddb-env-key"
		envAlg  = "amzn-ddb-env-alg"
		wrapAlg = "amzn-ddb-wrap-alg"
	)
	for _, tc := range []struct {
		name  string
		p     cmp.Provider
		d     map[string]string
		field string
	}{
		{"no env-key", aesP, with(aesD, envKey, "<delete>"), envKey},
		{"bad env-key", aesP, with(aesD, envKey, "A"), envKey},
		{"empty env-key", aesP, with(aesD, envKey, ""), envKey},
		{"no env-alg", aesP, with(aesD, envAlg, "<delete>"), envAlg},
		{"DES env-alg", aesP, with(aesD, envAlg, "DESede"), envAlg},
		{"AES/512 env-alg", aesP, with(aesD, envAlg, "AES/512"), envAlg},
		{"AES/ env-alg", aesP, with(aesD, envAlg, "AES/"), envAlg},
		{"lower-case env-alg", aesP, with(aesD, envAlg, "aes"), envAlg},
		{"RSA wrap-alg for AES key", aesP, with(aesD, wrapAlg, "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"), wrapAlg},
		{"AESWrap for RSA key", rsaP, with(rsaD, wrapAlg, "AESWrap"), wrapAlg},
		{"unknown wrap-alg", rsaP, with(rsaD, wrapAlg, "RSA/ECB/OAEPWithSHA-1AndMGF1Padding"), wrapAlg},
		{"empty wrap-alg", aesP, with(aesD, wrapAlg, ""), wrapAlg},
		{"no wrap-alg, AES key", aesP, with(aesD, wrapAlg, "<delete>"), wrapAlg},
		{"legacy RSA wrap-alg, AES key", aesP, with(aesD, wrapAlg, "RSA"), wrapAlg},
		{"no wrap-alg, RSA key, legacy off", rsaP, with(rsaD, wrapAlg, "<delete>"), wrapAlg},
		{"RSA wrap-alg, legacy off", rsaP, with(rsaD, wrapAlg, "RSA"), wrapAlg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decryptWith(tc.p, tc.d)
			de := wantDescriptionError(t, err, tc.field)
			if tc.field == envKey && de.Value != "" {
				t.Errorf("env-key value %q echoed", de.Value)
			}
		})
	}
	// No description at all.
	_, err := aesP.DecryptionMaterials(bg, nil)
	wantDescriptionError(t, err, envKey)
}

// TestWrappedUnwrapFailuresUniform: every AESWrap and OAEP unwrap failure
// is exactly ErrIntegrity, whatever went wrong. (The legacy PKCS#1 v1.5
// unwrap does not fail: TestLegacyPKCS1v15ImplicitRejection.)
func TestWrappedUnwrapFailuresUniform(t *testing.T) {
	aesP := newAESWrapped(t, nil)
	rsaP := newRSAWrapped(t, false)
	aesD := itemDescription(t, aesP)
	rsaD := itemDescription(t, rsaP)

	tamper := func(d map[string]string) map[string]string {
		b, _ := base64.StdEncoding.DecodeString(d["amzn-ddb-env-key"])
		b[len(b)/2] ^= 1
		return with(d, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(b))
	}
	// A correctly wrapped key of the wrong length for AES.
	kek, _ := cmp.NewAESWrappingKey(aes128)
	odd, _ := kek.Wrap(make([]byte, 40))
	otherKek, _ := cmp.NewAESWrappingKey(aes256)
	otherP, _ := cmp.NewWrapped(cmp.WrappedConfig{UnwrappingKey: otherKek, VerificationKey: mustHMAC(t, "HmacSHA256", aes128)})

	for name, err := range map[string]error{
		"AES tampered":              decryptWith(aesP, tamper(aesD)),
		"AES other KEK":             decryptWith(otherP, aesD),
		"AES truncated":             decryptWith(aesP, with(aesD, "amzn-ddb-env-key", aesD["amzn-ddb-env-key"][:24])),
		"AES env-alg bits mismatch": decryptWith(aesP, with(aesD, "amzn-ddb-env-alg", "AES/128")),
		"AES non-AES length":        decryptWith(aesP, with(aesD, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(odd), "amzn-ddb-env-alg", "AES")),
		"OAEP tampered":             decryptWith(rsaP, tamper(rsaD)),
		"OAEP env-alg mismatch":     decryptWith(rsaP, with(rsaD, "amzn-ddb-env-alg", "AES/192")),
	} {
		t.Run(name, func(t *testing.T) { wantIntegrity(t, err) })
	}
}

func TestWrappedLegacyPKCS1v15(t *testing.T) {
	priv := testRSAKey()
	key := make([]byte, 32)
	rand.Read(key)
	//lint:ignore SA1019 the test builds a legacy blob.
	blob, err := rsa.EncryptPKCS1v15(rand.Reader, &priv.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	// As old Java wrote it: env-alg "AES", no wrap-alg.
	d := map[string]string{"amzn-ddb-env-key": base64.StdEncoding.EncodeToString(blob), "amzn-ddb-env-alg": "AES"}

	wantDescriptionError(t, decryptWith(newRSAWrapped(t, false), d), "amzn-ddb-wrap-alg")
	wantDescriptionError(t, decryptWith(newRSAWrapped(t, false), with(d, "amzn-ddb-wrap-alg", "RSA")), "amzn-ddb-wrap-alg")

	legacy := newRSAWrapped(t, true)
	for _, dd := range []map[string]string{d, with(d, "amzn-ddb-wrap-alg", "RSA")} {
		dm, err := legacy.DecryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: dd})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dm.DecryptionKey, key) {
			t.Fatal("wrong legacy key")
		}
	}
	// The option does not make the provider accept PKCS#1 v1.5 blobs that
	// claim to be OAEP, nor write anything but OAEP.
	wantIntegrity(t, decryptWith(legacy, with(d, "amzn-ddb-wrap-alg", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding")))
	if got := itemDescription(t, legacy)["amzn-ddb-wrap-alg"]; got != "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" {
		t.Fatalf("legacy provider writes wrap-alg %q", got)
	}
}

// TestWrappedJavaVectors unwraps the content key of every item in the Java
// wrapped vectors through the provider (their descriptions carry env-alg
// "AES", CRLF-broken base64, and for rsa-rsa-1 no wrap-alg).
func TestWrappedJavaVectors(t *testing.T) {
	keys := vectorKeys(t)
	priv := vectorRSAKey(t)
	sk, _ := cmp.NewRSASigningKey("SHA256withRSA", priv)
	wk, _ := cmp.NewRSAWrappingKey(&priv.PublicKey)
	uk, _ := cmp.NewRSAUnwrappingKey(priv)
	rsaLegacy, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, UnwrappingKey: uk, SigningKey: sk, AllowLegacyRSAPKCS1v15: true})
	if err != nil {
		t.Fatal(err)
	}
	rsaStrict, _ := cmp.NewAsymmetricStatic(priv, sk, nil, nil)
	kek, _ := cmp.NewAESWrappingKey(keys["aesKey"])
	aesP, _ := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mustHMAC(t, "HmacSHA256", keys["hmacKey"])})

	for _, tc := range []struct {
		file   string
		p      cmp.Provider
		strict cmp.Provider // nil if the strict provider also reads it
	}{
		{"wrapped-rsa-rsa-1.json", rsaLegacy, rsaStrict},
		{"wrapped-rsa-rsa-2.json", rsaStrict, nil},
		{"wrapped-rsa-rsa-3.json", rsaStrict, nil},
		{"wrapped-aes-hmac-1.json", aesP, nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			n := 0
			for _, d := range vectorDescriptions(t, tc.file) {
				if _, ok := d["amzn-ddb-env-key"]; !ok {
					continue // leftover static-looking rows
				}
				n++
				dm, err := tc.p.DecryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: d})
				if err != nil {
					t.Fatalf("description %v: %v", d["amzn-ddb-wrap-alg"], err)
				}
				if len(dm.DecryptionKey) != 32 {
					t.Fatalf("%d-byte content key", len(dm.DecryptionKey))
				}
				// The legacy unwrap returns a random key for a bad blob:
				// a real one is the same every time.
				again, err := tc.p.DecryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: d})
				if err != nil || !bytes.Equal(again.DecryptionKey, dm.DecryptionKey) {
					t.Fatalf("the content key changes from read to read: %v", err)
				}
				if tc.strict != nil {
					wantDescriptionError(t, decryptWith(tc.strict, d), "amzn-ddb-wrap-alg")
				}
			}
			if n == 0 {
				t.Skip("no wrapped items in this file")
			}
		})
	}
}

func TestWrappedRequestedDescription(t *testing.T) {
	p := newAESWrapped(t, map[string]string{"user": "a"})
	_, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: map[string]string{"amzn-ddb-env-alg": "AES/128"}})
	wantDescriptionError(t, err, "amzn-ddb-env-alg")
	_, err = p.EncryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: map[string]string{"user": "z"}})
	wantDescriptionError(t, err, "user")
}

func TestWrappedErrorsHideKeys(t *testing.T) {
	p := newAESWrapped(t, nil)
	d := itemDescription(t, p)
	dm, _ := p.DecryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: d})
	content := dm.DecryptionKey
	wrapped, _ := base64.StdEncoding.DecodeString(d["amzn-ddb-env-key"])
	for _, dd := range []map[string]string{
		with(d, "amzn-ddb-env-alg", "AES/128"),
		with(d, "amzn-ddb-wrap-alg", "<delete>"),
		with(d, "amzn-ddb-env-key", d["amzn-ddb-env-key"]+"!A"),
	} {
		err := decryptWith(p, dd)
		if err == nil {
			t.Fatal("no error")
		}
		for _, secret := range [][]byte{content, wrapped, aes128} {
			wantNoSecret(t, err.Error(), secret)
			wantNoSecret(t, fmt.Sprintf("%#v", err), secret)
		}
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x"} {
		wantNoSecret(t, fmt.Sprintf(verb, p), aes128)
		wantNoSecret(t, fmt.Sprintf(verb, *p), aes128)
	}
}

// TestProvidersConcurrent uses one provider of each kind from many
// goroutines; run with -race.
func TestProvidersConcurrent(t *testing.T) {
	static, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aes128, SigningKey: mustHMAC(t, "HmacSHA256", aes128), Description: map[string]string{"user": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	providers := map[string]cmp.Provider{
		"static":      static,
		"wrapped-aes": newAESWrapped(t, map[string]string{"user": "a"}),
		"wrapped-rsa": newRSAWrapped(t, false),
	}
	for name, p := range providers {
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for g := 0; g < 16; g++ {
				wg.Go(func() {
					for i := 0; i < 8; i++ {
						if err := useProvider(p, g, i); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func useProvider(p cmp.Provider, g, i int) error {
	req := map[string]string{"goroutine": fmt.Sprint(g)}
	em, err := p.EncryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: req})
	if err != nil {
		return err
	}
	em.MaterialDescription["scribble"] = "x" // must not leak into other calls
	if em.MaterialDescription["goroutine"] != fmt.Sprint(g) {
		return fmt.Errorf("goroutine %d got another's description", g)
	}
	dm, err := p.DecryptionMaterials(bg, &cmp.EncryptionContext{TableName: "t", MaterialDescription: em.MaterialDescription})
	if err != nil {
		return err
	}
	if !bytes.Equal(em.EncryptionKey, dm.DecryptionKey) {
		return fmt.Errorf("goroutine %d item %d: key mismatch", g, i)
	}
	msg := []byte(fmt.Sprintf("item %d/%d", g, i))
	sig, err := em.SigningKey.Sign(msg)
	if err != nil {
		return err
	}
	return dm.VerificationKey.Verify(msg, sig)
}
