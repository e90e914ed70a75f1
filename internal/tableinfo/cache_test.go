package tableinfo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeDescriber answers DescribeTable with describe and counts the calls.
type fakeDescriber struct {
	calls    atomic.Int64
	describe func(ctx context.Context, n int64, name string) (*dynamodb.DescribeTableOutput, error)
}

func (f *fakeDescriber) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return f.describe(ctx, f.calls.Add(1), aws.ToString(in.TableName))
}

func description(name string) *dynamodb.DescribeTableOutput {
	return &dynamodb.DescribeTableOutput{Table: &types.TableDescription{
		TableName: aws.String(name),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	}}
}

// get runs c.Get, and fails the test if it does not return within a minute.
func get(t *testing.T, c *Cache, ctx context.Context, name string) (*Info, error) {
	t.Helper()
	type result struct {
		ti  *Info
		err error
	}
	done := make(chan result, 1)
	go func() {
		ti, err := c.Get(ctx, name)
		done <- result{ti, err}
	}()
	select {
	case r := <-done:
		return r.ti, r.err
	case <-time.After(time.Minute):
		t.Errorf("Get(%s) did not return within a minute", name)
		return nil, errors.New("hung")
	}
}

// An SDK client with an http.Client Timeout fails with an error wrapping
// context.DeadlineExceeded while the caller's ctx is live: Get must return
// that error, naming the table, after one call, not try again and again.
func TestGetReturnsTimeoutsOfLiveContexts(t *testing.T) {
	for _, cause := range []error{context.DeadlineExceeded, context.Canceled} {
		sdkErr := fmt.Errorf("operation error DynamoDB: DescribeTable, https response error: Post \"http://x\": %w", cause)
		f := &fakeDescriber{describe: func(context.Context, int64, string) (*dynamodb.DescribeTableOutput, error) {
			return nil, sdkErr
		}}
		c := NewCache(f)
		for _, ctx := range []context.Context{context.Background(), t.Context()} {
			f.calls.Store(0)
			_, err := get(t, c, ctx, "orders")
			if !errors.Is(err, sdkErr) {
				t.Errorf("%v: error %v, want the client's own", cause, err)
			}
			if err != nil && (!strings.Contains(err.Error(), "DescribeTable") || !strings.Contains(err.Error(), "orders") || !strings.Contains(err.Error(), "https response error")) {
				t.Errorf("%v: error %q does not name the operation, the table and the cause", cause, err)
			}
			if n := f.calls.Load(); n != 1 {
				t.Errorf("%v: %d DescribeTable calls, want 1", cause, n)
			}
		}
	}
}

// Callers sharing a failed call all get its error; the next Get tries again.
func TestGetSharesFailures(t *testing.T) {
	release := make(chan struct{})
	boom := errors.New("throttled")
	f := &fakeDescriber{describe: func(_ context.Context, n int64, name string) (*dynamodb.DescribeTableOutput, error) {
		if n == 1 {
			<-release
			return nil, boom
		}
		return description(name), nil
	}}
	c := NewCache(f)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = get(t, c, t.Context(), "t") })
	}
	for deadline := time.Now().Add(time.Minute); f.calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the others join the call
	close(release)
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if !errors.Is(err, boom) {
				t.Errorf("error %v, want the shared call's", err)
			}
		}
	}
	if failed == 0 {
		t.Error("no caller saw the failure")
	}
	if _, err := get(t, c, t.Context(), "t"); err != nil {
		t.Errorf("Get after a failure: %v", err)
	}
}

// A caller whose ctx is live is not failed by another caller giving up on
// the call they share: it describes the table itself, once.
func TestGetSurvivesAnotherCallersCancellation(t *testing.T) {
	f := &fakeDescriber{describe: func(ctx context.Context, n int64, name string) (*dynamodb.DescribeTableOutput, error) {
		if n == 1 {
			<-ctx.Done()
			return nil, fmt.Errorf("operation error DynamoDB: DescribeTable: %w", ctx.Err())
		}
		return description(name), nil
	}}
	c := NewCache(f)
	ctxA, cancelA := context.WithCancel(t.Context())
	errA := make(chan error, 1)
	go func() { _, err := c.Get(ctxA, "t"); errA <- err }()
	for deadline := time.Now().Add(time.Minute); f.calls.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	errB := make(chan error, 1)
	var infoB *Info
	go func() {
		var err error
		infoB, err = get(t, c, t.Context(), "t")
		errB <- err
	}()
	time.Sleep(50 * time.Millisecond) // let B join the call
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled caller: %v, want context.Canceled", err)
	}
	if err := <-errB; err != nil || infoB == nil || infoB.Keys.Partition != "pk" {
		t.Errorf("the live caller: %+v, %v", infoB, err)
	}
	if n := f.calls.Load(); n != 2 {
		t.Errorf("%d DescribeTable calls, want 2", n)
	}
	if _, err := get(t, c, t.Context(), "t"); err != nil || f.calls.Load() != 2 {
		t.Errorf("the description was not cached: %v, %d calls", err, f.calls.Load())
	}
}

// An answer without a table is an error, not a panic.
func TestGetNoTableInAnswer(t *testing.T) {
	c := NewCache(&fakeDescriber{describe: func(context.Context, int64, string) (*dynamodb.DescribeTableOutput, error) {
		return &dynamodb.DescribeTableOutput{}, nil
	}})
	if _, err := get(t, c, t.Context(), "t"); err == nil || !strings.Contains(err.Error(), "t") {
		t.Errorf("error %v", err)
	}
}
