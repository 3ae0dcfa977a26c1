package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/store"
)

// SendTestEmail sends the test email ("Test Email from HishamOS") to the
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
	msg, err := email.Composer{}.TestEmail()
	if err != nil {
		return fmt.Errorf("integrations: compose test email: %w", err)
	}
	msg.To = []string{settings.EmailAddress}
	callCtx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	sendErr := sender.Send(callCtx, msg)
	if sendErr == nil {
		if settings.LastError != "" {
			settings.LastError, settings.LastErrorAt = "", time.Time{}
			s.saveEmailSettings(ctx, c, settings)
		}
		return nil
	}
	err = remoteError(sendErr)
	var rerr *RemoteError
	if errors.As(err, &rerr) {
		settings.LastError, settings.LastErrorAt = rerr.Error(), s.now()
		s.saveEmailSettings(ctx, c, settings)
		return err
	}

	return fmt.Errorf("integrations: send test email: %w", err)
}

// saveEmailSettings writes the outcome of a test send; a failure is logged
// because the send's own result is what the caller needs.
func (s *Service) saveEmailSettings(ctx context.Context, c Caller, rec *store.EmailSettings) {
	if err := s.st.UpdateEmailSettings(ctx, c.access(), rec); err != nil {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: could not record a test email result",
			"user_id", rec.UserID, "error", err)
	}
}
