package vectors

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

// TestLegacyUnwrapIsNeeded shows why decrypt runs enable the legacy RSA
// PKCS#1 v1.5 unwrap: without it, wrapped-rsa-rsa-1 (Java, no
// amzn-ddb-wrap-alg) does not decrypt, while wrapped-rsa-rsa-2 still does.
func TestLegacyUnwrapIsNeeded(t *testing.T) {
	noLegacy := func(r *Runner, set *Set, spec ProviderSpec) (cmp.Provider, error) {
		spec.Purpose = ForEncrypt // the legacy unwrap is on only for ForDecrypt
		return buildWrapped(r, set, spec)
	}
	r := &Runner{Providers: map[string]ProviderBuilder{"wrapped": noLegacy}}
	rep, err := r.Decrypt(context.Background(), filepath.Join(vectorstest.Dir(t), "encrypted_item"))
	if err != nil {
		t.Fatal(err)
	}
	if res := rep.Result("wrapped-rsa-rsa-1.json"); res.Failed == 0 {
		t.Errorf("wrapped-rsa-rsa-1.json decrypted without the legacy unwrap: %+v", res)
	}
	if res := rep.Result("wrapped-rsa-rsa-2.json"); res.Failed != 0 || res.Passed != 16 {
		t.Errorf("wrapped-rsa-rsa-2.json: %d passed, %d failed", res.Passed, res.Failed)
	}
	if res := rep.Result("static-aes-hmac-1.json"); !res.Skipped || res.SkipReason != "not supported by this runner: static" {
		t.Errorf("static-aes-hmac-1.json: %+v, want skipped as unsupported", res)
	}
}

// TestBuildRefusals checks which key set-ups the static and wrapped
// builders refuse as unsupported (a skip), and that a missing key is an
// error of its own.
func TestBuildRefusals(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := &Set{Keys: map[string]*Key{
		"aes":  {Name: "aes", Algorithm: "AES", Type: "symmetric", Symmetric: make([]byte, 32)},
		"aes7": {Name: "aes7", Algorithm: "AES", Type: "symmetric", Symmetric: make([]byte, 7)},
		"hmac": {Name: "hmac", Algorithm: "HmacSHA256", Type: "symmetric", Symmetric: make([]byte, 32)},
		"priv": {Name: "priv", Algorithm: "SHA256withRSA", Type: "private", Private: rsaKey},
		"pub":  {Name: "pub", Algorithm: "SHA256withRSA", Type: "public", Public: &rsaKey.PublicKey},
	}}
	tests := []struct {
		name  string
		build ProviderBuilder
		keys  map[string]string
		want  string // "" builds; "unsupported" wraps ErrUnsupported; else in the error
	}{
		{"static", buildStatic, map[string]string{"decrypt": "aes", "verify": "hmac"}, ""},
		{"static, RSA signature", buildStatic, map[string]string{"decrypt": "aes", "sign": "priv", "verify": "pub"}, ""},
		{"static, RSA encryption", buildStatic, map[string]string{"encrypt": "pub", "decrypt": "priv", "verify": "hmac"}, "unsupported"},
		{"static, signing with a public key", buildStatic, map[string]string{"decrypt": "aes", "verify": "pub"}, "unsupported"},
		{"static, verifying with a private key", buildStatic, map[string]string{"decrypt": "aes", "sign": "priv", "verify": "priv"}, "unsupported"},
		{"static, no signature key", buildStatic, map[string]string{"decrypt": "aes"}, `sign key: no key ""`},
		{"static, no verify key", buildStatic, map[string]string{"decrypt": "aes", "sign": "hmac"}, `verify key: no key ""`},
		{"static, unknown key", buildStatic, map[string]string{"decrypt": "nope", "verify": "hmac"}, `encrypt key: no key "nope"`},
		{"wrapped AES", buildWrapped, map[string]string{"decrypt": "aes", "verify": "hmac"}, ""},
		{"wrapped RSA", buildWrapped, map[string]string{"encrypt": "pub", "decrypt": "priv", "verify": "hmac"}, ""},
		{"wrapped, symmetric decrypt with public encrypt", buildWrapped, map[string]string{"encrypt": "pub", "decrypt": "aes", "verify": "hmac"}, "unsupported"},
		{"wrapped, private encrypt", buildWrapped, map[string]string{"encrypt": "priv", "decrypt": "priv", "verify": "hmac"}, "unsupported"},
		{"wrapped, short AES decrypt key", buildWrapped, map[string]string{"encrypt": "aes", "decrypt": "aes7", "verify": "hmac"}, "not 7"},
		{"wrapped, short AES encrypt key", buildWrapped, map[string]string{"encrypt": "aes7", "decrypt": "aes", "verify": "hmac"}, "not 7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.build(nil, set, ProviderSpec{Keys: tc.keys, Purpose: ForDecrypt})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v, want a provider", err)
			case tc.want == "":
				if p == nil {
					t.Fatal("no provider and no error")
				}
			case tc.want == "unsupported" && !errors.Is(err, ErrUnsupported):
				t.Fatalf("error %v, want one wrapping ErrUnsupported", err)
			case tc.want != "unsupported" && (err == nil || errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one saying %q, not unsupported", err, tc.want)
			}
		})
	}
}
