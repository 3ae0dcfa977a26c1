package github

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Defaults used by New when an option is not given.
const (
	DefaultBaseURL       = "https://api.github.com/"
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRetries    = 2
	DefaultRetryWaitMin  = 500 * time.Millisecond
	DefaultRetryWaitMax  = 5 * time.Second
	DefaultMaxRetryAfter = time.Hour
	DefaultPageSize      = 100
)

// settings holds the resolved options of a Client.
type settings struct {
	baseURL       *url.URL
	transport     http.RoundTripper
	timeout       time.Duration
	maxRetries    int
	retryWaitMin  time.Duration
	retryWaitMax  time.Duration
	maxRetryAfter time.Duration
	pageSize      int
	logger        *slog.Logger
	now           func() time.Time
}

func defaultSettings() settings {
	base, _ := url.Parse(DefaultBaseURL)

	return settings{
		baseURL:       base,
		transport:     http.DefaultTransport,
		timeout:       DefaultTimeout,
		maxRetries:    DefaultMaxRetries,
		retryWaitMin:  DefaultRetryWaitMin,
		retryWaitMax:  DefaultRetryWaitMax,
		maxRetryAfter: DefaultMaxRetryAfter,
		pageSize:      DefaultPageSize,
		logger:        slog.New(slog.DiscardHandler),
		now:           time.Now,
	}
}

// Option configures a Client. Each option validates its value, and New
// returns the first error.
type Option func(*settings) error

// WithBaseURL sets the REST API root, used as given: for GitHub Enterprise
// Server pass "https://HOST/api/v3/". Default DefaultBaseURL. A trailing slash
// is added when missing. Only http and https are accepted.
func WithBaseURL(raw string) Option {
	return func(s *settings) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("invalid GitHub base URL: %w", err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return errors.New("invalid GitHub base URL: want an absolute http or https URL")
		}
		if u.Path == "" || u.Path[len(u.Path)-1] != '/' {
			u.Path += "/"
		}
		s.baseURL = u

		return nil
	}
}

// WithTransport sets the transport that carries every attempt, for example
// one that guards the dialled addresses. Default http.DefaultTransport.
// Proxies and TLS settings are the transport's own.
func WithTransport(rt http.RoundTripper) Option {
	return func(s *settings) error {
		if rt == nil {
			return errors.New("invalid GitHub transport: nil")
		}
		s.transport = rt

		return nil
	}
}

// WithTimeout sets the time limit of one HTTP attempt, including reading
// the body. Default DefaultTimeout (30s). The ctx given to each call bounds
// the whole call, retries included.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("invalid GitHub timeout %s: must be positive", d)
		}
		s.timeout = d

		return nil
	}
}

// WithMaxRetries sets how many times a failed read is retried within one
// call (so n+1 attempts), and how many times CreateIssue re-posts after a
// 5xx. Default DefaultMaxRetries (2); 0 disables retries.
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 || n > 10 {
			return fmt.Errorf("invalid GitHub max retries %d: must be between 0 and 10", n)
		}
		s.maxRetries = n

		return nil
	}
}

// WithRetryWait sets the bounds of the exponential backoff between retries
// within one call. Default 500ms to 5s. The maximum also clamps a
// Retry-After wait, and a response that requests a longer wait is not
// retried within the call. The error carries RetryAfter instead.
func WithRetryWait(minWait, maxWait time.Duration) Option {
	return func(s *settings) error {
		if minWait <= 0 || maxWait < minWait {
			return fmt.Errorf("invalid GitHub retry wait %s..%s: want 0 < min <= max",
				minWait, maxWait)
		}
		s.retryWaitMin, s.retryWaitMax = minWait, maxWait

		return nil
	}
}

// WithMaxRetryAfter sets the largest RetryAfter an *Error reports, whether it
// came from Retry-After or X-RateLimit-Reset. Default DefaultMaxRetryAfter (1h),
// the length of GitHub's primary rate-limit window.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("invalid GitHub max Retry-After %s: must be positive", d)
		}
		s.maxRetryAfter = d

		return nil
	}
}

// WithPageSize sets per_page for list calls. Default DefaultPageSize (100,
// GitHub's maximum); accepted range 1 to 100.
func WithPageSize(n int) Option {
	return func(s *settings) error {
		if n < 1 || n > 100 {
			return fmt.Errorf("invalid GitHub page size %d: must be between 1 and 100", n)
		}
		s.pageSize = n

		return nil
	}
}

// WithLogger sets the logger for retries and duplicate checks. Default: a
// logger that discards everything. The token is never logged.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("invalid GitHub logger: nil")
		}
		s.logger = l

		return nil
	}
}

// WithClock sets the clock used to turn X-RateLimit-Reset and HTTP-date
// Retry-After values into durations. Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return errors.New("invalid GitHub clock: nil")
		}
		s.now = now

		return nil
	}
}
