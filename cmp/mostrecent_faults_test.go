package cmp_test

// The Most Recent provider over a MetaStore whose DynamoDB fails
// (testenv.Faults): a store call that hangs or fails costs the caller no
// more than its ctx, does not wedge the provider for later callers, and
// leaves no goroutine behind; a failing store is not asked again by every
// caller.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

var (
	mrContext = crypto.Context{TableName: "data", PartitionKeyName: "pk"}
	mrActions = crypto.EncryptAll("pk")
)

func mrItem(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: fmt.Sprint("item ", i)},
		"secret": &types.AttributeValueMemberS{Value: "secret"},
	}
}

// newFaultMostRecent returns a Most Recent provider over a MetaStore whose
// DynamoDB calls go through a testenv.Faults.
func newFaultMostRecent(t *testing.T) (*testenv.Faults, *cmp.MostRecent) {
	t.Helper()
	f := testenv.NewFaults(t)
	table := testenv.NewTable(t, f.DynamoDB, testenv.S(metastore.AttrName), testenv.N(metastore.AttrVersion))
	store, err := metastore.New(f, table, testenv.WrappedProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	mr, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: "orders", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	// A lookup left hanging by a provider without a bound of its own lasts
	// until its bound: wait that long for its goroutine before calling it
	// a leak.
	f.LeakWait = 40 * time.Second
	return f, mr
}

// untilWorks calls fn with a fresh 1 s ctx until it succeeds, for at most
// 35 s (longer than any lookup bound or remembered failure should last),
// and returns the last error.
func untilWorks(fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(35 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := fn(ctx)
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The first lookup of the current version hangs (Query): the caller gets
// ErrKeyService when its ctx ends, and once the store answers again, so do
// later callers: the hung lookup does not wedge the provider.
func TestFaultsMostRecentLookupHangs(t *testing.T) {
	f, mr := newFaultMostRecent(t)
	enc := crypto.NewEncryptor(mr)

	f.On("Query").Nth(1).Hang()
	err := testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error {
		_, err := enc.EncryptItem(ctx, mrItem(1), mrActions, mrContext)
		return err
	})
	if !errors.Is(err, ddbcrypt.ErrKeyService) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("EncryptItem while the store hangs: %v, want ErrKeyService and the deadline", err)
	}

	f.Clear()
	var stored map[string]types.AttributeValue
	err = untilWorks(func(ctx context.Context) error {
		var err error
		stored, err = enc.EncryptItem(ctx, mrItem(2), mrActions, mrContext)
		return err
	})
	if err != nil {
		t.Fatalf("EncryptItem once the store answers: %v; the hung lookup wedged the provider", err)
	}
	if _, err := enc.DecryptItem(t.Context(), stored, mrActions, mrContext); err != nil {
		t.Errorf("DecryptItem: %v", err)
	}
}

// Loading an old version to decrypt (GetItem) hangs: the same, for
// DecryptItem.
func TestFaultsMostRecentVersionLoadHangs(t *testing.T) {
	f, mr := newFaultMostRecent(t)
	ctx := t.Context()
	stored, err := crypto.NewEncryptor(mr).EncryptItem(ctx, mrItem(1), mrActions, mrContext)
	if err != nil {
		t.Fatal(err)
	}
	mr.ClearCache() // version 0 must be loaded again to decrypt
	dec := crypto.NewEncryptor(mr)

	f.On("GetItem").Nth(1).Hang()
	err = testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error {
		_, err := dec.DecryptItem(ctx, stored, mrActions, mrContext)
		return err
	})
	if !errors.Is(err, ddbcrypt.ErrKeyService) || errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("DecryptItem while the store hangs: %v, want ErrKeyService", err)
	}

	f.Clear()
	err = untilWorks(func(ctx context.Context) error {
		_, err := dec.DecryptItem(ctx, stored, mrActions, mrContext)
		return err
	})
	if err != nil {
		t.Fatalf("DecryptItem once the store answers: %v; the hung lookup wedged the provider", err)
	}
}

// While the store fails (throttled), callers in quick succession get its
// error, typed, but do not each ask the store again.
func TestFaultsMostRecentStoreFailing(t *testing.T) {
	f, mr := newFaultMostRecent(t)
	enc := crypto.NewEncryptor(mr)
	f.On("Query").Throttle()
	const callers = 10
	for i := range callers {
		_, err := enc.EncryptItem(t.Context(), mrItem(i), mrActions, mrContext)
		var pte *types.ProvisionedThroughputExceededException
		var me *cmp.MaterialError
		if !errors.Is(err, ddbcrypt.ErrKeyService) || !errors.As(err, &pte) || !errors.As(err, &me) || me.Name != "orders" {
			t.Errorf("EncryptItem %d while the store throttles: %v, want ErrKeyService, the SDK's error and a MaterialError for \"orders\"", i, err)
		}
	}
	if n := f.Calls("Query"); n > 2 {
		t.Errorf("%d Query calls for %d callers in quick succession, want at most 2", n, callers)
	}
	if n := f.Calls("PutItem"); n != 0 {
		t.Errorf("%d PutItem calls: a version was created without knowing the newest", n)
	}
}
