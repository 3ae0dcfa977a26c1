package github

import (
	"context"
	"fmt"
	"net/http"
	"time"

	gh "github.com/google/go-github/v66/github"
)

// maxPages bounds SyncPullRequests against a server whose next links never
// end: 10000 pages of 100 is far more pull requests than any repository has.
const maxPages = 10000

// PullRequest is one pull request as SyncPullRequests returns it.
type PullRequest struct {
	Number    int
	Title     string
	State     string // "open" or "closed"; a merged pull request is "closed" with Merged set
	Merged    bool   // derived from MergedAt, because the list endpoint omits "merged"
	Author    string // login of the user who opened it; "" for a deleted account
	HTMLURL   string
	HeadRef   string // source branch
	BaseRef   string // target branch
	Draft     bool
	CreatedAt time.Time
	UpdatedAt time.Time
	ClosedAt  *time.Time // nil while open
	MergedAt  *time.Time // nil unless merged
}

// SyncPullRequests lists every pull request of the repository, open and
// closed, oldest first, following the Link rel="next" header to the last
// page. A next link that points at a page already read is an error rather
// than a loop.
func (c *Client) SyncPullRequests(ctx context.Context, owner, repo string) ([]PullRequest, error) {
	if err := validateRepo(owner, repo); err != nil {
		return nil, err
	}

	// Oldest first, so a pull request opened during the sync lands on the
	// last page instead of shifting earlier pages.
	opts := &gh.PullRequestListOptions{
		State:       "all",
		Sort:        "created",
		Direction:   "asc",
		ListOptions: gh.ListOptions{PerPage: c.cfg.pageSize, Page: 1},
	}
	seenPages := map[int]bool{}
	seenNumbers := map[int]bool{}
	var out []PullRequest
	for {
		seenPages[opts.Page] = true
		page, resp, err := c.api.PullRequests.List(ctx, owner, repo, opts)
		if err != nil {
			return nil, c.errs.mapError(ctx, "list pull requests", err)
		}
		for _, pr := range page {
			if !seenNumbers[pr.GetNumber()] {
				seenNumbers[pr.GetNumber()] = true
				out = append(out, toPullRequest(pr))
			}
		}

		next := resp.NextPage
		if next == 0 {
			return out, nil
		}
		if seenPages[next] {
			return nil, paginationError(fmt.Sprintf(
				"Link rel=\"next\" on page %d points at page %d, which was already read",
				opts.Page, next))
		}
		if len(seenPages) >= maxPages {
			return nil, paginationError(fmt.Sprintf(
				"more than %d pages of pull requests; stopped at page %d", maxPages, opts.Page))
		}
		opts.Page = next
	}
}

// paginationError reports a server whose pagination cannot be followed to an
// end. Retrying would read the same pages, so it is permanent.
func paginationError(reason string) *Error {
	return &Error{Op: "list pull requests", StatusCode: http.StatusOK, reason: reason}
}

func toPullRequest(pr *gh.PullRequest) PullRequest {
	out := PullRequest{
		Number:    pr.GetNumber(),
		Title:     pr.GetTitle(),
		State:     pr.GetState(),
		Author:    pr.GetUser().GetLogin(),
		HTMLURL:   pr.GetHTMLURL(),
		HeadRef:   pr.GetHead().GetRef(),
		BaseRef:   pr.GetBase().GetRef(),
		Draft:     pr.GetDraft(),
		CreatedAt: pr.GetCreatedAt().Time,
		UpdatedAt: pr.GetUpdatedAt().Time,
		ClosedAt:  timePtr(pr.ClosedAt),
		MergedAt:  timePtr(pr.MergedAt),
	}
	out.Merged = out.MergedAt != nil || pr.GetMerged()

	return out
}

func timePtr(ts *gh.Timestamp) *time.Time {
	if ts == nil || ts.IsZero() {
		return nil
	}
	t := ts.Time

	return &t
}
