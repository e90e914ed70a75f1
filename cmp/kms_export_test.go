package cmp

import "time"

// Test hooks for the Direct KMS data-key cache.

// SetDataKeyCacheClock replaces the cache's clock.
func SetDataKeyCacheClock(p *DirectKMS, now func() time.Time) {
	p.cache.mu.Lock()
	defer p.cache.mu.Unlock()
	p.cache.now = now
}

// DataKeyCacheLen returns the number of cached data keys.
func DataKeyCacheLen(p *DirectKMS) int { return p.cache.len() }

// KMSKeyRegion exposes kmsKeyRegion.
var KMSKeyRegion = kmsKeyRegion
