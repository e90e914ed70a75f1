package setup

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Check refuses, with the hint, a configuration an example cannot run
// with, and accepts one that names a DynamoDB endpoint in any of the ways
// the SDK reads.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_KMS"} {
		t.Setenv(name, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	load := func(t *testing.T, env ...string) aws.Config {
		for i := 0; i < len(env); i += 2 {
			t.Setenv(env[i], env[i+1])
		}
		cfg, err := config.LoadDefaultConfig(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	creds := []string{"AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "a", "AWS_SECRET_ACCESS_KEY", "b"}
	refused := map[string]struct {
		env      []string
		dynamoDB bool
		says     string
	}{
		"nothing":             {nil, false, "no AWS region"},
		"no credentials":      {[]string{"AWS_REGION", "us-east-1"}, false, "no AWS credentials"},
		"no dynamodb address": {creds, true, "no DynamoDB endpoint"},
		"only kms address":    {append(creds, "AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:1"), true, "no DynamoDB endpoint"},
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			err := Check(t.Context(), load(t, c.env...), c.dynamoDB)
			if err == nil || !strings.Contains(err.Error(), c.says) || !strings.HasSuffix(err.Error(), Hint) {
				t.Errorf("Check: %v, want an error saying %q and ending with the hint", err, c.says)
			}
		})
	}
	accepted := map[string][]string{
		"credentials, no table":   creds,
		"dynamodb address":        append(creds, "AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:1"),
		"address of all services": append(creds, "AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
	}
	for name, env := range accepted {
		t.Run(name, func(t *testing.T) {
			if err := Check(t.Context(), load(t, env...), name != "credentials, no table"); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
	t.Run("credentials that fail", func(t *testing.T) {
		cfg := load(t, creds...)
		cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New("expired")
		})
		if err := Check(t.Context(), cfg, false); err == nil || !strings.Contains(err.Error(), "expired") {
			t.Errorf("Check: %v, want the credentials' error", err)
		}
	})
}
