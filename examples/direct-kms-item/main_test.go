package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// countingKMS counts the KMS calls the example makes.
type countingKMS struct {
	*kms.Client
	mu    sync.Mutex
	calls []string
}

func (c *countingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c.mu.Lock()
	c.calls = append(c.calls, "GenerateDataKey")
	c.mu.Unlock()
	return c.Client.GenerateDataKey(ctx, in, o...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.mu.Lock()
	c.calls = append(c.calls, "Decrypt")
	c.mu.Unlock()
	return c.Client.Decrypt(ctx, in, o...)
}

// The example encrypts and decrypts the guide's item with a local-kms key,
// with one KMS call each way.
func TestExample(t *testing.T) {
	client := testenv.KMS(t)
	keyARN := testenv.NewKMSKey(t, client)
	counting := &countingKMS{Client: client}
	var out bytes.Buffer
	if err := run(t.Context(), &out, counting, keyARN, "ExampleTable"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"Plaintext record:", "Encrypted record:", "*amzn-ddb-map-sig*", "Decrypted record:", `example                S "data"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if got := strings.Join(counting.calls, ","); got != "GenerateDataKey,Decrypt" {
		t.Errorf("KMS calls %s, want GenerateDataKey,Decrypt", got)
	}
}
