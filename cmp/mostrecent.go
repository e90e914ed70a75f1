package cmp

// The Most Recent provider (docs/format.md 7.7) and the provider store it reads
// (7.6; the DynamoDB implementation is package metastore).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
)

// DefaultMostRecentCacheSize is the number of versions a MostRecent provider
// keeps when MostRecentConfig.CacheSize is 0, as in Java and Python.
const DefaultMostRecentCacheSize = 1000

// mostRecentGrace is how long after its TTL a current version may still be
// used by other callers while one caller refreshes it (docs/format.md 7.7; Java
// uses 0.5 s). After TTL + grace every caller waits for the refresh.
const mostRecentGrace = 500 * time.Millisecond

// ProviderStore keeps versioned providers under material names: version n of
// a name is a fixed set of keys that never changes once created. The
// MetaStore (package metastore) is the DynamoDB implementation; Java's
// ProviderStore and Python's ProviderStore are the same idea.
//
// Implementations must be safe for concurrent use, and their errors should
// wrap one of the ddbcrypt error kinds and name the material and version
// (*MaterialError).
type ProviderStore interface {
	// Provider returns version of material name. A version that does not
	// exist is an error wrapping ddbcrypt.ErrNotFound.
	Provider(ctx context.Context, name string, version int64) (Provider, error)
	// MaxVersion returns the highest version of material name, or -1 when
	// there is none.
	MaxVersion(ctx context.Context, name string) (int64, error)
	// GetOrCreate returns version of material name, creating it with fresh
	// keys if it does not exist. Concurrent creators of the same version,
	// in this process or another, must all end up with the same keys.
	GetOrCreate(ctx context.Context, name string, version int64) (Provider, error)
}

// MaterialError says which material name, and which version, of a provider
// store an error is about. It never holds key material.
type MaterialError struct {
	Op      string // what was being done: "load", "create", "max version", ...
	Name    string // the material name
	Version int64  // the version; -1 when the error is not about one version
	Err     error  // wraps one of the ddbcrypt error kinds
}

func (e *MaterialError) Error() string {
	if e.Version < 0 {
		return fmt.Sprintf("%s material %q: %v", e.Op, e.Name, e.Err)
	}
	return fmt.Sprintf("%s material %q version %d: %v", e.Op, e.Name, e.Version, e.Err)
}

func (e *MaterialError) Unwrap() error { return e.Err }

// MostRecentConfig configures a Most Recent provider.
type MostRecentConfig struct {
	// Store holds the versions. Required.
	Store ProviderStore
	// MaterialName is the material whose versions protect items. Required;
	// it must not contain '#'.
	MaterialName string
	// TTL is how long the current version is used before the store is asked
	// again whether there is a newer one: the longest a writer keeps using
	// an old version after a new one is created. Required, > 0. Versions
	// already loaded stay usable for reading whatever the TTL.
	TTL time.Duration
	// CacheSize bounds the number of versions kept in memory (least recently
	// used first out), and separately the number of versions whose failed
	// loads are remembered. 0 means DefaultMostRecentCacheSize.
	CacheSize int
	// LookupTimeout bounds each store lookup (finding the current version,
	// loading a version), which concurrent callers share. When it passes,
	// every caller still waiting gets an error wrapping
	// ddbcrypt.ErrKeyService and context.DeadlineExceeded, the lookup's
	// context is cancelled, and the next lookup is a new store call, even
	// if the stuck one never returns. 0 means
	// DefaultMostRecentLookupTimeout; it must not be negative.
	LookupTimeout time.Duration
	// NegativeTTL is how long a failed lookup is remembered: until it has
	// passed, asking the same again fails at once with a
	// *RememberedFailureError, without a store call. It is also how long a
	// version above the newest the store last reported is taken to be
	// missing, so it is how late this provider may notice a version that
	// another process has just created, when an item naming it is read
	// before this provider's TTL runs out. Keep it short. 0 means
	// DefaultMostRecentNegativeTTL; it must not be negative.
	NegativeTTL time.Duration
}

// Most Recent defaults.
const (
	// DefaultMostRecentLookupTimeout is MostRecentConfig.LookupTimeout
	// when it is 0: above a DynamoDB call's usual latency with the SDK's
	// retries, short enough that a hung connection does not stall writers
	// for long.
	DefaultMostRecentLookupTimeout = 5 * time.Second
	// DefaultMostRecentNegativeTTL is MostRecentConfig.NegativeTTL when it
	// is 0.
	DefaultMostRecentNegativeTTL = time.Second
)

// RememberedFailureError is what a Most Recent provider returns, without a
// store call, when the same lookup failed less than its negative TTL ago
// (MostRecentConfig.NegativeTTL), or when an item names a version above the
// newest one the store reported that recently. The store is asked again
// from Until on. It wraps the remembered failure, so errors.Is and
// errors.As find the same error kind (ddbcrypt.ErrKeyService,
// ddbcrypt.ErrNotFound, ...) and the same *MaterialError as the first
// time.
type RememberedFailureError struct {
	Err   error     // the failure remembered
	At    time.Time // when the store failed, or reported its newest version
	Until time.Time // when the store will be asked again
}

func (e *RememberedFailureError) Error() string {
	const layout = "2006-01-02T15:04:05.000Z07:00"
	return fmt.Sprintf("remembered failure from %s; the store is not asked again before %s: %v", e.At.Format(layout), e.Until.Format(layout), e.Err)
}

func (e *RememberedFailureError) Unwrap() error { return e.Err }

// MostRecent is the Most Recent provider (Java and Python
// CachingMostRecentProvider): it encrypts with the newest version of one
// material name in a ProviderStore, and decrypts with whatever version an
// item names in its "amzn-ddb-meta-id".
//
// Encrypting uses the current version, which is looked up in the store at
// most once per TTL (creating version 0 if the name has none) and then
// cached. For 0.5 s after the TTL one caller refreshes while the others keep
// using the cached version; after that every caller waits for the refresh.
// Decrypting parses the version from the item's "amzn-ddb-meta-id" and uses
// that version of the configured material name; the name written in the item
// is ignored, as in Java and Python. Loaded versions are kept in an LRU cache
// of CacheSize entries without expiry, since a version's keys never change.
//
// Concurrent callers that need the same store lookup share one call, which
// a caller's context does not cancel: each caller stops waiting when its own
// context ends. The shared call has its own timeout, LookupTimeout (5 s by
// default); when it passes, the waiting callers get an error and the next
// lookup starts afresh. While the current version is fresh and the versions
// read are cached, no item causes a store call.
//
// Failures are remembered for NegativeTTL (1 s by default), so that while
// the store is down, or when items name versions that do not exist, each
// kind of lookup below costs a store call or two per NegativeTTL, whatever
// the number of items. A remembered failure is a *RememberedFailureError
// wrapping the original error (same error kind) and saying until when.
//
//   - Refreshing the current version: after a failure, encrypting fails at
//     once until NegativeTTL has passed. The cached version is still used
//     during the 0.5 s after its TTL, whether the store is slow or failing
//     (the caller whose refresh failed gets it too), and never after.
//   - Loading a version known to exist (up to the newest this provider has
//     seen): after a failure, reading that version fails at once. At most
//     CacheSize such failures are kept, least recently used out.
//   - Loading a version not known to exist, such as one created since by
//     another process, or named by a forged item: one such lookup runs at
//     a time, whatever the versions. When the version is not in the store,
//     the store is also asked for its newest version, and for NegativeTTL
//     every version above that is missing (ErrNotFound) without a store
//     call; when the store fails, every version not known to exist fails.
//     A version this provider has found as the newest, created or loaded
//     is never taken as missing.
//
// A MostRecent is safe for concurrent use.
type MostRecent struct {
	store         ProviderStore
	name          string
	ttl           time.Duration
	cacheSize     int
	lookupTimeout time.Duration
	negativeTTL   time.Duration
	now           func() time.Time // time.Now; replaced by tests

	state atomic.Pointer[mostRecentState] // replaced by ClearCache
	// notFound is the error the store wraps for a missing version (such
	// as metastore.ErrNotFound), learned from it, so that a version taken
	// as missing from memory fails with the same error as from the store.
	notFound atomic.Pointer[error]
}

// mostRecentState is what a MostRecent has learned from its store.
// ClearCache replaces it: lookups still in flight fill the old one, so they
// do not repopulate the cache.
type mostRecentState struct {
	current    atomic.Pointer[currentVersion]
	refreshing atomic.Bool // a caller in the grace period is refreshing
	versions   *versionLRU[Provider]
	// knownMax is the highest version known to exist (-1: none): found as
	// the newest, created, or loaded. Versions up to it are loaded without
	// asking the store for its newest version first.
	knownMax atomic.Int64
	// newest is the store's last answer to "which version is the newest".
	newest atomic.Pointer[storeNewest]

	failedCurrent  atomic.Pointer[failure] // the last failed refresh
	failedProbe    atomic.Pointer[failure] // the last failed probe (versions above knownMax)
	failedVersions *versionLRU[*failure]   // failed loads of versions up to knownMax

	flights singleflight.Group
}

// currentVersion is the cached answer to "which version encrypts".
type currentVersion struct {
	version  int64
	metaID   string
	provider Provider
	expires  time.Time
}

// storeNewest says that at time at, the store's newest version was version.
type storeNewest struct {
	version int64
	at      time.Time
}

// failure is a remembered failed lookup.
type failure struct {
	err       error
	at, until time.Time
}

func (f *failure) live(now time.Time) bool { return f != nil && now.Before(f.until) }

func (f *failure) error() error { return &RememberedFailureError{Err: f.err, At: f.at, Until: f.until} }

func newMostRecentState(size int) *mostRecentState {
	st := &mostRecentState{versions: newVersionLRU[Provider](size), failedVersions: newVersionLRU[*failure](size)}
	st.knownMax.Store(-1)
	return st
}

// found records that version exists, with its provider.
func (st *mostRecentState) found(version int64, p Provider) {
	st.versions.add(version, p)
	st.sawVersion(version)
}

// sawVersion records that version exists.
func (st *mostRecentState) sawVersion(version int64) {
	for {
		known := st.knownMax.Load()
		if version <= known || st.knownMax.CompareAndSwap(known, version) {
			return
		}
	}
}

// sawNewest records the store's answer, asked at time at, to "which version
// is the newest" (-1: none).
func (st *mostRecentState) sawNewest(version int64, at time.Time) {
	st.sawVersion(version)
	n := &storeNewest{version: version, at: at}
	for {
		old := st.newest.Load()
		if old != nil && at.Before(old.at) {
			return // a late answer to an older question
		}
		if st.newest.CompareAndSwap(old, n) {
			return
		}
	}
}

// orDefault returns v, or def for zero; a negative v is an ErrInvalidConfig
// naming what.
func orDefault[T int | time.Duration](v, def T, what string) (T, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0:
		return 0, fmt.Errorf("%w: negative %s %v", ddbcrypt.ErrInvalidConfig, what, v)
	}
	return v, nil
}

// NewMostRecent returns a Most Recent provider. It makes no store call:
// the first item does.
func NewMostRecent(cfg MostRecentConfig) (*MostRecent, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: a Most Recent provider needs a provider store", ddbcrypt.ErrInvalidConfig)
	}
	if err := metaid.CheckName(cfg.MaterialName); err != nil {
		return nil, err
	}
	if cfg.TTL <= 0 {
		return nil, fmt.Errorf("%w: a Most Recent provider needs a positive TTL, not %v", ddbcrypt.ErrInvalidConfig, cfg.TTL)
	}
	size, err := orDefault(cfg.CacheSize, DefaultMostRecentCacheSize, "cache size")
	if err != nil {
		return nil, err
	}
	timeout, err := orDefault(cfg.LookupTimeout, DefaultMostRecentLookupTimeout, "lookup timeout")
	if err != nil {
		return nil, err
	}
	negTTL, err := orDefault(cfg.NegativeTTL, DefaultMostRecentNegativeTTL, "NegativeTTL")
	if err != nil {
		return nil, err
	}
	m := &MostRecent{
		store:         cfg.Store,
		name:          cfg.MaterialName,
		ttl:           cfg.TTL,
		cacheSize:     size,
		lookupTimeout: timeout,
		negativeTTL:   negTTL,
		now:           time.Now,
	}
	m.state.Store(newMostRecentState(size))
	return m, nil
}

// MaterialName returns the configured material name.
func (m *MostRecent) MaterialName() string { return m.name }

// ClearCache forgets the current version, every loaded version and every
// remembered failure, so that the next item asks the store again. Lookups
// in flight when it is called do not repopulate the cache.
func (m *MostRecent) ClearCache() {
	m.state.Store(newMostRecentState(m.cacheSize))
}

// EncryptionMaterials returns the materials of the current version's
// provider. Their description holds "amzn-ddb-meta-id" = "<name>#<version>".
func (m *MostRecent) EncryptionMaterials(ctx context.Context, ec *EncryptionContext) (*EncryptionMaterials, error) {
	cur, err := m.currentVersion(ctx, m.state.Load())
	if err != nil {
		return nil, err
	}
	mat, err := cur.provider.EncryptionMaterials(ctx, ec)
	if err != nil {
		return nil, err
	}
	if mat == nil {
		return nil, &MaterialError{Op: "encrypt with", Name: m.name, Version: cur.version, Err: fmt.Errorf("%w: the store's provider returned no materials", ddbcrypt.ErrNoMaterials)}
	}
	// The MetaStore's providers record the meta-id themselves; a provider
	// of another store that does not gets it added, and one that records
	// another value is refused, since readers would look for the wrong keys.
	switch got, ok := mat.MaterialDescription[DescMetaID]; {
	case !ok:
		desc := cloneDescription(mat.MaterialDescription)
		desc[DescMetaID] = cur.metaID
		out := *mat
		out.MaterialDescription = desc
		return &out, nil
	case got != cur.metaID:
		return nil, &MaterialError{Op: "encrypt with", Name: m.name, Version: cur.version,
			Err: fmt.Errorf("%w: the store's provider describes itself as %q", ddbcrypt.ErrInvalidConfig, got)}
	}
	return mat, nil
}

// DecryptionMaterials returns the materials of the version named in the
// item's "amzn-ddb-meta-id". A missing or malformed entry is a
// *ddbcrypt.DescriptionError naming the field.
func (m *MostRecent) DecryptionMaterials(ctx context.Context, ec *EncryptionContext) (*DecryptionMaterials, error) {
	var d map[string]string
	if ec != nil {
		d = ec.MaterialDescription
	}
	id, ok := d[DescMetaID]
	if !ok {
		return nil, descriptionError(DescMetaID, "", "missing; the item was not written by a Most Recent provider")
	}
	_, version, err := metaid.Parse(id)
	if err != nil {
		return nil, err
	}
	st := m.state.Load()
	var p Provider
	if cur := st.current.Load(); cur != nil && cur.version == version {
		// A version's keys never change, so even a stale current version
		// is the right provider for its own items.
		p = cur.provider
	} else if p, err = m.versionProvider(ctx, st, version); err != nil {
		return nil, err
	}
	return p.DecryptionMaterials(ctx, ec)
}

// currentVersion returns the version to encrypt with, refreshing it when
// its TTL has passed (see MostRecent for the grace period and remembered
// failures).
func (m *MostRecent) currentVersion(ctx context.Context, st *mostRecentState) (*currentVersion, error) {
	cur := st.current.Load()
	now := m.now()
	if cur != nil && now.Before(cur.expires) {
		return cur, nil
	}
	inGrace := func(t time.Time) bool { return cur != nil && t.Before(cur.expires.Add(mostRecentGrace)) }
	if f := st.failedCurrent.Load(); f.live(now) {
		if inGrace(now) {
			return cur, nil
		}
		return nil, f.error()
	}
	if inGrace(now) {
		if !st.refreshing.CompareAndSwap(false, true) {
			return cur, nil // another caller is refreshing; use the old one meanwhile
		}
		defer st.refreshing.Store(false)
	}
	fresh, err := m.refresh(ctx, st)
	if err != nil && ctx.Err() == nil && inGrace(m.now()) {
		return cur, nil // the store failed, but the old version is still usable
	}
	return fresh, err
}

// refresh asks the store for the newest version, creating version 0 if
// there is none, and makes it current. Concurrent refreshes share one
// lookup; a failed one is remembered.
func (m *MostRecent) refresh(ctx context.Context, st *mostRecentState) (*currentVersion, error) {
	v, err := m.do(ctx, st, "current", lookup{op: "find the current version of", version: -1}, func(ctx context.Context) (any, error) {
		start := m.now()
		old := st.current.Load()
		if old != nil && start.Before(old.expires) {
			return old, nil // refreshed by a lookup that just ended
		}
		if f := st.failedCurrent.Load(); f.live(start) {
			return nil, f.error() // failed in a lookup that just ended
		}
		version, err := m.store.MaxVersion(ctx, m.name)
		if err != nil {
			return nil, err
		}
		st.sawNewest(version, start)
		var p Provider
		if version < 0 {
			version = 0
			if p, err = m.store.GetOrCreate(ctx, m.name, 0); err != nil {
				return nil, err
			}
			if p == nil {
				return nil, m.nilProvider(0)
			}
			st.found(0, p)
		} else if old != nil && old.version == version {
			p = old.provider // unchanged: no load, even if the LRU dropped it
		} else if p, err = m.versionProvider(ctx, st, version); err != nil {
			return nil, err
		}
		// The answer is as old as the question: a lookup that returns late
		// does not extend the TTL, and does not replace what a later one
		// made current.
		cur := &currentVersion{version: version, metaID: metaid.Format(m.name, version), provider: p, expires: start.Add(m.ttl)}
		if st.current.CompareAndSwap(old, cur) {
			st.failedCurrent.Store(nil)
		}
		return cur, nil
	}, func(f *failure) { st.failedCurrent.Store(f) })
	if err != nil {
		return nil, err
	}
	return v.(*currentVersion), nil
}

// maxProbeRounds bounds how many lookups of other unknown versions a reader
// waits for before it loads its own directly.
const maxProbeRounds = 3

// recall answers for a version from memory: with its provider, or with a
// remembered failure. known is false when the store must be asked.
func (m *MostRecent) recall(st *mostRecentState, version int64) (p Provider, known bool, err error) {
	if p, ok := st.versions.get(version); ok {
		return p, true, nil
	}
	now := m.now()
	if f, ok := st.failedVersions.get(version); ok {
		if f.live(now) {
			return nil, true, f.error()
		}
		st.failedVersions.remove(version)
	}
	if version <= st.knownMax.Load() {
		return nil, false, nil
	}
	if n := st.newest.Load(); n != nil && version > n.version && now.Before(n.at.Add(m.negativeTTL)) {
		return nil, true, m.missing(version, n)
	}
	if f := st.failedProbe.Load(); f.live(now) {
		return nil, true, f.error()
	}
	return nil, false, nil
}

// versionProvider returns the provider of one version: from memory (see
// recall); loaded from the store if the version is known to exist; else
// probed (see probe).
func (m *MostRecent) versionProvider(ctx context.Context, st *mostRecentState, version int64) (Provider, error) {
	for round := 0; ; round++ {
		if p, known, err := m.recall(st, version); known {
			return p, err
		}
		if version <= st.knownMax.Load() || round == maxProbeRounds {
			return m.load(ctx, st, version)
		}
		v, err := m.do(ctx, st, "probe", lookup{op: "load", version: version}, func(ctx context.Context) (any, error) {
			return m.probe(ctx, st, version)
		}, func(f *failure) { st.failedProbe.Store(f) })
		if err != nil {
			return nil, err
		}
		if r := v.(probeResult); r.version == version && (r.provider != nil || r.err != nil) {
			return r.provider, r.err
		}
		// The shared probe was for another version, or found this one
		// created since it was looked for: look again with what it learned.
	}
}

// load loads a version from the store, sharing concurrent loads; a failed
// load is remembered for that version.
func (m *MostRecent) load(ctx context.Context, st *mostRecentState, version int64) (Provider, error) {
	key := "version#" + strconv.FormatInt(version, 10)
	v, err := m.do(ctx, st, key, lookup{op: "load", version: version}, func(ctx context.Context) (any, error) {
		if p, known, err := m.recall(st, version); known { // by a lookup that just ended
			return p, err
		}
		p, err := m.store.Provider(ctx, m.name, version)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, m.nilProvider(version)
		}
		st.found(version, p)
		return p, nil
	}, func(f *failure) { st.failedVersions.add(version, f) })
	if err != nil {
		return nil, err
	}
	return v.(Provider), nil
}

// probeResult is the answer of probe for one version: its provider, or why
// there is none.
type probeResult struct {
	version  int64
	provider Provider
	err      error
}

// probe loads a version above the highest one known to exist, such as
// one named by an item written by another process after a rotation, or by
// a forged item. Concurrent readers share one probe whatever the versions
// they need, so that items naming many unknown versions cost one store call
// at a time: when the version is not in the store, the store is also asked
// for its newest version, which answers for every version above it for
// NegativeTTL. A failed store call is returned as the error (and remembered
// for every version above knownMax); a missing version as a probeResult.
func (m *MostRecent) probe(ctx context.Context, st *mostRecentState, version int64) (any, error) {
	// What a lookup that just ended may have learned.
	if p, known, err := m.recall(st, version); known {
		return probeResult{version: version, provider: p, err: err}, nil // already remembered
	}
	if version <= st.knownMax.Load() {
		return probeResult{version: version}, nil // the reader loads it
	}
	start := m.now()
	p, err := m.store.Provider(ctx, m.name, version)
	if err == nil {
		if p == nil {
			return probeResult{version: version, err: m.nilProvider(version)}, nil
		}
		st.found(version, p)
		return probeResult{version: version, provider: p}, nil
	}
	if !errors.Is(err, ddbcrypt.ErrNotFound) {
		return nil, err
	}
	if me, ok := errors.AsType[*MaterialError](err); ok && errors.Is(me.Err, ddbcrypt.ErrNotFound) {
		m.notFound.Store(&me.Err)
	}
	newest, merr := m.store.MaxVersion(ctx, m.name)
	if merr != nil {
		// The version is missing, but what else is cannot be said: the
		// next probe waits for NegativeTTL.
		st.failedProbe.Store(m.failure(merr))
		return probeResult{version: version, err: err}, nil
	}
	st.sawNewest(newest, start)
	if newest >= version {
		// Created since it was looked for: it is known to exist now, and
		// the reader loads it (a result with neither provider nor error).
		return probeResult{version: version}, nil
	}
	return probeResult{version: version, err: err}, nil
}

// missing is the remembered failure for a version above the store's newest:
// the store's own error for a missing version if it has shown it, else
// ddbcrypt.ErrNotFound.
func (m *MostRecent) missing(version int64, n *storeNewest) error {
	notFound := fmt.Errorf("%w: no such version in the store", ddbcrypt.ErrNotFound)
	if p := m.notFound.Load(); p != nil {
		notFound = *p
	}
	why := "the store had no version"
	if n.version >= 0 {
		why = "the newest was " + strconv.FormatInt(n.version, 10)
	}
	return &RememberedFailureError{
		Err:   &MaterialError{Op: "load", Name: m.name, Version: version, Err: fmt.Errorf("%w (%s)", notFound, why)},
		At:    n.at,
		Until: n.at.Add(m.negativeTTL),
	}
}

// failure returns the record of a failed lookup, to be remembered for
// NegativeTTL. A failure that was itself remembered keeps its times.
func (m *MostRecent) failure(err error) *failure {
	if rf, ok := errors.AsType[*RememberedFailureError](err); ok {
		return &failure{err: rf.Err, at: rf.At, until: rf.Until}
	}
	now := m.now()
	return &failure{err: err, at: now, until: now.Add(m.negativeTTL)}
}

func (m *MostRecent) nilProvider(version int64) error {
	return &MaterialError{Op: "load", Name: m.name, Version: version, Err: fmt.Errorf("%w: the store returned no provider", ddbcrypt.ErrNoMaterials)}
}

// lookup names a store lookup in errors.
type lookup struct {
	op      string // as in MaterialError.Op
	version int64  // -1 when not about one version
}

// do runs fn once for all concurrent callers with the same key, bounded by
// the lookup timeout (see bounded), and passes a failure to remember before
// the callers see it. The shared call is not cancelled when one caller
// gives up (its context's values are kept, its cancellation is not); each
// caller stops waiting when its own context ends.
func (m *MostRecent) do(ctx context.Context, st *mostRecentState, key string, l lookup, fn func(context.Context) (any, error), remember func(*failure)) (any, error) {
	waitErr := func() error {
		return &MaterialError{Op: "wait for the store to " + l.op, Name: m.name, Version: l.version, Err: fmt.Errorf("%w: %w", ddbcrypt.ErrKeyService, ctx.Err())}
	}
	if ctx.Err() != nil {
		return nil, waitErr() // such as a lookup that timed out, going on alone
	}
	shared := context.WithoutCancel(ctx)
	ch := st.flights.DoChan(key, func() (any, error) {
		v, err := m.bounded(shared, l, fn)
		if err != nil {
			remember(m.failure(err))
		}
		return v, err
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, waitErr()
	}
}

// bounded runs fn with a context that ends after the lookup timeout, and
// returns then even if fn does not (a store that ignores its context): fn
// goes on alone, and the next lookup does not wait for it.
func (m *MostRecent) bounded(ctx context.Context, l lookup, fn func(context.Context) (any, error)) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, m.lookupTimeout)
	defer cancel() // once fn has returned, or the timeout has passed anyway
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	timeout := func() error {
		return &MaterialError{Op: l.op, Name: m.name, Version: l.version,
			Err: fmt.Errorf("%w: the store did not answer within the lookup timeout of %v: %w", ddbcrypt.ErrKeyService, m.lookupTimeout, context.DeadlineExceeded)}
	}
	select {
	case r := <-done:
		if r.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, timeout()
		}
		return r.v, r.err
	case <-ctx.Done():
		return nil, timeout()
	}
}

// String names the material, never keys.
func (m *MostRecent) String() string { return "cmp.MostRecent(" + strconv.Quote(m.name) + ")" }

// Format prints String for every verb.
func (m *MostRecent) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

var _ Provider = (*MostRecent)(nil)
