package mapper_test

// BatchSave, BatchLoad and BatchDelete: chunking, order, missing keys, and
// the retry of unprocessed items.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

func events(pk string, n int) []event {
	out := make([]event, n)
	for i := range out {
		out[i] = newEvent(pk, i+1)
	}
	return out
}

// keysOf returns evs with their keys only, as a load asks for them.
func keysOf(evs []event) []event {
	out := make([]event, len(evs))
	for i, v := range evs {
		out[i] = event{PK: v.PK, SK: v.SK}
	}
	return out
}

func eventKeys(evs []event) []string {
	out := make([]string, len(evs))
	for i, v := range evs {
		out[i] = fmtKey(key(v.PK, v.SK))
	}
	sort.Strings(out)
	return out
}

func requestKeys(reqs []types.WriteRequest) []string {
	var out []map[string]types.AttributeValue
	for _, r := range reqs {
		switch {
		case r.PutRequest != nil:
			out = append(out, map[string]types.AttributeValue{"pk": r.PutRequest.Item["pk"], "sk": r.PutRequest.Item["sk"]})
		case r.DeleteRequest != nil:
			out = append(out, r.DeleteRequest.Key)
		}
	}
	return fmtKeys(out)
}

// wantBatchError returns err as a *mapper.BatchError, or ends the test; it
// fails the test unless the error lists the keys want (formatted and
// sorted; nil: not checked).
func wantBatchError(t *testing.T, what string, err error, want []string) *mapper.BatchError {
	t.Helper()
	var be *mapper.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("%s: error %v (%T), want a *mapper.BatchError", what, err, err)
	}
	if diff := gocmp.Diff(want, fmtKeys(be.Keys)); want != nil && diff != "" {
		t.Errorf("%s: BatchError keys (-want +got):\n%s", what, diff)
	}
	return be
}

func TestBatch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[event](t)

	items := events("b", 150)
	saved := items[:130]

	// 130 items in 6 calls of at most 25; 60 alone would be 3.
	e.cc.Reset()
	if err := tbl.BatchSave(ctx, saved[:60]); err != nil {
		t.Fatal(err)
	}
	if n := e.cc.Calls(opBatchWrite); n != 3 {
		t.Errorf("BatchSave of 60 items: %d BatchWriteItem calls, want 3", n)
	}
	for i, in := range e.cc.Inputs(opBatchWrite) {
		reqs := in.(*dynamodb.BatchWriteItemInput).RequestItems[e.table]
		if want := []int{25, 25, 10}[i]; len(reqs) != want {
			t.Errorf("BatchWriteItem call %d has %d requests, want %d", i+1, len(reqs), want)
		}
	}
	if err := tbl.BatchSave(ctx, saved[60:]); err != nil {
		t.Fatal(err)
	}
	if got, want := rawKeys(t, e.db, e.table), eventKeys(saved); !slices.Equal(got, want) {
		t.Fatalf("after BatchSave the table holds %d items, want %d", len(got), len(want))
	}
	// Stored encrypted and signed, like Save's.
	raw := testenv.RawGet(t, e.db, e.table, key("b", 7))
	if _, ok := raw["body"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("body stored as %T, want encrypted", raw["body"])
	}
	one := event{PK: "b", SK: 7}
	if err := tbl.Load(ctx, &one); err != nil || one != newEvent("b", 7) {
		t.Errorf("Load of a batch-saved item: %+v, %v", one, err)
	}

	// BatchLoad of 150 keys, 20 of them missing, in a shuffled order.
	keys := keysOf(items)
	perm := []int{}
	for i := range keys {
		perm = append(perm, (i*37)%len(keys)) // 37 is coprime with 150
	}
	shuffled := make([]event, len(keys))
	for i, p := range perm {
		shuffled[i] = keys[p]
	}
	var want []event
	for _, k := range shuffled {
		if k.SK <= 130 {
			want = append(want, newEvent(k.PK, k.SK))
		}
	}
	e.cc.Reset()
	got, err := tbl.BatchLoad(ctx, shuffled)
	if err != nil {
		t.Fatalf("BatchLoad: %v", err)
	}
	if n := e.cc.Calls(opBatchGet); n != 2 {
		t.Errorf("BatchLoad of 150 keys: %d BatchGetItem calls, want 2", n)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("BatchLoad, in key order without the missing (-want +got):\n%s", diff)
	}

	// ConsistentRead reaches the request.
	got, err = tbl.BatchLoad(ctx, []event{{PK: "b", SK: 3}, {PK: "b", SK: 999}, {PK: "b", SK: 1}}, mapper.ConsistentRead())
	if err != nil {
		t.Fatalf("BatchLoad with ConsistentRead: %v", err)
	}
	if diff := gocmp.Diff([]event{newEvent("b", 3), newEvent("b", 1)}, got); diff != "" {
		t.Errorf("BatchLoad with a missing key (-want +got):\n%s", diff)
	}
	if in, _ := e.cc.Last(opBatchGet).(*dynamodb.BatchGetItemInput); in == nil || in.RequestItems[e.table].ConsistentRead == nil || !*in.RequestItems[e.table].ConsistentRead {
		t.Errorf("BatchLoad with ConsistentRead sent %+v", in)
	}

	// A key asked for twice is returned once (BatchLoad's doc); DynamoDB
	// refuses a request that names a key twice, so the mapper must not
	// send one.
	got, err = tbl.BatchLoad(ctx, []event{{PK: "b", SK: 3}, {PK: "b", SK: 1}, {PK: "b", SK: 3}})
	if err != nil {
		t.Errorf("BatchLoad with a duplicate key: %v", err)
	} else if diff := gocmp.Diff([]event{newEvent("b", 3), newEvent("b", 1)}, got); diff != "" {
		t.Errorf("BatchLoad with a duplicate key (-want +got):\n%s", diff)
	}

	// Nothing to do: no calls.
	e.cc.Reset()
	if err := tbl.BatchSave(ctx, nil); err != nil {
		t.Errorf("BatchSave(nil): %v", err)
	}
	if got, err := tbl.BatchLoad(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("BatchLoad(nil): %v, %v", got, err)
	}
	if err := tbl.BatchDelete(ctx, nil); err != nil {
		t.Errorf("BatchDelete(nil): %v", err)
	}
	if n := e.cc.Calls(opBatchWrite) + e.cc.Calls(opBatchGet); n != 0 {
		t.Errorf("empty batches made %d calls", n)
	}

	// A tampered item fails BatchLoad, naming it.
	testenv.RawSet(t, e.db, e.table, key("b", 50), "body", &types.AttributeValueMemberB{Value: randomBytes(t, 32)})
	_, err = tbl.BatchLoad(ctx, keys[40:60])
	wantErrIs(t, "BatchLoad over a tampered item", err, ddbcrypt.ErrIntegrity)
	if err != nil {
		if k := itemKey(t, err); k != fmtKey(key("b", 50)) {
			t.Errorf("BatchLoad error names %s", k)
		}
	}

	// BatchDelete in chunks of 25.
	e.cc.Reset()
	if err := tbl.BatchDelete(ctx, keys[:60]); err != nil {
		t.Fatal(err)
	}
	if n := e.cc.Calls(opBatchWrite); n != 3 {
		t.Errorf("BatchDelete of 60 items: %d BatchWriteItem calls, want 3", n)
	}
	if got, want := rawKeys(t, e.db, e.table), eventKeys(saved[60:]); !slices.Equal(got, want) {
		t.Errorf("after BatchDelete the table holds %d items, want %d", len(got), len(want))
	}
	got, err = tbl.BatchLoad(ctx, keys[:60])
	if err != nil || len(got) != 0 {
		t.Errorf("BatchLoad of deleted items: %d items, %v", len(got), err)
	}
}

func TestBatchUnprocessed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[event](t)
	items := events("u", 60)

	t.Run("retried until written", func(t *testing.T) {
		// The first call writes the first half of its requests (12 of 25).
		fault(t, e.cc, opBatchWrite).First(1).Partial(12)
		if err := tbl.BatchSave(ctx, items); err != nil {
			t.Fatalf("BatchSave with unprocessed items: %v", err)
		}
		if got, want := rawKeys(t, e.db, e.table), eventKeys(items); !slices.Equal(got, want) {
			t.Errorf("table holds %d items, want %d", len(got), len(want))
		}
		// 3 chunks, and one retry for the first.
		if n := e.cc.Calls(opBatchWrite); n != 4 {
			t.Errorf("%d BatchWriteItem calls, want 4", n)
		}
		ins := e.cc.Inputs(opBatchWrite)
		if len(ins) >= 2 {
			retried := requestKeys(ins[1].(*dynamodb.BatchWriteItemInput).RequestItems[e.table])
			if want := eventKeys(items[12:25]); !slices.Equal(retried, want) {
				t.Errorf("the retry sent %v, want the 13 unprocessed items", retried)
			}
		}
	})

	t.Run("retried until read", func(t *testing.T) {
		// The first call reads the first half of its keys (30 of 60).
		fault(t, e.cc, opBatchGet).First(1).Partial(30)
		keys := keysOf(items)
		got, err := tbl.BatchLoad(ctx, keys)
		if err != nil {
			t.Fatalf("BatchLoad with unprocessed keys: %v", err)
		}
		if diff := gocmp.Diff(items, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if n := e.cc.Calls(opBatchGet); n != 2 {
			t.Errorf("%d BatchGetItem calls, want 2", n)
		}
	})

	t.Run("deletes retried", func(t *testing.T) {
		// The first call deletes the first half of its requests (10 of 20).
		fault(t, e.cc, opBatchWrite).First(1).Partial(10)
		if err := tbl.BatchDelete(ctx, items[:20]); err != nil {
			t.Fatalf("BatchDelete with unprocessed items: %v", err)
		}
		if got, want := rawKeys(t, e.db, e.table), eventKeys(items[20:]); !slices.Equal(got, want) {
			t.Errorf("table holds %d items, want %d", len(got), len(want))
		}
	})
}

func TestBatchNeverProcessed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[event](t)
	items := events("n", 30)

	t.Run("writes", func(t *testing.T) {
		// Each call writes only its first request.
		fault(t, e.cc, opBatchWrite).Partial(1)
		err := tbl.BatchSave(ctx, items)
		be := wantBatchError(t, "BatchSave that never finishes", err, nil)
		if be.Table != e.table {
			t.Errorf("BatchError names table %q", be.Table)
		}
		stored := rawKeys(t, e.db, e.table)
		var unwritten []string
		for _, k := range eventKeys(items) {
			if !slices.Contains(stored, k) {
				unwritten = append(unwritten, k)
			}
		}
		// 8 attempts on the first chunk wrote 8 items; 17 of it and the 5
		// of the second chunk are left.
		if len(stored) != 8 {
			t.Errorf("%d items written, want 8 (one per attempt)", len(stored))
		}
		if diff := gocmp.Diff(unwritten, fmtKeys(be.Keys)); diff != "" {
			t.Errorf("BatchError keys are not the unwritten items (-unwritten +listed):\n%s", diff)
		}
		if n := e.cc.Calls(opBatchWrite); n != 8 {
			t.Errorf("%d BatchWriteItem calls, want 8 (the attempts of WithBatchRetry)", n)
		}
		wantMention(t, "BatchError", err, fmt.Sprintf("%d items not processed", len(unwritten)))
	})

	t.Run("reads", func(t *testing.T) {
		// Each call reads only its first key.
		fault(t, e.cc, opBatchGet).Partial(1)
		keys := make([]event, 120)
		for i := range keys {
			keys[i] = event{PK: "n", SK: i + 1}
		}
		// The first 8 keys were read; the other 92 of the first 100 and
		// the 20 of the second chunk were not.
		got, err := tbl.BatchLoad(ctx, keys)
		if got != nil {
			t.Errorf("BatchLoad that never finishes returned %d items", len(got))
		}
		wantBatchError(t, "BatchLoad that never finishes", err, eventKeys(keys[8:]))
	})

	t.Run("cancelled", func(t *testing.T) {
		e.cc.Reset()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		more := events("c", 30)
		err := tbl.BatchSave(cctx, more)
		if err == nil {
			t.Fatal("BatchSave with a cancelled context: no error")
		}
		wantErrIs(t, "BatchSave with a cancelled context", err, context.Canceled)
		wantBatchError(t, "BatchSave with a cancelled context", err, eventKeys(more))
		for _, k := range rawKeys(t, e.db, e.table) {
			if k[:len(`{pk=S:c`)] == `{pk=S:c` {
				t.Errorf("a cancelled BatchSave wrote %s", k)
			}
		}

		keys := []event{{PK: "n", SK: 1}, {PK: "n", SK: 2}}
		_, err = tbl.BatchLoad(cctx, keys)
		wantErrIs(t, "BatchLoad with a cancelled context", err, context.Canceled)
		wantBatchError(t, "BatchLoad with a cancelled context", err, eventKeys(keys))

		err = tbl.BatchDelete(cctx, keys)
		wantBatchError(t, "BatchDelete with a cancelled context", err, eventKeys(keys))
	})

	t.Run("cancelled while waiting", func(t *testing.T) {
		// DynamoDB leaves everything unprocessed and the context ends
		// during the backoff.
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		fault(t, e.cc, opBatchWrite).Do(func(ctx context.Context, n int, in any) (any, error) {
			if n == 1 {
				cancel()
			}
			return &dynamodb.BatchWriteItemOutput{UnprocessedItems: in.(*dynamodb.BatchWriteItemInput).RequestItems}, nil
		})
		more := events("w", 40)
		err := tbl.BatchSave(cctx, more)
		wantErrIs(t, "BatchSave cancelled during backoff", err, context.Canceled)
		wantBatchError(t, "BatchSave cancelled during backoff", err, eventKeys(more))
		if n := e.cc.Calls(opBatchWrite); n != 1 {
			t.Errorf("%d BatchWriteItem calls after the context ended, want 1", n)
		}
	})
}

// A cancelled context on a table not used before: the error still says
// which items were not written.
func TestBatchCancelledFirstUse(t *testing.T) {
	t.Parallel()
	_, tbl := newTableEnv[event](t)
	cctx, cancel := context.WithCancel(t.Context())
	cancel()
	items := events("f", 3)
	err := tbl.BatchSave(cctx, items)
	wantErrIs(t, "BatchSave on first use with a cancelled context", err, context.Canceled)
	wantBatchError(t, "BatchSave on first use with a cancelled context", err, eventKeys(items))
}
