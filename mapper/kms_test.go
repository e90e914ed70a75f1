package mapper_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// A KMS failure while saving is a typed error naming the key and the
// operation, and nothing is written.
func TestSaveWithFailingKMSWritesNothing(t *testing.T) {
	ctx := t.Context()
	kmsClient := testenv.KMS(t)
	keyARN := testenv.NewKMSKey(t, kmsClient)
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kmsClient, KeyID: keyARN})
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.DynamoDB(t)
	cc := testenv.NewParallelFaults(t)
	name := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	accounts := mustTable[account](t, mapper.New(cc, provider), name)

	a := account{ID: "k", Seq: 1, Owner: "alice"}
	if err := accounts.Save(ctx, &a); err != nil {
		t.Fatalf("with the key enabled: %v", err)
	}
	if _, err := kmsClient.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &keyARN}); err != nil {
		t.Fatal(err)
	}
	puts := cc.Calls(opPut)
	b := account{ID: "k", Seq: 2, Owner: "bob"}
	err = accounts.Save(ctx, &b)
	var kmsErr *cmp.KMSError
	if !errors.Is(err, ddbcrypt.ErrKeyService) || !errors.As(err, &kmsErr) || kmsErr.KeyID != keyARN || kmsErr.Operation != "GenerateDataKey" {
		t.Fatalf("Save with a disabled key: %v; want a *cmp.KMSError for %s GenerateDataKey", err, keyARN)
	}
	if n := cc.Calls(opPut); n != puts {
		t.Errorf("%d PutItem calls after the KMS failure", n-puts)
	}
	if item := testenv.RawGet(t, db, name, key("k", 2)); item != nil {
		t.Errorf("an item was written: %v", item)
	}
	if b.Version != 0 {
		t.Errorf("the struct's version changed to %d", b.Version)
	}
	// Reading fails the same way, and is not mistaken for tampering.
	err = accounts.Load(ctx, &account{ID: "k", Seq: 1})
	if !errors.Is(err, ddbcrypt.ErrKeyService) || errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("Load with a disabled key: %v", err)
	}
}
