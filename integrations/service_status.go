package integrations

import (
	"context"
	"strings"

	"github.com/hishamos/integrations-external/store"
)

// The synchronous operations (verify, sync, test message, create issue)
// call Slack or GitHub for seconds, and the owner may change the
// integration meanwhile. Writing back the record read before the call would
// undo that change, so the outcome is applied to a fresh copy instead, and
// only when the integration still uses the token and target the call used.
// A small window between the fresh read and the write remains.

// updateGitHubStatus applies set to a fresh copy of the integration used
// for a call and stores it. It stores nothing and returns the fresh copy
// when the token or the repository changed since the call started.
func (s *Service) updateGitHubStatus(ctx context.Context, access store.Access, used *store.GitHubIntegration,
	set func(*store.GitHubIntegration)) (*store.GitHubIntegration, error) {
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
}

// updateSlackStatus is updateGitHubStatus for Slack: the bot token and the
// channel must be the ones the call used.
func (s *Service) updateSlackStatus(ctx context.Context, access store.Access, used *store.SlackIntegration,
	set func(*store.SlackIntegration)) (*store.SlackIntegration, error) {
	fresh, err := s.st.GetSlackIntegration(ctx, access, used.ID)
	if err != nil {
		return nil, err
	}
	if fresh.BotToken.Reveal() != used.BotToken.Reveal() || fresh.ChannelID != used.ChannelID {
		return fresh, nil // the outcome describes a configuration that is gone
	}
	set(fresh)

	return fresh, s.st.UpdateSlackIntegration(ctx, access, fresh)
}
