package cmp

// The Most Recent provider's cache of loaded versions: least recently used
// out first, no expiry (a version's keys never change).

import (
	"container/list"
	"sync"
)

type providerLRU struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *lruEntry, most recently used first
	byVer map[int64]*list.Element
}

type lruEntry struct {
	version  int64
	provider Provider
}

func newProviderLRU(size int) *providerLRU {
	return &providerLRU{size: size, order: list.New(), byVer: make(map[int64]*list.Element)}
}

func (c *providerLRU) get(version int64) (Provider, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byVer[version]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruEntry).provider, true
}

func (c *providerLRU) add(version int64, p Provider) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byVer[version]; ok {
		el.Value.(*lruEntry).provider = p
		c.order.MoveToFront(el)
		return
	}
	c.byVer[version] = c.order.PushFront(&lruEntry{version: version, provider: p})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byVer, last.Value.(*lruEntry).version)
	}
}

func (c *providerLRU) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func (c *providerLRU) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.byVer)
}
