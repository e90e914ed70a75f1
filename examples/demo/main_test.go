package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The demo runs end to end on DynamoDB Local with each provider.
func TestDemo(t *testing.T) {
	db := testenv.DynamoDB(t)
	for _, provider := range []string{"static", "wrapped", "rsa", "kms"} {
		t.Run(provider, func(t *testing.T) {
			if provider == "kms" {
				testenv.KMS(t) // skips without a local KMS
				t.Setenv("DDBCRYPT_KMS_KEY_ID", "")
			}
			var out bytes.Buffer
			table := testenv.TableName(t)
			if err := run(t.Context(), &out, db, provider, table); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"*amzn-ddb-map-sig*", `S "is this"`, "56: example=\"more data\"", "57: example=\"even more data\"", "integrity check"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
