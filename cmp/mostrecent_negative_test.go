package cmp

// Negative caching in the Most Recent provider: failed lookups and missing
// versions are remembered for NegativeTTL, counted in store calls.

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
)

// storeDown makes every call of the given kinds fail, as a store that is
// down does.
func storeDown(calls ...string) func(string, int64) error {
	return func(call string, version int64) error {
		for _, c := range calls {
			if c == call {
				return &MaterialError{Op: call, Name: "mat", Version: version, Err: errStoreDown}
			}
		}
		return nil
	}
}

// rememberedUntil checks that err is a remembered failure of the given kind,
// remembered until the given time, and returns it.
func rememberedUntil(t *testing.T, err error, kind error, until time.Time) *RememberedFailureError {
	t.Helper()
	var rf *RememberedFailureError
	if !errors.As(err, &rf) || !errors.Is(err, kind) {
		t.Fatalf("got %v, want a RememberedFailureError wrapping %v", err, kind)
	}
	if !rf.Until.Equal(until) {
		t.Fatalf("remembered until %v, want %v", rf.Until, until)
	}
	return rf
}

// itemOf returns the description and content key of an item encrypted
// with a version of the store, as another process would write it.
func itemOf(t *testing.T, s *memStore, version int64) (map[string]string, []byte) {
	t.Helper()
	s.mu.Lock()
	p := s.versions["mat"][version]
	s.mu.Unlock()
	mat, err := p.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return mat.MaterialDescription, mat.EncryptionKey
}

func decryptErr(m *MostRecent, version int64) error {
	_, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{TableName: "t", MaterialDescription: map[string]string{DescMetaID: metaid.Format("mat", version)}})
	return err
}

// servedThenStoreDown returns a MostRecent that has served version 0 of
// "mat" from s; then s went down and the clock moved on by d.
func servedThenStoreDown(t *testing.T, d time.Duration) (s *memStore, m *MostRecent, clock *fakeClock) {
	t.Helper()
	s, m, clock = oneVersion(t)
	encrypt(t, m)
	s.setFail(storeDown("max"))
	clock.advance(d)
	return s, m, clock
}

// TestMostRecentStoreDownRemembered: with the store down and the TTL (and
// grace) over, 200 items make one store call per NegativeTTL; the others
// get a RememberedFailureError of the same kind, saying until when.
func TestMostRecentStoreDownRemembered(t *testing.T) {
	s, m, clock := servedThenStoreDown(t, testTTL+mostRecentGrace)
	failedAt := clock.now()
	until := failedAt.Add(DefaultMostRecentNegativeTTL)

	_, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
	var rf *RememberedFailureError
	if !errors.Is(err, errStoreDown) || errors.As(err, &rf) {
		t.Fatalf("first caller: %v, want the store's own error", err)
	}
	for range 199 {
		_, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
		rf = rememberedUntil(t, err, ddbcrypt.ErrKeyService, until)
		if !errors.Is(err, errStoreDown) || !rf.At.Equal(failedAt) {
			t.Fatalf("remembered failure %v (at %v), want the store's, at %v", err, rf.At, failedAt)
		}
	}
	if got := s.maxCalls.Load(); got != 2 {
		t.Fatalf("%d max-version calls for 200 items, want 2 (1 before the store went down)", got)
	}
	msg := rf.Error()
	for _, want := range []string{"remembered", until.Format("2006-01-02T15:04:05.000Z07:00"), errStoreDown.Error(), `"mat"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}

	// Just before NegativeTTL has passed: still remembered.
	clock.advance(DefaultMostRecentNegativeTTL - time.Nanosecond)
	_, err = m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
	rememberedUntil(t, err, errStoreDown, until)
	// Then one new call, remembered again.
	clock.advance(time.Nanosecond)
	for range 10 {
		if _, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"}); !errors.Is(err, errStoreDown) {
			t.Fatalf("store still down: %v", err)
		}
	}
	if got := s.maxCalls.Load(); got != 3 {
		t.Fatalf("%d max-version calls, want 3", got)
	}
	// The store is back: served after NegativeTTL.
	s.setFail(nil)
	if _, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"}); err == nil {
		t.Fatal("served before NegativeTTL passed")
	}
	clock.advance(DefaultMostRecentNegativeTTL)
	if d, _ := encrypt(t, m); d[DescMetaID] != "mat#0" || s.maxCalls.Load() != 4 {
		t.Fatalf("after recovery: %q, %d max-version calls", d[DescMetaID], s.maxCalls.Load())
	}
}

// TestMostRecentStoreDownInGrace: within the grace period after the TTL,
// the cached version is used even by the caller whose refresh failed, with
// one store call per NegativeTTL; after the grace period, the remembered
// failure.
func TestMostRecentStoreDownInGrace(t *testing.T) {
	s, m, clock := servedThenStoreDown(t, testTTL)
	failedAt := clock.now()
	for range 100 {
		if d, _ := encrypt(t, m); d[DescMetaID] != "mat#0" {
			t.Fatalf("in the grace period: %q", d[DescMetaID])
		}
	}
	if got := s.maxCalls.Load(); got != 2 {
		t.Fatalf("%d max-version calls, want 2", got)
	}
	clock.advance(mostRecentGrace - time.Nanosecond)
	encrypt(t, m)
	clock.advance(time.Nanosecond)
	_, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
	rememberedUntil(t, err, errStoreDown, failedAt.Add(DefaultMostRecentNegativeTTL))
	if got := s.maxCalls.Load(); got != 2 {
		t.Fatalf("%d max-version calls, want 2", got)
	}
}

// TestMostRecentUnknownVersionsRemembered: items naming versions that do
// not exist cost one probe per NegativeTTL (the load that fails and the
// newest version), whatever their number, sequential or concurrent; each
// gets ErrNotFound naming its version. Versions up to the newest still
// load.
func TestMostRecentUnknownVersionsRemembered(t *testing.T) {
	s := newMemStore()
	for range 3 {
		s.newVersion("mat")
	}
	d1, k1 := itemOf(t, s, 1)
	reader, clock := newTestMostRecent(t, s, 0) // knows no version yet
	before := s.calls()
	for v := int64(10); v < 60; v++ {
		err := decryptErr(reader, v)
		var me *MaterialError
		if !errors.Is(err, errNotInStore) || !errors.As(err, &me) || me.Version != v {
			t.Fatalf("version %d: %v", v, err)
		}
		if v > 10 {
			rf := rememberedUntil(t, err, ddbcrypt.ErrNotFound, clock.now().Add(DefaultMostRecentNegativeTTL))
			if !strings.Contains(rf.Error(), "newest was 2") {
				t.Errorf("message %q does not give the newest version", rf.Error())
			}
		}
	}
	if got := s.calls() - before; got != 2 {
		t.Fatalf("%d store calls for 50 unknown versions, want 2 (a load and the newest version)", got)
	}
	// Versions up to the newest are not hidden.
	decrypt(t, reader, d1, k1)

	// Concurrent, after NegativeTTL, while the store is slow: one probe
	// again, which the others wait for.
	clock.advance(DefaultMostRecentNegativeTTL)
	before = s.calls()
	block := make(chan struct{})
	s.setBlock(block)
	var wg, started sync.WaitGroup
	for v := int64(100); v < 150; v++ {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			if err := decryptErr(reader, v); !errors.Is(err, ddbcrypt.ErrNotFound) {
				t.Errorf("version %d: %v", v, err)
			}
		})
	}
	waitUntil(t, "a probe is in the store", func() bool { return s.calls() > before })
	awaitGroup(t, "the readers to start", &started)
	// Give readers that would make their own store call time to: a
	// regression shows as more calls, whatever the timing.
	for deadline := time.Now().Add(100 * time.Millisecond); time.Now().Before(deadline) && s.calls() < before+50; {
		time.Sleep(time.Millisecond)
	}
	close(block)
	awaitGroup(t, "the readers", &wg)
	if got := s.calls() - before; got != 2 {
		t.Fatalf("%d store calls for 50 concurrent unknown versions, want 2", got)
	}
}

// TestMostRecentRotationSeenAfterNegativeTTL: a version created by another
// process after the reader probed is taken as missing for NegativeTTL at
// most, then read.
func TestMostRecentRotationSeenAfterNegativeTTL(t *testing.T) {
	s, reader, clock := oneVersion(t)
	probedAt := clock.now()
	if err := decryptErr(reader, 1); !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Fatal(err)
	}
	// Another process rotates and writes an item with version 1.
	s.newVersion("mat")
	writer, _ := newTestMostRecent(t, s, 0)
	desc, key := encrypt(t, writer)
	if desc[DescMetaID] != "mat#1" {
		t.Fatal(desc)
	}
	clock.advance(DefaultMostRecentNegativeTTL / 2)
	_, err := reader.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: desc})
	rememberedUntil(t, err, ddbcrypt.ErrNotFound, probedAt.Add(DefaultMostRecentNegativeTTL))
	clock.advance(DefaultMostRecentNegativeTTL / 2)
	decrypt(t, reader, desc, key)
}

// TestMostRecentOwnVersionsNeverHidden: a version this provider created, or
// found as the newest when refreshing, is used and read at once, even while
// versions above what the store reported earlier are taken as missing.
func TestMostRecentOwnVersionsNeverHidden(t *testing.T) {
	s := newMemStore()
	m, clock := newTestMostRecent(t, s, 0)
	if err := decryptErr(m, 0); !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Fatalf("version 0 before it exists: %v", err)
	}
	// Creates version 0: readable at once, with no store call.
	d0, k0 := encrypt(t, m)
	before := s.calls()
	decrypt(t, m, d0, k0)
	m.state.Load().current.Store(nil) // not through the current version either
	decrypt(t, m, d0, k0)
	if s.calls() != before {
		t.Errorf("reading the version just created made %d store calls", s.calls()-before)
	}
	if err := decryptErr(m, 1); !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Fatalf("version 1: %v", err)
	}

	// Near the end of the TTL, a probe finds 0 the newest; then another
	// process creates version 1; the refresh right after finds it, and its
	// items read at once.
	encrypt(t, m)
	clock.advance(testTTL - time.Millisecond)
	if err := decryptErr(m, 1); !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Fatalf("version 1: %v", err)
	}
	s.newVersion("mat")
	clock.advance(time.Millisecond + mostRecentGrace)
	d1, k1 := encrypt(t, m)
	if d1[DescMetaID] != "mat#1" {
		t.Fatalf("after the TTL: %q", d1[DescMetaID])
	}
	m.state.Load().current.Store(nil)
	decrypt(t, m, d1, k1)
}

// TestMostRecentFailedLoadsRemembered: a failed load of a version is
// remembered for that version, at most CacheSize of them.
func TestMostRecentFailedLoadsRemembered(t *testing.T) {
	s := newMemStore()
	m, clock := newTestMostRecent(t, s, 2)
	var items []map[string]string
	var keys [][]byte
	for range 4 {
		s.newVersion("mat")
		clock.advance(testTTL)
		d, k := encrypt(t, m)
		items, keys = append(items, d), append(keys, k)
	}
	// Versions 0 and 1 are known to exist, but no longer cached.
	s.setFail(storeDown("get"))
	failedAt := clock.now()
	before := s.getCalls.Load()
	for range 20 {
		for v := range 2 {
			_, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: items[v]})
			var me *MaterialError
			if !errors.Is(err, errStoreDown) || !errors.As(err, &me) || me.Version != int64(v) {
				t.Fatalf("version %d: %v", v, err)
			}
		}
	}
	if got := s.getCalls.Load() - before; got != 2 {
		t.Fatalf("%d loads for 40 items of 2 versions, want 2", got)
	}
	_, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: items[0]})
	rememberedUntil(t, err, errStoreDown, failedAt.Add(DefaultMostRecentNegativeTTL))
	// Bounded like the versions: a third failed version evicts the oldest.
	m.state.Load().versions = newVersionLRU[Provider](1) // drop version 2
	m.state.Load().current.Store(nil)
	if _, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: items[2]}); !errors.Is(err, errStoreDown) {
		t.Fatal(err)
	}
	if n := m.state.Load().failedVersions.len(); n != 2 {
		t.Errorf("%d remembered failures, want 2 (the cache size)", n)
	}
	// The store is back: read after NegativeTTL.
	s.setFail(nil)
	clock.advance(DefaultMostRecentNegativeTTL)
	for v := range 3 {
		decrypt(t, m, items[v], keys[v])
	}
}

// TestMostRecentProbeFailureRemembered: with the store down, items naming
// versions not known to exist cost one store call per NegativeTTL.
func TestMostRecentProbeFailureRemembered(t *testing.T) {
	s := newMemStore()
	s.newVersion("mat")
	d0, k0 := itemOf(t, s, 0)
	s.setFail(storeDown("get"))
	m, clock := newTestMostRecent(t, s, 0)
	for v := range int64(50) {
		if err := decryptErr(m, v); !errors.Is(err, errStoreDown) {
			t.Fatalf("version %d: %v", v, err)
		}
	}
	if got := s.calls(); got != 1 {
		t.Fatalf("%d store calls, want 1", got)
	}
	s.setFail(nil)
	clock.advance(DefaultMostRecentNegativeTTL)
	decrypt(t, m, d0, k0)
}

// TestMostRecentProbeFindsNewVersion: a version created between the load
// that did not find it and the newest-version answer is loaded.
func TestMostRecentProbeFindsNewVersion(t *testing.T) {
	s := newMemStore()
	s.newVersion("mat")
	s.newVersion("mat")
	writer, _ := newTestMostRecent(t, s, 0)
	desc, key := encrypt(t, writer) // version 1
	reader, _ := newTestMostRecent(t, s, 0)
	var hidden sync.Once
	s.setFail(func(call string, version int64) error {
		err := error(nil)
		if call == "get" && version == 1 {
			hidden.Do(func() { err = &MaterialError{Op: "load", Name: "mat", Version: 1, Err: ddbcrypt.ErrNotFound} })
		}
		return err // not there yet the first time
	})
	before := s.calls()
	decrypt(t, reader, desc, key)
	if got := s.calls() - before; got != 3 || s.maxCalls.Load() != 2 {
		t.Errorf("%d store calls, want 3 (load, newest version, load)", got)
	}
}

// TestMostRecentNegativeConfig: the new options' defaults and bounds.
func TestMostRecentNegativeConfig(t *testing.T) {
	s := newMemStore()
	m, err := NewMostRecent(MostRecentConfig{Store: s, MaterialName: "m", TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if m.lookupTimeout != DefaultMostRecentLookupTimeout || m.negativeTTL != DefaultMostRecentNegativeTTL {
		t.Errorf("defaults %v, %v", m.lookupTimeout, m.negativeTTL)
	}
	m, err = NewMostRecent(MostRecentConfig{Store: s, MaterialName: "m", TTL: time.Second, LookupTimeout: time.Minute, NegativeTTL: time.Millisecond})
	if err != nil || m.lookupTimeout != time.Minute || m.negativeTTL != time.Millisecond {
		t.Errorf("set: %v, %v, %v", m.lookupTimeout, m.negativeTTL, err)
	}
	for name, cfg := range map[string]MostRecentConfig{
		"neg lookup timeout": {Store: s, MaterialName: "m", TTL: time.Second, LookupTimeout: -1},
		"neg negative TTL":   {Store: s, MaterialName: "m", TTL: time.Second, NegativeTTL: -1},
	} {
		if _, err := NewMostRecent(cfg); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}
