package setup

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// Show renders an attribute value briefly: its type and value, binary
// values in shortened base64 with their length.
func Show(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S %q", v.Value)
	case *types.AttributeValueMemberN:
		return "N " + v.Value
	case *types.AttributeValueMemberB:
		s := base64.StdEncoding.EncodeToString(v.Value)
		if len(s) > 32 {
			s = s[:29] + "..."
		}
		return fmt.Sprintf("B %s (%d bytes)", s, len(v.Value))
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", av), "*types.AttributeValueMember")
}

// SideBySide prints each attribute of a stored item beside its value in
// plain, under the column title plainTitle; absent values show as "-".
func SideBySide(w io.Writer, stored, plain map[string]types.AttributeValue, plainTitle string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  ATTRIBUTE\tSTORED IN DYNAMODB\t%s\n", plainTitle)
	for _, name := range slices.Sorted(maps.Keys(stored)) {
		after := "-"
		if av, ok := plain[name]; ok {
			after = Show(av)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", name, Show(stored[name]), after)
	}
	return tw.Flush()
}

// KMSKeyID returns the KMS key an example uses: DDBCRYPT_KMS_KEY_ID, or a
// key it creates in a KMS server on this machine (AWS_ENDPOINT_URL_KMS on a
// loopback address, as `make demo-kms` sets it). It never creates keys in a
// real AWS account.
func KMSKeyID(ctx context.Context, w io.Writer, client *kms.Client, description string) (string, error) {
	if id := os.Getenv("DDBCRYPT_KMS_KEY_ID"); id != "" {
		return id, nil
	}
	endpoint := os.Getenv("AWS_ENDPOINT_URL_KMS")
	if !isLoopback(endpoint) {
		return "", errors.New("set DDBCRYPT_KMS_KEY_ID to the KMS key to use " +
			"(keys are created only in a KMS server on this machine, named by AWS_ENDPOINT_URL_KMS; `make demo-kms` starts one)")
	}
	out, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(description)})
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

// Provider makes the provider an example names with -provider: static,
// wrapped or rsa with fresh random keys, or kms, a Direct KMS provider over
// KMSKeyID. A real application keeps its keys in a key store or KMS; see the
// per-provider examples.
func Provider(ctx context.Context, w io.Writer, name string) (cmp.Provider, error) {
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	mac, err := cmp.NewHMACKey("HmacSHA256", random(32))
	if err != nil {
		return nil, err
	}
	switch name {
	case "static":
		return cmp.NewStatic(cmp.StaticConfig{EncryptionKey: random(32), SigningKey: mac})
	case "wrapped":
		kek, err := cmp.NewAESWrappingKey(random(32))
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
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		client := kms.NewFromConfig(cfg)
		keyID, err := KMSKeyID(ctx, w, client, "ddbcrypt example")
		if err != nil {
			return nil, err
		}
		return cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: client, KeyID: keyID})
	}
	return nil, fmt.Errorf("unknown provider %q (want static, wrapped, rsa or kms)", name)
}
