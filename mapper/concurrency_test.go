package mapper_test

// Concurrent use of one Mapper: optimistic locking under contention, and
// the one-time table description on first use. Run with -race.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func TestConcurrentIncrements(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, tbl := newTableEnv[account](t)

	seed := account{ID: "counter", Seq: 1, Owner: "shared", Status: "open"}
	if err := tbl.Save(ctx, &seed); err != nil {
		t.Fatal(err)
	}

	const workers, increments = 8, 10
	var conflicts, unexpected atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range increments {
				for attempt := 0; ; attempt++ {
					if attempt > 500 {
						t.Errorf("worker %d: no progress after %d attempts", w, attempt)
						return
					}
					var a account
					a.ID, a.Seq = "counter", 1
					if err := tbl.Load(ctx, &a, mapper.ConsistentRead()); err != nil {
						t.Errorf("worker %d: Load: %v", w, err)
						unexpected.Add(1)
						return
					}
					before := a.Version
					a.Counter++
					err := tbl.Save(ctx, &a)
					if err == nil {
						if a.Version != before+1 {
							t.Errorf("worker %d: Save moved Version %d -> %d", w, before, a.Version)
						}
						break
					}
					if !errors.Is(err, mapper.ErrVersionConflict) {
						t.Errorf("worker %d: Save: %v; want nil or a version conflict", w, err)
						unexpected.Add(1)
						return
					}
					if a.Version != before {
						t.Errorf("worker %d: a conflicting Save moved Version %d -> %d", w, before, a.Version)
					}
					conflicts.Add(1)
				}
			}
		})
	}
	wg.Wait()

	final := account{ID: "counter", Seq: 1}
	if err := tbl.Load(ctx, &final, mapper.ConsistentRead()); err != nil {
		t.Fatal(err)
	}
	if final.Counter != workers*increments {
		t.Errorf("counter = %d, want %d: updates were lost", final.Counter, workers*increments)
	}
	if final.Version != workers*increments+1 {
		t.Errorf("version = %d, want %d", final.Version, workers*increments+1)
	}
	if final.Owner != "shared" || final.Status != "open" {
		t.Errorf("other fields changed: %+v", final)
	}
	t.Logf("%d increments, %d conflicts retried", workers*increments, conflicts.Load())
}

// Concurrent first uses of a table describe it once, and every one of
// them works.
func TestConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// Two tables of the same type on the same mapper share the description.
	e, t1 := newTableEnv[doc](t)
	t2 := mustTable[doc](t, e.m, e.table)
	seedTbl := mustTable[doc](t, mapper.New(e.db, e.p), e.table)
	for i := range 16 {
		if err := seedTbl.Save(ctx, &doc{ID: "f", Seq: i, Secret: "s"}); err != nil {
			t.Fatal(err)
		}
	}

	var wg sync.WaitGroup
	for i := range 16 {
		tbl := t1
		if i%2 == 1 {
			tbl = t2
		}
		wg.Go(func() {
			d := doc{ID: "f", Seq: i}
			if err := tbl.Load(ctx, &d); err != nil || d.Secret != "s" {
				t.Errorf("Load %d: %+v, %v", i, d, err)
			}
		})
	}
	wg.Wait()
	if n := e.cc.Calls(opDescribeTable); n != 1 {
		t.Errorf("%d DescribeTable calls, want 1", n)
	}
	if n := e.cc.Calls(opGet); n != 16 {
		t.Errorf("%d GetItem calls, want 16", n)
	}
}

// One caller's context ending while the table is being described must not
// fail the other callers waiting for the same description.
func TestFirstUseCancelledByAnotherCaller(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// Two Table values: each has its own lock, so the second caller waits
	// on the shared description rather than on the first table.
	e, t1 := newTableEnv[doc](t)
	t2 := mustTable[doc](t, e.m, e.table)
	if err := mustTable[doc](t, mapper.New(e.db, e.p), e.table).Save(ctx, &doc{ID: "c", Seq: 1, Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	// The first DescribeTable hangs until its caller gives up.
	e.cc.On(opDescribeTable).Nth(1).Hang()

	ctxA, cancelA := context.WithCancel(ctx)
	errA := make(chan error, 1)
	go func() { errA <- t1.Load(ctxA, &doc{ID: "c", Seq: 1}) }()
	for e.cc.Calls(opDescribeTable) == 0 {
		time.Sleep(time.Millisecond)
	}
	errB := make(chan error, 1)
	var gotB doc
	go func() {
		gotB = doc{ID: "c", Seq: 1}
		errB <- t2.Load(ctx, &gotB)
	}()
	time.Sleep(100 * time.Millisecond) // let B wait for the description
	cancelA()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled caller: %v, want context.Canceled", err)
	}
	if err := <-errB; err != nil || gotB.Secret != "s" {
		t.Errorf("a caller with a live context failed because another one was cancelled: %v", err)
	}
}
