package cmp_test

// The Direct KMS provider against a KMS that fails (testenv.Faults), through
// the mapper: a KMS failure is a *cmp.KMSError wrapping ErrKeyService (never
// ErrIntegrity), it ends with ctx, it is not retried by the library (the
// SDK retried already), and nothing is written without keys.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// faultRecord is the item type of these tests.
type faultRecord struct {
	PK     string `ddb:"pk,hash"`
	SK     int    `ddb:"sk,range"`
	Secret string `ddb:"secret"`
}

// kmsFaultEnv is a table and a mapper whose DynamoDB and KMS calls go
// through a testenv.Faults, and a clean mapper for checking what was
// stored.
type kmsFaultEnv struct {
	f          *testenv.Faults
	keyID      string
	table      string
	tbl, clean *mapper.Table[faultRecord]
}

func newKMSFaultEnv(t *testing.T, cache *cmp.DataKeyCacheConfig) *kmsFaultEnv {
	t.Helper()
	f := testenv.NewFaults(t)
	e := &kmsFaultEnv{f: f, keyID: testenv.NewKMSKey(t, f.KMS)}
	e.table = testenv.NewTable(t, f.DynamoDB, testenv.S("pk"), testenv.N("sk"))
	faulty, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: f, KeyID: e.keyID, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	clean, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: f.KMS, KeyID: e.keyID})
	if err != nil {
		t.Fatal(err)
	}
	if e.tbl, err = mapper.NewTable[faultRecord](mapper.New(f, faulty), mapper.WithTableName(e.table)); err != nil {
		t.Fatal(err)
	}
	if e.clean, err = mapper.NewTable[faultRecord](mapper.New(f.DynamoDB, clean), mapper.WithTableName(e.table)); err != nil {
		t.Fatal(err)
	}
	return e
}

// storedWhole checks that every stored item is whole (signed, with a
// material description, and loads through the clean mapper) and returns
// how many there are.
func (e *kmsFaultEnv) storedWhole(t *testing.T) int {
	t.Helper()
	stored := e.f.Stored(t, e.table)
	for _, item := range stored {
		pk, _ := item["pk"].(*types.AttributeValueMemberS)
		sk, _ := item["sk"].(*types.AttributeValueMemberN)
		if pk == nil || sk == nil {
			t.Errorf("stored item without its key: %v", item)
			continue
		}
		if item[ddbcrypt.SignatureAttribute] == nil || item[ddbcrypt.DescriptionAttribute] == nil {
			t.Errorf("item %s/%s is stored without its signature or material description", pk.Value, sk.Value)
			continue
		}
		v := faultRecord{PK: pk.Value}
		var err error
		if v.SK, err = strconv.Atoi(sk.Value); err != nil {
			t.Fatal(err)
		}
		if err := e.clean.Load(t.Context(), &v, mapper.ConsistentRead()); err != nil {
			t.Errorf("stored item %s/%s does not load: %v", pk.Value, sk.Value, err)
		}
	}
	return len(stored)
}

// wantKMSError fails the test unless err is a *cmp.KMSError for op with the
// configured key, wrapping ErrKeyService and not ErrIntegrity.
func (e *kmsFaultEnv) wantKMSError(t *testing.T, what string, err error, op string) {
	t.Helper()
	var ke *cmp.KMSError
	if !errors.As(err, &ke) || ke.KeyID != e.keyID || ke.Operation != op || !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Errorf("%s: %v (%T), want a *cmp.KMSError for %s with key %s", what, err, err, op, e.keyID)
	}
	if errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("%s: %v is reported as an integrity failure", what, err)
	}
}

// GenerateDataKey throttled, failing or hanging: Save fails with a
// KMSError, promptly for a hang, names the item, calls KMS once, and
// writes nothing; the next Save works.
func TestFaultsDirectKMSSave(t *testing.T) {
	e := newKMSFaultEnv(t, nil)
	ctx := t.Context()

	for i, tc := range []struct {
		name string
		arm  func(*testenv.Rule)
		want func(error) bool
	}{
		{"throttled", (*testenv.Rule).Throttle, func(err error) bool {
			var api smithy.APIError
			return errors.As(err, &api) && api.ErrorCode() == "ThrottlingException"
		}},
		{"server error", (*testenv.Rule).ServerError, func(err error) bool {
			var internal *kmstypes.KMSInternalException
			return errors.As(err, &internal)
		}},
		{"hangs", (*testenv.Rule).Hang, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer e.f.Clear()
			tc.arm(e.f.On("GenerateDataKey").Nth(1))
			calls, puts := e.f.Calls("GenerateDataKey"), e.f.Calls("PutItem")
			r := faultRecord{PK: "s", SK: i, Secret: "secret"}
			err := testenv.Promptly(t, 300*time.Millisecond, func(ctx context.Context) error { return e.tbl.Save(ctx, &r) })
			e.wantKMSError(t, "Save", err, "GenerateDataKey")
			if !tc.want(err) {
				t.Errorf("Save: %v does not carry the KMS error", err)
			}
			var ie *mapper.ItemError
			if !errors.As(err, &ie) || ie.Table != e.table || ddbcrypt.FormatKey(ie.Key) != fmt.Sprintf(`{pk="s", sk=%d}`, i) {
				t.Errorf("Save: %v does not name the item", err)
			}
			if n := e.f.Calls("GenerateDataKey") - calls; n != 1 {
				t.Errorf("%d GenerateDataKey calls, want 1", n)
			}
			if n := e.f.Calls("PutItem") - puts; n != 0 {
				t.Errorf("%d PutItem calls without keys", n)
			}
			before := e.storedWhole(t)
			if err := e.tbl.Save(ctx, &r); err != nil {
				t.Fatalf("Save once KMS works: %v", err)
			}
			if got := e.storedWhole(t); got != before+1 {
				t.Errorf("%d items stored, want %d", got, before+1)
			}
		})
	}
}

// Decrypt throttled or hanging: Load fails with a KMSError (promptly for a
// hang), never ErrIntegrity, after one call.
func TestFaultsDirectKMSLoad(t *testing.T) {
	e := newKMSFaultEnv(t, nil)
	ctx := t.Context()
	if err := e.tbl.Save(ctx, &faultRecord{PK: "l", SK: 1, Secret: "secret"}); err != nil {
		t.Fatal(err)
	}

	e.f.On("Decrypt").Nth(1).Throttle()
	e.f.On("Decrypt").Nth(2).Hang()
	err := e.tbl.Load(ctx, &faultRecord{PK: "l", SK: 1})
	e.wantKMSError(t, "Load throttled", err, "Decrypt")
	err = testenv.Promptly(t, 300*time.Millisecond, func(ctx context.Context) error {
		return e.tbl.Load(ctx, &faultRecord{PK: "l", SK: 1})
	})
	e.wantKMSError(t, "Load hanging", err, "Decrypt")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Load hanging: %v, want the deadline", err)
	}
	if n := e.f.Calls("Decrypt"); n != 2 {
		t.Errorf("%d Decrypt calls, want 2", n)
	}
	got := faultRecord{PK: "l", SK: 1}
	if err := e.tbl.Load(ctx, &got); err != nil || got.Secret != "secret" {
		t.Errorf("Load once KMS works: %+v, %v", got, err)
	}
}

// With the data-key cache, callers that share one Decrypt that times out
// (an SDK timeout: the error matches context.DeadlineExceeded though their
// ctx is live) get the error after a bounded number of calls; they do not
// call KMS again and again until their ctx ends.
func TestFaultsDirectKMSCacheSharedTimeout(t *testing.T) {
	e := newKMSFaultEnv(t, &cmp.DataKeyCacheConfig{TTL: time.Minute})
	ctx := t.Context()
	if err := e.tbl.Save(ctx, &faultRecord{PK: "c", SK: 1, Secret: "secret"}); err != nil {
		t.Fatal(err)
	}
	// Each Decrypt takes long enough for the other callers to join it.
	e.f.On("Decrypt").Delay(100 * time.Millisecond).Timeout()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = e.tbl.Load(ctx, &faultRecord{PK: "c", SK: 1}) })
	}
	wg.Wait()
	for i, err := range errs {
		var timeout interface{ Timeout() bool }
		if !errors.As(err, &timeout) {
			t.Errorf("Load %d: %v, want the SDK's timeout error (ctx: %v)", i, err, ctx.Err())
		}
	}
	if n := e.f.Calls("Decrypt"); n > 3 {
		t.Errorf("%d Decrypt calls for 4 Loads of one item, want at most 3", n)
	}
}
