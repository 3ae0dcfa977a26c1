package github

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"
)

// dedupeScanPages is how many pages of 100 recent issues by the token's user
// CreateIssue reads when it looks for a dedupe marker, unless the request
// sets NotBefore. maxScanPages bounds the scan with NotBefore.
const (
	dedupeScanPages = 2
	maxScanPages    = 50
)

// IssueRequest describes an issue to create.
type IssueRequest struct {
	Title     string   // required
	Body      string   // cut to MaxIssueBody characters, marker included
	Labels    []string // label names; GitHub drops the ones the token may not set
	Assignees []string // logins; GitHub returns 422 for a login it cannot assign

	// DedupeKey, when set, makes creation safe to repeat: the key is stored in
	// the body as a hidden HTML comment, and an issue by the same user that
	// already carries it is returned instead of a new one. Printable ASCII
	// without spaces, "<", ">" or "--"; at most 200 bytes.
	DedupeKey string

	// NotBefore, when set, is a time before which no issue with DedupeKey
	// can have been created, such as when its event happened, less a
	// margin for clock differences. The search for the key then reads
	// every issue created since (up to 5,000) rather than the newest 200,
	// so a burst of other issues cannot hide the one it looks for.
	NotBefore time.Time
}

// Issue is an issue that CreateIssue created or found.
type Issue struct {
	Number    int
	Title     string
	State     string
	HTMLURL   string
	CreatedAt time.Time
	Existing  bool // found by its dedupe key rather than created by this call
}

// CreateIssue opens an issue with POST /repos/{owner}/{repo}/issues.
//
// Creating an issue is not idempotent, so the POST is never retried
// automatically. With a DedupeKey, CreateIssue first lists the user's recent
// issues in the repository (newest first, two pages of 100, or back to
// NotBefore) and returns one whose body carries the key. After an ambiguous failure, that is a timeout,
// a connection error or a 5xx that may have followed the write, it lists them
// again. After a 5xx, which ends the request, it re-posts when the key is
// still absent, up to the client's retry budget. After a timeout or a
// connection error it returns the error instead, because the request may
// still create the issue, and a later call finds it. The issues list is used rather than the search API because
// search indexes new issues with a delay. Without a DedupeKey a failed POST
// is returned as is, and the caller cannot tell whether the issue exists.
func (c *Client) CreateIssue(ctx context.Context, owner, repo string, req IssueRequest) (*Issue, error) {
	if err := validateIssueRequest(owner, repo, req); err != nil {
		return nil, err
	}
	body := buildIssueBody(req.Body, req.DedupeKey)

	if req.DedupeKey != "" {
		existing, err := c.findIssue(ctx, owner, repo, req.DedupeKey, req.NotBefore)
		if err != nil || existing != nil {
			return existing, err
		}
	}

	for attempt := 0; ; attempt++ {
		issue, err := c.postIssue(ctx, owner, repo, req, body)
		if err == nil {
			return issue, nil
		}
		if req.DedupeKey == "" || attempt >= c.cfg.maxRetries || !ambiguous(err) ||
			ctx.Err() != nil {
			return nil, err
		}

		c.cfg.logger.InfoContext(ctx, "GitHub issue create may have succeeded; "+
			"checking before posting again",
			"owner", owner, "repo", repo, "dedupe_key", req.DedupeKey, "error", err)
		existing, findErr := c.findIssue(ctx, owner, repo, req.DedupeKey, req.NotBefore)
		if findErr != nil {
			c.cfg.logger.WarnContext(ctx, "GitHub duplicate check failed; not posting again",
				"owner", owner, "repo", repo, "dedupe_key", req.DedupeKey, "error", findErr)

			return nil, err
		}
		if existing != nil {
			return existing, nil
		}
		if !gotResponse(err) {
			// A request that timed out or lost its connection may still
			// be running at GitHub, and its issue may appear later, so a
			// new POST now could make a second one. The caller retries
			// later, and CreateIssue looks for the key again first.
			return nil, err
		}
	}
}

// gotResponse reports whether a failed POST got a response from GitHub (a
// 5xx), so the request is over, unlike one that timed out or lost its
// connection.
func gotResponse(err error) bool {
	var e *Error
	return errors.As(err, &e) && !e.Timeout && e.StatusCode >= 500
}

func validateIssueRequest(owner, repo string, req IssueRequest) error {
	if err := validateRepo(owner, repo); err != nil {
		return err
	}
	if strings.TrimSpace(req.Title) == "" {
		return fmt.Errorf("%w: missing GitHub issue title", ErrInvalidRequest)
	}
	if req.DedupeKey != "" {
		return validateDedupeKey(req.DedupeKey)
	}

	return nil
}

func (c *Client) postIssue(ctx context.Context, owner, repo string, req IssueRequest, body string) (*Issue, error) {
	in := &gh.IssueRequest{Title: &req.Title, Body: &body}
	if len(req.Labels) > 0 {
		in.Labels = &req.Labels
	}
	if len(req.Assignees) > 0 {
		in.Assignees = &req.Assignees
	}

	created, _, err := c.single.Issues.Create(ctx, owner, repo, in)
	if err != nil {
		return nil, c.errs.mapError(ctx, "create issue", err)
	}

	return toIssue(created, false), nil
}

// ambiguous reports whether a failed POST may still have created the issue:
// the request may have reached GitHub but no response came back.
func ambiguous(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if errors.Is(e.Err, context.Canceled) {
		return false
	}

	return e.Timeout || e.StatusCode == 0 || e.StatusCode >= 500
}

// findIssue returns the newest issue by the token's user whose body carries
// the dedupe marker for key, or nil when the recent issues do not: the
// newest dedupeScanPages pages, or with notBefore set, every issue created
// since then, up to maxScanPages pages.
func (c *Client) findIssue(ctx context.Context, owner, repo, key string, notBefore time.Time) (*Issue, error) {
	// NOTE: GitHub App installation tokens may not be allowed to call
	// GET /user, which gives the creator filter here. That case is not
	// tested, and an automatic issue with such a token may fail.
	login, err := c.cachedLogin(ctx)
	if err != nil {
		return nil, err
	}

	marker := dedupeMarker(key)
	opts := &gh.IssueListByRepoOptions{
		Creator:     login,
		State:       "all",
		Sort:        "created",
		Direction:   "desc",
		ListOptions: gh.ListOptions{PerPage: 100, Page: 1},
	}
	pages := dedupeScanPages
	if !notBefore.IsZero() {
		pages = maxScanPages
	}
	for range pages {
		page, resp, err := c.api.Issues.ListByRepo(ctx, owner, repo, opts)
		if err != nil {
			return nil, c.errs.mapError(ctx, "list issues", err)
		}
		for _, is := range page {
			if !is.IsPullRequest() && strings.Contains(is.GetBody(), marker) {
				return toIssue(is, true), nil
			}
			if !notBefore.IsZero() && is.GetCreatedAt().Before(notBefore) {
				return nil, nil // newest first, so no later page is newer
			}
		}
		if resp.NextPage == 0 || resp.NextPage == opts.Page {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}

	return nil, nil
}

func toIssue(is *gh.Issue, existing bool) *Issue {
	return &Issue{
		Number:    is.GetNumber(),
		Title:     is.GetTitle(),
		State:     is.GetState(),
		HTMLURL:   is.GetHTMLURL(),
		CreatedAt: is.GetCreatedAt().Time,
		Existing:  existing,
	}
}
