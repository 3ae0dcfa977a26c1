package github

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

func TestSyncPullRequestsFollowsThreePages(t *testing.T) {
	t.Parallel()
	f := setup(t, WithPageSize(25))

	got, err := f.client.SyncPullRequests(context.Background(), testOwner, testRepo)
	require.NoError(t, err)

	assert.Equal(t, 3, f.srv.Requests(fakegithub.RoutePulls), "requests")
	want := f.srv.PullRequests(testOwner, testRepo)
	require.Len(t, got, 75)
	for i, pr := range got {
		w := want[i]
		assert.Equal(t, w.Number, pr.Number, "number at %d", i)
		assert.Equal(t, w.Title, pr.Title, "title of #%d", w.Number)
		assert.Equal(t, w.State, pr.State, "state of #%d", w.Number)
		assert.Equal(t, w.MergedAt != nil, pr.Merged, "merged of #%d", w.Number)
		assert.Equal(t, w.Author, pr.Author, "author of #%d", w.Number)
		assert.Equal(t, w.HeadRef, pr.HeadRef, "head of #%d", w.Number)
		assert.Equal(t, w.BaseRef, pr.BaseRef, "base of #%d", w.Number)
		assert.Equal(t, w.Draft, pr.Draft, "draft of #%d", w.Number)
		assert.True(t, w.CreatedAt.Equal(pr.CreatedAt), "created_at of #%d", w.Number)
		assert.True(t, w.UpdatedAt.Equal(pr.UpdatedAt), "updated_at of #%d", w.Number)
		assert.Equal(t, w.ClosedAt == nil, pr.ClosedAt == nil, "closed_at of #%d", w.Number)
	}
}

func TestSyncPullRequestsMergedFromMergedAt(t *testing.T) {
	t.Parallel()
	f := setup(t, WithPageSize(25))

	// The list entry of a merged pull request carries merged_at only.
	resp := rawGet(t, f.srv.URL+"repos/octocat/hello/pulls?state=all&direction=asc&per_page=3")
	var entries []map[string]any
	require.NoError(t, json.Unmarshal(resp, &entries))
	require.Len(t, entries, 3)
	assert.NotContains(t, entries[2], "merged", "list entry of #3")
	assert.NotNil(t, entries[2]["merged_at"], "merged_at of #3")

	got, err := f.client.SyncPullRequests(context.Background(), testOwner, testRepo)
	require.NoError(t, err)

	merged := got[2]
	assert.Equal(t, 3, merged.Number)
	assert.True(t, merged.Merged, "merged")
	assert.Equal(t, "closed", merged.State)
	require.NotNil(t, merged.MergedAt, "merged_at")
	require.NotNil(t, merged.ClosedAt, "closed_at")
	assert.True(t, merged.MergedAt.Equal(*merged.ClosedAt), "merged_at equals closed_at")

	closedUnmerged := got[4]
	assert.Equal(t, 5, closedUnmerged.Number)
	assert.Equal(t, "closed", closedUnmerged.State)
	assert.False(t, closedUnmerged.Merged, "merged of #5")
	assert.Nil(t, closedUnmerged.MergedAt, "merged_at of #5")

	open := got[0]
	assert.Equal(t, "open", open.State)
	assert.Nil(t, open.ClosedAt, "closed_at of #1")
	assert.Equal(t, "https://github.com/octocat/hello/pull/1", open.HTMLURL)
}

func TestSyncPullRequestsRepeatedPage(t *testing.T) {
	t.Parallel()
	f := setup(t, WithPageSize(25))
	f.srv.InjectFault(fakegithub.RoutePulls, fakegithub.Fault{})
	f.srv.InjectFault(fakegithub.RoutePulls, fakegithub.Fault{RepeatNextLink: true})

	_, err := f.client.SyncPullRequests(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, "list pull requests", e.Op)
	assert.False(t, e.Retryable, "retryable")
	assert.Contains(t, e.Error(), "points at page 2, which was already read")
	assert.Equal(t, 2, f.srv.Requests(fakegithub.RoutePulls), "requests")
}

func TestSyncPullRequestsEmptyRepository(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.AddRepo(fakegithub.Repo{Owner: testOwner, Name: "empty"})

	got, err := f.client.SyncPullRequests(context.Background(), testOwner, "empty")

	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestSyncPullRequestsRejectsBadName(t *testing.T) {
	t.Parallel()
	f := setup(t)

	_, err := f.client.SyncPullRequests(context.Background(), testOwner, "../other")

	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, 0, f.srv.Requests(fakegithub.RoutePulls), "requests")
}

// rawGet fetches url with the test token and returns the body.
func rawGet(t *testing.T, url string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	resp, err := (&http.Client{Transport: transport}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	return body
}
