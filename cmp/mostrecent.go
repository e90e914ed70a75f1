package cmp

// The Most Recent provider (FORMAT.md 7.7) and the provider store it reads
// (7.6; the DynamoDB implementation is package metastore).

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ddbcrypt/ddbcrypt"
)

// DefaultMostRecentCacheSize is the number of versions a MostRecent provider
// keeps when MostRecentConfig.CacheSize is 0, as in Java and Python.
const DefaultMostRecentCacheSize = 1000

// mostRecentGrace is how long after its TTL a current version may still be
// used by other callers while one caller refreshes it (FORMAT.md 7.7; Java
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
	// exist is an error wrapping ddbcrypt.ErrNoMaterials.
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

// CheckMaterialName reports whether name can be a material name: it must
// not be empty, and must not contain '#', which separates the name from the
// version in "amzn-ddb-meta-id" (FORMAT.md 7.7). The error wraps
// ddbcrypt.ErrInvalidConfig.
func CheckMaterialName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty material name", ddbcrypt.ErrInvalidConfig)
	case strings.Contains(name, "#"):
		return fmt.Errorf("%w: material name %q contains '#'", ddbcrypt.ErrInvalidConfig, name)
	}
	return nil
}

// MetaID returns the "amzn-ddb-meta-id" value of a version: "<name>#<version>".
func MetaID(name string, version int64) string {
	return name + "#" + strconv.FormatInt(version, 10)
}

// ParseMetaID splits an "amzn-ddb-meta-id" value into material name and
// version. Like Java's full-match pattern ([^#]+)#(\d*), it requires exactly
// one '#' with a non-empty name before it, but it also requires at least one
// decimal digit after it and a version that fits an int64. The error is a
// *ddbcrypt.DescriptionError naming the field.
func ParseMetaID(id string) (name string, version int64, err error) {
	name, digits, ok := strings.Cut(id, "#")
	bad := func(why string) (string, int64, error) {
		return "", 0, descriptionError(DescMetaID, id, why)
	}
	switch {
	case !ok:
		return bad("not <material name>#<version>")
	case name == "":
		return bad("empty material name")
	case digits == "":
		return bad("empty version")
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return bad("the version is not a decimal number")
		}
	}
	version, perr := strconv.ParseInt(digits, 10, 64)
	if perr != nil {
		return bad("the version is out of range")
	}
	return name, version, nil
}

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
	// used first out). 0 means DefaultMostRecentCacheSize.
	CacheSize int
}

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
// Concurrent callers that need the same store lookup share one call. While
// the current version is fresh and the versions read are cached, no item
// causes a store call. A MostRecent is safe for concurrent use.
type MostRecent struct {
	store ProviderStore
	name  string
	ttl   time.Duration
	now   func() time.Time // time.Now; replaced by tests

	current    atomic.Pointer[currentVersion]
	refreshing atomic.Bool   // a caller in the grace period is refreshing
	gen        atomic.Uint64 // bumped by ClearCache
	flights    singleflight.Group
	versions   *providerLRU
}

// currentVersion is the cached answer to "which version encrypts".
type currentVersion struct {
	version  int64
	metaID   string
	provider Provider
	expires  time.Time
}

// NewMostRecent returns a Most Recent provider. It makes no store call:
// the first item does.
func NewMostRecent(cfg MostRecentConfig) (*MostRecent, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("%w: a Most Recent provider needs a provider store", ddbcrypt.ErrInvalidConfig)
	}
	if err := CheckMaterialName(cfg.MaterialName); err != nil {
		return nil, err
	}
	if cfg.TTL <= 0 {
		return nil, fmt.Errorf("%w: a Most Recent provider needs a positive TTL, not %v", ddbcrypt.ErrInvalidConfig, cfg.TTL)
	}
	size := cfg.CacheSize
	switch {
	case size == 0:
		size = DefaultMostRecentCacheSize
	case size < 0:
		return nil, fmt.Errorf("%w: negative cache size %d", ddbcrypt.ErrInvalidConfig, size)
	}
	return &MostRecent{
		store:    cfg.Store,
		name:     cfg.MaterialName,
		ttl:      cfg.TTL,
		now:      time.Now,
		versions: newProviderLRU(size),
	}, nil
}

// MaterialName returns the configured material name.
func (m *MostRecent) MaterialName() string { return m.name }

// ClearCache forgets the current version and every loaded version, so that
// the next item asks the store again. Lookups in flight when it is called do
// not repopulate the cache.
func (m *MostRecent) ClearCache() {
	m.gen.Add(1)
	m.current.Store(nil)
	m.versions.clear()
}

// EncryptionMaterials returns the materials of the current version's
// provider. Their description holds "amzn-ddb-meta-id" = "<name>#<version>".
func (m *MostRecent) EncryptionMaterials(ctx context.Context, ec *EncryptionContext) (*EncryptionMaterials, error) {
	cur, err := m.currentVersion(ctx)
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
	_, version, err := ParseMetaID(id)
	if err != nil {
		return nil, err
	}
	var p Provider
	if cur := m.current.Load(); cur != nil && cur.version == version {
		// A version's keys never change, so even a stale current version
		// is the right provider for its own items.
		p = cur.provider
	} else if p, err = m.versionProvider(ctx, version); err != nil {
		return nil, err
	}
	return p.DecryptionMaterials(ctx, ec)
}

// currentVersion returns the version to encrypt with, refreshing it when
// its TTL has passed (see MostRecent for the grace period).
func (m *MostRecent) currentVersion(ctx context.Context) (*currentVersion, error) {
	cur := m.current.Load()
	if cur == nil {
		return m.refresh(ctx)
	}
	now := m.now()
	if now.Before(cur.expires) {
		return cur, nil
	}
	if now.Before(cur.expires.Add(mostRecentGrace)) {
		if !m.refreshing.CompareAndSwap(false, true) {
			return cur, nil // another caller is refreshing; use the old one meanwhile
		}
		defer m.refreshing.Store(false)
	}
	return m.refresh(ctx)
}

// refresh asks the store for the newest version, creating version 0 if
// there is none, and makes it current. Concurrent refreshes share one
// lookup.
func (m *MostRecent) refresh(ctx context.Context) (*currentVersion, error) {
	gen := m.gen.Load()
	v, err := m.do(ctx, "current#"+strconv.FormatUint(gen, 10), func(ctx context.Context) (any, error) {
		version, err := m.store.MaxVersion(ctx, m.name)
		if err != nil {
			return nil, err
		}
		var p Provider
		if version < 0 {
			version = 0
			if p, err = m.store.GetOrCreate(ctx, m.name, 0); err != nil {
				return nil, err
			}
			if p == nil {
				return nil, m.nilProvider(0)
			}
			if m.gen.Load() == gen {
				m.versions.add(0, p)
			}
		} else if old := m.current.Load(); old != nil && old.version == version {
			p = old.provider // unchanged: no load, even if the LRU dropped it
		} else if p, err = m.versionProvider(ctx, version); err != nil {
			return nil, err
		}
		cur := &currentVersion{version: version, metaID: MetaID(m.name, version), provider: p, expires: m.now().Add(m.ttl)}
		if m.gen.Load() == gen {
			m.current.Store(cur)
		}
		return cur, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*currentVersion), nil
}

// versionProvider returns the provider of one version, from the cache or,
// sharing concurrent lookups, from the store.
func (m *MostRecent) versionProvider(ctx context.Context, version int64) (Provider, error) {
	if p, ok := m.versions.get(version); ok {
		return p, nil
	}
	gen := m.gen.Load()
	key := "version#" + strconv.FormatUint(gen, 10) + "#" + strconv.FormatInt(version, 10)
	v, err := m.do(ctx, key, func(ctx context.Context) (any, error) {
		if p, ok := m.versions.get(version); ok { // loaded by a lookup that just ended
			return p, nil
		}
		p, err := m.store.Provider(ctx, m.name, version)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return nil, m.nilProvider(version)
		}
		if m.gen.Load() == gen {
			m.versions.add(version, p)
		}
		return p, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(Provider), nil
}

func (m *MostRecent) nilProvider(version int64) error {
	return &MaterialError{Op: "load", Name: m.name, Version: version, Err: fmt.Errorf("%w: the store returned no provider", ddbcrypt.ErrNoMaterials)}
}

// do runs fn once for all concurrent callers with the same key. The shared
// call is not cancelled when one caller gives up (its context's values are
// kept, its cancellation is not); each caller stops waiting when its own
// context ends.
func (m *MostRecent) do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	shared := context.WithoutCancel(ctx)
	ch := m.flights.DoChan(key, func() (any, error) { return fn(shared) })
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, &MaterialError{Op: "wait for the store for", Name: m.name, Version: -1, Err: fmt.Errorf("%w: %w", ddbcrypt.ErrKeyService, ctx.Err())}
	}
}

// String names the material, never keys.
func (m *MostRecent) String() string { return "cmp.MostRecent(" + strconv.Quote(m.name) + ")" }

// Format prints String for every verb.
func (m *MostRecent) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

var _ Provider = (*MostRecent)(nil)
