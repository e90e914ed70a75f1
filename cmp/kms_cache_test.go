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
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
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

// timingOut returns a cached provider over a fake KMS whose Decrypt is slow
// and, once f.block is closed, fails with the client's own timeout: ec is
// the decryption context of an item the provider encrypted, and kmsc counts
// the KMS calls from then on.
func timingOut(t *testing.T) (p *cmp.DirectKMS, ec *cmp.EncryptionContext, f *fakeKMS, kmsc *countingKMS) {
	t.Helper()
	f = &fakeKMS{}
	kmsc = newCountingKMS(slowDecrypt{f, 50 * time.Millisecond})
	p = cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
	em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	ec = providerContext("t", testenv.GuideItem(), em.MaterialDescription)
	f.err = clientTimeout()
	f.block = make(chan struct{})
	kmsc.reset()
	return p, ec, f, kmsc
}

// decryptAll starts n concurrent DecryptionMaterials of ec; wait waits for
// them and returns their errors. Their context ends after 5s, a bound on
// the test should they retry until it does.
func decryptAll(p cmp.Provider, ec *cmp.EncryptionContext, n int) (wait func() []error) {
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = p.DecryptionMaterials(ctx, ec) })
	}
	return func() []error {
		wg.Wait()
		cancel()
		return errs
	}
}

// TestDataKeyCacheSharedTimeout: a shared Decrypt that fails with an error
// wrapping context.DeadlineExceeded while its callers' contexts are live is
// every caller's failure; nobody calls KMS again.
func TestDataKeyCacheSharedTimeout(t *testing.T) {
	p, ec, f, kmsc := timingOut(t)

	const readers = 4
	wait := decryptAll(p, ec, readers)
	waitFor(t, func() bool { return kmsc.count("Decrypt") >= 1 })
	time.Sleep(20 * time.Millisecond) // let the others queue up behind the call
	close(f.block)
	for _, err := range wait() {
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
	p, ec, f, kmsc := timingOut(t)

	leaderCtx, cancelLeader := context.WithCancel(bg)
	leader := make(chan error, 1)
	go func() { _, err := p.DecryptionMaterials(leaderCtx, ec); leader <- err }()
	waitFor(t, func() bool { return kmsc.count("Decrypt") == 1 })

	const followers = 2
	wait := decryptAll(p, ec, followers)
	time.Sleep(20 * time.Millisecond) // let them queue up behind the call
	cancelLeader()
	err := <-leader
	wantKMSError(t, err, fakeKeyID, "Decrypt")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v, want context.Canceled", err)
	}
	// The followers' own calls are under way (or done): let them fail.
	waitFor(t, func() bool { return kmsc.count("Decrypt") >= 2 })
	close(f.block)
	for _, err := range wait() {
		wantClientTimeout(t, "follower", err)
	}
	// The leader's and one per follower (a follower that came late may
	// have joined the other's call).
	if n := kmsc.count("Decrypt"); n < 2 || n > 1+followers {
		t.Errorf("%d Decrypt calls, want the leader's and at most one per follower", n)
	}
}
