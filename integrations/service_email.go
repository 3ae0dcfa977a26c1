package integrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// EmailInput carries the writable fields of email settings, with the same
// nil rules as GitHubInput: Update (PUT) resets omitted booleans to false
// and keeps an omitted address.
type EmailInput struct {
	EmailAddress             *string
	NotifyWorkflowCompletion *bool
	NotifyCommandExecution   *bool
	NotifySystemAlerts       *bool
	NotifyProjectUpdates     *bool
}

// GetEmailSettings returns the email settings of userID. An empty userID
// means the caller, whose settings are created with the documented defaults
// on first read. Only an administrator may name another user, and gets
// store.ErrNotFound when that user has none, so a mistyped id creates
// nothing. A new record's address is Caller.Email for the caller's own
// settings, else the address that Config.UserEmail returns, else empty.
func (s *Service) GetEmailSettings(ctx context.Context, c Caller, userID string) (*store.EmailSettings, error) {
	owner, err := emailOwner(c, userID)
	if err != nil {
		return nil, err
	}
	rec, err := s.st.GetEmailSettings(ctx, c.access(), owner)
	if errors.Is(err, store.ErrNotFound) && owner != c.UserID {
		return nil, fmt.Errorf("integrations: user %q has no email settings: update them to create them: %w",
			owner, err)
	}

	return s.emailSettingsOrNew(ctx, c, owner, rec, err)
}

// emailSettingsOrNew returns rec, read for owner with error err, or new
// settings with the defaults when err is store.ErrNotFound.
func (s *Service) emailSettingsOrNew(ctx context.Context, c Caller, owner string, rec *store.EmailSettings,
	err error) (*store.EmailSettings, error) {
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("integrations: get email settings of user %q: %w", owner, err)
	}

	rec = store.NewEmailSettings(owner, s.defaultEmail(ctx, c, owner))
	err = s.st.CreateEmailSettings(ctx, rec)
	if errors.Is(err, store.ErrConflict) {
		// Another request created them first: read the winner.
		rec, err = s.st.GetEmailSettings(ctx, c.access(), owner)
	}
	if err != nil {
		return nil, fmt.Errorf("integrations: create email settings of user %q: %w", owner, err)
	}

	return rec, nil
}

// UpdateEmailSettings replaces the email settings of userID (PUT); an empty
// userID means the caller. It creates the settings when the user has none
// and the change is valid, so a rejected change creates nothing.
func (s *Service) UpdateEmailSettings(ctx context.Context, c Caller, userID string, in EmailInput) (*store.EmailSettings, error) {
	return s.changeEmail(ctx, c, userID, in, true)
}

// PatchEmailSettings changes only the given fields of the email settings
// of userID (PATCH); an empty userID means the caller.
func (s *Service) PatchEmailSettings(ctx context.Context, c Caller, userID string, in EmailInput) (*store.EmailSettings, error) {
	return s.changeEmail(ctx, c, userID, in, false)
}

func (s *Service) changeEmail(ctx context.Context, c Caller, userID string, in EmailInput, replace bool) (*store.EmailSettings, error) {
	return retryStale(func() (*store.EmailSettings, error) { return s.changeEmailOnce(ctx, c, userID, in, replace) })
}

// changeEmailOnce reads the settings, applies in and writes them back.
func (s *Service) changeEmailOnce(ctx context.Context, c Caller, userID string, in EmailInput, replace bool) (*store.EmailSettings, error) {
	owner, err := emailOwner(c, userID)
	if err != nil {
		return nil, err
	}
	rec, err := s.st.GetEmailSettings(ctx, c.access(), owner)
	isNew := errors.Is(err, store.ErrNotFound)
	switch {
	case isNew:
		// Stored only once the change is valid, so a rejected write
		// creates nothing.
		rec = store.NewEmailSettings(owner, s.defaultEmail(ctx, c, owner))
	case err != nil:
		return nil, fmt.Errorf("integrations: get email settings of user %q: %w", owner, err)
	}
	if replace {
		rec.NotifyWorkflowCompletion, rec.NotifyCommandExecution = false, false
		rec.NotifySystemAlerts, rec.NotifyProjectUpdates = false, false
	}
	setString(&rec.EmailAddress, in.EmailAddress)
	setBool(&rec.NotifyWorkflowCompletion, in.NotifyWorkflowCompletion)
	setBool(&rec.NotifyCommandExecution, in.NotifyCommandExecution)
	setBool(&rec.NotifySystemAlerts, in.NotifySystemAlerts)
	setBool(&rec.NotifyProjectUpdates, in.NotifyProjectUpdates)
	f := fieldErrors{}
	checkEmailAddress(f, rec.EmailAddress)
	if err := f.err(); err != nil {
		return nil, err
	}
	if isNew {
		err = s.st.CreateEmailSettings(ctx, rec)
		if errors.Is(err, store.ErrConflict) {
			// Another request created them first: retryStale reads
			// theirs and applies this change to it.
			err = fmt.Errorf("%w: %w", store.ErrStale, err)
		}
		if err != nil {
			return nil, fmt.Errorf("integrations: create email settings of user %q: %w", rec.UserID, err)
		}
		return rec, nil
	}
	if err := s.st.UpdateEmailSettings(ctx, c.access(), rec); err != nil {
		return nil, fmt.Errorf("integrations: update email settings of user %q: %w", rec.UserID, err)
	}

	return rec, nil
}

// ListEmailSettings returns stored email settings, newest first: the
// caller's own, or every user's for an administrator.
func (s *Service) ListEmailSettings(ctx context.Context, c Caller, opts ListOptions) ([]*store.EmailSettings, error) {
	recs, err := s.st.ListEmailSettings(ctx, opts.params(c))
	if err != nil {
		return nil, fmt.Errorf("integrations: list email settings: %w", err)
	}

	return recs, nil
}

// emailOwner returns whose settings a call addresses. Another user's
// settings are not found for an ordinary caller, so user ids do not leak.
func emailOwner(c Caller, userID string) (string, error) {
	switch {
	case userID == "" || userID == c.UserID:
		if c.UserID == "" {
			return "", ErrNoUser
		}
		return c.UserID, nil
	case c.Admin:
		return userID, nil
	default:
		return "", fmt.Errorf("integrations: email settings of user %q: %w", userID, store.ErrNotFound)
	}
}

// defaultEmail returns the address new settings start with.
func (s *Service) defaultEmail(ctx context.Context, c Caller, owner string) string {
	if owner == c.UserID && c.Email != "" && validEmail(c.Email) {
		return c.Email
	}
	if s.d.cfg.UserEmail == nil {
		return ""
	}
	addr, err := s.lookupUserEmail(ctx, owner)
	if err != nil {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: user email lookup failed", "user_id", owner, "error", err)
		return ""
	}
	if !validEmail(addr) {
		s.d.cfg.Logger.WarnContext(ctx, "integrations: user email lookup returned an invalid address; settings start without one", "user_id", owner)
		return ""
	}

	return addr
}

func validEmail(addr string) bool {
	f := fieldErrors{}
	checkEmailAddress(f, addr)

	return len(f) == 0
}

// lookupUserEmail calls the host's Config.UserEmail and turns a panic in it
// into an error, so a host bug cannot take down an API request.
func (s *Service) lookupUserEmail(ctx context.Context, userID string) (addr string, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("integrations: Config.UserEmail panicked for user %q: %v", userID, v)
		}
	}()

	return s.d.cfg.UserEmail(ctx, userID)
}
