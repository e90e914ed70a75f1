package tableops

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a bucket's clock: sleeping advances it, and the sleeps are
// recorded.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(advance bool) func(context.Context, time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.sleeps = append(c.sleeps, d)
		if advance {
			c.t = c.t.Add(d)
		}
		return ctx.Err()
	}
}

func fakeBucket(rate float64, c *fakeClock, advance bool) *bucket {
	b := newBucket(rate)
	b.now, b.sleep, b.last = c.now, c.sleep(advance), c.t
	return b
}

// One waiter at a time: 101 items at 10 a second take 10 seconds, the
// first passing at once.
func TestBucketPaces(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	b := fakeBucket(10, c, true)
	for range 101 {
		if err := b.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.t.Sub(time.Unix(1000, 0)); got < 9999*time.Millisecond || got > 10001*time.Millisecond {
		t.Errorf("101 items at 10/s took %v, want 10s", got)
	}
	if len(c.sleeps) != 100 {
		t.Errorf("%d sleeps, want 100", len(c.sleeps))
	}
	// A pause refills one token, not more: no burst after idling.
	c.t = c.t.Add(time.Hour)
	c.sleeps = nil
	for range 3 {
		_ = b.wait(t.Context())
	}
	if len(c.sleeps) != 2 {
		t.Errorf("after an idle hour, %d of 3 waits slept; want 2", len(c.sleeps))
	}
}

// Many waiters at the same instant (segments in parallel) each reserve
// their own slot: the sleeps are 1, 2, ... 49 intervals.
func TestBucketQueuesConcurrentWaiters(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	b := fakeBucket(100, c, false)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { _ = b.wait(t.Context()) })
	}
	wg.Wait()
	slices.Sort(c.sleeps)
	if len(c.sleeps) != 49 {
		t.Fatalf("%d of 50 waiters slept, want 49", len(c.sleeps))
	}
	for i, d := range c.sleeps {
		if want := time.Duration(i+1) * 10 * time.Millisecond; d < want-time.Microsecond || d > want+time.Microsecond {
			t.Errorf("sleep %d: %v, want %v", i, d, want)
		}
	}
}

// Waiting ends with ctx; a nil bucket only checks ctx.
func TestBucketHonoursContext(t *testing.T) {
	b := newBucket(0.001) // one item, then one every 1000 s
	if err := b.wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := b.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("wait: %v, want context.Canceled", err)
	}
	var none *bucket
	if err := none.wait(t.Context()); err != nil {
		t.Errorf("nil bucket: %v", err)
	}
	if err := none.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("nil bucket, cancelled: %v", err)
	}
}

// Against DynamoDB Local: a job under a rate never goes faster (a lower
// bound on the time taken, which cannot flake), and Progress reports
// every item with an estimated total.
func TestRateAndProgress(t *testing.T) {
	f := newFixture(t)
	const n, rate = 12, 40.0
	f.fill(f.a, n)
	var mu sync.Mutex
	var last Progress
	calls := 0
	start := time.Now()
	rep, err := Verify(t.Context(), f.db, f.name, f.a, Options{Segments: 4, Rate: rate, Progress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if p.Scanned > last.Scanned {
			last = p
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if took, least := time.Since(start), time.Duration(float64(n-1)/rate*float64(time.Second)); took < least {
		t.Errorf("%d items at %v/s took %v, less than %v", n, rate, took, least)
	}
	if calls != n || last.Scanned != n || last.Verified != n || last.Resumed != 0 {
		t.Errorf("%d progress calls, last %+v; want %d, all verified", calls, last, n)
	}
	// DynamoDB Local keeps ItemCount exact; a real table's may lag.
	if last.Total != n {
		t.Errorf("progress total %d, want %d (report %+v)", last.Total, n, rep)
	}
	half, err := Verify(t.Context(), f.db, f.name, f.a, Options{Segments: 4, SegmentRange: [2]int{0, 2}, Progress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		last = p
	}})
	if err != nil {
		t.Fatal(err)
	}
	if half.Scanned > 0 && last.Total != n/2 {
		t.Errorf("half the segments: progress total %d, want %d", last.Total, n/2)
	}
}

// A rate so low that the wait overflows a time.Duration still waits (146
// years), rather than wrapping to a negative wait that lets
// every item through at once.
func TestBucketTinyRateStillWaits(t *testing.T) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	b := fakeBucket(1e-12, c, false)
	for range 2 {
		if err := b.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if len(c.sleeps) != 1 || c.sleeps[0] <= 0 {
		t.Errorf("sleeps %v, want one positive", c.sleeps)
	}
}
