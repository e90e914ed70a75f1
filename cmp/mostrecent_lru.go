package cmp

// The Most Recent provider's per-version caches: the loaded versions (no
// expiry: a version's keys never change) and the recently failed loads
// (which expire; the caller checks). Both are least recently used out first.

import (
	"container/list"
	"sync"
)

type versionLRU[T any] struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *lruEntry[T], most recently used first
	byVer map[int64]*list.Element
}

type lruEntry[T any] struct {
	version int64
	value   T
}

func newVersionLRU[T any](size int) *versionLRU[T] {
	return &versionLRU[T]{size: size, order: list.New(), byVer: make(map[int64]*list.Element)}
}

func (c *versionLRU[T]) get(version int64) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byVer[version]
	if !ok {
		var zero T
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry[T]).value, true
}

func (c *versionLRU[T]) add(version int64, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byVer[version]; ok {
		el.Value.(*lruEntry[T]).value = v
		c.order.MoveToFront(el)
		return
	}
	c.byVer[version] = c.order.PushFront(&lruEntry[T]{version: version, value: v})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byVer, last.Value.(*lruEntry[T]).version)
	}
}

func (c *versionLRU[T]) remove(version int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byVer[version]; ok {
		c.order.Remove(el)
		delete(c.byVer, version)
	}
}

func (c *versionLRU[T]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
