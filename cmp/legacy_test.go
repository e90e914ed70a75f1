package cmp_test

// The legacy RSA PKCS#1 v1.5 unwrap (WrappedConfig.AllowLegacyRSAPKCS1v15)
// must not be a padding oracle (docs/format.md 11 item 1): the description is not
// signed, so anyone who can write an item can put a chosen blob in its
// "amzn-ddb-env-key", drop "amzn-ddb-wrap-alg", keep the item's signature,
// and watch how the reader fails.
//
// TestLegacyPKCS1v15Timing (PERF_BUDGET=1, like crypto's TestPerfBudget)
// times DecryptItem on such items with valid and with invalid padding,
// interleaved, and checks that the medians are within 1.1×:
//
//	PERF_BUDGET=1 go test -run TestLegacyPKCS1v15Timing -v ./cmp/

import (
	"bytes"
	stdcrypto "crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// legacyPKCS1 returns an RSAES-PKCS1-v1_5 blob of msg, as old Java wrote.
func legacyPKCS1(t testing.TB, pub *rsa.PublicKey, msg []byte) []byte {
	t.Helper()
	//lint:ignore SA1019 the test builds legacy blobs.
	blob, err := rsa.EncryptPKCS1v15(rand.Reader, pub, msg)
	if err != nil {
		t.Fatal(err)
	}
	return blob
}

// badPaddingPKCS1 returns a full-size blob that decrypts to a 32-byte
// message under block type 1 instead of 2: well-formed RSA, invalid
// encryption padding.
func badPaddingPKCS1(pub *rsa.PublicKey) []byte {
	k := pub.Size()
	em := bytes.Repeat([]byte{0xff}, k)
	em[0], em[1] = 0, 1
	em[k-33] = 0
	rand.Read(em[k-32:])
	c := new(big.Int).Exp(new(big.Int).SetBytes(em), big.NewInt(int64(pub.E)), pub.N)
	return c.FillBytes(make([]byte, k))
}

// legacyBlobs are the attacker's choices: valid padding around a key the
// reader never wrote, invalid padding, valid padding around a message of
// the wrong size, a truncated blob, and an OAEP blob read as PKCS#1 v1.5.
func legacyBlobs(t testing.TB, pub *rsa.PublicKey) map[string][]byte {
	t.Helper()
	valid := legacyPKCS1(t, pub, bytes.Repeat([]byte{7}, 32))
	oaep, _ := cmp.NewRSAWrappingKey(pub)
	oaepBlob, err := oaep.Wrap(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"valid padding, wrong key":   valid,
		"invalid padding":            badPaddingPKCS1(pub),
		"valid padding, 20-byte key": legacyPKCS1(t, pub, make([]byte, 20)),
		"truncated":                  valid[:len(valid)-1],
		"one byte":                   {1},
		"OAEP blob":                  oaepBlob,
	}
}

// legacyReader is a legacy-enabled RSA wrapped provider whose unwrapping
// key is dec (nil: the shared test key itself).
func legacyReader(t testing.TB, sk cmp.SigningKey, dec stdcrypto.Decrypter) *cmp.Wrapped {
	t.Helper()
	if dec == nil {
		dec = testRSAKey()
	}
	uk, err := cmp.NewRSAUnwrappingKey(dec)
	if err != nil {
		t.Fatal(err)
	}
	wk, _ := cmp.NewRSAWrappingKey(dec.Public().(*rsa.PublicKey))
	p, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, UnwrappingKey: uk, SigningKey: sk, AllowLegacyRSAPKCS1v15: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLegacyPKCS1v15ImplicitRejection: whatever the blob, the provider
// returns a content key of the size the description states (32 bytes for
// plain "AES") and no error, so that nothing it does depends on the padding.
func TestLegacyPKCS1v15ImplicitRejection(t *testing.T) {
	priv := testRSAKey()
	p := legacyReader(t, mustHMAC(t, "HmacSHA256", aes128), nil)
	for name, blob := range legacyBlobs(t, &priv.PublicKey) {
		for envAlg, size := range map[string]int{"AES": 32, "AES/128": 16, "AES/192": 24, "AES/256": 32} {
			t.Run(name+"/"+envAlg, func(t *testing.T) {
				d := map[string]string{"amzn-ddb-env-key": base64.StdEncoding.EncodeToString(blob), "amzn-ddb-env-alg": envAlg}
				for _, dd := range []map[string]string{d, with(d, "amzn-ddb-wrap-alg", "RSA")} {
					dm, err := p.DecryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: dd})
					if err != nil {
						t.Fatalf("error %v, want a random key", err)
					}
					if len(dm.DecryptionKey) != size {
						t.Fatalf("%d-byte key, want %d", len(dm.DecryptionKey), size)
					}
				}
			})
		}
	}
	// A rejected blob gets the same key on every read, as a valid one
	// does, a key of its own, and never the message inside a wrong-sized
	// valid padding.
	read := func(blob []byte) []byte { return readWith(t, p, blob) }
	short := legacyPKCS1(t, &priv.PublicKey, make([]byte, 16))
	other := legacyPKCS1(t, &priv.PublicKey, make([]byte, 16))
	if k := read(short); !bytes.Equal(k, read(short)) || bytes.Equal(k, read(other)) || bytes.Equal(k[:16], make([]byte, 16)) {
		t.Fatal("a rejected blob's key is not stable, not its own, or holds the message")
	}
	// As for an unwrapping key of its own.
	if k := read(short); bytes.Equal(k, readWith(t, legacyReader(t, mustHMAC(t, "HmacSHA256", aes128), nil), short)) {
		t.Fatal("two unwrapping keys reject a blob with the same key")
	}
}

func readWith(t *testing.T, p *cmp.Wrapped, blob []byte) []byte {
	t.Helper()
	dm, err := p.DecryptionMaterials(bg, &cmp.EncryptionContext{MaterialDescription: map[string]string{"amzn-ddb-env-key": base64.StdEncoding.EncodeToString(blob), "amzn-ddb-env-alg": "AES"}})
	if err != nil {
		t.Fatal(err)
	}
	return dm.DecryptionKey
}

// legacyActions sign "pk" and "pad" and encrypt "secret": one encrypted
// attribute, so that an error names the same attribute whatever the map
// order.
var (
	legacyActions = crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"pk": crypto.SignOnly, "pad": crypto.SignOnly}}
	legacyContext = crypto.Context{TableName: "legacy", PartitionKeyName: "pk"}
)

// legacyItem is an item written through an OAEP writer that shares the
// legacy reader's keys, as stored.
type legacyItem struct {
	reader     *crypto.Encryptor
	stored     map[string]types.AttributeValue
	desc       map[string]string
	contentKey []byte
}

// newLegacyItem writes the item, with a signed binary attribute of padBytes
// bytes if padBytes > 0 (it makes the signature check measurably long).
func newLegacyItem(t testing.TB, priv *rsa.PrivateKey, sk cmp.SigningKey, padBytes int) *legacyItem {
	t.Helper()
	wk, _ := cmp.NewRSAWrappingKey(&priv.PublicKey)
	writer, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, SigningKey: sk})
	if err != nil {
		t.Fatal(err)
	}
	item := map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: "k"},
		"secret": &types.AttributeValueMemberS{Value: "attack at dawn"},
	}
	if padBytes > 0 {
		item["pad"] = &types.AttributeValueMemberB{Value: bytes.Repeat([]byte{'p'}, padBytes)}
	}
	stored, err := crypto.NewEncryptor(writer).EncryptItem(bg, item, legacyActions, legacyContext)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := crypto.DecodeMaterialDescription(stored[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
	if err != nil {
		t.Fatal(err)
	}
	oaepBlob, _ := base64.StdEncoding.DecodeString(desc["amzn-ddb-env-key"])
	contentKey, err := priv.Decrypt(nil, oaepBlob, &rsa.OAEPOptions{Hash: stdcrypto.SHA256, MGFHash: stdcrypto.SHA1})
	if err != nil {
		t.Fatal(err)
	}
	return &legacyItem{reader: crypto.NewEncryptor(legacyReader(t, sk, priv)), stored: stored, desc: desc, contentKey: contentKey}
}

// tampered returns the stored item with blob as its env-key, env-alg
// "AES" and no wrap-alg, as old Java wrote; its signature is untouched,
// since the description is not signed.
func (li *legacyItem) tampered(blob []byte) map[string]types.AttributeValue {
	d := with(li.desc, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(blob), "amzn-ddb-env-alg", "AES", "amzn-ddb-wrap-alg", "<delete>")
	out := maps.Clone(li.stored)
	out[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(d)}
	return out
}

func (li *legacyItem) decrypt(blob []byte) (map[string]types.AttributeValue, error) {
	return li.reader.DecryptItem(bg, li.tampered(blob), legacyActions, legacyContext)
}

// legacySigners are the signing keys the legacy tests run with: the
// signature key is separate from the content key in both.
func legacySigners(t testing.TB) map[string]cmp.SigningKey {
	rsaSK, err := cmp.NewRSASigningKey("SHA256withRSA", testRSAKey())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]cmp.SigningKey{"HmacSHA256": mustHMAC(t, "HmacSHA256", aes128), "SHA256withRSA": rsaSK}
}

// TestLegacyPKCS1v15UniformErrors: whatever the blob, DecryptItem returns
// the very same error, as the signature (the description is not signed)
// holds and the attribute then fails to decrypt under the wrong key. A
// genuine PKCS#1 v1.5 item still decrypts.
//
// The random stream, and so the RSA key, the item and the blobs, are fixed
// so that a wrong key's CBC decryption cannot, one time in 256, end in valid
// padding and fail later, in deserialization, with another error: that
// outcome is as likely for every blob, so it is no oracle, but it would make
// the test flaky.
func TestLegacyPKCS1v15UniformErrors(t *testing.T) {
	cryptotest.SetGlobalRandom(t, 1)
	priv, err := rsa.GenerateKey(rand.Reader, 1024) // small: quick to make
	if err != nil {
		t.Fatal(err)
	}
	for sname, sk := range legacySigners(t) {
		t.Run(sname, func(t *testing.T) {
			cryptotest.SetGlobalRandom(t, 2)
			li := newLegacyItem(t, priv, sk, 0)
			blobs := legacyBlobs(t, &priv.PublicKey)
			// Once the signature holds, an attribute that fails to decrypt
			// is the bare ErrIntegrity, the very value, whatever the blob.
			for _, name := range slices.Sorted(maps.Keys(blobs)) {
				if _, err := li.decrypt(blobs[name]); err != ddbcrypt.ErrIntegrity {
					t.Errorf("%s: error %v, want exactly ddbcrypt.ErrIntegrity", name, err)
				}
			}

			got, err := li.decrypt(legacyPKCS1(t, &priv.PublicKey, li.contentKey))
			if err != nil {
				t.Fatalf("genuine legacy item: %v", err)
			}
			if s, ok := got["secret"].(*types.AttributeValueMemberS); !ok || s.Value != "attack at dawn" {
				t.Fatalf("genuine legacy item decrypts to %v", got["secret"])
			}
		})
	}
}

// legacyPaddingCases are the two items timed against each other: valid
// padding around a key the reader never wrote, and invalid padding. The item
// carries a 300 KB signed attribute, so that any work done for one and not
// the other (a signature check, say) would show.
func legacyPaddingCases(t testing.TB, sk cmp.SigningKey) (li *legacyItem, valid, invalid []byte) {
	li = newLegacyItem(t, testRSAKey(), sk, 300<<10)
	pub := &testRSAKey().PublicKey
	return li, legacyPKCS1(t, pub, bytes.Repeat([]byte{7}, 32)), badPaddingPKCS1(pub)
}

// legacyDecryptFails runs DecryptItem and reports anything but the failure
// of a wrong content key: the attribute's integrity failure or, when the
// key's CBC decryption happens to end in valid padding (one time in 256),
// its deserialization failure.
func legacyDecryptFails(li *legacyItem, blob []byte) error {
	_, err := li.decrypt(blob)
	var ae *ddbcrypt.AttributeError
	if !errors.As(err, &ae) || ae.Attribute != "secret" || !errors.Is(err, ddbcrypt.ErrIntegrity) && !errors.Is(err, ddbcrypt.ErrSerialization) {
		return fmt.Errorf("error %v, want the failure of a wrong content key", err)
	}
	return nil
}

func BenchmarkLegacyPKCS1v15Unwrap(b *testing.B) {
	for sname, sk := range legacySigners(b) {
		li, valid, invalid := legacyPaddingCases(b, sk)
		for _, c := range []struct {
			name string
			blob []byte
		}{{"valid", valid}, {"invalid", invalid}} {
			b.Run("signer="+sname+"/padding="+c.name, func(b *testing.B) {
				for b.Loop() {
					if err := legacyDecryptFails(li, c.blob); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestLegacyPKCS1v15Timing checks that DecryptItem takes as long on valid
// as on invalid padding: over 301 back-to-back pairs, in alternating order,
// the median of the per-pair time ratios must be within 1.1× either way.
// Pairing each call with its neighbour, and taking medians, shrugs off the
// load swings of a shared machine. Wall-clock, so only with PERF_BUDGET=1.
func TestLegacyPKCS1v15Timing(t *testing.T) {
	testenv.PerfBudget(t, "the time of valid against invalid PKCS#1 v1.5 padding")
	const pairs, budget = 301, 1.1
	var report strings.Builder
	fmt.Fprintf(&report, "\n%d back-to-back pairs, median of the per-pair ratios\n", pairs)
	fmt.Fprintf(&report, "%-14s %15s %17s %7s %7s\n", "signer", "median valid µs", "median invalid µs", "ratio", "result")
	for sname, sk := range legacySigners(t) {
		li, valid, invalid := legacyPaddingCases(t, sk)
		run := func(blob []byte) float64 {
			start := time.Now()
			if err := legacyDecryptFails(li, blob); err != nil {
				t.Fatal(err)
			}
			return float64(time.Since(start).Nanoseconds()) / 1e3
		}
		for range 10 { // warm up
			run(valid)
			run(invalid)
		}
		var validUs, invalidUs, ratios []float64
		for i := range pairs {
			var v, inv float64
			if i%2 == 0 {
				v = run(valid)
				inv = run(invalid)
			} else {
				inv = run(invalid)
				v = run(valid)
			}
			validUs, invalidUs, ratios = append(validUs, v), append(invalidUs, inv), append(ratios, v/inv)
		}
		ratio := testenv.Median(ratios)
		result := "pass"
		if ratio > budget || ratio < 1/budget {
			result = "FAIL"
			t.Errorf("%s: valid/invalid padding time ratio %.3f (median of pairs), want within %.1f×", sname, ratio, budget)
		}
		fmt.Fprintf(&report, "%-14s %15.1f %17.1f %6.3f× %7s\n", sname, testenv.Median(validUs), testenv.Median(invalidUs), ratio, result)
	}
	t.Log(report.String())
}
