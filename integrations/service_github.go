package integrations

import (
	"context"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// GitHubInput carries the writable fields of a GitHub integration. A nil
// field was not given. Create starts from the documented defaults, Update
// (PUT) resets omitted booleans to false, and Patch changes only the given
// fields. An omitted secret always keeps the stored one.
type GitHubInput struct {
	RepositoryOwner  *string
	RepositoryName   *string
	AccessToken      *string
	WebhookSecret    *string // for inbound GitHub webhooks; "" clears it
	AutoCreateIssues *bool
	AutoSyncPRs      *bool
	IsActive         *bool
}

// ListOptions selects a page of records.
type ListOptions struct {
	// UserID narrows an administrator's list to one user; ignored for
	// ordinary callers.
	UserID string
	// Limit is the page size; zero or less means no limit.
	Limit  int
	Offset int
}

func (o ListOptions) params(c Caller) store.ListParams {
	return store.ListParams{Access: c.access(), UserID: o.UserID, Limit: o.Limit, Offset: o.Offset}
}

// CreateGitHubIntegration creates a GitHub integration owned by the caller.
// It returns a *ValidationError for invalid input and an error wrapping
// store.ErrConflict when the caller already has one for the repository.
func (s *Service) CreateGitHubIntegration(ctx context.Context, c Caller, in GitHubInput) (*store.GitHubIntegration, error) {
	if c.UserID == "" {
		return nil, ErrNoUser
	}
	rec := store.NewGitHubIntegration(c.UserID)
	in.applyTo(rec)
	if err := in.validate(rec); err != nil {
		return nil, err
	}
	if err := s.st.CreateGitHubIntegration(ctx, rec); err != nil {
		return nil, fmt.Errorf("integrations: create GitHub integration for %s/%s: %w", rec.RepositoryOwner, rec.RepositoryName, err)
	}

	return rec, nil
}

// GetGitHubIntegration returns one GitHub integration the caller may see.
func (s *Service) GetGitHubIntegration(ctx context.Context, c Caller, id string) (*store.GitHubIntegration, error) {
	rec, err := s.st.GetGitHubIntegration(ctx, c.access(), id)
	if err != nil {
		return nil, fmt.Errorf("integrations: get GitHub integration %q: %w", id, err)
	}

	return rec, nil
}

// UpdateGitHubIntegration replaces the writable fields of a GitHub
// integration (PUT): omitted booleans become false, omitted strings and
// secrets keep their stored values.
func (s *Service) UpdateGitHubIntegration(ctx context.Context, c Caller, id string, in GitHubInput) (*store.GitHubIntegration, error) {
	return s.changeGitHub(ctx, c, id, in, true)
}

// PatchGitHubIntegration changes only the given fields of a GitHub
// integration (PATCH).
func (s *Service) PatchGitHubIntegration(ctx context.Context, c Caller, id string, in GitHubInput) (*store.GitHubIntegration, error) {
	return s.changeGitHub(ctx, c, id, in, false)
}

func (s *Service) changeGitHub(ctx context.Context, c Caller, id string, in GitHubInput, replace bool) (*store.GitHubIntegration, error) {
	return retryStale(func() (*store.GitHubIntegration, error) { return s.changeGitHubOnce(ctx, c, id, in, replace) })
}

// changeGitHubOnce reads the integration, applies in and writes it back.
func (s *Service) changeGitHubOnce(ctx context.Context, c Caller, id string, in GitHubInput, replace bool) (*store.GitHubIntegration, error) {
	rec, err := s.GetGitHubIntegration(ctx, c, id)
	if err != nil {
		return nil, err
	}
	wasActive := rec.IsActive
	if replace {
		rec.AutoCreateIssues, rec.AutoSyncPRs, rec.IsActive = false, false, false
	}
	in.applyTo(rec)
	if err := in.validate(rec); err != nil {
		return nil, err
	}
	if rec.IsActive && !wasActive {
		rec.DisabledReason = ""
	}
	if err := s.st.UpdateGitHubIntegration(ctx, c.access(), rec); err != nil {
		return nil, fmt.Errorf("integrations: update GitHub integration %q: %w", id, err)
	}

	return rec, nil
}

// DeleteGitHubIntegration deletes a GitHub integration with its synced pull
// requests and deliveries.
func (s *Service) DeleteGitHubIntegration(ctx context.Context, c Caller, id string) error {
	if err := s.st.DeleteGitHubIntegration(ctx, c.access(), id); err != nil {
		return fmt.Errorf("integrations: delete GitHub integration %q: %w", id, err)
	}

	return nil
}

// ListGitHubIntegrations returns the caller's GitHub integrations (every
// user's for an administrator), newest first.
func (s *Service) ListGitHubIntegrations(ctx context.Context, c Caller, opts ListOptions) ([]*store.GitHubIntegration, error) {
	recs, err := s.st.ListGitHubIntegrations(ctx, opts.params(c))
	if err != nil {
		return nil, fmt.Errorf("integrations: list GitHub integrations: %w", err)
	}

	return recs, nil
}

func (in GitHubInput) applyTo(rec *store.GitHubIntegration) {
	setString(&rec.RepositoryOwner, in.RepositoryOwner)
	setString(&rec.RepositoryName, in.RepositoryName)
	setSecret(&rec.AccessToken, in.AccessToken)
	setSecret(&rec.WebhookSecret, in.WebhookSecret)
	setBool(&rec.AutoCreateIssues, in.AutoCreateIssues)
	setBool(&rec.AutoSyncPRs, in.AutoSyncPRs)
	setBool(&rec.IsActive, in.IsActive)
}

func (in GitHubInput) validate(rec *store.GitHubIntegration) error {
	f := fieldErrors{}
	checkGitHubRepository(f, rec.RepositoryOwner, rec.RepositoryName)
	if in.AccessToken != nil {
		checkSecret(f, "access_token", *in.AccessToken, true)
	} else if !rec.AccessToken.IsSet() {
		f.add("access_token", "is required")
	}
	if in.WebhookSecret != nil {
		checkSecret(f, "webhook_secret", *in.WebhookSecret, false)
	}

	return f.err()
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func setSecret(dst *store.Secret, v *string) {
	if v != nil {
		*dst = store.NewSecret(*v)
	}
}
