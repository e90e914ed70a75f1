package metastore_test

// The MetaStore against a DynamoDB (and KMS) that fails (testenv.Faults):
// errors are *cmp.MaterialError naming the material and version and
// wrapping ddbcrypt.ErrKeyService and the SDK's error, calls end with their
// ctx, and the table only ever holds whole rows.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// faultStore is a MetaStore table with two stores on it: one through a
// testenv.Faults, and a clean one for checking what was stored.
type faultStore struct {
	f            *testenv.Faults
	table        string
	store, clean *metastore.MetaStore
}

func newFaultStore(t *testing.T, inner func(f *testenv.Faults) cmp.Provider) *faultStore {
	t.Helper()
	f := testenv.NewFaults(t)
	e := &faultStore{f: f, table: newMetaTable(t, f.DynamoDB)}
	p := testenv.WrappedProvider(t)
	if inner != nil {
		p = inner(f)
	}
	var err error
	if e.store, err = metastore.New(f, e.table, p); err != nil {
		t.Fatal(err)
	}
	if e.clean, err = metastore.New(f.DynamoDB, e.table, p); err != nil {
		t.Fatal(err)
	}
	return e
}

// rowsWhole checks that every stored row is whole: signed, with a material
// description, and verified and decrypted by the clean store. It returns
// the versions stored.
func (e *faultStore) rowsWhole(t *testing.T) []metastore.Version {
	t.Helper()
	for _, row := range e.f.Stored(t, e.table) {
		if row[crypto.SignatureAttribute] == nil || row[crypto.DescriptionAttribute] == nil {
			t.Errorf("row %v/%v is stored without its signature or material description", row[metastore.AttrName], row[metastore.AttrVersion])
		}
	}
	list, err := e.clean.Versions(t.Context())
	if err != nil {
		t.Errorf("the stored rows do not all verify: %v", err)
	}
	return list
}

// A failed PutItem of a new version is a MaterialError for the version,
// after one call, and stores nothing; the version is created on the next
// try.
func TestFaultsCreateVersionFails(t *testing.T) {
	e := newFaultStore(t, nil)
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		arm  func(*testenv.Rule)
		want any
	}{
		{"throttled", (*testenv.Rule).Throttle, new(*types.ProvisionedThroughputExceededException)},
		{"server error", (*testenv.Rule).ServerError, new(*types.InternalServerError)},
		{"timeout", (*testenv.Rule).Timeout, new(interface{ Timeout() bool })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.arm(e.f.On("PutItem").Nth(1))
			defer e.f.Clear()
			before := len(e.rowsWhole(t))
			puts := e.f.Calls("PutItem")
			_, version, err := e.store.NewProvider(ctx, "orders")
			wantMaterialError(t, "NewProvider", err, ddbcrypt.ErrKeyService, "orders", int64(before))
			if !errors.As(err, tc.want) {
				t.Errorf("NewProvider: %v, want the SDK's error", err)
			}
			if version != 0 {
				t.Errorf("a failed NewProvider returned version %d", version)
			}
			if n := e.f.Calls("PutItem") - puts; n != 1 {
				t.Errorf("%d PutItem calls, want 1", n)
			}
			if got := len(e.rowsWhole(t)); got != before {
				t.Errorf("a failed NewProvider stored a row: %d rows, want %d", got, before)
			}
			if _, version, err := e.store.NewProvider(ctx, "orders"); err != nil || version != int64(before) {
				t.Errorf("NewProvider once the fault is gone: version %d, %v; want %d", version, err, before)
			}
		})
	}
}

// Store calls that hang end with ctx: creating (PutItem), finding the
// newest version (Query), loading (GetItem) and listing (Scan). A create
// whose response is lost stored a whole row, whose keys the next
// GetOrCreate of that version returns.
func TestFaultsStoreHangs(t *testing.T) {
	e := newFaultStore(t, nil)
	ctx := t.Context()
	const wait = 200 * time.Millisecond

	e.f.On("PutItem").Nth(1).Hang()
	err := testenv.Promptly(t, wait, func(ctx context.Context) error {
		_, err := e.store.GetOrCreate(ctx, "orders", 0)
		return err
	})
	wantMaterialError(t, "GetOrCreate that hangs", err, context.DeadlineExceeded, "orders", 0)
	if !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Errorf("GetOrCreate that hangs: %v, want ErrKeyService", err)
	}
	if got := e.rowsWhole(t); len(got) != 0 {
		t.Errorf("a GetOrCreate that hung stored %v", got)
	}

	e.f.On("PutItem").Nth(1).LoseResponse()
	err = testenv.Promptly(t, wait, func(ctx context.Context) error {
		_, err := e.store.GetOrCreate(ctx, "orders", 0)
		return err
	})
	wantMaterialError(t, "GetOrCreate whose response is lost", err, context.DeadlineExceeded, "orders", 0)
	if got := e.rowsWhole(t); len(got) != 1 {
		t.Fatalf("a GetOrCreate whose response was lost stored %v, want its row", got)
	}
	e.f.Clear()
	again, err := e.store.GetOrCreate(ctx, "orders", 0)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.clean.Provider(ctx, "orders", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := decryptWith(stored, encryptWith(t, again, 1)); err != nil {
		t.Errorf("GetOrCreate after a lost response returned other keys than the row's: %v", err)
	}

	for _, tc := range []struct {
		op   string
		call func(ctx context.Context) error
	}{
		{"Query", func(ctx context.Context) error { _, err := e.store.MaxVersion(ctx, "orders"); return err }},
		{"GetItem", func(ctx context.Context) error { _, err := e.store.Provider(ctx, "orders", 0); return err }},
		{"Scan", func(ctx context.Context) error { _, err := e.store.Versions(ctx); return err }},
	} {
		e.f.On(tc.op).Nth(1).Hang()
		err := testenv.Promptly(t, wait, tc.call)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ddbcrypt.ErrKeyService) {
			t.Errorf("%s that hangs: %v, want ErrKeyService and the deadline", tc.op, err)
		}
		if tc.op != "Scan" {
			var me *cmp.MaterialError
			if !errors.As(err, &me) || me.Name != "orders" {
				t.Errorf("%s that hangs: %v, want a *cmp.MaterialError naming the material", tc.op, err)
			}
		}
	}
	if got := e.rowsWhole(t); len(got) != 1 {
		t.Errorf("the table holds %v, want version 0 only", got)
	}
}

// With Direct KMS protecting the rows, a KMS that throttles or hangs while
// a version is created fails the create with ErrKeyService, promptly, and
// stores nothing.
func TestFaultsDirectKMSInner(t *testing.T) {
	var keyID string
	e := newFaultStore(t, func(f *testenv.Faults) cmp.Provider {
		keyID = testenv.NewKMSKey(t, f.KMS)
		p, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: f, KeyID: keyID})
		if err != nil {
			t.Fatal(err)
		}
		return p
	})
	ctx := t.Context()

	e.f.On("GenerateDataKey").Nth(1).Throttle()
	e.f.On("GenerateDataKey").Nth(2).Hang()
	_, err := e.store.GetOrCreate(ctx, "orders", 0)
	var kmsErr *cmp.KMSError
	if !errors.As(err, &kmsErr) || kmsErr.KeyID != keyID || kmsErr.Operation != "GenerateDataKey" {
		t.Errorf("GetOrCreate with KMS throttling: %v, want a *cmp.KMSError for GenerateDataKey", err)
	}
	wantMaterialError(t, "GetOrCreate with KMS throttling", err, ddbcrypt.ErrKeyService, "orders", 0)
	err = testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error {
		_, err := e.store.GetOrCreate(ctx, "orders", 0)
		return err
	})
	wantMaterialError(t, "GetOrCreate with KMS hanging", err, context.DeadlineExceeded, "orders", 0)
	if n := e.f.Calls("PutItem"); n != 0 {
		t.Errorf("%d PutItem calls without keys", n)
	}
	if got := e.rowsWhole(t); len(got) != 0 {
		t.Errorf("stored %v", got)
	}

	// Reading a row back: KMS Decrypt failing is ErrKeyService, not
	// tampering.
	if _, err := e.store.GetOrCreate(ctx, "orders", 0); err != nil {
		t.Fatal(err)
	}
	e.f.On("Decrypt").ServerError()
	_, err = e.store.Provider(ctx, "orders", 0)
	wantMaterialError(t, "Provider with KMS failing", err, ddbcrypt.ErrKeyService, "orders", 0)
	if errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("Provider with KMS failing: %v, reported as tampering", err)
	}
}

// CreateTable: a failed CreateTable call and a DescribeTable that hangs
// while waiting for the table both end, with ErrKeyService.
func TestFaultsCreateTable(t *testing.T) {
	f := testenv.NewFaults(t)
	ctx := t.Context()

	name := testenv.TableName(t)
	f.On("CreateTable").Nth(1).ServerError()
	err := metastore.CreateTable(ctx, f, name)
	var ise *types.InternalServerError
	if !errors.Is(err, ddbcrypt.ErrKeyService) || !errors.As(err, &ise) {
		t.Errorf("CreateTable with a server error: %v", err)
	}

	f.On("DescribeTable").Hang()
	err = testenv.Promptly(t, time.Second, func(ctx context.Context) error { return metastore.CreateTable(ctx, f, name) })
	testenv.DeleteTableAtEnd(t, f.DynamoDB, name, quiet)
	if !errors.Is(err, ddbcrypt.ErrKeyService) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CreateTable while DescribeTable hangs: %v, want ErrKeyService and the deadline", err)
	}
}
