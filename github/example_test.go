package github_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/hishamos/integrations-external/github"
	"github.com/hishamos/integrations-external/internal/fakegithub"
)

// Example verifies a repository, syncs its pull requests and opens an issue
// twice with one dedupe key, against the fake GitHub server on 127.0.0.1.
func Example() {
	srv := fakegithub.New()
	defer srv.Close()
	srv.AddToken("ghp_example", "octocat")
	srv.AddRepo(fakegithub.Repo{
		Owner:        "octocat",
		Name:         "hello",
		Permissions:  fakegithub.Permissions{Push: true, Pull: true},
		PullRequests: 5,
	})

	client, err := github.New("ghp_example", github.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	v, err := client.Verify(ctx, "octocat", "hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s can push to %s: %t, issues enabled: %t\n",
		v.Login, v.FullName, v.Permissions.Push, v.IssuesEnabled)

	prs, err := client.SyncPullRequests(ctx, "octocat", "hello")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, pr := range prs {
		fmt.Printf("#%d %s merged=%t %s -> %s\n", pr.Number, pr.State, pr.Merged, pr.HeadRef, pr.BaseRef)
	}

	req := github.IssueRequest{Title: "Workflow nightly failed", DedupeKey: "event-1"}
	for range 2 {
		issue, err := client.CreateIssue(ctx, "octocat", "hello", req)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("issue #%d existing=%t\n", issue.Number, issue.Existing)
	}

	_, err = client.Verify(ctx, "octocat", "private")
	var apiErr *github.Error
	if errors.As(err, &apiErr) {
		fmt.Printf("%v (status %d, retryable %t)\n", apiErr, apiErr.StatusCode, apiErr.Retryable)
	}

	// Output:
	// octocat can push to octocat/hello: true, issues enabled: true
	// #1 open merged=false feature-1 -> main
	// #2 open merged=false feature-2 -> main
	// #3 closed merged=true feature-3 -> main
	// #4 open merged=false feature-4 -> main
	// #5 closed merged=false feature-5 -> main
	// issue #6 existing=false
	// issue #6 existing=true
	// GitHub API error: Not Found (status 404, retryable false)
}
