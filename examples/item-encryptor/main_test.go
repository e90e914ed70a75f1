package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

func TestItemEncryptorExample(t *testing.T) {
	db := testenv.DynamoDB(t)
	for _, provider := range []string{"static", "wrapped", "rsa"} {
		t.Run(provider, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(t.Context(), &out, db, provider, testenv.TableName(t)); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for _, want := range []string{"*amzn-ddb-map-desc*", `S "data"`, "Reading it back is refused"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}
