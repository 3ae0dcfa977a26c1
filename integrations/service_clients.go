package integrations

import (
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/github"
	"github.com/hishamos/integrations-external/slack"
)

// clientSettings are the inputs the synchronous operations build their
// leaf clients from. They live in one place so that moving them into
// Config changes only clientSettings below.
type clientSettings struct {
	slackAPIURL  string        // "" means Slack's public API
	githubAPIURL string        // "" means api.github.com
	email        *email.Config // nil means email is not configured
	timeout      time.Duration // per HTTP attempt of a synchronous call
}

// syncTimeout bounds one synchronous call (verify, sync, test message),
// retries included, so an API request cannot hang on a stalled service.
const syncTimeout = 60 * time.Second

// clientSettings returns the leaf settings from the configuration.
func (s *Service) clientSettings() clientSettings {
	cfg := s.d.cfg

	return clientSettings{
		slackAPIURL:  cfg.SlackAPIURL,
		githubAPIURL: cfg.GitHubAPIURL,
		email:        cfg.Email,
		timeout:      syncAttemptTimeout,
	}
}

// syncAttemptTimeout bounds one HTTP attempt of a synchronous call.
const syncAttemptTimeout = 15 * time.Second

func (s *Service) slackClient(token string) (*slack.Client, error) {
	cs := s.clientSettings()
	// A Retry-After up to RetryMaxDelay is honoured, as for webhooks.
	opts := []slack.Option{slack.WithLogger(s.d.cfg.Logger), slack.WithMaxRetryAfter(s.d.cfg.RetryMaxDelay)}
	if cs.slackAPIURL != "" {
		opts = append(opts, slack.WithAPIURL(cs.slackAPIURL))
	}
	if cs.timeout > 0 {
		opts = append(opts, slack.WithTimeout(cs.timeout))
	}
	c, err := slack.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("integrations: build Slack client: %w", err)
	}

	return c, nil
}

func (s *Service) githubClient(token string) (*github.Client, error) {
	cs := s.clientSettings()
	opts := []github.Option{github.WithLogger(s.d.cfg.Logger), github.WithClock(s.d.cfg.Now),
		github.WithMaxRetryAfter(s.d.cfg.RetryMaxDelay)}
	if cs.githubAPIURL != "" {
		opts = append(opts, github.WithBaseURL(cs.githubAPIURL))
	}
	if cs.timeout > 0 {
		opts = append(opts, github.WithTimeout(cs.timeout))
	}
	c, err := github.New(token, opts...)
	if err != nil {
		return nil, fmt.Errorf("integrations: build GitHub client: %w", err)
	}

	return c, nil
}

// ErrEmailNotConfigured is returned by SendTestEmail when the host gave no
// SMTP settings.
var ErrEmailNotConfigured = errors.New("integrations: email is not configured: set the SMTP settings in Config")

func (s *Service) emailSender() (*email.Sender, error) {
	if s.d.mailer != nil {
		return s.d.mailer, nil
	}
	cs := s.clientSettings()
	if cs.email == nil {
		return nil, ErrEmailNotConfigured
	}
	sender, err := email.New(*cs.email)
	if err != nil {
		return nil, fmt.Errorf("integrations: build SMTP sender: %w", err)
	}

	return sender, nil
}

// remoteError converts a leaf error into a *RemoteError; other errors are
// returned unchanged.
func remoteError(err error) error {
	var se *slack.Error
	var ge *github.Error
	var ee *email.Error
	switch {
	case errors.As(err, &se):
		return &RemoteError{Service: "Slack", Permanent: !se.Retryable, AuthFailed: se.AuthFailed,
			Timeout: se.Timeout, RateLimited: se.RateLimited, RetryAfter: se.RetryAfter, Err: se}
	case errors.As(err, &ge):
		return &RemoteError{Service: "GitHub", Permanent: !ge.Retryable, AuthFailed: ge.AuthFailed,
			Timeout: ge.Timeout, RateLimited: ge.RateLimited, RetryAfter: ge.RetryAfter, Err: ge}
	case errors.As(err, &ee):
		return &RemoteError{Service: "SMTP", Permanent: !ee.Retryable, AuthFailed: ee.AuthFailed,
			Timeout: ee.Timeout, RateLimited: ee.RateLimited, RetryAfter: ee.RetryAfter, Err: ee}
	default:
		return err
	}
}
