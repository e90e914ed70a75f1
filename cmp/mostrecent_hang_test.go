package cmp

// The Most Recent provider over a store whose calls hang: the shared
// lookup's own timeout, recovery, and no goroutine left behind.

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt"
)

// hangStore is a memStore whose next calls hang: hangMax MaxVersion calls
// and hangGet Provider calls, each after reading the store (so a hung call
// that returns late answers with what was true when it was made). A hung
// call returns when release is closed or, unless ignoreCtx, when its
// context ends.
type hangStore struct {
	*memStore
	hangMax, hangGet atomic.Int64
	ignoreCtx        bool
	release          chan struct{}
	hung             chan string // receives "max" or "get" when a call starts hanging
}

func newHangStore(ignoreCtx bool) *hangStore {
	return &hangStore{memStore: newMemStore(), ignoreCtx: ignoreCtx, release: make(chan struct{}), hung: make(chan string, 10)}
}

func (s *hangStore) hang(ctx context.Context, counter *atomic.Int64, call string) error {
	if counter.Add(-1) < 0 {
		return nil
	}
	s.hung <- call
	if s.ignoreCtx {
		<-s.release
		return nil
	}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *hangStore) MaxVersion(ctx context.Context, name string) (int64, error) {
	v, err := s.memStore.MaxVersion(ctx, name)
	if herr := s.hang(ctx, &s.hangMax, "max"); herr != nil {
		return 0, herr
	}
	return v, err
}

func (s *hangStore) Provider(ctx context.Context, name string, version int64) (Provider, error) {
	p, err := s.memStore.Provider(ctx, name, version)
	if herr := s.hang(ctx, &s.hangGet, "get"); herr != nil {
		return nil, herr
	}
	return p, err
}

const testLookupTimeout = 50 * time.Millisecond

func newHangMostRecent(t *testing.T, s ProviderStore) (*MostRecent, *fakeClock) {
	t.Helper()
	m, err := NewMostRecent(MostRecentConfig{Store: s, MaterialName: "mat", TTL: testTTL, LookupTimeout: testLookupTimeout})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	m.now = clock.now
	return m, clock
}

// encryptWithin runs EncryptionMaterials, failing the test if it does not
// return within waitLimit (it would hang forever without a lookup timeout).
func encryptWithin(t *testing.T, m *MostRecent, ctx context.Context) (*EncryptionMaterials, error) {
	t.Helper()
	type result struct {
		mat *EncryptionMaterials
		err error
	}
	ch := make(chan result, 1)
	go func() {
		mat, err := m.EncryptionMaterials(ctx, &EncryptionContext{TableName: "t"})
		ch <- result{mat, err}
	}()
	r := await(t, "EncryptionMaterials", ch)
	return r.mat, r.err
}

func decryptWithin(t *testing.T, m *MostRecent, desc map[string]string) (*DecryptionMaterials, error) {
	t.Helper()
	type result struct {
		mat *DecryptionMaterials
		err error
	}
	ch := make(chan result, 1)
	go func() {
		mat, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{TableName: "t", MaterialDescription: desc})
		ch <- result{mat, err}
	}()
	r := await(t, "DecryptionMaterials", ch)
	return r.mat, r.err
}

// checkTimeout checks the error of a lookup that timed out.
func checkTimeout(t *testing.T, err error) {
	t.Helper()
	var me *MaterialError
	if !errors.Is(err, ddbcrypt.ErrKeyService) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &me) || me.Name != "mat" {
		t.Fatalf("got %v, want a MaterialError wrapping ErrKeyService and DeadlineExceeded", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("timeout reported as a cancellation: %v", err)
	}
}

// checkGoroutines waits until the number of goroutines is back to start.
func checkGoroutines(t *testing.T, start int) {
	t.Helper()
	waitUntil(t, "the goroutines end", func() bool { return runtime.NumGoroutine() <= start })
}

// TestMostRecentHungRefreshTimesOut: a MaxVersion call that hangs once (on
// a connection that never answers) fails the callers waiting for it after
// the lookup timeout; the failure is remembered for NegativeTTL, then a new
// lookup serves again. No goroutine is left behind.
func TestMostRecentHungRefreshTimesOut(t *testing.T) {
	for _, ignoreCtx := range []bool{false, true} {
		name := "store honours its context"
		if ignoreCtx {
			name = "store ignores its context"
		}
		t.Run(name, func(t *testing.T) {
			start := runtime.NumGoroutine()
			s := newHangStore(ignoreCtx)
			s.newVersion("mat")
			s.hangMax.Store(1)
			m, clock := newHangMostRecent(t, s)

			_, err := encryptWithin(t, m, bgCtx)
			checkTimeout(t, err)
			if await(t, "the hung call", s.hung) != "max" {
				t.Fatal("the wrong call hung")
			}
			// Remembered: no new call, an error saying so.
			_, err = encryptWithin(t, m, bgCtx)
			var rf *RememberedFailureError
			if !errors.As(err, &rf) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ddbcrypt.ErrKeyService) {
				t.Fatalf("second caller: %v, want the remembered timeout", err)
			}
			if got := s.maxCalls.Load(); got != 1 {
				t.Fatalf("%d max-version calls, want 1", got)
			}
			// After NegativeTTL, a new lookup, although the hung one may
			// still be stuck in the store.
			clock.advance(DefaultMostRecentNegativeTTL)
			mat, err := encryptWithin(t, m, bgCtx)
			if err != nil {
				t.Fatalf("after recovery: %v", err)
			}
			if got := mat.MaterialDescription[DescMetaID]; got != "mat#0" || s.maxCalls.Load() != 2 {
				t.Fatalf("after recovery: %q with %d max-version calls, want mat#0 with 2", got, s.maxCalls.Load())
			}
			close(s.release)
			checkGoroutines(t, start)
		})
	}
}

// TestMostRecentLateAnswerIgnored: a hung refresh that answers after a
// later one succeeded does not replace the newer version it found.
func TestMostRecentLateAnswerIgnored(t *testing.T) {
	start := runtime.NumGoroutine()
	s := newHangStore(true)
	s.newVersion("mat")
	m, clock := newHangMostRecent(t, s)
	d0, k0 := itemOf(t, s.memStore, 0)
	decrypt(t, m, d0, k0) // version 0 is cached: the late answer will need no load
	s.hangMax.Store(1)
	_, err := encryptWithin(t, m, bgCtx)
	checkTimeout(t, err) // the hung call read version 0 as the newest
	s.newVersion("mat")
	clock.advance(DefaultMostRecentNegativeTTL)
	if mat, err := encryptWithin(t, m, bgCtx); err != nil || mat.MaterialDescription[DescMetaID] != "mat#1" {
		t.Fatalf("after recovery: %v", err)
	}
	close(s.release)
	checkGoroutines(t, start) // the late answer has been handled
	before := s.calls()
	for range 10 {
		if d, _ := encrypt(t, m); d[DescMetaID] != "mat#1" {
			t.Fatalf("after the late answer: %q, want mat#1", d[DescMetaID])
		}
	}
	if s.calls() != before {
		t.Error("store calls after the late answer")
	}
}

// TestMostRecentHungLoadTimesOut: the same for decrypting, with a version
// no cache holds (a probe) and one known to exist (a load).
func TestMostRecentHungLoadTimesOut(t *testing.T) {
	start := runtime.NumGoroutine()
	s := newHangStore(false)
	for range 3 {
		s.newVersion("mat")
	}
	writer, _ := newTestMostRecent(t, s.memStore, 0)
	desc, key := encrypt(t, writer) // version 2

	for _, known := range []bool{false, true} {
		reader, clock := newHangMostRecent(t, s)
		if known {
			encryptWithin(t, reader, bgCtx) // version 2 is known to exist...
			reader.state.Load().versions = newVersionLRU[Provider](1)
			reader.state.Load().current.Store(nil) // ...but not cached
		}
		before := s.getCalls.Load()
		s.hangGet.Store(1)
		_, err := decryptWithin(t, reader, desc)
		checkTimeout(t, err)
		if await(t, "the hung call", s.hung) != "get" {
			t.Fatal("the wrong call hung")
		}
		var rf *RememberedFailureError
		if _, err := decryptWithin(t, reader, desc); !errors.As(err, &rf) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("known=%v: second reader: %v, want the remembered timeout", known, err)
		}
		clock.advance(DefaultMostRecentNegativeTTL)
		mat, err := decryptWithin(t, reader, desc)
		if err != nil {
			t.Fatalf("known=%v: after recovery: %v", known, err)
		}
		if string(mat.DecryptionKey) != string(key) {
			t.Fatal("wrong key")
		}
		if got := s.getCalls.Load() - before; got != 2 {
			t.Errorf("known=%v: %d loads, want 2", known, got)
		}
	}
	checkGoroutines(t, start)
}

// TestMostRecentWaiterLeavesHungLookup: a caller whose context ends stops
// waiting for a hung lookup at once, well before the lookup timeout.
func TestMostRecentWaiterLeavesHungLookup(t *testing.T) {
	start := runtime.NumGoroutine()
	s := newHangStore(false)
	s.hangMax.Store(1)
	m, err := NewMostRecent(MostRecentConfig{Store: s, MaterialName: "mat", TTL: testTTL, LookupTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bgCtx)
	done := make(chan error, 1)
	go func() {
		_, err := m.EncryptionMaterials(ctx, &EncryptionContext{TableName: "t"})
		done <- err
	}()
	await(t, "the hung call", s.hung)
	cancel()
	if err := await(t, "the caller", done); !errors.Is(err, context.Canceled) || !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Errorf("caller: %v", err)
	}
	close(s.release)
	checkGoroutines(t, start)
}
