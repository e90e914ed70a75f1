package metastore_test

// The production set-up: MetaStore rows protected by Direct KMS (local-kms).

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// recordingKMS records the encryption contexts of the calls it passes on.
type recordingKMS struct {
	kms      *kms.Client
	mu       sync.Mutex
	contexts []map[string]string
}

func (r *recordingKMS) record(c map[string]string) {
	r.mu.Lock()
	r.contexts = append(r.contexts, c)
	r.mu.Unlock()
}

func (r *recordingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	r.record(in.EncryptionContext)
	return r.kms.GenerateDataKey(ctx, in, o...)
}

func (r *recordingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	r.record(in.EncryptionContext)
	return r.kms.Decrypt(ctx, in, o...)
}

func TestDirectKMSInner(t *testing.T) {
	kc := testenv.KMS(t)
	keyID := testenv.NewKMSKey(t, kc)
	rec := &recordingKMS{kms: kc}
	inner, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: rec, KeyID: keyID})
	if err != nil {
		t.Fatal(err)
	}
	e := newStoreEnv(t, metastore.WithSignatureTableName("keys"))
	store, err := metastore.New(e.cc, e.table, inner, metastore.WithSignatureTableName("keys"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	mr := newMostRecent(t, store, time.Hour)
	item := encryptWith(t, mr, 1) // creates version 0: one GenerateDataKey
	if _, _, err := store.NewProvider(ctx, "orders"); err != nil {
		t.Fatal(err)
	}

	// The KMS context of a row: its key attributes and the (logical)
	// MetaStore table name (docs/format.md 7.6.3).
	rec.mu.Lock()
	got := rec.contexts
	rec.mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d KMS calls, want 2", len(got))
	}
	for i, c := range got {
		if c["N"] != "orders" || c["V"] != []string{"0", "1"}[i] || c[cmp.KMSContextTable] != "keys" {
			t.Errorf("KMS context %d: %v", i, c)
		}
	}

	// Another host with the same KMS key reads both versions.
	other, err := metastore.New(e.cc, e.table, inner, metastore.WithSignatureTableName("keys"))
	if err != nil {
		t.Fatal(err)
	}
	if err := decryptWith(newMostRecent(t, other, time.Hour), item); err != nil {
		t.Error(err)
	}
	if _, err := other.Provider(ctx, "orders", 1); err != nil {
		t.Error(err)
	}

	// Another KMS key cannot.
	stranger, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kc, KeyID: testenv.NewKMSKey(t, kc)})
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := metastore.New(e.cc, e.table, stranger, metastore.WithSignatureTableName("keys"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.Provider(ctx, "orders", 0)
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("another KMS key: %v", err)
	}
}
