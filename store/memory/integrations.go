package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// CreateGitHubIntegration stores rec and writes the stored record back
// into it. It returns store.ErrConflict when the user already has an
// integration for the repository (compared without regard to case).
func (s *Store) CreateGitHubIntegration(_ context.Context, rec *store.GitHubIntegration) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	if rec.UserID == "" {
		return fmt.Errorf("memory: create GitHub integration: missing user id: set UserID to the owner: %w", store.ErrInvalid)
	}
	if err := s.checkNewID(rec.ID); err != nil {
		return err
	}
	if err := s.checkRepository(rec); err != nil {
		return err
	}
	c := cloneGitHub(rec)
	if c.ID == "" {
		c.ID = store.NewID()
	}
	c.CreatedAt = s.clock()
	c.UpdatedAt = c.CreatedAt
	s.github[c.ID] = c
	*rec = *cloneGitHub(c)

	return nil
}

// checkRepository returns store.ErrConflict when another integration of
// rec's user is for the same repository.
func (s *Store) checkRepository(rec *store.GitHubIntegration) error {
	for _, other := range s.github {
		if other.ID != rec.ID && other.UserID == rec.UserID &&
			strings.EqualFold(other.RepositoryOwner, rec.RepositoryOwner) &&
			strings.EqualFold(other.RepositoryName, rec.RepositoryName) {
			return fmt.Errorf("memory: user %q already has a GitHub integration for %s/%s: %w",
				rec.UserID, rec.RepositoryOwner, rec.RepositoryName, store.ErrConflict)
		}
	}

	return nil
}

// GetGitHubIntegration returns a copy of the integration id.
func (s *Store) GetGitHubIntegration(_ context.Context, access store.Access, id string) (*store.GitHubIntegration, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	rec, ok := s.github[id]
	if !ok || !access.Allows(rec.UserID) {
		return nil, fmt.Errorf("memory: GitHub integration %q: %w", id, store.ErrNotFound)
	}

	return cloneGitHub(rec), nil
}

// UpdateGitHubIntegration writes rec over the stored integration with the
// same ID, keeping its ID, UserID and CreatedAt.
func (s *Store) UpdateGitHubIntegration(_ context.Context, access store.Access, rec *store.GitHubIntegration) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	old, ok := s.github[rec.ID]
	if !ok || !access.Allows(old.UserID) {
		return fmt.Errorf("memory: update GitHub integration %q: %w", rec.ID, store.ErrNotFound)
	}
	if stale(rec.UpdatedAt, old.UpdatedAt) {
		return fmt.Errorf("memory: update GitHub integration %q: %w", rec.ID, store.ErrStale)
	}
	c := cloneGitHub(rec)
	c.UserID, c.CreatedAt, c.UpdatedAt = old.UserID, old.CreatedAt, nextVersion(old.UpdatedAt, s.clock())
	if err := s.checkRepository(c); err != nil {
		return err
	}
	if !strings.EqualFold(old.RepositoryOwner+"/"+old.RepositoryName, c.RepositoryOwner+"/"+c.RepositoryName) {
		delete(s.pulls, c.ID) // the old repository's
	}
	s.github[c.ID] = c
	*rec = *cloneGitHub(c)

	return nil
}

// DeleteGitHubIntegration deletes the integration id with its deliveries
// and pull requests.
func (s *Store) DeleteGitHubIntegration(_ context.Context, access store.Access, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	rec, ok := s.github[id]
	if !ok || !access.Allows(rec.UserID) {
		return fmt.Errorf("memory: delete GitHub integration %q: %w", id, store.ErrNotFound)
	}
	delete(s.github, id)
	delete(s.pulls, id)
	s.deleteDeliveriesOf(id)

	return nil
}

// ListGitHubIntegrations returns the integrations p selects, newest first.
func (s *Store) ListGitHubIntegrations(_ context.Context, p store.ListParams) ([]*store.GitHubIntegration, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	var out []*store.GitHubIntegration
	for _, rec := range s.github {
		if visible(p.Access, p.UserID, rec.UserID) && (!p.ActiveOnly || rec.IsActive) {
			out = append(out, rec)
		}
	}

	return cloneAll(sortNewestFirst(out, func(r *store.GitHubIntegration) string { return r.ID }), p, cloneGitHub), nil
}

// CreateSlackIntegration stores rec and writes the stored record back into
// it.
func (s *Store) CreateSlackIntegration(_ context.Context, rec *store.SlackIntegration) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	if rec.UserID == "" {
		return fmt.Errorf("memory: create Slack integration: missing user id: set UserID to the owner: %w", store.ErrInvalid)
	}
	if err := s.checkNewID(rec.ID); err != nil {
		return err
	}
	c := cloneSlack(rec)
	if c.ID == "" {
		c.ID = store.NewID()
	}
	c.CreatedAt = s.clock()
	c.UpdatedAt = c.CreatedAt
	s.slack[c.ID] = c
	*rec = *cloneSlack(c)

	return nil
}

// GetSlackIntegration returns a copy of the integration id.
func (s *Store) GetSlackIntegration(_ context.Context, access store.Access, id string) (*store.SlackIntegration, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	rec, ok := s.slack[id]
	if !ok || !access.Allows(rec.UserID) {
		return nil, fmt.Errorf("memory: Slack integration %q: %w", id, store.ErrNotFound)
	}

	return cloneSlack(rec), nil
}

// UpdateSlackIntegration writes rec over the stored integration with the
// same ID, keeping its ID, UserID and CreatedAt.
func (s *Store) UpdateSlackIntegration(_ context.Context, access store.Access, rec *store.SlackIntegration) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	old, ok := s.slack[rec.ID]
	if !ok || !access.Allows(old.UserID) {
		return fmt.Errorf("memory: update Slack integration %q: %w", rec.ID, store.ErrNotFound)
	}
	if stale(rec.UpdatedAt, old.UpdatedAt) {
		return fmt.Errorf("memory: update Slack integration %q: %w", rec.ID, store.ErrStale)
	}
	c := cloneSlack(rec)
	c.UserID, c.CreatedAt, c.UpdatedAt = old.UserID, old.CreatedAt, nextVersion(old.UpdatedAt, s.clock())
	s.slack[c.ID] = c
	*rec = *cloneSlack(c)

	return nil
}

// DeleteSlackIntegration deletes the integration id with its deliveries.
func (s *Store) DeleteSlackIntegration(_ context.Context, access store.Access, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	rec, ok := s.slack[id]
	if !ok || !access.Allows(rec.UserID) {
		return fmt.Errorf("memory: delete Slack integration %q: %w", id, store.ErrNotFound)
	}
	delete(s.slack, id)
	s.deleteDeliveriesOf(id)

	return nil
}

// ListSlackIntegrations returns the integrations p selects, newest first.
func (s *Store) ListSlackIntegrations(_ context.Context, p store.ListParams) ([]*store.SlackIntegration, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	var out []*store.SlackIntegration
	for _, rec := range s.slack {
		if visible(p.Access, p.UserID, rec.UserID) && (!p.ActiveOnly || rec.IsActive) {
			out = append(out, rec)
		}
	}

	return cloneAll(sortNewestFirst(out, func(r *store.SlackIntegration) string { return r.ID }), p, cloneSlack), nil
}

// checkNewID returns store.ErrConflict when a caller-chosen id is already
// used by any record.
func (s *Store) checkNewID(id string) error {
	if id == "" {
		return nil
	}
	_, gh := s.github[id]
	_, sl := s.slack[id]
	_, wh := s.webhooks[id]
	_, em := s.email[id]
	if gh || sl || wh || em {
		return fmt.Errorf("memory: record id %q is already used: %w", id, store.ErrConflict)
	}

	return nil
}

// sortNewestFirst sorts recs by id, highest (newest) first, and returns
// them.
func sortNewestFirst[T any](recs []T, id func(T) string) []T {
	slices.SortFunc(recs, func(a, b T) int { return strings.Compare(id(b), id(a)) })

	return recs
}

// cloneAll returns copies of the page of sorted that p selects.
func cloneAll[T any](sorted []*T, p store.ListParams, clone func(*T) *T) []*T {
	selected := page(sorted, p.Limit, p.Offset)
	out := make([]*T, len(selected))
	for i, rec := range selected {
		out[i] = clone(rec)
	}

	return out
}
