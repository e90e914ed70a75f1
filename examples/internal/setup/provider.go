package setup

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// KMSKeyID returns the KMS key an example uses: DDBCRYPT_KMS_KEY_ID, or a
// key it creates in a KMS server on this machine (AWS_ENDPOINT_URL_KMS on a
// loopback address, as `scripts/services.sh env` sets it), saying so on w.
// It never creates keys in a real AWS account.
func KMSKeyID(ctx context.Context, w io.Writer, client *kms.Client) (string, error) {
	if id := os.Getenv("DDBCRYPT_KMS_KEY_ID"); id != "" {
		return id, nil
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL_KMS")
	if !isLoopback(endpoint) {
		return "", errors.New("set DDBCRYPT_KMS_KEY_ID to the KMS key to use " +
			"(keys are created only in a KMS server on this machine, named by AWS_ENDPOINT_URL_KMS)\n" + Hint)
	}
	out, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("ddbcrypt example")})
	if err != nil {
		return "", fmt.Errorf("creating a key in the local KMS at %s: %w", endpoint, err)
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	fmt.Fprintf(w, "Created KMS key %s in the local KMS at %s.\n", arn, endpoint)
	return arn, nil
}

func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || endpoint == "" {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
}

// NewProvider makes the provider an example names with -provider: static,
// wrapped or rsa with fresh random keys, or kms, a Direct KMS provider with
// client and keyID. A real application keeps its keys in KMS or a secrets store; the
// per-provider examples (examples/static, examples/wrapped-symmetric,
// examples/wrapped-rsa, examples/direct-kms, examples/most-recent) show how
// each provider is built.
func NewProvider(name string, client *kms.Client, keyID string) (cmp.Provider, error) {
	mac, err := cmp.NewHMACKey("HmacSHA256", RandomKey(32))
	if err != nil {
		return nil, err
	}
	switch name {
	case "static":
		return cmp.NewStatic(cmp.StaticConfig{EncryptionKey: RandomKey(32), SigningKey: mac})
	case "wrapped":
		kek, err := cmp.NewAESWrappingKey(RandomKey(32))
		if err != nil {
			return nil, err
		}
		return cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
	case "rsa":
		encryption, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		signing, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		signer, err := cmp.NewRSASigningKey("SHA256withRSA", signing)
		if err != nil {
			return nil, err
		}
		return cmp.NewAsymmetricStatic(encryption, signer, nil, nil)
	case "kms":
		return cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: client, KeyID: keyID})
	}
	return nil, fmt.Errorf("unknown provider %q (want static, wrapped, rsa or kms)", name)
}

// RandomKey returns n random bytes: a throwaway key, gone when the program
// ends. Real keys come from KMS or a secrets store.
func RandomKey(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
