package mapper_test

// The mapper against a DynamoDB that fails: throttling, server errors,
// timeouts, hangs, lost responses and partial batches (testenv.Faults).
// After every failure the table holds only whole items: signed, and
// verified and decrypted by a mapper that sees no faults.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/tags"
	gocmp "github.com/google/go-cmp/cmp"
)

// newFaultEnv is newTableEnv for a test that does not run in parallel: its
// Faults checks that the goroutines the test started have ended.
func newFaultEnv[T any](t *testing.T, opts ...mapper.Option) (*env, *mapper.Table[T]) {
	t.Helper()
	return withTable[T](t, newEnvOn(t, testenv.NewFaults(t), opts...))
}

// storedWhole checks that every item in the table is whole: it carries a
// signature and a material description, and loads as a T (verified and
// decrypted) through a mapper that sees no faults. It returns the keys of
// the stored items, formatted and sorted.
func storedWhole[T any](t *testing.T, e *env) []string {
	t.Helper()
	clean := mustTable[T](t, mapper.New(e.db, e.p), e.table)
	dec := attributevalue.NewDecoder(func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key })
	var keys []map[string]types.AttributeValue
	for _, item := range e.cc.Stored(t, e.table) {
		k := map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]}
		keys = append(keys, k)
		if item[ddbcrypt.SignatureAttribute] == nil || item[ddbcrypt.DescriptionAttribute] == nil {
			t.Errorf("item %s is stored without its signature or material description", fmtKey(k))
			continue
		}
		var v T
		if err := dec.Decode(&types.AttributeValueMemberM{Value: k}, &v); err != nil {
			t.Fatal(err)
		}
		if err := clean.Load(t.Context(), &v, mapper.ConsistentRead()); err != nil {
			t.Errorf("stored item %s does not load: %v", fmtKey(k), err)
		}
	}
	return fmtKeys(keys)
}

// A throttled, failed or timed-out PutItem is one call (the SDK retried it
// already), an error naming the item, no write and no version change; the
// same Save then succeeds.
func TestFaultsSaveFailsThenSucceeds(t *testing.T) {
	e, accounts := newFaultEnv[account](t)
	ctx := t.Context()

	for i, tc := range testenv.Failures() {
		t.Run(tc.Name, func(t *testing.T) {
			a := account{ID: "s", Seq: i, Owner: "alice", Balance: 5}
			tc.Arm(e.cc.On("PutItem").Nth(1))
			defer e.cc.Clear()
			puts := e.cc.Calls("PutItem")
			err := accounts.Save(ctx, &a)
			if !errors.As(err, tc.Want) {
				t.Errorf("Save: %v, want the SDK's error", err)
			}
			testenv.WantItemError(t, "Save", err, e.table, key("s", i))
			if n := e.cc.Calls("PutItem") - puts; n != 1 {
				t.Errorf("%d PutItem calls, want 1", n)
			}
			if a.Version != 0 {
				t.Errorf("a failed Save set the version to %d", a.Version)
			}
			if slices.Contains(storedWhole[account](t, e), fmtKey(key("s", i))) {
				t.Errorf("a failed Save wrote the item")
			}
			if err := accounts.Save(ctx, &a); err != nil || a.Version != 1 {
				t.Fatalf("Save once the fault is gone: %v, version %d", err, a.Version)
			}
			if !slices.Contains(storedWhole[account](t, e), fmtKey(key("s", i))) {
				t.Errorf("the second Save wrote nothing")
			}
		})
	}
}

// A PutItem that hangs ends when ctx does; nothing is written. One whose
// response is lost wrote a whole item: the caller sees the deadline, keeps
// its version, and its next Save is a version conflict, not an overwrite.
func TestFaultsSaveHangs(t *testing.T) {
	e, accounts := newFaultEnv[account](t)
	ctx := t.Context()
	// Describe the table first, so that the deadline is the PutItem's.
	if err := accounts.Save(ctx, &account{ID: "warm", Seq: 1}); err != nil {
		t.Fatal(err)
	}

	e.cc.On("PutItem").Nth(1).Hang()
	e.cc.On("PutItem").Nth(2).LoseResponse()
	for _, lost := range []bool{false, true} {
		a := account{ID: "h", Seq: 1, Owner: "alice"}
		if lost {
			a.Seq = 2
		}
		err := testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error { return accounts.Save(ctx, &a) })
		wantErrIs(t, "Save that hangs", err, context.DeadlineExceeded)
		testenv.WantItemError(t, "Save that hangs", err, e.table, key("h", a.Seq))
		if a.Version != 0 {
			t.Errorf("Save that hangs set the version to %d", a.Version)
		}
		stored := slices.Contains(storedWhole[account](t, e), fmtKey(key("h", a.Seq)))
		if stored != lost {
			t.Errorf("lost response %v: item stored %v", lost, stored)
		}
		if lost {
			err := accounts.Save(ctx, &a)
			wantErrIs(t, "Save again after a lost response", err, mapper.ErrVersionConflict)
			got := account{ID: "h", Seq: 2}
			if err := accounts.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got.Version != 1 || got.Owner != "alice" {
				t.Errorf("Load after a lost response: %+v, %v", got, err)
			}
		}
	}
}

// Load and Delete fail with an error naming the item, and end with ctx.
func TestFaultsLoadAndDelete(t *testing.T) {
	e, accounts := newFaultEnv[account](t)
	ctx := t.Context()
	a := account{ID: "l", Seq: 1, Owner: "alice"}
	if err := accounts.Save(ctx, &a); err != nil {
		t.Fatal(err)
	}

	e.cc.On("GetItem").Nth(1).Throttle()
	e.cc.On("GetItem").Nth(2).Hang()
	err := accounts.Load(ctx, &account{ID: "l", Seq: 1})
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) || mapper.IsNotFound(err) {
		t.Errorf("Load throttled: %v", err)
	}
	testenv.WantItemError(t, "Load throttled", err, e.table, key("l", 1))
	err = testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error { return accounts.Load(ctx, &account{ID: "l", Seq: 1}) })
	wantErrIs(t, "Load that hangs", err, context.DeadlineExceeded)
	testenv.WantItemError(t, "Load that hangs", err, e.table, key("l", 1))

	e.cc.On("DeleteItem").Nth(1).ServerError()
	err = accounts.Delete(ctx, &a)
	var ise *types.InternalServerError
	if !errors.As(err, &ise) || mapper.IsConflict(err) {
		t.Errorf("Delete with a server error: %v", err)
	}
	testenv.WantItemError(t, "Delete with a server error", err, e.table, key("l", 1))
	if got := storedWhole[account](t, e); len(got) != 1 {
		t.Errorf("after a failed Delete the table holds %v", got)
	}
	if n := e.cc.Calls("DeleteItem"); n != 1 {
		t.Errorf("%d DeleteItem calls, want 1", n)
	}
}

// BatchSave: the first call writes 10 of 25 items, then DynamoDB throttles.
// The *mapper.BatchError lists exactly the items not written (the rest of
// the first chunk and all of the second), after one retry; the 10 written
// are whole. With DynamoDB processing nothing after the first call, the
// retries stop after WithBatchRetry's attempts.
func TestFaultsBatchSavePartial(t *testing.T) {
	for _, tc := range []struct {
		name  string
		arm   func(*testenv.Rule)
		calls int
		cause func(error) bool
	}{
		{"then throttled", (*testenv.Rule).Throttle, 2, func(err error) bool {
			var pte *types.ProvisionedThroughputExceededException
			return errors.As(err, &pte)
		}},
		{"then nothing", func(r *testenv.Rule) { r.Partial(0) }, 4, func(err error) bool {
			return strings.Contains(err.Error(), "unprocessed after every retry")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, tbl := newFaultEnv[event](t, mapper.WithBatchRetry(4, time.Millisecond, 5*time.Millisecond))
			items := events("b", 30)
			e.cc.On("BatchWriteItem").Nth(1).Partial(10)
			tc.arm(e.cc.On("BatchWriteItem").From(2))

			err := tbl.BatchSave(t.Context(), items)
			var be *mapper.BatchError
			if !errors.As(err, &be) || be.Table != e.table || !tc.cause(err) {
				t.Fatalf("BatchSave: %v (%T), want a *mapper.BatchError for %s with the cause", err, err, e.table)
			}
			stored := storedWhole[event](t, e)
			if diff := gocmp.Diff(eventKeys(items[:10]), stored); diff != "" {
				t.Errorf("stored items (-want +got):\n%s", diff)
			}
			if diff := gocmp.Diff(eventKeys(items[10:]), fmtKeys(be.Keys)); diff != "" {
				t.Errorf("BatchError keys are not the items not written (-want +got):\n%s", diff)
			}
			if n := e.cc.Calls("BatchWriteItem"); n != tc.calls {
				t.Errorf("%d BatchWriteItem calls, want %d", n, tc.calls)
			}
		})
	}
}

// BatchLoad: 10 of 30 keys read, then a server error: the BatchError lists
// the 20 keys not read.
func TestFaultsBatchLoadPartial(t *testing.T) {
	e, tbl := newFaultEnv[event](t)
	items := events("g", 30)
	if err := tbl.BatchSave(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	e.cc.On("BatchGetItem").Nth(1).Partial(10)
	e.cc.On("BatchGetItem").Nth(2).ServerError()
	keys := keysOf(items)
	got, err := tbl.BatchLoad(t.Context(), keys)
	var be *mapper.BatchError
	var ise *types.InternalServerError
	if !errors.As(err, &be) || !errors.As(err, &ise) || got != nil {
		t.Fatalf("BatchLoad: %d items, %v; want a *mapper.BatchError wrapping the server error", len(got), err)
	}
	var read []string
	for _, k := range keys {
		if !slices.Contains(fmtKeys(be.Keys), fmtKey(key(k.PK, k.SK))) {
			read = append(read, fmtKey(key(k.PK, k.SK)))
		}
	}
	if len(be.Keys) != 20 || len(read) != 10 {
		t.Errorf("BatchError lists %d keys, want the 20 not read", len(be.Keys))
	}
	if n := e.cc.Calls("BatchGetItem"); n != 2 {
		t.Errorf("%d BatchGetItem calls, want 2", n)
	}
}

// A transaction that fails for a reason other than a condition (here a
// server error) writes nothing, changes no version, and its error names
// the items of the transaction.
func TestFaultsTxCommitServerError(t *testing.T) {
	e, accounts := newFaultEnv[account](t)
	ctx := t.Context()
	a := account{ID: "t", Seq: 1, Owner: "alice"}
	b := account{ID: "t", Seq: 2, Owner: "bob"}
	tx := e.m.NewTx()
	for _, v := range []*account{&a, &b} {
		if err := accounts.TxSave(ctx, tx, v); err != nil {
			t.Fatal(err)
		}
	}
	e.cc.On("TransactWriteItems").ServerError()
	err := tx.Commit(ctx)
	var ise *types.InternalServerError
	if !errors.As(err, &ise) {
		t.Errorf("Commit: %v, want the server error", err)
	}
	wantMention(t, "Commit", err, e.table, ddbcrypt.FormatKey(key("t", 1)), ddbcrypt.FormatKey(key("t", 2)))
	if a.Version != 0 || b.Version != 0 {
		t.Errorf("a failed Commit changed versions to %d, %d", a.Version, b.Version)
	}
	if got := storedWhole[account](t, e); len(got) != 0 {
		t.Errorf("a failed Commit wrote %v", got)
	}
	if n := e.cc.Calls("TransactWriteItems"); n != 1 {
		t.Errorf("%d TransactWriteItems calls, want 1", n)
	}
}

// Describing the table on first use: a hang ends with ctx, for every caller
// waiting for it; a failure names the item; and a timeout is not retried
// without end.
func TestFaultsFirstUseDescribeTable(t *testing.T) {
	t.Run("hangs", func(t *testing.T) {
		e, accounts := newFaultEnv[account](t)
		e.cc.On("DescribeTable").Hang()

		// A first caller with a long deadline is stuck describing the
		// table; a second with a short one must not wait for it.
		first := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			first <- accounts.Save(ctx, &account{ID: "d", Seq: 1})
		}()
		for i := 0; e.cc.Calls("DescribeTable") == 0; i++ {
			if i == 500 {
				t.Fatal("the first Save never described the table")
			}
			time.Sleep(10 * time.Millisecond)
		}
		err := testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error {
			return accounts.Save(ctx, &account{ID: "d", Seq: 2})
		})
		wantErrIs(t, "second Save while the table is being described", err, context.DeadlineExceeded)
		select {
		case err := <-first:
			wantErrIs(t, "first Save", err, context.DeadlineExceeded)
		case <-time.After(10 * time.Second):
			t.Fatal("the first Save did not return when its ctx ended")
		}
		if got := storedWhole[account](t, e); len(got) != 0 {
			t.Errorf("stored %v", got)
		}
	})

	t.Run("fails", func(t *testing.T) {
		e, accounts := newFaultEnv[account](t)
		e.cc.On("DescribeTable").ServerError()
		a := account{ID: "d", Seq: 1}
		for _, c := range []struct {
			what string
			call func() error
		}{
			{"Save", func() error { return accounts.Save(t.Context(), &a) }},
			{"Load", func() error { return accounts.Load(t.Context(), &a) }},
			{"Delete", func() error { return accounts.Delete(t.Context(), &a) }},
		} {
			err := c.call()
			var ise *types.InternalServerError
			if !errors.As(err, &ise) {
				t.Errorf("%s: %v, want the server error", c.what, err)
			}
			testenv.WantItemError(t, c.what, err, e.table, key("d", 1))
		}
	})

	t.Run("times out", func(t *testing.T) {
		e, accounts := newFaultEnv[account](t)
		e.cc.On("DescribeTable").Timeout()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		err := accounts.Save(ctx, &account{ID: "d", Seq: 1})
		var timeout interface{ Timeout() bool }
		if !errors.As(err, &timeout) || ctx.Err() != nil {
			t.Errorf("Save: %v (ctx: %v), want the SDK's timeout error before ctx ends", err, ctx.Err())
		}
		if n := e.cc.Calls("DescribeTable"); n > 3 {
			t.Errorf("%d DescribeTable calls for one Save, want at most 3", n)
		}
	})
}

// A parallel scan in which one segment fails while others hang returns the
// error at once and leaves no goroutine behind; so does one whose reader
// stops early while segments are still sending. The ctx ends only long
// after the test, so only the scan's own cancellation can end its
// goroutines before testenv.Faults counts them.
func TestFaultsParallelScan(t *testing.T) {
	e, tbl := newFaultEnv[event](t)
	if err := tbl.BatchSave(t.Context(), events("p", 100)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	time.AfterFunc(time.Minute, cancel)
	scan := func(stopAfter int) (int, error) {
		t.Helper()
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the scan took %v", d)
			}
		}()
		n := 0
		for _, err := range tbl.Scan().Segments(4).All(ctx) {
			if err != nil {
				return n, err
			}
			if n++; n == stopAfter {
				break
			}
		}
		return n, nil
	}

	e.cc.On("Scan").Nth(1).Hang()
	e.cc.On("Scan").Nth(2).Hang()
	e.cc.On("Scan").Nth(3).Throttle()
	_, err := scan(0)
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Errorf("parallel scan with a throttled segment: %v", err)
	}

	e.cc.Clear()
	if n, err := scan(3); err != nil || n != 3 {
		t.Errorf("parallel scan stopped after %d items: %v", n, err)
	}
}
