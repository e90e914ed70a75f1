package cmp_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"sync"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// RFC 4231 test case 2 (key "Jefe").
func TestHMACKnownAnswers(t *testing.T) {
	msg := []byte("what do ya want for nothing?")
	for alg, want := range map[string]string{
		"HmacSHA224": "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
		"HmacSHA256": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		"HmacSHA384": "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
		"HmacSHA512": "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	} {
		k := mustHMAC(t, alg, []byte("Jefe"))
		if k.Algorithm() != alg {
			t.Errorf("Algorithm = %q, want %q", k.Algorithm(), alg)
		}
		sig, err := k.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sig, mustHex(want)) {
			t.Errorf("%s = %x, want %s", alg, sig, want)
		}
		if err := k.Verify(msg, sig); err != nil {
			t.Errorf("%s: Verify: %v", alg, err)
		}
	}
}

func TestHMACTamper(t *testing.T) {
	k := mustHMAC(t, "HmacSHA256", []byte{0, 1, 2, 3, 4, 5, 6, 7}) // the vectors' 8-byte key
	msg := []byte("string to sign")
	sig, _ := k.Sign(msg)
	badSig := bytes.Clone(sig)
	badSig[0] ^= 0x80
	badMsg := bytes.Clone(msg)
	badMsg[3] ^= 1
	other := mustHMAC(t, "HmacSHA256", []byte{0, 1, 2, 3, 4, 5, 6, 8})
	for name, err := range map[string]error{
		"signature": k.Verify(msg, badSig),
		"message":   k.Verify(badMsg, sig),
		"truncated": k.Verify(msg, sig[:31]),
		"empty":     k.Verify(msg, nil),
		"other key": other.Verify(msg, sig),
		"other alg": mustHMAC(t, "HmacSHA512", []byte{0, 1, 2, 3, 4, 5, 6, 7}).Verify(msg, sig),
	} {
		t.Run(name, func(t *testing.T) { wantIntegrity(t, err) })
	}
}

func TestHMACConfigErrors(t *testing.T) {
	key := []byte("0123456789abcdef")
	for _, alg := range []string{"HmacSHA1", "HmacMD5", "hmacsha256", "SHA256withRSA", ""} {
		_, err := cmp.NewHMACKey(alg, key)
		wantIs(t, err, ddbcrypt.ErrInvalidConfig)
		wantNoSecret(t, err.Error(), key)
	}
	_, err := cmp.NewHMACKey("HmacSHA256", nil)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
}

func TestHMACKeyIsCopied(t *testing.T) {
	key := []byte("0123456789abcdef")
	k := mustHMAC(t, "HmacSHA256", key)
	sig, _ := k.Sign([]byte("m"))
	key[0] = 'X'
	if err := k.Verify([]byte("m"), sig); err != nil {
		t.Fatal("changing the caller's slice changed the key")
	}
}

func TestRSASignVerify(t *testing.T) {
	priv := testRSAKey()
	msg := []byte("string to sign")
	for _, tc := range []struct {
		alg  string
		hash crypto.Hash
	}{
		{"SHA224withRSA", crypto.SHA224},
		{"SHA256withRSA", crypto.SHA256},
		{"SHA384withRSA", crypto.SHA384},
		{"SHA512withRSA", crypto.SHA512},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			sk, err := cmp.NewRSASigningKey(tc.alg, priv)
			if err != nil {
				t.Fatal(err)
			}
			vk, err := cmp.NewRSAVerificationKey(tc.alg, &priv.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			if sk.Algorithm() != tc.alg || vk.Algorithm() != tc.alg || sk.VerificationKey().Algorithm() != tc.alg {
				t.Fatal("Algorithm mismatch")
			}
			sig, err := sk.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			// Plain PKCS#1 v1.5 over the undigested message, as JCE does.
			h := tc.hash.New()
			h.Write(msg)
			if err := rsa.VerifyPKCS1v15(&priv.PublicKey, tc.hash, h.Sum(nil), sig); err != nil {
				t.Fatalf("not a PKCS#1 v1.5 %s signature: %v", tc.hash, err)
			}
			if err := vk.Verify(msg, sig); err != nil {
				t.Fatal(err)
			}
			if err := sk.VerificationKey().Verify(msg, sig); err != nil {
				t.Fatal(err)
			}
			bad := bytes.Clone(sig)
			bad[10] ^= 1
			wantIntegrity(t, vk.Verify(msg, bad))
			wantIntegrity(t, vk.Verify([]byte("string to sigN"), sig))
			wantIntegrity(t, vk.Verify(msg, nil))
		})
	}
	// The algorithm comes from the key: a SHA-256 signature does not verify
	// under a SHA-384 key.
	sk, _ := cmp.NewRSASigningKey("SHA256withRSA", priv)
	vk, _ := cmp.NewRSAVerificationKey("SHA384withRSA", &priv.PublicKey)
	sig, _ := sk.Sign(msg)
	wantIntegrity(t, vk.Verify(msg, sig))
}

func TestRSASignatureConfigErrors(t *testing.T) {
	priv := testRSAKey()
	for _, alg := range []string{"SHA1withRSA", "MD5withRSA", "SHA256withECDSA", "HmacSHA256", "sha256withrsa"} {
		_, err := cmp.NewRSASigningKey(alg, priv)
		wantIs(t, err, ddbcrypt.ErrInvalidConfig)
		_, err = cmp.NewRSAVerificationKey(alg, &priv.PublicKey)
		wantIs(t, err, ddbcrypt.ErrInvalidConfig)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err := cmp.NewRSASigningKey("SHA256withRSA", ec)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
	_, err = cmp.NewRSASigningKey("SHA256withRSA", nil)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
	_, err = cmp.NewRSAVerificationKey("SHA256withRSA", nil)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
}

func TestSignatureAlgorithmTable(t *testing.T) {
	for _, alg := range []string{"HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512",
		"SHA224withRSA", "SHA256withRSA", "SHA384withRSA", "SHA512withRSA"} {
		if !cmp.IsKnownSignatureAlgorithm(alg) {
			t.Errorf("IsKnownSignatureAlgorithm(%q) = false", alg)
		}
	}
	for _, alg := range []string{"SHA1withRSA", "MD5withRSA", "NONEwithRSA", "HmacSHA1", "HmacMD5",
		"SHA384withECDSA", "SHA256withRSA/PSS", "sha256withrsa", "HMACSHA256", "", "SHA256withRSA "} {
		if cmp.IsKnownSignatureAlgorithm(alg) {
			t.Errorf("%q is accepted", alg)
		}
	}
}

// TestKeysNeverPrinted formats every key type with every common verb.
func TestKeysNeverPrinted(t *testing.T) {
	secret := []byte("0123456789abcdefghijklmnopqrstuv")
	hk := mustHMAC(t, "HmacSHA256", secret)
	ak, _ := cmp.NewAESWrappingKey(secret)
	priv := testRSAKey()
	sk, _ := cmp.NewRSASigningKey("SHA256withRSA", priv)
	uk, _ := cmp.NewRSAUnwrappingKey(priv)
	d := priv.D.Bytes()
	for _, v := range []any{hk, *hk, ak, *ak, sk, *sk, uk, *uk} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
			s := fmt.Sprintf(verb, v)
			wantNoSecret(t, s, secret)
			wantNoSecret(t, s, d[:16])
			wantNoSecret(t, s, priv.Primes[0].Bytes()[:16])
			if bytes.Contains([]byte(s), []byte(priv.D.String()[:20])) {
				t.Fatalf("%s of %T prints the private exponent", verb, v)
			}
		}
	}
	if got := fmt.Sprint(hk); got != "cmp.HMACKey(HmacSHA256)" {
		t.Errorf("String = %q", got)
	}
}

// TestHMACReusedStates checks that the recycled HMAC states of a key give
// the MAC of a fresh hmac.New for every message, in any order and from
// concurrent goroutines: a state reused without its reset would carry one
// message into the next.
func TestHMACReusedStates(t *testing.T) {
	for _, alg := range []string{"HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512"} {
		key := []byte("a 24-byte HMAC test key!")
		k := mustHMAC(t, alg, key)
		newHash := map[string]func() hash.Hash{"HmacSHA224": sha256.New224, "HmacSHA256": sha256.New, "HmacSHA384": sha512.New384, "HmacSHA512": sha512.New}[alg]
		want := func(msg []byte) []byte {
			m := hmac.New(newHash, key)
			m.Write(msg)
			return m.Sum(nil)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 200 {
					msg := bytes.Repeat([]byte{byte(g), byte(i)}, i)
					sig, err := k.Sign(msg)
					if err != nil || !bytes.Equal(sig, want(msg)) {
						t.Errorf("%s: message %d/%d: MAC %x, want %x (%v)", alg, g, i, sig, want(msg), err)
						return
					}
					if err := k.Verify(msg, sig); err != nil {
						t.Errorf("%s: message %d/%d: Verify: %v", alg, g, i, err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
