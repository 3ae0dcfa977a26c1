package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"
)

// Defaults used by [New] when an option leaves a setting unset.
const (
	// DefaultAPIURL is Slack's Web API base URL.
	DefaultAPIURL = "https://slack.com/api/"
	// DefaultTimeout bounds one Slack method call.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxRetryAfter caps the Retry-After that Slack may ask for.
	DefaultMaxRetryAfter = time.Minute
	// DefaultRetryAfter is the wait reported for a rate limit that came
	// without a usable Retry-After header.
	DefaultRetryAfter = 30 * time.Second
)

// maxResponseBytes caps how much of a Slack response is read. Slack's
// responses to the methods used here are a few kilobytes.
const maxResponseBytes = 1 << 20

// Client calls Slack's Web API with a bot token. It is safe for concurrent
// use. Its String and GoString methods never print the token.
type Client struct {
	token         string
	apiURL        string
	httpClient    *http.Client
	timeout       time.Duration
	maxRetryAfter time.Duration
	retryAfter    time.Duration
	logger        *slog.Logger
}

// Option configures a [Client]. An option returns an error for an invalid
// value, and [New] returns that error.
type Option func(*Client) error

// WithAPIURL sets the Web API base URL, for Enterprise Grid proxies and
// tests. It must be an absolute http or https URL; a missing trailing
// slash is added. Default: [DefaultAPIURL].
func WithAPIURL(rawURL string) Option {
	return func(c *Client) error {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("slack: invalid API URL %q: want an absolute http or https URL", rawURL)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("slack: invalid API URL %q: remove the user info, query or fragment", u.Redacted())
		}
		c.apiURL = strings.TrimSuffix(u.String(), "/") + "/"

		return nil
	}
}

// WithHTTPClient sets the HTTP client. The client is copied and the copy
// does not follow redirects, because a redirect would re-send the token in
// the request body to another address. Default: a client on
// http.DefaultTransport without its own timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("slack: HTTP client is nil")
		}
		c.httpClient = hc

		return nil
	}
}

// WithTimeout bounds each Slack method call, including reading the response.
// Default: [DefaultTimeout]. It must be positive.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("slack: invalid timeout %v: must be positive", d)
		}
		c.timeout = d

		return nil
	}
}

// WithMaxRetryAfter caps the Retry-After reported in [Error.RetryAfter].
// Default: [DefaultMaxRetryAfter]. It must be positive.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("slack: invalid maximum Retry-After %v: must be positive", d)
		}
		c.maxRetryAfter = d

		return nil
	}
}

// WithDefaultRetryAfter sets the wait reported for a rate limit without a
// usable Retry-After header. Default: [DefaultRetryAfter]. It must be
// positive; it is clamped to the maximum Retry-After.
func WithDefaultRetryAfter(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("slack: invalid default Retry-After %v: must be positive", d)
		}
		c.retryAfter = d

		return nil
	}
}

// WithLogger sets the logger for per-call debug records (method, duration,
// success). Default: a logger that discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("slack: logger is nil")
		}
		c.logger = l

		return nil
	}
}

// New returns a client for the bot token (xoxb-...). It makes no request;
// call [Client.Verify] to check the token and channel.
func New(token string, opts ...Option) (*Client, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, errors.New("slack: bot token is empty: pass the xoxb- token of the Slack app")
	}
	c := &Client{
		token:         token,
		apiURL:        DefaultAPIURL,
		httpClient:    &http.Client{},
		timeout:       DefaultTimeout,
		maxRetryAfter: DefaultMaxRetryAfter,
		retryAfter:    DefaultRetryAfter,
		logger:        slog.New(slog.DiscardHandler),
	}
	for _, opt := range opts {
		if err := opt(c); err != nil {
			return nil, err
		}
	}

	noRedirects := *c.httpClient
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	c.httpClient = &noRedirects

	return c, nil
}

// String describes the client without its token.
func (c *Client) String() string { return "slack.Client(" + c.apiURL + ")" }

// GoString describes the client without its token, for the %#v verb.
func (c *Client) GoString() string { return c.String() }

// call runs one Slack method through a fresh slack-go client whose HTTP
// client records the response status and headers, which slack-go drops on
// some errors (a 429 with an HTTP-date Retry-After, for example).
func (c *Client) call(ctx context.Context, op string, fn func(context.Context, *slackapi.Client) error) (http.Header, error) {
	budget := c.budget(ctx)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	rec := &recorder{client: c.httpClient}
	api := slackapi.New(c.token,
		slackapi.OptionAPIURL(c.apiURL),
		slackapi.OptionHTTPClient(rec),
	)
	start := time.Now()
	err := fn(ctx, api)
	if err != nil {
		err = c.classify(ctx, op, budget, rec, err)
	}
	c.logCall(ctx, op, start, err)

	return rec.header, err
}

// budget returns the time a call may take: the client's timeout, or less
// when the caller's deadline or the HTTP client's own timeout is sooner.
func (c *Client) budget(ctx context.Context) time.Duration {
	budget := c.timeout
	if deadline, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(deadline))
	}
	if t := c.httpClient.Timeout; t > 0 {
		budget = min(budget, t)
	}

	return budget.Round(time.Millisecond)
}

// logCall records one call at debug level. The error itself is returned
// to the caller, so only its outcome is logged here.
func (c *Client) logCall(ctx context.Context, op string, start time.Time, err error) {
	c.logger.LogAttrs(ctx, slog.LevelDebug, "slack call",
		slog.String("op", op),
		slog.Duration("duration", time.Since(start)),
		slog.Bool("ok", err == nil),
	)
}

// recorder is the http client handed to slack-go for one call. It keeps the
// last response's status and headers and limits how much body is read.
type recorder struct {
	client *http.Client
	status int
	header http.Header
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	r.status = resp.StatusCode
	r.header = resp.Header.Clone()
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxResponseBytes), Closer: resp.Body}

	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
