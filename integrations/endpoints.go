package integrations

import (
	"context"
	"sync"

	"github.com/hishamos/integrations-external/store"
)

// maxCachedEndpoints bounds the cache. When it is full, expired entries
// are dropped and endpoints that do not fit are read every time.
const maxCachedEndpoints = 10000

// endpointCache keeps recently read webhook endpoints for
// Config.TargetCacheTTL, so a worker does not read and decrypt the same
// endpoint for every attempt. The Service evicts an endpoint when it
// changes or deletes it, and the recorder when it disables one. Reading it was
// a tenth of the CPU time of the end-to-end benchmark.
type endpointCache struct {
	mu      sync.Mutex
	entries map[string]expiring[*store.WebhookEndpoint]
	gen     uint64 // counts evictions, so a read that raced one is not kept
}

// webhookEndpoint returns the endpoint id from the cache, or reads it from
// the store. The caller must not change the returned record.
func (d *Dispatcher) webhookEndpoint(ctx context.Context, id string) (*store.WebhookEndpoint, error) {
	if d.cfg.TargetCacheTTL < 0 {
		return d.cfg.Store.GetWebhookEndpoint(ctx, store.AsAdmin(), id)
	}
	now := d.cfg.Now()
	c := &d.endpoints
	c.mu.Lock()
	entry, ok := c.entries[id]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(entry.until) {
		return entry.value, nil
	}

	ep, err := d.cfg.Store.GetWebhookEndpoint(ctx, store.AsAdmin(), id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		// An endpoint changed while this read ran, so ep may be the old
		// version: use it for this attempt only.
		return ep, nil
	}
	c.entries = putExpiring(c.entries, id, ep, now, now.Add(d.cfg.TargetCacheTTL), maxCachedEndpoints)

	return ep, nil
}

// forgetEndpoint evicts id from the cache after the endpoint changed.
func (d *Dispatcher) forgetEndpoint(id string) {
	c := &d.endpoints
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
	c.gen++
}
