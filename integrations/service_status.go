package integrations

import (
	"context"
	"errors"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// The synchronous operations (verify, sync, test message, create issue)
// call Slack or GitHub for seconds, and the owner may change the
// integration meanwhile. Writing back the record read before the call would
// undo that change, so the outcome is applied to a fresh copy instead, and
// only when the integration still uses the token and target the call used.
// The store writes the copy only if nothing changed it since the fresh
// read (store.ErrStale), and retryStale then reads it again.

// staleRetries is how many times the Service reads, changes and writes a
// record while other writers keep changing it between the read and the
// write.
const staleRetries = 3

// retryStale calls change, which reads a record, changes it and writes it
// back, again while the write fails with store.ErrStale, up to staleRetries
// calls in all.
func retryStale[T any](change func() (T, error)) (T, error) {
	for i := 1; ; i++ {
		rec, err := change()
		if i == staleRetries || !errors.Is(err, store.ErrStale) {
			return rec, err
		}
	}
}

// updateGitHubStatus applies set to a fresh copy of the integration used
// for a call and stores it. It stores nothing and returns the fresh copy
// when the token or the repository changed since the call started.
func (s *Service) updateGitHubStatus(ctx context.Context, access store.Access, used *store.GitHubIntegration,
	set func(*store.GitHubIntegration)) (*store.GitHubIntegration, error) {
	return retryStale(func() (*store.GitHubIntegration, error) {
		fresh, err := s.st.GetGitHubIntegration(ctx, access, used.ID)
		if err != nil {
			return nil, err
		}
		if fresh.AccessToken.Reveal() != used.AccessToken.Reveal() ||
			!strings.EqualFold(fresh.RepositoryOwner, used.RepositoryOwner) ||
			!strings.EqualFold(fresh.RepositoryName, used.RepositoryName) {
			return fresh, nil // the outcome describes a configuration that is gone
		}
		set(fresh)

		return fresh, s.st.UpdateGitHubIntegration(ctx, access, fresh)
	})
}

// updateSlackStatus is updateGitHubStatus for Slack: the bot token and the
// channel must be the ones the call used.
func (s *Service) updateSlackStatus(ctx context.Context, access store.Access, used *store.SlackIntegration,
	set func(*store.SlackIntegration)) (*store.SlackIntegration, error) {
	return retryStale(func() (*store.SlackIntegration, error) {
		fresh, err := s.st.GetSlackIntegration(ctx, access, used.ID)
		if err != nil {
			return nil, err
		}
		if fresh.BotToken.Reveal() != used.BotToken.Reveal() || fresh.ChannelID != used.ChannelID {
			return fresh, nil // the outcome describes a configuration that is gone
		}
		set(fresh)

		return fresh, s.st.UpdateSlackIntegration(ctx, access, fresh)
	})
}
