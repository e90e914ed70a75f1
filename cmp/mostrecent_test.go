package cmp

// Unit tests of the Most Recent provider against an in-memory provider
// store, with a controllable clock. The DynamoDB MetaStore is tested with
// it in package metastore.

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
)

// memStore is an in-memory ProviderStore that counts its calls. Each
// version is a wrapped provider with random keys and the meta-id
// description, like the MetaStore's.
type memStore struct {
	mu       sync.Mutex
	versions map[string][]*Wrapped // by name; index = version
	// block, when set, is waited on by every call (after counting it).
	block chan struct{}
	// describe overrides the meta-id written by new providers ("" = none).
	describe func(name string, version int64) map[string]string
	// fail, when set, is asked before every call (after counting it) and
	// fails it with the error it returns, if any.
	fail func(call string, version int64) error

	maxCalls, getCalls, createCalls atomic.Int64
}

// errNotInStore is memStore's error for a missing version.
var errNotInStore = fmt.Errorf("%w: no such version in memStore", ddbcrypt.ErrNotFound)

func newMemStore() *memStore { return &memStore{versions: map[string][]*Wrapped{}} }

func (s *memStore) calls() int64 {
	return s.maxCalls.Load() + s.getCalls.Load() + s.createCalls.Load()
}

func (s *memStore) wait(ctx context.Context, call string, version int64) error {
	s.mu.Lock()
	b, fail := s.block, s.fail
	s.mu.Unlock()
	if fail != nil {
		if err := fail(call, version); err != nil {
			return err
		}
	}
	if b == nil {
		return nil
	}
	select {
	case <-b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *memStore) setBlock(b chan struct{}) {
	s.mu.Lock()
	s.block = b
	s.mu.Unlock()
}

func (s *memStore) setFail(fail func(call string, version int64) error) {
	s.mu.Lock()
	s.fail = fail
	s.mu.Unlock()
}

func (s *memStore) newVersion(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := int64(len(s.versions[name]))
	s.versions[name] = append(s.versions[name], s.make(name, v))
	return v
}

func (s *memStore) make(name string, version int64) *Wrapped {
	kek, mac := make([]byte, 32), make([]byte, 32)
	rand.Read(kek)
	rand.Read(mac)
	wk, err := NewAESWrappingKey(kek)
	if err != nil {
		panic(err)
	}
	sk, err := NewHMACKey("HmacSHA256", mac)
	if err != nil {
		panic(err)
	}
	desc := map[string]string{DescMetaID: metaid.Format(name, version)}
	if s.describe != nil {
		desc = s.describe(name, version)
	}
	p, err := NewWrapped(WrappedConfig{WrappingKey: wk, UnwrappingKey: wk, SigningKey: sk, Description: desc})
	if err != nil {
		panic(err)
	}
	return p
}

func (s *memStore) Provider(ctx context.Context, name string, version int64) (Provider, error) {
	s.getCalls.Add(1)
	if err := s.wait(ctx, "get", version); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if version < 0 || version >= int64(len(s.versions[name])) {
		return nil, &MaterialError{Op: "load", Name: name, Version: version, Err: errNotInStore}
	}
	return s.versions[name][version], nil
}

func (s *memStore) MaxVersion(ctx context.Context, name string) (int64, error) {
	s.maxCalls.Add(1)
	if err := s.wait(ctx, "max", -1); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.versions[name])) - 1, nil
}

func (s *memStore) GetOrCreate(ctx context.Context, name string, version int64) (Provider, error) {
	s.createCalls.Add(1)
	if err := s.wait(ctx, "create", version); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for int64(len(s.versions[name])) <= version {
		s.versions[name] = append(s.versions[name], s.make(name, int64(len(s.versions[name]))))
	}
	return s.versions[name][version], nil
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const testTTL = time.Minute

func newTestMostRecent(t *testing.T, s ProviderStore, size int) (*MostRecent, *fakeClock) {
	t.Helper()
	m, err := NewMostRecent(MostRecentConfig{Store: s, MaterialName: "mat", TTL: testTTL, CacheSize: size})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	m.now = clock.now
	return m, clock
}

// oneVersion returns a store holding version 0 of "mat", and a MostRecent
// over it (see newTestMostRecent).
func oneVersion(t *testing.T) (*memStore, *MostRecent, *fakeClock) {
	t.Helper()
	s := newMemStore()
	s.newVersion("mat")
	m, clock := newTestMostRecent(t, s, 0)
	return s, m, clock
}

var bgCtx = context.Background()

// waitLimit bounds every wait in these tests: far above what any wait takes,
// far below the test binary's own timeout.
const waitLimit = 10 * time.Second

// waitUntil polls cond until it holds, failing the test after waitLimit.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// await returns the next value from ch, failing the test after waitLimit.
func await[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// awaitGroup waits for wg, failing the test after waitLimit.
func awaitGroup(t *testing.T, what string, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	await(t, what, done)
}

// encrypt returns the materials' description and content key.
func encrypt(t *testing.T, m *MostRecent) (map[string]string, []byte) {
	t.Helper()
	mat, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return mat.MaterialDescription, mat.EncryptionKey
}

// decrypt opens a description produced by encrypt and checks the key.
func decrypt(t *testing.T, m *MostRecent, desc map[string]string, key []byte) {
	t.Helper()
	mat, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{TableName: "t", MaterialDescription: desc})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mat.DecryptionKey, key) {
		t.Fatal("decryption key differs from the encryption key")
	}
}

func TestMostRecentCreatesVersionZero(t *testing.T) {
	s := newMemStore()
	m, _ := newTestMostRecent(t, s, 0)
	desc, key := encrypt(t, m)
	if got := desc[DescMetaID]; got != "mat#0" {
		t.Errorf("meta-id %q, want mat#0", got)
	}
	if s.maxCalls.Load() != 1 || s.createCalls.Load() != 1 || s.getCalls.Load() != 0 {
		t.Errorf("store calls max/create/get = %d/%d/%d, want 1/1/0", s.maxCalls.Load(), s.createCalls.Load(), s.getCalls.Load())
	}
	before := s.calls()
	for range 1000 {
		d, k := encrypt(t, m)
		decrypt(t, m, d, k)
	}
	decrypt(t, m, desc, key)
	if n := s.calls() - before; n != 0 {
		t.Errorf("%d store calls for 1000 warm items, want 0", n)
	}
}

func TestMostRecentTTL(t *testing.T) {
	s, m, clock := oneVersion(t)
	d0, k0 := encrypt(t, m)
	if d0[DescMetaID] != "mat#0" || s.maxCalls.Load() != 1 || s.getCalls.Load() != 1 {
		t.Fatalf("first item: %q, max/get calls %d/%d", d0[DescMetaID], s.maxCalls.Load(), s.getCalls.Load())
	}

	// A new version is not seen before the TTL passes...
	s.newVersion("mat")
	clock.advance(testTTL - time.Nanosecond)
	if d, _ := encrypt(t, m); d[DescMetaID] != "mat#0" || s.maxCalls.Load() != 1 {
		t.Fatalf("within the TTL: %q, %d max calls", d[DescMetaID], s.maxCalls.Load())
	}
	// ...and is after it, with one refresh (max version + load).
	clock.advance(time.Nanosecond)
	d1, k1 := encrypt(t, m)
	if d1[DescMetaID] != "mat#1" || s.maxCalls.Load() != 2 || s.getCalls.Load() != 2 {
		t.Fatalf("after the TTL: %q, max/get calls %d/%d", d1[DescMetaID], s.maxCalls.Load(), s.getCalls.Load())
	}
	// Both versions decrypt without a store call.
	before := s.calls()
	decrypt(t, m, d0, k0)
	decrypt(t, m, d1, k1)
	if s.calls() != before {
		t.Error("decrypting cached versions called the store")
	}
	// One refresh per TTL, whatever the number of items.
	for i := range 5 {
		clock.advance(testTTL)
		for range 100 {
			encrypt(t, m)
		}
		if got := s.maxCalls.Load(); got != int64(3+i) {
			t.Fatalf("TTL period %d: %d max calls, want %d", i, got, 3+i)
		}
	}
	if s.getCalls.Load() != 2 {
		t.Errorf("%d loads, want 2 (the version did not change)", s.getCalls.Load())
	}
}

// TestMostRecentGrace: in the grace period after the TTL, one caller
// refreshes and the others keep the old version without waiting; after it,
// everyone waits for one shared refresh.
func TestMostRecentGrace(t *testing.T) {
	s, m, clock := oneVersion(t)
	encrypt(t, m)
	s.newVersion("mat")

	clock.advance(testTTL + mostRecentGrace/2)
	block := make(chan struct{})
	s.setBlock(block)
	refreshed := make(chan string, 1)
	go func() {
		mat, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
		if err != nil {
			refreshed <- err.Error()
			return
		}
		refreshed <- mat.MaterialDescription[DescMetaID]
	}()
	waitUntil(t, "the refresher is in the store", func() bool { return s.maxCalls.Load() == 2 })
	for range 10 {
		if d, _ := encrypt(t, m); d[DescMetaID] != "mat#0" {
			t.Fatalf("during the refresh: %q, want the old mat#0", d[DescMetaID])
		}
	}
	if s.maxCalls.Load() != 2 {
		t.Errorf("%d max calls during the grace period, want 2", s.maxCalls.Load())
	}
	close(block)
	if got := await(t, "the refresher", refreshed); got != "mat#1" {
		t.Fatalf("refresher got %q, want mat#1", got)
	}
	s.setBlock(nil)

	// Past TTL + grace: all callers wait for one refresh.
	s.newVersion("mat")
	clock.advance(testTTL + 2*mostRecentGrace)
	block = make(chan struct{})
	s.setBlock(block)
	const n = 20
	var wg, started sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			mat, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
			if err != nil {
				got[i] = err.Error()
				return
			}
			got[i] = mat.MaterialDescription[DescMetaID]
		})
	}
	// One caller is in the store; the others have started (those that
	// reach MostRecent only after the refresh need no call either).
	waitUntil(t, "a refresh is in the store", func() bool { return s.maxCalls.Load() == 3 })
	awaitGroup(t, "the callers to start", &started)
	close(block)
	awaitGroup(t, "the callers", &wg)
	for i, g := range got {
		if g != "mat#2" {
			t.Errorf("caller %d: %q, want mat#2", i, g)
		}
	}
	if s.maxCalls.Load() != 3 {
		t.Errorf("%d max calls, want 3 (one shared refresh)", s.maxCalls.Load())
	}
}

// TestMostRecentColdStartSharesOneCall: concurrent first items make one
// store lookup.
func TestMostRecentColdStartSharesOneCall(t *testing.T) {
	s := newMemStore()
	block := make(chan struct{})
	s.setBlock(block)
	m, _ := newTestMostRecent(t, s, 0)
	const n = 50
	var wg, started sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			_, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
			errs <- err
		})
	}
	waitUntil(t, "a lookup is in the store", func() bool { return s.maxCalls.Load() == 1 })
	awaitGroup(t, "the callers to start", &started)
	close(block)
	awaitGroup(t, "the callers", &wg)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.maxCalls.Load() != 1 || s.createCalls.Load() != 1 {
		t.Errorf("max/create calls %d/%d, want 1/1", s.maxCalls.Load(), s.createCalls.Load())
	}
}

// TestMostRecentConcurrentDecryptSharesOneLoad: concurrent readers of an
// uncached version make one load.
func TestMostRecentConcurrentDecryptSharesOneLoad(t *testing.T) {
	s := newMemStore()
	for range 3 {
		s.newVersion("mat")
	}
	writer, _ := newTestMostRecent(t, s, 0)
	desc, key := encrypt(t, writer) // version 2

	reader, _ := newTestMostRecent(t, s, 0)
	before := s.getCalls.Load()
	block := make(chan struct{})
	s.setBlock(block)
	var wg, started sync.WaitGroup
	for range 30 {
		started.Add(1)
		wg.Go(func() {
			started.Done()
			mat, err := reader.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: desc})
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(mat.DecryptionKey, key) {
				t.Error("wrong key")
			}
		})
	}
	waitUntil(t, "a load is in the store", func() bool { return s.getCalls.Load() == before+1 })
	awaitGroup(t, "the callers to start", &started)
	close(block)
	awaitGroup(t, "the callers", &wg)
	if got := s.getCalls.Load() - before; got != 1 {
		t.Errorf("%d loads, want 1", got)
	}
	if s.maxCalls.Load() != 1 {
		t.Errorf("reading asked for the max version: %d calls", s.maxCalls.Load())
	}
}

func TestMostRecentLRU(t *testing.T) {
	s := newMemStore()
	m, clock := newTestMostRecent(t, s, 2)
	type item struct {
		desc map[string]string
		key  []byte
	}
	var items []item
	for v := range 4 {
		s.newVersion("mat")
		clock.advance(testTTL)
		d, k := encrypt(t, m)
		if d[DescMetaID] != metaid.Format("mat", int64(v)) {
			t.Fatalf("version %d: %q", v, d[DescMetaID])
		}
		items = append(items, item{d, k})
	}
	if n := m.state.Load().versions.len(); n != 2 {
		t.Fatalf("%d cached versions, want 2", n)
	}
	// 3 (current) and 2 are cached; 0 and 1 were evicted.
	before := s.getCalls.Load()
	decrypt(t, m, items[3].desc, items[3].key)
	decrypt(t, m, items[2].desc, items[2].key)
	if s.getCalls.Load() != before {
		t.Error("cached versions were loaded again")
	}
	decrypt(t, m, items[0].desc, items[0].key) // evicts 3 (least recently used)
	if s.getCalls.Load() != before+1 {
		t.Errorf("evicted version 0: %d loads, want 1", s.getCalls.Load()-before)
	}
	// 3 is still the current version: its items need no load.
	decrypt(t, m, items[3].desc, items[3].key)
	decrypt(t, m, items[1].desc, items[1].key)
	if s.getCalls.Load() != before+2 {
		t.Errorf("%d loads, want 2", s.getCalls.Load()-before)
	}
}

func TestMostRecentClearCache(t *testing.T) {
	s := newMemStore()
	m, _ := newTestMostRecent(t, s, 0)
	d, k := encrypt(t, m)
	m.ClearCache()
	if m.state.Load().versions.len() != 0 || m.state.Load().current.Load() != nil {
		t.Fatal("cache not cleared")
	}
	before := s.calls()
	decrypt(t, m, d, k)
	if s.getCalls.Load() != 1 || s.calls() != before+1 {
		t.Errorf("decrypt after ClearCache: %d loads", s.getCalls.Load())
	}
	encrypt(t, m)
	if s.maxCalls.Load() != 2 {
		t.Errorf("encrypt after ClearCache: %d max calls, want 2", s.maxCalls.Load())
	}
}

func TestMostRecentBadMetaID(t *testing.T) {
	s := newMemStore()
	m, _ := newTestMostRecent(t, s, 0)
	for _, id := range []string{"", "mat", "mat#", "#1", "a#b#1", "mat#x", "mat#-1", "mat#+1", "mat# 1", "mat#99999999999999999999"} {
		_, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: map[string]string{DescMetaID: id}})
		var de *ddbcrypt.DescriptionError
		if !errors.As(err, &de) || de.Field != DescMetaID || !errors.Is(err, ddbcrypt.ErrMaterialDescription) {
			t.Errorf("meta-id %q: %v, want a DescriptionError on %s", id, err, DescMetaID)
		}
	}
	_, err := m.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: map[string]string{}})
	var de *ddbcrypt.DescriptionError
	if !errors.As(err, &de) || de.Field != DescMetaID {
		t.Errorf("missing meta-id: %v", err)
	}
	if _, err := m.DecryptionMaterials(bgCtx, nil); !errors.As(err, &de) {
		t.Errorf("nil context: %v", err)
	}
	if s.calls() != 0 {
		t.Errorf("bad meta-ids made %d store calls", s.calls())
	}
	// A version the store does not have: the store's error.
	_, err = m.DecryptionMaterials(bgCtx, &EncryptionContext{MaterialDescription: map[string]string{DescMetaID: "mat#7"}})
	var me *MaterialError
	if !errors.As(err, &me) || me.Version != 7 || !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Errorf("unknown version: %v", err)
	}
}

func TestMostRecentConfigErrors(t *testing.T) {
	s := newMemStore()
	for name, cfg := range map[string]MostRecentConfig{
		"nil store":  {MaterialName: "m", TTL: time.Second},
		"empty name": {Store: s, TTL: time.Second},
		"# in name":  {Store: s, MaterialName: "a#b", TTL: time.Second},
		"zero TTL":   {Store: s, MaterialName: "m"},
		"neg TTL":    {Store: s, MaterialName: "m", TTL: -time.Second},
		"neg cache":  {Store: s, MaterialName: "m", TTL: time.Second, CacheSize: -1},
	} {
		if _, err := NewMostRecent(cfg); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}

// TestMostRecentMetaIDFromStore: a store whose providers do not record the
// meta-id gets it added; one that records another is refused.
func TestMostRecentMetaIDFromStore(t *testing.T) {
	s := newMemStore()
	s.describe = func(string, int64) map[string]string { return map[string]string{"user": "x"} }
	m, _ := newTestMostRecent(t, s, 0)
	d, k := encrypt(t, m)
	if d[DescMetaID] != "mat#0" || d["user"] != "x" {
		t.Errorf("description %v", d)
	}
	decrypt(t, m, d, k)

	s2 := newMemStore()
	s2.describe = func(string, int64) map[string]string { return map[string]string{DescMetaID: "other#5"} }
	m2, _ := newTestMostRecent(t, s2, 0)
	_, err := m2.EncryptionMaterials(bgCtx, &EncryptionContext{TableName: "t"})
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("mislabelled provider: %v", err)
	}
}

// failingStore fails MaxVersion.
type failingStore struct{ *memStore }

var errStoreDown = fmt.Errorf("%w: store down", ddbcrypt.ErrKeyService)

func (s *failingStore) MaxVersion(context.Context, string) (int64, error) { return 0, errStoreDown }

func TestMostRecentStoreErrors(t *testing.T) {
	s := &failingStore{memStore: newMemStore()}
	m, _ := newTestMostRecent(t, s, 0)
	if _, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{}); !errors.Is(err, errStoreDown) {
		t.Errorf("got %v", err)
	}
}

// TestMostRecentCallerCancel: a caller whose context ends stops waiting;
// the shared lookup goes on for the others.
func TestMostRecentCallerCancel(t *testing.T) {
	s := newMemStore()
	block := make(chan struct{})
	s.setBlock(block)
	m, _ := newTestMostRecent(t, s, 0)
	ctx, cancel := context.WithCancel(bgCtx)
	done := make(chan error, 1)
	go func() {
		_, err := m.EncryptionMaterials(ctx, &EncryptionContext{})
		done <- err
	}()
	other := make(chan error, 1)
	go func() {
		_, err := m.EncryptionMaterials(bgCtx, &EncryptionContext{})
		other <- err
	}()
	waitUntil(t, "a lookup is in the store", func() bool { return s.maxCalls.Load() == 1 })
	cancel()
	if err := await(t, "the cancelled caller", done); !errors.Is(err, context.Canceled) || !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Errorf("cancelled caller: %v", err)
	}
	close(block)
	if err := await(t, "the other caller", other); err != nil {
		t.Errorf("other caller: %v", err)
	}
	if s.maxCalls.Load() != 1 {
		t.Errorf("%d max calls, want 1", s.maxCalls.Load())
	}
}

func TestMostRecentFormatHidesNothingSecret(t *testing.T) {
	m, _ := newTestMostRecent(t, newMemStore(), 0)
	if got := fmt.Sprintf("%v %+v %#v %s", m, m, m, m); got != `cmp.MostRecent("mat") cmp.MostRecent("mat") cmp.MostRecent("mat") cmp.MostRecent("mat")` {
		t.Errorf("formatted as %s", got)
	}
}
