package integrations

import (
	"context"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// SlackInput carries the writable fields of a Slack integration, with the
// same nil rules as GitHubInput.
type SlackInput struct {
	WorkspaceName            *string
	ChannelID                *string
	ChannelName              *string
	BotToken                 *string
	NotifyWorkflowCompletion *bool
	NotifyCommandExecution   *bool
	NotifySystemAlerts       *bool
	NotifyProjectUpdates     *bool
	IsActive                 *bool
}

// CreateSlackIntegration creates a Slack integration owned by the caller.
func (s *Service) CreateSlackIntegration(ctx context.Context, c Caller, in SlackInput) (*store.SlackIntegration, error) {
	if c.UserID == "" {
		return nil, ErrNoUser
	}
	rec := store.NewSlackIntegration(c.UserID)
	in.applyTo(rec)
	if err := in.validate(rec); err != nil {
		return nil, err
	}
	if err := s.st.CreateSlackIntegration(ctx, rec); err != nil {
		return nil, fmt.Errorf("integrations: create Slack integration for channel %s: %w", rec.ChannelID, err)
	}

	return rec, nil
}

// GetSlackIntegration returns one Slack integration the caller may see.
func (s *Service) GetSlackIntegration(ctx context.Context, c Caller, id string) (*store.SlackIntegration, error) {
	rec, err := s.st.GetSlackIntegration(ctx, c.access(), id)
	if err != nil {
		return nil, fmt.Errorf("integrations: get Slack integration %q: %w", id, err)
	}

	return rec, nil
}

// UpdateSlackIntegration replaces the writable fields of a Slack
// integration (PUT): omitted booleans become false, omitted strings and the
// omitted bot token keep their stored values.
func (s *Service) UpdateSlackIntegration(ctx context.Context, c Caller, id string, in SlackInput) (*store.SlackIntegration, error) {
	return s.changeSlack(ctx, c, id, in, true)
}

// PatchSlackIntegration changes only the given fields of a Slack
// integration (PATCH).
func (s *Service) PatchSlackIntegration(ctx context.Context, c Caller, id string, in SlackInput) (*store.SlackIntegration, error) {
	return s.changeSlack(ctx, c, id, in, false)
}

func (s *Service) changeSlack(ctx context.Context, c Caller, id string, in SlackInput, replace bool) (*store.SlackIntegration, error) {
	return retryStale(func() (*store.SlackIntegration, error) { return s.changeSlackOnce(ctx, c, id, in, replace) })
}

// changeSlackOnce reads the integration, applies in and writes it back.
func (s *Service) changeSlackOnce(ctx context.Context, c Caller, id string, in SlackInput, replace bool) (*store.SlackIntegration, error) {
	rec, err := s.GetSlackIntegration(ctx, c, id)
	if err != nil {
		return nil, err
	}
	wasActive := rec.IsActive
	if replace {
		rec.NotifyWorkflowCompletion, rec.NotifyCommandExecution = false, false
		rec.NotifySystemAlerts, rec.NotifyProjectUpdates, rec.IsActive = false, false, false
	}
	in.applyTo(rec)
	if err := in.validate(rec); err != nil {
		return nil, err
	}
	if rec.IsActive && !wasActive {
		rec.DisabledReason = ""
	}
	if err := s.st.UpdateSlackIntegration(ctx, c.access(), rec); err != nil {
		return nil, fmt.Errorf("integrations: update Slack integration %q: %w", id, err)
	}

	return rec, nil
}

// DeleteSlackIntegration deletes a Slack integration with its deliveries.
func (s *Service) DeleteSlackIntegration(ctx context.Context, c Caller, id string) error {
	if err := s.st.DeleteSlackIntegration(ctx, c.access(), id); err != nil {
		return fmt.Errorf("integrations: delete Slack integration %q: %w", id, err)
	}

	return nil
}

// ListSlackIntegrations returns the caller's Slack integrations (every
// user's for an administrator), newest first.
func (s *Service) ListSlackIntegrations(ctx context.Context, c Caller, opts ListOptions) ([]*store.SlackIntegration, error) {
	recs, err := s.st.ListSlackIntegrations(ctx, opts.params(c))
	if err != nil {
		return nil, fmt.Errorf("integrations: list Slack integrations: %w", err)
	}

	return recs, nil
}

func (in SlackInput) applyTo(rec *store.SlackIntegration) {
	setString(&rec.WorkspaceName, in.WorkspaceName)
	setString(&rec.ChannelID, in.ChannelID)
	setString(&rec.ChannelName, in.ChannelName)
	setSecret(&rec.BotToken, in.BotToken)
	setBool(&rec.NotifyWorkflowCompletion, in.NotifyWorkflowCompletion)
	setBool(&rec.NotifyCommandExecution, in.NotifyCommandExecution)
	setBool(&rec.NotifySystemAlerts, in.NotifySystemAlerts)
	setBool(&rec.NotifyProjectUpdates, in.NotifyProjectUpdates)
	setBool(&rec.IsActive, in.IsActive)
}

func (in SlackInput) validate(rec *store.SlackIntegration) error {
	f := fieldErrors{}
	checkName(f, "workspace_name", rec.WorkspaceName, maxNameLength)
	checkSlackChannelID(f, rec.ChannelID)
	if rec.ChannelName != "" {
		checkName(f, "channel_name", rec.ChannelName, maxChannelNameLength)
	}
	if in.BotToken != nil {
		checkSecret(f, "bot_token", *in.BotToken, true)
	} else if !rec.BotToken.IsSet() {
		f.add("bot_token", "is required")
	}

	return f.err()
}
