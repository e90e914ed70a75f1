package tableops

import (
	"context"
	"math"
	"sync"
	"time"
)

// bucket is a token bucket: rate tokens a second, at most one stored, so
// that items pass evenly at no more than rate a second. A waiter reserves
// its token at once (the count may go below zero) and sleeps until the
// bucket has refilled to it, so waiters across segments queue fairly and
// an oversleep never lets a burst through later.
type bucket struct {
	rate  float64
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(rate float64) *bucket {
	return &bucket{rate: rate, now: time.Now, sleep: sleepCtx, tokens: 1, last: time.Now()}
}

// wait takes a token, sleeping until there is one; it returns ctx's error
// if ctx ends first. A nil bucket only checks ctx.
func (b *bucket) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil || b == nil {
		return err
	}
	b.mu.Lock()
	now := b.now()
	b.tokens = min(1, b.tokens+now.Sub(b.last).Seconds()*b.rate) - 1
	b.last = now
	debt := b.tokens
	b.mu.Unlock()
	if debt >= 0 {
		return nil
	}
	// A tiny rate's wait overflows a Duration, whose conversion would
	// wrap to a negative wait: 146 years (half the longest Duration, which
	// a float64 cannot hold exactly) is as good as forever.
	return b.sleep(ctx, time.Duration(min(-debt/b.rate*float64(time.Second), float64(math.MaxInt64/2))))
}

// sleepCtx sleeps for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
