package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/store"
)

// SendTestEmail sends the test email ("Test Email from <ProductName>") to the
// address in the caller's email settings. Without an address it returns a
// *ValidationError on email_address; without SMTP settings,
// ErrEmailNotConfigured; when the server fails, a *RemoteError.
func (s *Service) SendTestEmail(ctx context.Context, c Caller) error {
	settings, err := s.GetEmailSettings(ctx, c, "")
	if err != nil {
		return err
	}
	if settings.EmailAddress == "" {
		return &ValidationError{Fields: map[string]string{
			"email_address": "is not set: set it with an update of the email settings first",
		}}
	}
	sender, err := s.emailSender()
	if err != nil {
		return err
	}
	msg, err := email.Composer{Product: s.d.cfg.ProductName}.TestEmail()
	if err != nil {
		return fmt.Errorf("integrations: compose test email: %w", err)
	}
	msg.To = []string{settings.EmailAddress}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	sendErr := sender.Send(callCtx, msg)
	if sendErr == nil {
		if settings.LastError != "" {
			s.saveEmailOutcome(ctx, c, settings, "", time.Time{})
		}
		return nil
	}
	err = remoteError(sendErr)
	var rerr *RemoteError
	if errors.As(err, &rerr) {
		s.saveEmailOutcome(ctx, c, settings, rerr.Error(), s.now())
		return err
	}

	return fmt.Errorf("integrations: send test email: %w", err)
}

// saveEmailOutcome records the outcome of a test send to used, the settings
// read before it, in a fresh copy of the settings, when they still have the
// address the send used. A failure is logged, because the send's own
// result is what the caller needs.
func (s *Service) saveEmailOutcome(ctx context.Context, c Caller, used *store.EmailSettings, lastError string,
	at time.Time) {
	_, err := retryStale(func() (*store.EmailSettings, error) {
		fresh, err := s.st.GetEmailSettings(ctx, c.access(), used.UserID)
		if err != nil || fresh.EmailAddress != used.EmailAddress {
			return fresh, err // the outcome describes an address that is gone
		}
		fresh.LastError, fresh.LastErrorAt = lastError, at

		return fresh, s.st.UpdateEmailSettings(ctx, c.access(), fresh)
	})
	if err != nil {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: could not record a test email result",
			"user_id", used.UserID, "error", err)
	}
}
