package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hishamos/integrations-external/slack"
	"github.com/hishamos/integrations-external/store"
)

// maxTestMessageLength bounds the text of a Slack test message, in
// characters: Slack's limit on one section block.
const maxTestMessageLength = 3000

// VerifySlackIntegration checks the bot token and the channel with Slack.
// On success it clears LastError and fills ChannelName when it was empty.
// On failure it records LastError and returns a *RemoteError. When Slack
// rejected the token (invalid_auth, token_revoked, ...), the integration is
// also deactivated with the Slack error code as DisabledReason.
func (s *Service) VerifySlackIntegration(ctx context.Context, c Caller, id string) (*store.SlackIntegration, error) {
	rec, err := s.GetSlackIntegration(ctx, c, id)
	if err != nil {
		return nil, err
	}
	client, err := s.slackClient(rec.BotToken.Reveal())
	if err != nil {
		return nil, err
	}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	v, err := client.Verify(callCtx, rec.ChannelID)
	if err != nil {
		return nil, s.recordSlackFailure(ctx, c, rec, err)
	}
	fresh, err := s.updateSlackStatus(ctx, c.access(), rec, func(r *store.SlackIntegration) {
		if r.ChannelName == "" {
			r.ChannelName = v.ChannelName
		}
		r.LastError, r.LastErrorAt = "", time.Time{}
	})
	if err != nil {
		return nil, fmt.Errorf("integrations: record verification of Slack integration %q: %w", id, err)
	}

	return fresh, nil
}

// SendSlackTestMessage posts text to the integration's channel; an empty
// text sends "Test message from <ProductName>". Success records LastUsedAt.
func (s *Service) SendSlackTestMessage(ctx context.Context, c Caller, id, text string) error {
	if utf8.RuneCountInString(text) > maxTestMessageLength {
		return &ValidationError{Fields: map[string]string{"text": "must be at most 3000 characters"}}
	}
	rec, err := s.GetSlackIntegration(ctx, c, id)
	if err != nil {
		return err
	}
	client, err := s.slackClient(rec.BotToken.Reveal())
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	if _, err := client.Post(callCtx, rec.ChannelID, slack.TestMessage{Text: text, ProductName: s.d.cfg.ProductName}.Build()); err != nil {
		return s.recordSlackFailure(ctx, c, rec, err)
	}
	now := s.now()
	_, err = s.updateSlackStatus(ctx, c.access(), rec, func(r *store.SlackIntegration) { r.LastUsedAt = now })
	if err != nil {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: could not record a Slack test message",
			"integration_id", rec.ID, "error", err)
	}

	return nil
}

// recordSlackFailure stores the failure of a synchronous Slack call and
// returns it as a *RemoteError.
func (s *Service) recordSlackFailure(ctx context.Context, c Caller, rec *store.SlackIntegration, callErr error) error {
	err := remoteError(callErr)
	var rerr *RemoteError
	if !errors.As(err, &rerr) {
		return fmt.Errorf("integrations: Slack integration %q: %w", rec.ID, err)
	}
	if ctx.Err() != nil {
		// The caller gave up: Slack did nothing wrong, so the
		// integration's last error stays.
		return err
	}
	now := s.now()
	var se *slack.Error
	authFailed := rerr.AuthFailed && errors.As(rerr.Err, &se)
	_, uerr := s.updateSlackStatus(ctx, c.access(), rec, func(r *store.SlackIntegration) {
		r.LastError, r.LastErrorAt = rerr.Error(), now
		if authFailed {
			r.IsActive = false
			r.DisabledReason = se.Code
			if r.DisabledReason == "" {
				r.DisabledReason = "invalid_auth"
			}
		}
	})
	if uerr != nil {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: could not record a Slack failure",
			"integration_id", rec.ID, "error", uerr)
	}

	return err
}
