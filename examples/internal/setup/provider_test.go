package setup

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// Without DDBCRYPT_KMS_KEY_ID the example creates a key, but only in a
// KMS on this machine.
func TestKMSKeyID(t *testing.T) {
	var out bytes.Buffer
	client := testenv.KMS(t)
	t.Setenv("DDBCRYPT_KMS_KEY_ID", "alias/mine")
	if id, err := KMSKeyID(t.Context(), &out, client); err != nil || id != "alias/mine" {
		t.Errorf("with DDBCRYPT_KMS_KEY_ID: %q, %v", id, err)
	}
	t.Setenv("DDBCRYPT_KMS_KEY_ID", "")
	id, err := KMSKeyID(t.Context(), &out, client)
	if err != nil || !strings.HasPrefix(id, "arn:aws:kms:") || !strings.Contains(out.String(), id) {
		t.Fatalf("local key: %q, %v, %q", id, err, out.String())
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
	})
	t.Setenv("AWS_ENDPOINT_URL_KMS", "https://kms.us-east-1.amazonaws.com")
	if _, err := KMSKeyID(t.Context(), &out, client); err == nil || !strings.Contains(err.Error(), Hint) {
		t.Errorf("a key would be created in a remote KMS, or the error lacks the hint: %v", err)
	}
}
