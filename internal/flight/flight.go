// Package flight shares one call among concurrent callers that need the
// same thing, as singleflight does, with each caller waiting on its own
// ctx — and without the retry loop that a shared call ended by someone
// else's ctx invites.
package flight

import (
	"context"
	"errors"

	"golang.org/x/sync/singleflight"
)

// Do runs fn once for the overlapping callers of key, on the ctx of the
// caller that started it, and gives each its result. A caller whose ctx
// ends returns at once, with ctx.Err() itself as the error. If the shared
// call failed because its starter's ctx ended, a caller whose ctx is still
// live runs fn itself, once: one caller giving up must not fail the
// others, and nothing loops. Any other failure is every caller's, returned
// as fn returned it.
func Do[T any](ctx context.Context, g *singleflight.Group, key string, fn func(context.Context) (T, error)) (T, error) {
	ch := g.DoChan(key, func() (any, error) {
		v, err := fn(ctx)
		if err != nil && ctx.Err() != nil {
			return nil, &abandoned{err}
		}
		return v, err
	})
	var zero T
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case r := <-ch:
		var ab *abandoned
		switch {
		case r.Err == nil:
			return r.Val.(T), nil
		case !errors.As(r.Err, &ab):
			return zero, r.Err
		case ctx.Err() != nil:
			return zero, ab.err
		}
		return fn(ctx)
	}
}

// abandoned marks a shared call that failed once the ctx it ran on was
// done: the failure is its starter's, not the thing's.
type abandoned struct{ err error }

func (a *abandoned) Error() string { return a.err.Error() }
func (a *abandoned) Unwrap() error { return a.err }
