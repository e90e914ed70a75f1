package cmp_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// RFC 3394 section 4 known answers.
var rfc3394 = []struct {
	name, kek, key, wrapped string
}{
	{"4.1 128-bit KEK, 128-bit key",
		"000102030405060708090A0B0C0D0E0F",
		"00112233445566778899AABBCCDDEEFF",
		"1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5"},
	{"4.2 192-bit KEK, 128-bit key",
		"000102030405060708090A0B0C0D0E0F1011121314151617",
		"00112233445566778899AABBCCDDEEFF",
		"96778B25AE6CA435 F92B5B97C050AED2 468AB8A17AD84E5D"},
	{"4.3 256-bit KEK, 128-bit key",
		"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
		"00112233445566778899AABBCCDDEEFF",
		"64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7"},
	{"4.6 256-bit KEK, 256-bit key",
		"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
		"00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
		"28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21"},
}

func TestAESKeyWrapKnownAnswers(t *testing.T) {
	for _, tc := range rfc3394 {
		t.Run(tc.name, func(t *testing.T) {
			k, err := cmp.NewAESWrappingKey(mustHex(tc.kek))
			if err != nil {
				t.Fatal(err)
			}
			if k.WrapAlgorithm() != "AESWrap" {
				t.Errorf("WrapAlgorithm = %q", k.WrapAlgorithm())
			}
			got, err := k.Wrap(mustHex(tc.key))
			if err != nil {
				t.Fatal(err)
			}
			if want := mustHex(tc.wrapped); !bytes.Equal(got, want) {
				t.Fatalf("Wrap = %x, want %x", got, want)
			}
			plain, err := k.Unwrap(bg, mustHex(tc.wrapped))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain, mustHex(tc.key)) {
				t.Fatalf("Unwrap = %x, want %s", plain, tc.key)
			}
		})
	}
}

func TestAESKeyUnwrapTampered(t *testing.T) {
	tc := rfc3394[3]
	k, err := cmp.NewAESWrappingKey(mustHex(tc.kek))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := mustHex(tc.wrapped)
	for i := range wrapped {
		bad := bytes.Clone(wrapped)
		bad[i] ^= 0x01
		out, err := k.Unwrap(bg, bad)
		wantIntegrity(t, err)
		if out != nil {
			t.Fatalf("byte %d: Unwrap returned data with an error", i)
		}
	}
	other, _ := cmp.NewAESWrappingKey(mustHex(rfc3394[2].kek[:32]))
	_, err = other.Unwrap(bg, wrapped)
	wantIntegrity(t, err)
	for _, n := range []int{0, 8, 16, 23, 25, 41} {
		_, err := k.Unwrap(bg, make([]byte, n))
		wantIntegrity(t, err)
	}
}

func TestAESKeyWrapBadInput(t *testing.T) {
	for _, n := range []int{0, 1, 15, 17, 31, 33} {
		_, err := cmp.NewAESWrappingKey(make([]byte, n))
		wantIs(t, err, ddbcrypt.ErrInvalidConfig)
	}
	k, _ := cmp.NewAESWrappingKey(make([]byte, 16))
	for _, n := range []int{0, 8, 15, 17} {
		_, err := k.Wrap(make([]byte, n))
		wantIs(t, err, ddbcrypt.ErrInvalidConfig)
	}
}

// TestAESKeyUnwrapJavaVector unwraps the env-key of every item of the Java
// vector wrapped-aes-hmac-1 with the vectors' AES key: the check value of
// RFC 3394 proves the key is right.
func TestAESKeyUnwrapJavaVector(t *testing.T) {
	k, err := cmp.NewAESWrappingKey(vectorKeys(t)["aesKey"])
	if err != nil {
		t.Fatal(err)
	}
	descs := vectorDescriptions(t, "wrapped-aes-hmac-1.json")
	if len(descs) == 0 {
		t.Fatal("no items")
	}
	for _, d := range descs {
		wrapped, err := base64.StdEncoding.DecodeString(d[cmp.DescEnvelopeKey])
		if err != nil {
			t.Fatal(err)
		}
		key, err := k.Unwrap(bg, wrapped)
		if err != nil || len(key) != 32 {
			t.Fatalf("Unwrap: %d bytes, %v", len(key), err)
		}
	}
}

func TestRSAOAEPRoundTrip(t *testing.T) {
	priv := testRSAKey()
	wk, err := cmp.NewRSAWrappingKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	uk, err := cmp.NewRSAUnwrappingKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if wk.WrapAlgorithm() != "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" || uk.WrapAlgorithm() != wk.WrapAlgorithm() {
		t.Fatalf("WrapAlgorithm = %q, %q", wk.WrapAlgorithm(), uk.WrapAlgorithm())
	}
	key := make([]byte, 32)
	rand.Read(key)
	wrapped, err := wk.Wrap(key)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrapped) != 256 {
		t.Fatalf("wrapped length %d, want the modulus length 256", len(wrapped))
	}
	got, err := uk.Unwrap(bg, wrapped)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Unwrap = %x, %v", got, err)
	}
	wrapped[len(wrapped)-1] ^= 1
	_, err = uk.Unwrap(bg, wrapped)
	wantIntegrity(t, err)
}

// TestRSAOAEPParameters proves the JCE parameters: SHA-256 label hash with
// MGF1 over SHA-1, not the single-hash OAEP of rsa.EncryptOAEP.
func TestRSAOAEPParameters(t *testing.T) {
	priv := testRSAKey()
	wk, _ := cmp.NewRSAWrappingKey(&priv.PublicKey)
	uk, _ := cmp.NewRSAUnwrappingKey(priv)
	key := bytes.Repeat([]byte{0x5a}, 32)
	wrapped, err := wk.Wrap(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rsa.DecryptOAEP(sha256.New(), nil, priv, wrapped, nil); err == nil {
		t.Fatal("the blob decrypts with OAEP SHA-256/MGF1-SHA-256; want MGF1-SHA-1")
	}
	got, err := priv.Decrypt(nil, wrapped, &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1})
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("OAEP SHA-256/MGF1-SHA-1 decrypt = %x, %v", got, err)
	}

	// And the reverse: a single-hash OAEP blob does not unwrap.
	single, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &priv.PublicKey, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = uk.Unwrap(bg, single)
	wantIntegrity(t, err)
}

// decrypterOnly hides *rsa.PrivateKey behind crypto.Decrypter, as an HSM
// would, and records the options it is called with.
type decrypterOnly struct {
	priv *rsa.PrivateKey
	opts []crypto.DecrypterOpts
}

func (d *decrypterOnly) Public() crypto.PublicKey { return d.priv.Public() }
func (d *decrypterOnly) Decrypt(r io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	d.opts = append(d.opts, opts)
	return d.priv.Decrypt(r, msg, opts)
}

func TestRSAUnwrapThroughDecrypter(t *testing.T) {
	d := &decrypterOnly{priv: testRSAKey()}
	uk, err := cmp.NewRSAUnwrappingKey(d)
	if err != nil {
		t.Fatal(err)
	}
	wk, _ := cmp.NewRSAWrappingKey(&d.priv.PublicKey)
	wrapped, _ := wk.Wrap(make([]byte, 16))
	if _, err := uk.Unwrap(bg, wrapped); err != nil {
		t.Fatal(err)
	}
	o, ok := d.opts[0].(*rsa.OAEPOptions)
	if !ok || o.Hash != crypto.SHA256 || o.MGFHash != crypto.SHA1 || len(o.Label) != 0 {
		t.Fatalf("Decrypt options = %#v", d.opts[0])
	}
}

func TestRSAKeyConstructors(t *testing.T) {
	_, err := cmp.NewRSAWrappingKey(nil)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
	_, err = cmp.NewRSAUnwrappingKey(nil)
	wantIs(t, err, ddbcrypt.ErrInvalidConfig)
}
