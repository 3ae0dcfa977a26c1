package memory

import (
	"context"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// CreateEmailSettings stores rec and writes the stored record back into
// it. It returns store.ErrConflict when the user already has settings.
func (s *Store) CreateEmailSettings(_ context.Context, rec *store.EmailSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	if rec.UserID == "" {
		return fmt.Errorf("memory: create email settings: missing user id: set UserID to the owner: %w", store.ErrInvalid)
	}
	if s.emailOf(rec.UserID) != nil {
		return fmt.Errorf("memory: user %q already has email settings: update them instead: %w", rec.UserID, store.ErrConflict)
	}
	if err := s.checkNewID(rec.ID); err != nil {
		return err
	}
	c := cloneEmail(rec)
	if c.ID == "" {
		c.ID = store.NewID()
	}
	c.CreatedAt = s.clock()
	c.UpdatedAt = c.CreatedAt
	s.email[c.ID] = c
	s.moveDeliveries(store.UserEmailTarget(c.UserID), c.ID)
	*rec = *cloneEmail(c)

	return nil
}

// moveDeliveries gives the deliveries of target from, and their
// idempotency keys, the target id to. The caller holds the write lock.
func (s *Store) moveDeliveries(from, to string) {
	for _, d := range s.deliveries {
		if d.TargetID != from {
			continue
		}
		d.TargetID = to
		if d.IdempotencyKey != "" {
			delete(s.idempotency, idempotencyKey{targetID: from, key: d.IdempotencyKey})
			s.idempotency[idempotencyKey{targetID: to, key: d.IdempotencyKey}] = d.ID
		}
	}
}

// emailOf returns the stored settings of userID, or nil.
func (s *Store) emailOf(userID string) *store.EmailSettings {
	for _, rec := range s.email {
		if rec.UserID == userID {
			return rec
		}
	}

	return nil
}

// GetEmailSettings returns a copy of the settings of userID.
func (s *Store) GetEmailSettings(_ context.Context, access store.Access, userID string) (*store.EmailSettings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	rec := s.emailOf(userID)
	if rec == nil || !access.Allows(rec.UserID) {
		return nil, fmt.Errorf("memory: email settings of user %q: %w", userID, store.ErrNotFound)
	}

	return cloneEmail(rec), nil
}

// UpdateEmailSettings writes rec over the stored settings with the same
// ID, keeping their ID, UserID and CreatedAt.
func (s *Store) UpdateEmailSettings(_ context.Context, access store.Access, rec *store.EmailSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	old, ok := s.email[rec.ID]
	if !ok || !access.Allows(old.UserID) {
		return fmt.Errorf("memory: update email settings %q: %w", rec.ID, store.ErrNotFound)
	}
	if stale(rec.UpdatedAt, old.UpdatedAt) {
		return fmt.Errorf("memory: update email settings %q: %w", rec.ID, store.ErrStale)
	}
	c := cloneEmail(rec)
	c.UserID, c.CreatedAt, c.UpdatedAt = old.UserID, old.CreatedAt, nextVersion(old.UpdatedAt, s.clock())
	s.email[c.ID] = c
	*rec = *cloneEmail(c)

	return nil
}

// ListEmailSettings returns the settings p selects, newest first;
// ActiveOnly does not apply.
func (s *Store) ListEmailSettings(_ context.Context, p store.ListParams) ([]*store.EmailSettings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	var out []*store.EmailSettings
	for _, rec := range s.email {
		if visible(p.Access, p.UserID, rec.UserID) {
			out = append(out, rec)
		}
	}

	return cloneAll(sortNewestFirst(out, func(r *store.EmailSettings) string { return r.ID }), p, cloneEmail), nil
}
