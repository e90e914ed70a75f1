package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
)

// FuzzLoad: any input either loads or fails with an error wrapping
// ddbcrypt.ErrInvalidConfig, never a panic, and an error never shows the
// raw root key's text. Inputs that name env: or file: sources are skipped:
// they would read the machine's environment and files.
func FuzzLoad(f *testing.F) {
	const secret = "c2VjcmV0LXJvb3Qta2V5LW9mLXRoaXJ0eS10d28tYnl0ZXM="
	for _, s := range []string{
		`{"provider": {"type": "static", "signingKey": {"hmac": "base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}, "actions": {"default": "encrypt"}, "beacons": {"attributes": {"email": 16}, "rootKey": {"raw": "base64:` + secret + `"}}}`,
		`{"provider": {"type": "static"}, "beacons": {"attributes": {"a": 0, "": 3}, "rootKey": {"raw": "` + secret + `"}}}`,
		`{"beacons": {"rootKey": {"kms": {"keyId": "k", "ciphertext": "base64:AA=="}}}}`,
		`{"beacons": {"attributes": {"x": 1e400}}}`,
		`{"beacons": {}}`,
		`{"provider": {"type": "wrapped", "wrappingKey": {"aes": "` + secret + `"}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if strings.Contains(doc, "env:") || strings.Contains(doc, "file:") {
			t.Skip()
		}
		_, err := Load(strings.NewReader(doc))
		if err == nil {
			return
		}
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("error %v does not wrap ErrInvalidConfig", err)
		}
		if strings.Contains(err.Error(), secret[:16]) {
			t.Errorf("error shows the key: %v", err)
		}
	})
}
