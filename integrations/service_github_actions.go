package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hishamos/integrations-external/github"
	"github.com/hishamos/integrations-external/store"
)

// VerifyGitHubIntegration checks the integration's token and repository with
// GitHub. On success it records LastVerifiedAt and clears LastError. On
// failure it records LastError and returns a *RemoteError; when GitHub
// rejected the token, the integration is also deactivated with a
// DisabledReason.
func (s *Service) VerifyGitHubIntegration(ctx context.Context, c Caller, id string) (*store.GitHubIntegration, error) {
	rec, err := s.GetGitHubIntegration(ctx, c, id)
	if err != nil {
		return nil, err
	}
	client, err := s.githubClient(rec.AccessToken.Reveal())
	if err != nil {
		return nil, err
	}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	_, err = client.Verify(callCtx, rec.RepositoryOwner, rec.RepositoryName)
	if err != nil {
		return nil, s.recordGitHubFailure(ctx, c, rec, err)
	}
	now := s.now()
	fresh, err := s.updateGitHubStatus(ctx, c.access(), rec, func(r *store.GitHubIntegration) {
		r.LastVerifiedAt = now
		r.LastError, r.LastErrorAt = "", time.Time{}
	})
	if err != nil {
		return nil, fmt.Errorf("integrations: record verification of GitHub integration %q: %w", id, err)
	}

	return fresh, nil
}

// SyncPullRequests stores every pull request of the integration's
// repository, open and closed, and returns how many it stored. LastSyncAt
// is set only when the whole sync succeeded.
func (s *Service) SyncPullRequests(ctx context.Context, c Caller, id string) (int, error) {
	rec, err := s.GetGitHubIntegration(ctx, c, id)
	if err != nil {
		return 0, err
	}

	return s.syncPullRequests(ctx, c.access(), rec)
}

func (s *Service) syncPullRequests(ctx context.Context, access store.Access, rec *store.GitHubIntegration) (int, error) {
	client, err := s.githubClient(rec.AccessToken.Reveal())
	if err != nil {
		return 0, err
	}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	prs, err := client.SyncPullRequests(callCtx, rec.RepositoryOwner, rec.RepositoryName)
	if err != nil {
		return 0, s.recordGitHubFailure(ctx, Caller{Admin: access.IsAdmin(), UserID: access.UserID()}, rec, err)
	}

	now := s.now()
	rows := make([]store.PullRequest, 0, len(prs))
	for _, pr := range prs {
		rows = append(rows, pullRequestRow(rec.ID, pr))
	}
	// The sync read every pull request, so the stored set becomes this one,
	// without pull requests that GitHub no longer has. A move to another
	// repository during the sync makes the write fail with ErrConflict.
	p := store.UpsertPullRequestsParams{Access: access, IntegrationID: rec.ID, PullRequests: rows, SyncedAt: now,
		Replace: true, Repository: rec.RepositoryOwner + "/" + rec.RepositoryName}
	if err := s.st.UpsertPullRequests(ctx, p); err != nil {
		return 0, fmt.Errorf("integrations: store pull requests of GitHub integration %q: %w", rec.ID, err)
	}
	_, err = s.updateGitHubStatus(ctx, access, rec, func(r *store.GitHubIntegration) {
		r.LastSyncAt = now
		r.LastError, r.LastErrorAt = "", time.Time{}
	})
	if err != nil {
		return 0, fmt.Errorf("integrations: record sync of GitHub integration %q: %w", rec.ID, err)
	}

	return len(rows), nil
}

func pullRequestRow(integrationID string, pr github.PullRequest) store.PullRequest {
	row := store.PullRequest{
		IntegrationID: integrationID, Number: pr.Number, Title: pr.Title, State: pr.State,
		Merged: pr.Merged, Author: pr.Author, HTMLURL: pr.HTMLURL, HeadRef: pr.HeadRef,
		BaseRef: pr.BaseRef, Draft: pr.Draft, CreatedAt: pr.CreatedAt.UTC(), UpdatedAt: pr.UpdatedAt.UTC(),
	}
	if pr.ClosedAt != nil {
		row.ClosedAt = pr.ClosedAt.UTC()
	}
	if pr.MergedAt != nil {
		row.MergedAt = pr.MergedAt.UTC()
	}

	return row
}

// PullRequestFilter selects synced pull requests.
type PullRequestFilter struct {
	State  string // "open", "closed", or "all" or "" for all
	Limit  int    // zero or less means no limit
	Offset int
}

// ListPullRequests returns the synced pull requests of a GitHub
// integration, highest number first.
func (s *Service) ListPullRequests(ctx context.Context, c Caller, id string, f PullRequestFilter) ([]*store.PullRequest, error) {
	switch f.State {
	case "open", "closed", "":
	case "all":
		f.State = ""
	default:
		return nil, &ValidationError{Fields: map[string]string{"state": "must be open, closed or all"}}
	}
	if _, err := s.GetGitHubIntegration(ctx, c, id); err != nil {
		return nil, err
	}
	p := store.ListPullRequestsParams{Access: c.access(), IntegrationID: id, State: f.State, Limit: f.Limit, Offset: f.Offset}
	prs, err := s.st.ListPullRequests(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("integrations: list pull requests of GitHub integration %q: %w", id, err)
	}

	return prs, nil
}

// IssueInput describes an issue to open in an integration's repository.
type IssueInput struct {
	Title  string
	Body   string
	Labels []string
}

// Issue is an issue that CreateGitHubIssue opened.
type Issue struct {
	Number  int
	Title   string
	State   string
	HTMLURL string
}

// CreateGitHubIssue opens an issue in the integration's repository.
func (s *Service) CreateGitHubIssue(ctx context.Context, c Caller, id string, in IssueInput) (*Issue, error) {
	f := fieldErrors{}
	checkName(f, "title", in.Title, 256)
	if utf8.RuneCountInString(in.Body) > github.MaxIssueBody {
		f.add("body", "must be at most 65536 characters")
	}
	if len(in.Labels) > 20 {
		f.add("labels", "must have at most 20 entries")
	}
	for _, l := range in.Labels {
		if l == "" || utf8.RuneCountInString(l) > 50 || hasControl(l) {
			f.add("labels", "label names must be 1 to 50 characters without control characters")
		}
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	rec, err := s.GetGitHubIntegration(ctx, c, id)
	if err != nil {
		return nil, err
	}
	client, err := s.githubClient(rec.AccessToken.Reveal())
	if err != nil {
		return nil, err
	}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	issue, err := client.CreateIssue(callCtx, rec.RepositoryOwner, rec.RepositoryName,
		github.IssueRequest{Title: in.Title, Body: in.Body, Labels: in.Labels})
	if err != nil {
		return nil, s.recordGitHubFailure(ctx, c, rec, err)
	}

	return &Issue{Number: issue.Number, Title: issue.Title, State: issue.State, HTMLURL: issue.HTMLURL}, nil
}

// recordGitHubFailure stores the failure of a synchronous GitHub call on
// the integration and returns it as a *RemoteError. A rejected token also
// deactivates the integration.
func (s *Service) recordGitHubFailure(ctx context.Context, c Caller, rec *store.GitHubIntegration, callErr error) error {
	err := remoteError(callErr)
	var rerr *RemoteError
	if !errors.As(err, &rerr) {
		return fmt.Errorf("integrations: GitHub integration %q: %w", rec.ID, err)
	}
	if ctx.Err() != nil {
		// The caller gave up, or the dispatcher is stopping: GitHub did
		// nothing wrong, so the integration's last error stays.
		return err
	}
	now := s.now()
	_, uerr := s.updateGitHubStatus(ctx, c.access(), rec, func(r *store.GitHubIntegration) {
		r.LastError, r.LastErrorAt = rerr.Error(), now
		if rerr.AuthFailed {
			r.IsActive = false
			r.DisabledReason = "GitHub rejected the access token: update it and set is_active"
		}
	})
	if uerr != nil {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: could not record a GitHub failure",
			"integration_id", rec.ID, "error", uerr)
	}

	return err
}
