package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The example saves and loads the guide's record on DynamoDB Local with a
// local-kms key.
func TestExample(t *testing.T) {
	kmsClient := testenv.KMS(t)
	keyARN := testenv.NewKMSKey(t, kmsClient)
	var out bytes.Buffer
	if err := run(t.Context(), &out, testenv.DynamoDB(t), kmsClient, keyARN, testenv.TableName(t)); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Plaintext record: {PartitionAttribute:is this", "*amzn-ddb-map-desc*", `leave me               S "alone"`,
		"Decrypted record: {PartitionAttribute:is this SortAttribute:55 Example:data SomeNumbers:99 SomeBinary:[0 1 2] LeaveMe:alone}"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
