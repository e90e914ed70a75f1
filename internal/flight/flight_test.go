package flight

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/singleflight"
)

const wait = 10 * time.Second // bound on every wait: a regression fails, it does not hang

func TestSharedFailureIsNotRetried(t *testing.T) {
	var g singleflight.Group
	var calls atomic.Int32
	release := make(chan struct{})
	// A timeout of the callee's own (an HTTP client's, say) wraps
	// DeadlineExceeded while every caller's ctx is live.
	timeout := &wrapped{context.DeadlineExceeded}
	fn := func(context.Context) (int, error) {
		calls.Add(1)
		<-release
		return 0, timeout
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() { _, err := Do(t.Context(), &g, "k", fn); errs <- err }()
	}
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others join
	close(release)
	for range 4 {
		select {
		case err := <-errs:
			if !errors.Is(err, timeout) {
				t.Errorf("error %v, want the callee's", err)
			}
		case <-time.After(wait):
			t.Fatal("Do did not return")
		}
	}
	if n := calls.Load(); n > 4 {
		t.Errorf("%d calls for 4 callers: a shared failure was retried", n)
	}
}

func TestStarterGivesUp(t *testing.T) {
	var g singleflight.Group
	var calls atomic.Int32
	started := make(chan struct{})
	fn := func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 {
			close(started)
			<-ctx.Done() // the starter's ctx
			return "", ctx.Err()
		}
		return "ok", nil
	}
	starterCtx, cancel := context.WithCancel(t.Context())
	starter := make(chan error, 1)
	go func() { _, err := Do(starterCtx, &g, "k", fn); starter <- err }()
	<-started
	waiter := make(chan string, 1)
	go func() { v, _ := Do(t.Context(), &g, "k", fn); waiter <- v }()
	time.Sleep(20 * time.Millisecond) // let the waiter join the shared call
	cancel()
	select {
	case err := <-starter:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("starter: %v, want context.Canceled", err)
		}
	case <-time.After(wait):
		t.Fatal("the starter did not return")
	}
	select {
	case v := <-waiter:
		if v != "ok" {
			t.Errorf("waiter got %q, want its own call's result", v)
		}
	case <-time.After(wait):
		t.Fatal("the waiter did not return")
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2: the shared one and the waiter's own", n)
	}
}

func TestWaiterLeavesAtOnce(t *testing.T) {
	var g singleflight.Group
	release := make(chan struct{})
	defer close(release)
	go Do(context.Background(), &g, "k", func(context.Context) (int, error) { <-release; return 1, nil })
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := Do(ctx, &g, "k", func(context.Context) (int, error) { return 2, nil }); done <- err }()
	select {
	case err := <-done:
		if err != ctx.Err() {
			t.Errorf("error %v, want ctx.Err() itself", err)
		}
	case <-time.After(wait):
		t.Fatal("a waiter whose ctx ended did not return")
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "callee: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }
