package cmp

// The Direct KMS provider's optional cache of decrypted data keys.

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ddbcrypt/ddbcrypt/internal/flight"
	"golang.org/x/sync/singleflight"

	"github.com/ddbcrypt/ddbcrypt"
)

// Data-key cache defaults.
const (
	// DefaultDataKeyCacheEntries is the size of a data-key cache whose
	// MaxEntries is zero.
	DefaultDataKeyCacheEntries = 1000
)

// DataKeyCacheConfig configures the Direct KMS provider's cache of
// decrypted data keys. With it, reading an item whose data key was
// decrypted recently — the same item read again, typically — costs no KMS
// call: the cache is keyed by the encrypted data key together with the
// whole KMS encryption context, so a hit needs exactly the ciphertext and
// context that KMS accepted before. (For an item whose number key is not in
// canonical form, both contexts DirectKMS would try are looked up, and the
// data key is cached under the one KMS accepted; so reading such an item
// again costs no KMS call either.) Concurrent misses for the same data key
// make a single KMS call, and its failure is theirs, not retried; only if
// the reader that made it gave up (its ctx ended) does each reader still
// waiting make one call of its own. Only decryption is cached: every item
// written still gets its own data key.
//
// Security trade-off: cached data keys (rather, the keys derived from them)
// stay in process memory in plaintext until they expire or are evicted, and
// while an entry lives, KMS is not asked. So revoking access — retiring a
// grant, changing the key policy, disabling or scheduling the deletion of
// the KMS key — does not stop this process from reading the items it has
// cached until their TTL or MaxUses runs out, and such reads leave no
// CloudTrail record. Keep TTL as short as the workload allows.
type DataKeyCacheConfig struct {
	// MaxEntries bounds the number of cached data keys; the least recently
	// used is evicted first. Zero means DefaultDataKeyCacheEntries.
	MaxEntries int
	// TTL is how long a data key stays usable after KMS decrypted it.
	// Required (greater than zero).
	TTL time.Duration
	// MaxUses is how many decryptions one KMS call may serve, the one that
	// fetched the key included; the entry is dropped when it is used up.
	// Zero means no limit (the TTL still applies). Concurrent readers that
	// wait for the same fetch are all served by it.
	MaxUses int
}

// dataKeyCache is a bounded LRU of decryption materials with a lifetime and
// a use count per entry. It is safe for concurrent use.
type dataKeyCache struct {
	maxEntries int
	ttl        time.Duration
	maxUses    int
	now        func() time.Time // time.Now; replaced in tests

	mu      sync.Mutex
	entries map[dataKeyID]*list.Element // of *dataKeyEntry
	lru     list.List                   // front: most recently used

	flight singleflight.Group
}

type dataKeyID [sha256.Size]byte

type dataKeyEntry struct {
	key     dataKeyID
	mat     *DecryptionMaterials
	expires time.Time
	uses    int
}

func newDataKeyCache(cfg DataKeyCacheConfig) (*dataKeyCache, error) {
	switch {
	case cfg.TTL <= 0:
		return nil, fmt.Errorf("%w: the data-key cache needs a TTL greater than zero", ddbcrypt.ErrInvalidConfig)
	case cfg.MaxEntries < 0:
		return nil, fmt.Errorf("%w: negative data-key cache MaxEntries %d", ddbcrypt.ErrInvalidConfig, cfg.MaxEntries)
	case cfg.MaxUses < 0:
		return nil, fmt.Errorf("%w: negative data-key cache MaxUses %d", ddbcrypt.ErrInvalidConfig, cfg.MaxUses)
	}
	c := &dataKeyCache{
		maxEntries: cfg.MaxEntries,
		ttl:        cfg.TTL,
		maxUses:    cfg.MaxUses,
		now:        time.Now,
		entries:    make(map[dataKeyID]*list.Element),
	}
	if c.maxEntries == 0 {
		c.maxEntries = DefaultDataKeyCacheEntries
	}
	return c, nil
}

// dataKeyCacheKey identifies a data key by its ciphertext and the exact KMS
// encryption context it is decrypted under: a SHA-256 over both, each
// field length-prefixed and the context sorted by key.
func dataKeyCacheKey(blob []byte, kmsContext map[string]string) dataKeyID {
	h := sha256.New()
	var n [4]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field(blob)
	keys := make([]string, 0, len(kmsContext))
	for k := range kmsContext {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field([]byte(k))
		field([]byte(kmsContext[k]))
	}
	var out dataKeyID
	h.Sum(out[:0])
	return out
}

// cachedDataKey is a flight's result: the materials and the key they are
// cached under.
type cachedDataKey struct {
	key dataKeyID
	mat *DecryptionMaterials
}

// get returns the materials cached under any of keys, or else from fetch,
// which returns the index of the key to cache them under: that of the KMS
// encryption context KMS accepted. Misses for the same keys share one
// fetch; errors are not cached.
func (c *dataKeyCache) get(ctx context.Context, keys []dataKeyID, fetch func(context.Context) (*DecryptionMaterials, int, error), keyID string) (*DecryptionMaterials, error) {
	if m := c.use(keys); m != nil {
		return m, nil
	}
	// Concurrent misses share one fetch, and its failure — a KMS client's
	// own timeout included; see flight.Do.
	v, err := flight.Do(ctx, &c.flight, string(keys[0][:]), func(ctx context.Context) (cachedDataKey, error) {
		return c.load(ctx, keys, fetch)
	})
	if err != nil {
		if err == ctx.Err() {
			return nil, &KMSError{KeyID: keyID, Operation: opDecrypt, Err: err}
		}
		return nil, err
	}
	c.count(v.key)
	return v.mat, nil
}

// load returns the live entry among keys, filled since the caller's
// lookup, or else fetches the materials and caches them.
func (c *dataKeyCache) load(ctx context.Context, keys []dataKeyID, fetch func(context.Context) (*DecryptionMaterials, int, error)) (cachedDataKey, error) {
	if e := c.peek(keys); e != nil {
		return cachedDataKey{e.key, e.mat}, nil
	}
	m, i, err := fetch(ctx)
	if err != nil {
		return cachedDataKey{}, err
	}
	c.insert(keys[i], m)
	return cachedDataKey{keys[i], m}, nil
}

// use returns the materials of the first live entry among keys and counts
// one use, or nil.
func (c *dataKeyCache) use(keys []dataKeyID) *DecryptionMaterials {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.liveAny(keys)
	if e == nil {
		return nil
	}
	c.countLocked(e)
	return e.mat
}

// peek returns the first live entry among keys without counting a use, or
// nil.
func (c *dataKeyCache) peek(keys []dataKeyID) *dataKeyEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.liveAny(keys)
}

func (c *dataKeyCache) liveAny(keys []dataKeyID) *dataKeyEntry {
	for _, k := range keys {
		if e := c.live(k); e != nil {
			return e
		}
	}
	return nil
}

// count counts one use of the entry for key, if it is still there.
func (c *dataKeyCache) count(key dataKeyID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.countLocked(el.Value.(*dataKeyEntry))
	}
}

// live returns the entry for key if it has not expired, marking it most
// recently used; an expired entry is dropped.
func (c *dataKeyCache) live(key dataKeyID) *dataKeyEntry {
	el, ok := c.entries[key]
	if !ok {
		return nil
	}
	e := el.Value.(*dataKeyEntry)
	if !c.now().Before(e.expires) {
		c.removeLocked(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

func (c *dataKeyCache) countLocked(e *dataKeyEntry) {
	e.uses++
	if c.maxUses > 0 && e.uses >= c.maxUses {
		c.removeLocked(c.entries[e.key])
	}
}

// insert adds fresh materials, evicting the least recently used entries
// beyond the bound.
func (c *dataKeyCache) insert(key dataKeyID, m *DecryptionMaterials) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.removeLocked(el)
	}
	c.entries[key] = c.lru.PushFront(&dataKeyEntry{key: key, mat: m, expires: c.now().Add(c.ttl)})
	for c.lru.Len() > c.maxEntries {
		c.removeLocked(c.lru.Back())
	}
}

// removeLocked drops an entry. Its key bytes are not cleared: a reader
// that got the materials from the cache may still be using them; the
// garbage collector reclaims them.
func (c *dataKeyCache) removeLocked(el *list.Element) {
	delete(c.entries, el.Value.(*dataKeyEntry).key)
	c.lru.Remove(el)
}

// len returns the number of entries, expired ones included.
func (c *dataKeyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
