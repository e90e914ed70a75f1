package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
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

// Without DDBCRYPT_KMS_KEY_ID the example creates a key, but only in a
// KMS on this machine.
func TestKMSKeyID(t *testing.T) {
	client := testenv.KMS(t)
	t.Setenv("DDBCRYPT_KMS_KEY_ID", "alias/mine")
	if id, err := kmsKeyID(t.Context(), &bytes.Buffer{}, client); err != nil || id != "alias/mine" {
		t.Errorf("with DDBCRYPT_KMS_KEY_ID: %q, %v", id, err)
	}
	t.Setenv("DDBCRYPT_KMS_KEY_ID", "")
	var out bytes.Buffer
	id, err := kmsKeyID(t.Context(), &out, client)
	if err != nil || !strings.HasPrefix(id, "arn:aws:kms:") || !strings.Contains(out.String(), id) {
		t.Fatalf("local key: %q, %v, %q", id, err, out.String())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
	})
	t.Setenv("AWS_ENDPOINT_URL_KMS", "https://kms.us-east-1.amazonaws.com")
	if _, err := kmsKeyID(t.Context(), &bytes.Buffer{}, client); err == nil {
		t.Error("a key would be created in a remote KMS")
	}
}
