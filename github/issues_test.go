package github

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

func TestCreateIssueStoresRequest(t *testing.T) {
	t.Parallel()
	f := setup(t)

	got, err := f.client.CreateIssue(context.Background(), testOwner, testRepo, IssueRequest{
		Title:     "Workflow nightly failed",
		Body:      "Step build exited with 1.",
		Labels:    []string{"bug", "automated"},
		Assignees: []string{testOwner},
	})
	require.NoError(t, err)

	stored := f.srv.Issues(testOwner, testRepo)
	require.Len(t, stored, 1)
	assert.Equal(t, "Workflow nightly failed", stored[0].Title)
	assert.Equal(t, "Step build exited with 1.", stored[0].Body)
	assert.Equal(t, []string{"bug", "automated"}, stored[0].Labels)
	assert.Equal(t, []string{testOwner}, stored[0].Assignees)
	assert.Equal(t, testLogin, stored[0].Creator)

	assert.Equal(t, stored[0].Number, got.Number)
	assert.Equal(t, 76, got.Number, "issues follow the 75 pull request numbers")
	assert.Equal(t, "open", got.State)
	assert.Equal(t, "https://github.com/octocat/hello/issues/76", got.HTMLURL)
	assert.False(t, got.Existing, "existing")
	assert.Equal(t, 0, f.srv.Requests(fakegithub.RouteListIssues),
		"no duplicate check without a dedupe key")
}

func TestCreateIssueBodyCutOnRuneBoundary(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// 3 runes of 2, 3 and 4 bytes, repeated past the limit.
	body := strings.Repeat("é日🙂", 30000)

	_, err := f.client.CreateIssue(context.Background(), testOwner, testRepo,
		IssueRequest{Title: "Long", Body: body, DedupeKey: "run-42"})
	require.NoError(t, err)

	stored := f.srv.Issues(testOwner, testRepo)
	require.Len(t, stored, 1)
	got := stored[0].Body
	assert.True(t, utf8.ValidString(got), "body is valid UTF-8")
	assert.Equal(t, MaxIssueBody, utf8.RuneCountInString(got), "runes in body")
	marker := "\n\n<!-- integrations-external dedupe-key: run-42 -->"
	assert.True(t, strings.HasSuffix(got, TruncationMarker+marker), "ends with both markers")
	keptText := strings.TrimSuffix(got, TruncationMarker+marker)
	assert.True(t, strings.HasPrefix(body, keptText), "kept text is a prefix of the original")
}

func TestBuildIssueBodyLimits(t *testing.T) {
	t.Parallel()
	exact := strings.Repeat("日", MaxIssueBody)
	over := exact + "x"

	assert.Equal(t, exact, buildIssueBody(exact, ""), "a body at the limit is unchanged")
	cut := buildIssueBody(over, "")
	assert.Equal(t, MaxIssueBody, utf8.RuneCountInString(cut), "runes after cut")
	assert.True(t, strings.HasSuffix(cut, TruncationMarker), "truncation marker")
	assert.Equal(t, "short\n\n"+dedupeMarker("k"), buildIssueBody("short", "k"))

	// A cut inside a code block closes the block, so the markers after it
	// are not shown as code.
	fenced := "### Error\n\n```\n" + strings.Repeat("e", MaxIssueBody) + "\n```\n"
	got := buildIssueBody(fenced, "k")
	assert.LessOrEqual(t, utf8.RuneCountInString(got), MaxIssueBody, "runes after cut")
	assert.True(t, strings.HasSuffix(got, "\n```"+TruncationMarker+"\n\n"+dedupeMarker("k")), "the block is closed before the markers")
}

func TestCreateIssueAmbiguousTimeoutNoDuplicate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := newTestClient(t, f.srv.URL, testToken, WithTimeout(200*time.Millisecond))
	// The fake stores the issue and never responds, so the POST times out.
	f.srv.InjectFault(fakegithub.RouteCreateIssue, fakegithub.Fault{Stall: true})

	got, err := c.CreateIssue(context.Background(), testOwner, testRepo,
		IssueRequest{Title: "Command deploy failed", Body: "exit 1", DedupeKey: "delivery-7"})
	require.NoError(t, err)

	stored := f.srv.Issues(testOwner, testRepo)
	require.Len(t, stored, 1, "issues in the repository")
	assert.Equal(t, stored[0].Number, got.Number)
	assert.True(t, got.Existing, "existing")
	assert.Equal(t, "Command deploy failed", got.Title)
	assert.Equal(t, 1, f.srv.Requests(fakegithub.RouteCreateIssue), "POST requests")
	assert.Equal(t, 2, f.srv.Requests(fakegithub.RouteListIssues), "scans: before and after")

	// A later call with the same key, e.g. a scheduled retry, finds it too.
	again, err := c.CreateIssue(context.Background(), testOwner, testRepo,
		IssueRequest{Title: "Command deploy failed", Body: "exit 1", DedupeKey: "delivery-7"})
	require.NoError(t, err)
	assert.Equal(t, got.Number, again.Number)
	assert.Len(t, f.srv.Issues(testOwner, testRepo), 1, "issues after the second call")
	assert.Equal(t, 1, f.srv.Requests(fakegithub.RouteCreateIssue), "POST requests")
}

func TestCreateIssueServerErrorRepostsOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteCreateIssue, fakegithub.ServerError(http.StatusBadGateway))

	got, err := f.client.CreateIssue(context.Background(), testOwner, testRepo,
		IssueRequest{Title: "Alert", DedupeKey: "alert-1"})
	require.NoError(t, err)

	assert.False(t, got.Existing, "existing")
	assert.Len(t, f.srv.Issues(testOwner, testRepo), 1, "issues")
	assert.Equal(t, 2, f.srv.Requests(fakegithub.RouteCreateIssue), "POST requests")
}

func TestCreateIssueOtherUsersMarkerIgnored(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.AddToken("ghp_otherUserToken", "hubot")
	other := newTestClient(t, f.srv.URL, "ghp_otherUserToken")
	_, err := other.CreateIssue(context.Background(), testOwner, testRepo,
		IssueRequest{Title: "Theirs", DedupeKey: "shared-key"})
	require.NoError(t, err)

	got, err := f.client.CreateIssue(context.Background(), testOwner, testRepo,
		IssueRequest{Title: "Mine", DedupeKey: "shared-key"})
	require.NoError(t, err)

	assert.False(t, got.Existing, "an issue by another user is not a duplicate")
	assert.Len(t, f.srv.Issues(testOwner, testRepo), 2, "issues")
}

func TestCreateIssueTimeoutWithoutKey(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := newTestClient(t, f.srv.URL, testToken, WithTimeout(100*time.Millisecond))
	f.srv.InjectFault(fakegithub.RouteCreateIssue, fakegithub.Fault{Stall: true})

	_, err := c.CreateIssue(context.Background(), testOwner, testRepo, IssueRequest{Title: "x"})

	e := asError(t, err)
	assert.Equal(t, "create issue", e.Op)
	assert.True(t, e.Timeout, "timeout")
	assert.True(t, e.Retryable, "retryable")
	assert.Equal(t, "GitHub API error: request timed out after 100ms", e.Error())
	assert.Equal(t, 1, f.srv.Requests(fakegithub.RouteCreateIssue), "POST is not retried")
}

func TestCreateIssuePermanentErrors(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.AddRepo(fakegithub.Repo{Owner: testOwner, Name: "no-issues", IssuesDisabled: true})
	f.srv.AddRepo(fakegithub.Repo{Owner: testOwner, Name: "old", Archived: true})

	tests := []struct {
		name, repo string
		req        IssueRequest
		status     int
		code       string
		text       string
	}{
		{"issues disabled", "no-issues", IssueRequest{Title: "t"}, http.StatusGone,
			"Issues are disabled for this repo",
			"GitHub API error: Issues are disabled for this repo"},
		{"archived", "old", IssueRequest{Title: "t"}, http.StatusForbidden,
			"Repository was archived so is read-only.",
			"GitHub API error: Repository was archived so is read-only."},
		{"invalid assignee", testRepo, IssueRequest{Title: "t", Assignees: []string{"nobody"}},
			http.StatusUnprocessableEntity, "Validation Failed",
			"GitHub API error: Validation Failed: assignees: invalid"},
		{"missing repository", "gone", IssueRequest{Title: "t"}, http.StatusNotFound,
			"Not Found", "GitHub API error: Not Found"},
	}
	for _, tt := range tests {
		_, err := f.client.CreateIssue(context.Background(), testOwner, tt.repo, tt.req)

		e := asError(t, err)
		assert.Equal(t, tt.status, e.StatusCode, tt.name)
		assert.Equal(t, tt.code, e.Code, tt.name)
		assert.Equal(t, tt.text, e.Error(), tt.name)
		assert.False(t, e.Retryable, "retryable: %s", tt.name)
		assert.False(t, e.RateLimited, "rate limited: %s", tt.name)
	}
	assert.Equal(t, len(tests), f.srv.Requests(fakegithub.RouteCreateIssue), "POST requests")
}

func TestCreateIssueRejectsInput(t *testing.T) {
	t.Parallel()
	f := setup(t)

	tests := map[string]IssueRequest{
		"empty title":         {Title: " "},
		"key with space":      {Title: "t", DedupeKey: "a b"},
		"key closing comment": {Title: "t", DedupeKey: "a-->b"},
		"key too long":        {Title: "t", DedupeKey: strings.Repeat("k", 201)},
	}
	for name, req := range tests {
		_, err := f.client.CreateIssue(context.Background(), testOwner, testRepo, req)
		assert.ErrorIs(t, err, ErrInvalidRequest, name)
	}
	assert.Equal(t, 0, f.srv.Requests(fakegithub.RouteCreateIssue), "POST requests")
}
