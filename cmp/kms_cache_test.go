package cmp_test

// Data-key cache: how concurrent misses share, and do not repeat, a failed
// KMS call. The cache's other behaviours are tested in kms_test.go.

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// slowDecrypt makes every Decrypt take a while, as a real KMS call does,
// so that concurrent readers of one item join the call under way.
type slowDecrypt struct {
	cmp.KMSClient
	delay time.Duration
}

func (s slowDecrypt) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
	}
	return s.KMSClient.Decrypt(ctx, in, o...)
}

// clientTimeout is what an SDK client whose HTTP timeout fires returns: an
// error that wraps context.DeadlineExceeded although no caller's ctx ended.
func clientTimeout() error {
	return &url.Error{Op: "Post", URL: "https://kms.us-west-2.amazonaws.com/", Err: context.DeadlineExceeded}
}

// wantClientTimeout fails unless err is a Decrypt KMSError that wraps the
// client's own timeout (not a caller's ctx).
func wantClientTimeout(t *testing.T, name string, err error) {
	t.Helper()
	wantKMSError(t, err, fakeKeyID, "Decrypt")
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("%s: %v, want the client's timeout", name, err)
	}
}

// TestDataKeyCacheSharedTimeout: a shared Decrypt that fails with an error
// wrapping context.DeadlineExceeded while its callers' contexts are live is
// every caller's failure; nobody calls KMS again.
func TestDataKeyCacheSharedTimeout(t *testing.T) {
	f := &fakeKMS{}
	kmsc := newCountingKMS(slowDecrypt{f, 50 * time.Millisecond})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
	em, err := p.EncryptionMaterials(bg, providerContext("t", kmsTestItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	ec := providerContext("t", kmsTestItem(), em.MaterialDescription)
	f.err = clientTimeout()
	f.block = make(chan struct{})
	kmsc.reset()

	// Bounds the test should the readers retry until their ctx ends.
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	const readers = 4
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() { _, errs[i] = p.DecryptionMaterials(ctx, ec) })
	}
	waitFor(t, func() bool { return kmsc.count("Decrypt") >= 1 })
	time.Sleep(20 * time.Millisecond) // let the others queue up behind the call
	close(f.block)
	wg.Wait()
	for _, err := range errs {
		wantClientTimeout(t, "reader", err)
	}
	// One call when every reader joined the first; a reader that came late
	// makes its own.
	if n := kmsc.count("Decrypt"); n > readers {
		t.Errorf("%d Decrypt calls for %d readers of one item, want at most %d", n, readers, readers)
	}
}

// TestDataKeyCacheLeaderCancelledThenTimeout: when the reader whose call
// the others wait on gives up, each waiter with a live context makes one
// call of its own, and the failure of that call is its answer.
func TestDataKeyCacheLeaderCancelledThenTimeout(t *testing.T) {
	f := &fakeKMS{}
	kmsc := newCountingKMS(slowDecrypt{f, 50 * time.Millisecond})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
	em, err := p.EncryptionMaterials(bg, providerContext("t", kmsTestItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	ec := providerContext("t", kmsTestItem(), em.MaterialDescription)
	f.err = clientTimeout()
	f.block = make(chan struct{})
	kmsc.reset()

	leaderCtx, cancelLeader := context.WithCancel(bg)
	leader := make(chan error, 1)
	go func() { _, err := p.DecryptionMaterials(leaderCtx, ec); leader <- err }()
	waitFor(t, func() bool { return kmsc.count("Decrypt") == 1 })

	// Bounds the test should the followers retry until their ctx ends.
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	const followers = 2
	errs := make([]error, followers)
	var wg sync.WaitGroup
	for i := range followers {
		wg.Go(func() { _, errs[i] = p.DecryptionMaterials(ctx, ec) })
	}
	time.Sleep(20 * time.Millisecond) // let them queue up behind the call
	cancelLeader()
	err = <-leader
	wantKMSError(t, err, fakeKeyID, "Decrypt")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v, want context.Canceled", err)
	}
	// The followers' own calls are under way (or done): let them fail.
	waitFor(t, func() bool { return kmsc.count("Decrypt") >= 2 })
	close(f.block)
	wg.Wait()
	for _, err := range errs {
		wantClientTimeout(t, "follower", err)
	}
	// The leader's and one per follower (a follower that came late may
	// have joined the other's call).
	if n := kmsc.count("Decrypt"); n < 2 || n > 1+followers {
		t.Errorf("%d Decrypt calls, want the leader's and at most one per follower", n)
	}
}
