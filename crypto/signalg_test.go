package crypto_test

// The stored "amzn-ddb-map-signingAlg" is unsigned (docs/format.md 3.2): the
// configured verification key decides the algorithm, and for an RSA key the
// entry must name exactly the key's algorithm (5.4, 11 item 1).

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// withSigningAlgorithm returns item with its description's signingAlg set
// to alg; its signature is untouched.
func withSigningAlgorithm(t *testing.T, item map[string]types.AttributeValue, alg string) map[string]types.AttributeValue {
	t.Helper()
	d, err := crypto.DecodeMaterialDescription(item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
	if err != nil {
		t.Fatal(err)
	}
	d[crypto.DescSigningAlgorithm] = alg
	out := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		out[k] = v
	}
	out[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(d)}
	return out
}

// TestSigningAlgorithmMismatchRSA: an RSA-signed item whose description
// names another known algorithm is refused with a DescriptionError naming
// the field, before any signature check, even though the signature itself
// would verify under the configured key.
func TestSigningAlgorithmMismatchRSA(t *testing.T) {
	sk, err := cmp.NewRSASigningKey("SHA256withRSA", perfRSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: testAESKey, SigningKey: sk})
	if err != nil {
		t.Fatal(err)
	}
	e := crypto.NewEncryptor(p)
	item := encryptExample(t, e)
	if _, err := e.DecryptItem(context.Background(), withSigningAlgorithm(t, item, "SHA256withRSA"), exampleActions, testContext); err != nil {
		t.Fatalf("the key's own algorithm: %v", err)
	}
	for _, alg := range []string{"SHA224withRSA", "SHA384withRSA", "SHA512withRSA", "HmacSHA256", "HmacSHA512"} {
		_, err := e.DecryptItem(context.Background(), withSigningAlgorithm(t, item, alg), exampleActions, testContext)
		var de *ddbcrypt.DescriptionError
		if !errors.As(err, &de) || de.Field != crypto.DescSigningAlgorithm || de.Value != alg || !errors.Is(err, ddbcrypt.ErrMaterialDescription) {
			t.Errorf("signingAlg %q with a SHA256withRSA key: err = %v, want a DescriptionError naming the field", alg, err)
		}
	}
}

// TestSigningAlgorithmIgnoredForHMAC pins the Java behaviour for HMAC keys:
// an allow-listed entry, even an RSA one, does not change how the item is
// verified, since the HMAC key decides (Python writes "HmacSHA256" there).
func TestSigningAlgorithmIgnoredForHMAC(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	item := encryptExample(t, e)
	for _, alg := range []string{"SHA256withRSA", "SHA384withRSA", "HmacSHA256", "HmacSHA512"} {
		if _, err := e.DecryptItem(context.Background(), withSigningAlgorithm(t, item, alg), exampleActions, testContext); err != nil {
			t.Errorf("HMAC item with signingAlg %q: %v", alg, err)
		}
	}
	// The signature still decides: a tampered HMAC item claiming RSA fails
	// its HMAC check.
	bad := withSigningAlgorithm(t, item, "SHA256withRSA")
	ct := append([]byte{}, item["example"].(*types.AttributeValueMemberB).Value...)
	ct[0] ^= 1
	bad["example"] = &types.AttributeValueMemberB{Value: ct}
	if _, err := e.DecryptItem(context.Background(), bad, exampleActions, testContext); err != ddbcrypt.ErrIntegrity {
		t.Errorf("tampered HMAC item claiming SHA256withRSA: err = %v, want ddbcrypt.ErrIntegrity", err)
	}
}
