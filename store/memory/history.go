package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// GetDelivery returns a copy of delivery id with its attempts, oldest
// first.
func (s *Store) GetDelivery(_ context.Context, access store.Access, id string) (*store.Delivery, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	d, ok := s.deliveries[id]
	if !ok || !access.Allows(d.UserID) {
		return nil, fmt.Errorf("memory: delivery %q: %w", id, store.ErrNotFound)
	}

	return cloneDelivery(d, true), nil
}

// ListDeliveries returns the deliveries q selects with their attempts,
// newest first.
func (s *Store) ListDeliveries(_ context.Context, q store.DeliveryQuery) ([]*store.Delivery, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	var out []*store.Delivery
	for _, d := range s.deliveries {
		if visible(q.Access, q.UserID, d.UserID) && matches(d, q) {
			out = append(out, d)
		}
	}
	sorted := sortNewestFirst(out, func(d *store.Delivery) string { return d.ID })

	return cloneAll(sorted, store.ListParams{Limit: q.Limit, Offset: q.Offset}, func(d *store.Delivery) *store.Delivery {
		return cloneDelivery(d, true)
	}), nil
}

// matches reports whether d passes the non-empty filters of q.
func matches(d *store.Delivery, q store.DeliveryQuery) bool {
	return (q.TargetID == "" || d.TargetID == q.TargetID) &&
		(q.Channel == "" || d.Channel == q.Channel) &&
		(q.Status == "" || d.Status == q.Status) &&
		(q.EventType == "" || d.EventType == q.EventType)
}

// RetryDelivery puts a final delivery back in the queue, due at p.Now,
// with MaxAttempts raised to allow at least one more attempt.
func (s *Store) RetryDelivery(_ context.Context, p store.RetryParams) (*store.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	d, ok := s.deliveries[p.ID]
	if !ok || !p.Access.Allows(d.UserID) {
		return nil, fmt.Errorf("memory: retry delivery %q: %w", p.ID, store.ErrNotFound)
	}
	if !d.Status.Final() {
		return nil, fmt.Errorf("memory: retry delivery %q: status is %s, but only a finished delivery can be retried: %w",
			p.ID, d.Status, store.ErrConflict)
	}
	now := s.nowOr(p.Now)
	d.Status = store.StatusPending
	d.NextAttemptAt = now
	d.LeaseUntil = time.Time{}
	s.queued.add(d)
	d.CompletedAt = time.Time{}
	d.MaxAttempts = max(d.MaxAttempts, d.AttemptCount+1)
	d.UpdatedAt = now

	return cloneDelivery(d, true), nil
}

// PruneDeliveries deletes final deliveries completed before p.Before, with
// their attempts, and returns how many it deleted. The lock is taken once
// per batch of p.BatchSize deliveries (1000 when zero or less), so claims
// and records can run between batches.
func (s *Store) PruneDeliveries(_ context.Context, p store.PruneParams) (int, error) {
	batch := p.BatchSize
	if batch <= 0 {
		batch = 1000
	}
	before := utc(p.Before)

	total := 0
	for {
		n, err := s.pruneBatch(before, batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

func (s *Store) pruneBatch(before time.Time, batch int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return 0, store.ErrClosed
	}
	var ids []string
	for id, d := range s.deliveries {
		if d.Status.Final() && d.CompletedAt.Before(before) {
			ids = append(ids, id)
		}
	}
	// Each batch deletes the oldest deliveries, which sort last.
	sortNewestFirst(ids, func(id string) string { return id })
	ids = ids[max(0, len(ids)-batch):]
	for _, id := range ids {
		s.deleteDelivery(id)
	}

	return len(ids), nil
}
