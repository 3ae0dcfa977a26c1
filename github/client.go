package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	gh "github.com/google/go-github/v66/github"
	"github.com/hashicorp/go-retryablehttp"
)

// ErrInvalidRequest is wrapped by errors about arguments rejected before any
// request is sent, such as an empty repository name.
var ErrInvalidRequest = errors.New("invalid request")

const userAgent = "integrations-external"

// Client calls the GitHub REST API with one token. It is safe for concurrent
// use. Reads retry within the call on connection errors, 429 and 5xx;
// creating an issue never relies on automatic retries (see CreateIssue).
type Client struct {
	api    *gh.Client // reads, through go-retryablehttp
	single *gh.Client // writes, one attempt per request
	retry  *retryablehttp.Client
	errs   errorMapper
	cfg    settings

	mu    sync.Mutex
	login string // the token's user, cached after the first GET /user
}

// New returns a Client that authenticates with token. The token is sent as
// a bearer token and never appears in errors or logs.
func New(token string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(token) == "" {
		return nil, fmt.Errorf("%w: missing GitHub token", ErrInvalidRequest)
	}
	cfg := defaultSettings()
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}

	attempt := &http.Client{
		Transport: timeoutTransport{base: cfg.transport, timeout: cfg.timeout},
	}
	retry := newRetryClient(cfg, attempt)
	c := &Client{
		api:    newAPIClient(retry.StandardClient(), token, cfg),
		single: newAPIClient(attempt, token, cfg),
		retry:  retry,
		cfg:    cfg,
		errs: errorMapper{
			now:           cfg.now,
			maxRetryAfter: cfg.maxRetryAfter,
			timeout:       cfg.timeout,
		},
	}

	return c, nil
}

func newAPIClient(hc *http.Client, token string, cfg settings) *gh.Client {
	c := gh.NewClient(hc).WithAuthToken(token)
	base := *cfg.baseURL
	c.BaseURL = &base
	upload := *cfg.baseURL
	c.UploadURL = &upload
	c.UserAgent = userAgent

	return c
}

// user returns the token's login, asking GitHub once per Client.
func (c *Client) user(ctx context.Context) (*gh.User, error) {
	u, _, err := c.api.Users.Get(ctx, "")
	if err != nil {
		return nil, c.errs.mapError(ctx, "get user", err)
	}
	c.mu.Lock()
	c.login = u.GetLogin()
	c.mu.Unlock()

	return u, nil
}

func (c *Client) cachedLogin(ctx context.Context) (string, error) {
	c.mu.Lock()
	login := c.login
	c.mu.Unlock()
	if login != "" {
		return login, nil
	}

	u, err := c.user(ctx)
	if err != nil {
		return "", err
	}

	return u.GetLogin(), nil
}

// validateRepo rejects an owner or repository name that would change the
// request path.
func validateRepo(owner, repo string) error {
	for _, v := range []struct{ name, value string }{{"owner", owner}, {"repository", repo}} {
		if v.value == "" {
			return fmt.Errorf("%w: missing GitHub %s name", ErrInvalidRequest, v.name)
		}
		if strings.ContainsAny(v.value, "/?#% \t\r\n") || v.value == "." || v.value == ".." {
			return fmt.Errorf("%w: GitHub %s name %q contains a character GitHub does not allow",
				ErrInvalidRequest, v.name, v.value)
		}
	}

	return nil
}
