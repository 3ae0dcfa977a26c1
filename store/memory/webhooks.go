package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// CreateWebhookEndpoint applies the endpoint defaults, stores rec and
// writes the stored record back into it.
func (s *Store) CreateWebhookEndpoint(_ context.Context, rec *store.WebhookEndpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	if rec.UserID == "" {
		return fmt.Errorf("memory: create webhook endpoint: missing user id: set UserID to the owner: %w", store.ErrInvalid)
	}
	if err := s.checkNewID(rec.ID); err != nil {
		return err
	}
	c := cloneWebhook(rec)
	c.ApplyDefaults()
	if c.ID == "" {
		c.ID = store.NewID()
	}
	c.CreatedAt = s.clock()
	c.UpdatedAt = c.CreatedAt
	s.webhooks[c.ID] = c
	*rec = *cloneWebhook(c)

	return nil
}

// GetWebhookEndpoint returns a copy of the endpoint id.
func (s *Store) GetWebhookEndpoint(_ context.Context, access store.Access, id string) (*store.WebhookEndpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	rec, ok := s.webhooks[id]
	if !ok || !access.Allows(rec.UserID) {
		return nil, fmt.Errorf("memory: webhook endpoint %q: %w", id, store.ErrNotFound)
	}

	return cloneWebhook(rec), nil
}

// UpdateWebhookEndpoint applies the endpoint defaults and writes
// p.Endpoint over the stored endpoint with the same ID, keeping its ID,
// UserID, CreatedAt and counters.
func (s *Store) UpdateWebhookEndpoint(_ context.Context, p store.UpdateWebhookParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	if p.Endpoint == nil {
		return fmt.Errorf("memory: update webhook endpoint: nil endpoint: %w", store.ErrInvalid)
	}
	old, ok := s.webhooks[p.Endpoint.ID]
	if !ok || !p.Access.Allows(old.UserID) {
		return fmt.Errorf("memory: update webhook endpoint %q: %w", p.Endpoint.ID, store.ErrNotFound)
	}
	if stale(p.Endpoint.UpdatedAt, old.UpdatedAt) {
		return fmt.Errorf("memory: update webhook endpoint %q: %w", p.Endpoint.ID, store.ErrStale)
	}
	c := cloneWebhook(p.Endpoint)
	c.ApplyDefaults()
	c.UserID, c.CreatedAt, c.UpdatedAt = old.UserID, old.CreatedAt, nextVersion(old.UpdatedAt, s.clock())
	c.LastTriggeredAt = old.LastTriggeredAt
	c.SuccessCount = old.SuccessCount
	c.FailureCount = old.FailureCount
	c.ConsecutiveFailures = old.ConsecutiveFailures
	c.FirstFailureAt = old.FirstFailureAt
	c.LastError, c.LastErrorAt = old.LastError, old.LastErrorAt
	if p.ResetFailures {
		c.ConsecutiveFailures = 0
		c.FirstFailureAt = time.Time{}
	}
	s.webhooks[c.ID] = c
	*p.Endpoint = *cloneWebhook(c)

	return nil
}

// DeleteWebhookEndpoint deletes the endpoint id with its deliveries.
func (s *Store) DeleteWebhookEndpoint(_ context.Context, access store.Access, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	rec, ok := s.webhooks[id]
	if !ok || !access.Allows(rec.UserID) {
		return fmt.Errorf("memory: delete webhook endpoint %q: %w", id, store.ErrNotFound)
	}
	delete(s.webhooks, id)
	s.deleteDeliveriesOf(id)

	return nil
}

// ListWebhookEndpoints returns the endpoints p selects, newest first.
func (s *Store) ListWebhookEndpoints(_ context.Context, p store.ListParams) ([]*store.WebhookEndpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	var out []*store.WebhookEndpoint
	for _, rec := range s.webhooks {
		if visible(p.Access, p.UserID, rec.UserID) && (!p.ActiveOnly || rec.IsActive) {
			out = append(out, rec)
		}
	}

	return cloneAll(sortNewestFirst(out, func(r *store.WebhookEndpoint) string { return r.ID }), p, cloneWebhook), nil
}
