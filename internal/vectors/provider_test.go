package vectors

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/vectors/vectorstest"
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
