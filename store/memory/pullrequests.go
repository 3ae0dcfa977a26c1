package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// UpsertPullRequests inserts or replaces, by number, the pull requests of
// one GitHub integration. Each stored row takes IntegrationID and SyncedAt
// (the store's clock when zero) from p.
func (s *Store) UpsertPullRequests(_ context.Context, p store.UpsertPullRequestsParams) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	gh, ok := s.github[p.IntegrationID]
	if !ok || !p.Access.Allows(gh.UserID) {
		return fmt.Errorf("memory: upsert pull requests of GitHub integration %q: %w", p.IntegrationID, store.ErrNotFound)
	}
	if p.Repository != "" && !strings.EqualFold(p.Repository, gh.RepositoryOwner+"/"+gh.RepositoryName) {
		return fmt.Errorf("memory: upsert pull requests of GitHub integration %q: it moved from %s to %s/%s, "+
			"so these pull requests are not stored: sync again: %w",
			p.IntegrationID, p.Repository, gh.RepositoryOwner, gh.RepositoryName, store.ErrConflict)
	}
	syncedAt := s.nowOr(p.SyncedAt)
	rows := s.pulls[p.IntegrationID]
	if rows == nil {
		rows = map[int]*store.PullRequest{}
		s.pulls[p.IntegrationID] = rows
	}
	if p.Replace {
		clear(rows)
	}
	for i := range p.PullRequests {
		c := clonePullRequest(&p.PullRequests[i])
		c.IntegrationID = p.IntegrationID
		c.SyncedAt = syncedAt
		rows[c.Number] = c
	}

	return nil
}

// ListPullRequests returns an integration's pull requests, highest number
// first.
func (s *Store) ListPullRequests(_ context.Context, p store.ListPullRequestsParams) ([]*store.PullRequest, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	gh, ok := s.github[p.IntegrationID]
	if !ok || !p.Access.Allows(gh.UserID) {
		return nil, fmt.Errorf("memory: list pull requests of GitHub integration %q: %w", p.IntegrationID, store.ErrNotFound)
	}
	var out []*store.PullRequest
	for _, pr := range s.pulls[p.IntegrationID] {
		if p.State == "" || pr.State == p.State {
			out = append(out, pr)
		}
	}
	slices.SortFunc(out, func(a, b *store.PullRequest) int { return cmp.Compare(b.Number, a.Number) })

	return cloneAll(out, store.ListParams{Limit: p.Limit, Offset: p.Offset}, clonePullRequest), nil
}
