package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func pullRequestTests() []conformanceTest {
	return []conformanceTest{
		{"PullRequests/UpsertAndList", testPullRequestsUpsert},
		{"PullRequests/StateFilterAndPaging", testPullRequestsFilter},
		{"PullRequests/Ownership", testPullRequestsOwnership},
		{"PullRequests/DeletedWithIntegration", testPullRequestsDeleted},
		{"PullRequests/Replace", testPullRequestsReplace},
		{"PullRequests/RepositoryMove", testPullRequestsRepositoryMove},
		{"PullRequests/FailedMoveKeepsThem", testPullRequestsFailedMove},
	}
}

func pullRequest(number int, state string) store.PullRequest {
	created := BaseTime().Add(-time.Duration(number) * time.Hour)
	return store.PullRequest{
		Number:    number,
		Title:     "Change " + string(rune('A'+number%26)),
		State:     state,
		Author:    "octocat",
		HTMLURL:   "https://github.com/acme/api/pull/1",
		HeadRef:   "feature",
		BaseRef:   "main",
		CreatedAt: created,
		UpdatedAt: created.Add(time.Minute),
	}
}

func prNumbers(prs []*store.PullRequest) []int {
	out := make([]int, len(prs))
	for i, pr := range prs {
		out[i] = pr.Number
	}

	return out
}

func testPullRequestsUpsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	gh := createGitHub(t, s, "alice", "acme", "api")
	syncedAt := BaseTime()

	first := pullRequest(7, "open")
	first.IntegrationID = "ignored"
	first.Draft = true
	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: syncedAt,
		PullRequests: []store.PullRequest{first, pullRequest(3, "open"), pullRequest(12, "closed")},
	}))

	got, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: gh.ID})
	require.NoError(t, err)
	require.Equal(t, []int{12, 7, 3}, prNumbers(got), "highest number first")
	want := first
	// Contract: the store sets IntegrationID from the params and SyncedAt
	// from SyncedAt, whatever the pull request held.
	want.IntegrationID = gh.ID
	want.SyncedAt = syncedAt
	require.Equal(t, &want, got[1], "stored pull request 7")

	// A second sync replaces the row with the same number and keeps others.
	replaced := pullRequest(7, "closed")
	replaced.Title = "Renamed"
	replaced.Merged = true
	replaced.ClosedAt = BaseTime().Add(time.Hour)
	replaced.MergedAt = BaseTime().Add(time.Hour)
	secondSync := BaseTime().Add(2 * time.Hour)
	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: secondSync,
		PullRequests: []store.PullRequest{replaced},
	}))
	got, err = s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: gh.ID})
	require.NoError(t, err)
	require.Equal(t, []int{12, 7, 3}, prNumbers(got), "numbers after the second sync")
	want = replaced
	want.IntegrationID = gh.ID
	want.SyncedAt = secondSync
	require.Equal(t, &want, got[1], "replaced pull request 7")
	require.True(t, got[0].SyncedAt.Equal(syncedAt), "untouched pull request keeps its SyncedAt")

	// Pull requests belong to one integration.
	other := createGitHub(t, s, "alice", "acme", "web")
	got, err = s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: other.ID})
	require.NoError(t, err)
	require.Empty(t, got, "another integration's pull requests")
}

func testPullRequestsFilter(t *testing.T, s store.Store) {
	ctx := t.Context()
	gh := createGitHub(t, s, "alice", "acme", "api")
	var prs []store.PullRequest
	for n := 1; n <= 6; n++ {
		state := "open"
		if n%2 == 0 {
			state = "closed"
		}
		prs = append(prs, pullRequest(n, state))
	}
	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: BaseTime(), PullRequests: prs,
	}))

	list := func(p store.ListPullRequestsParams) []int {
		t.Helper()
		p.Access, p.IntegrationID = store.AsUser("alice"), gh.ID
		got, err := s.ListPullRequests(ctx, p)
		require.NoError(t, err)
		return prNumbers(got)
	}
	require.Equal(t, []int{5, 3, 1}, list(store.ListPullRequestsParams{State: "open"}), "open")
	require.Equal(t, []int{6, 4, 2}, list(store.ListPullRequestsParams{State: "closed"}), "closed")
	require.Equal(t, []int{5, 4}, list(store.ListPullRequestsParams{Limit: 2, Offset: 1}), "page")
	require.Equal(t, []int{3}, list(store.ListPullRequestsParams{State: "open", Limit: 1, Offset: 1}), "open page")
	require.Empty(t, list(store.ListPullRequestsParams{Offset: 6}), "past the end")
}

func testPullRequestsOwnership(t *testing.T, s store.Store) {
	ctx := t.Context()
	gh := createGitHub(t, s, "alice", "acme", "api")
	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: BaseTime(),
		PullRequests: []store.PullRequest{pullRequest(1, "open")},
	}))

	for name, a := range map[string]store.Access{"bob": store.AsUser("bob"), "zero": {}} {
		err := s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
			Access: a, IntegrationID: gh.ID, SyncedAt: BaseTime(),
			PullRequests: []store.PullRequest{pullRequest(2, "open")},
		})
		require.ErrorIs(t, err, store.ErrNotFound, "upsert as %s", name)
		// Contract: listing the pull requests of an integration the caller
		// may not see is ErrNotFound, as a Get of the integration is.
		_, err = s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: a, IntegrationID: gh.ID})
		require.ErrorIs(t, err, store.ErrNotFound, "list as %s", name)
	}
	_, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsAdmin(), IntegrationID: store.NewID()})
	require.ErrorIs(t, err, store.ErrNotFound, "list of an unknown integration")
	err = s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsAdmin(), IntegrationID: store.NewID(), PullRequests: []store.PullRequest{pullRequest(1, "open")},
	})
	require.ErrorIs(t, err, store.ErrNotFound, "upsert into an unknown integration")

	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsAdmin(), IntegrationID: gh.ID, SyncedAt: BaseTime(),
		PullRequests: []store.PullRequest{pullRequest(3, "open")},
	}), "admin upsert")
	got, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsAdmin(), IntegrationID: gh.ID})
	require.NoError(t, err, "admin list")
	require.Equal(t, []int{3, 1}, prNumbers(got), "only the allowed upserts were written")
}

func testPullRequestsDeleted(t *testing.T, s store.Store) {
	ctx := t.Context()
	gh := createGitHub(t, s, "alice", "acme", "api")
	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: BaseTime(),
		PullRequests: []store.PullRequest{pullRequest(1, "open"), pullRequest(2, "open")},
	}))
	require.NoError(t, s.DeleteGitHubIntegration(ctx, store.AsUser("alice"), gh.ID))

	// A new integration for the same repository starts without pull
	// requests.
	again := createGitHub(t, s, "alice", "acme", "api")
	got, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: again.ID})
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsAdmin(), IntegrationID: gh.ID})
	require.ErrorIs(t, err, store.ErrNotFound, "pull requests of the deleted integration")
}

func testPullRequestsReplace(t *testing.T, s store.Store) {
	ctx := t.Context()
	gh := createGitHub(t, s, "alice", "acme", "api")
	other := createGitHub(t, s, "alice", "acme", "web")
	upsert := func(id string, replace bool, numbers ...int) {
		t.Helper()
		var prs []store.PullRequest
		for _, n := range numbers {
			prs = append(prs, pullRequest(n, "open"))
		}
		require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
			Access: store.AsUser("alice"), IntegrationID: id, SyncedAt: BaseTime(), PullRequests: prs, Replace: replace,
		}))
	}
	list := func(id string) []int {
		t.Helper()
		got, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: id})
		require.NoError(t, err)
		return prNumbers(got)
	}
	upsert(gh.ID, false, 1, 2, 3)
	upsert(other.ID, false, 9)

	// Contract: without Replace the stored set grows, with it the stored
	// set becomes the given one, and other integrations keep theirs.
	upsert(gh.ID, false, 4)
	require.Equal(t, []int{4, 3, 2, 1}, list(gh.ID))
	upsert(gh.ID, true, 2, 5)
	require.Equal(t, []int{5, 2}, list(gh.ID))
	upsert(gh.ID, true)
	require.Empty(t, list(gh.ID), "an empty replace removes them all")
	require.Equal(t, []int{9}, list(other.ID))
}

func testPullRequestsRepositoryMove(t *testing.T, s store.Store) {
	ctx := t.Context()
	gh := createGitHub(t, s, "alice", "acme", "api")
	sync := func(repo string) error {
		return s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
			Access: store.AsUser("alice"), IntegrationID: gh.ID, SyncedAt: BaseTime(), Replace: true,
			PullRequests: []store.PullRequest{pullRequest(1, "open"), pullRequest(2, "open")}, Repository: repo,
		})
	}
	list := func() []int {
		t.Helper()
		got, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: store.AsUser("alice"), IntegrationID: gh.ID})
		require.NoError(t, err)
		return prNumbers(got)
	}
	// Contract: Repository is compared without case.
	require.NoError(t, sync("ACME/api"))
	require.Equal(t, []int{2, 1}, list())

	// Contract: an update that keeps the repository keeps the pull
	// requests, and one that moves the integration removes them.
	rec, err := s.GetGitHubIntegration(ctx, store.AsUser("alice"), gh.ID)
	require.NoError(t, err)
	rec.AutoSyncPRs = true
	require.NoError(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), rec))
	require.Equal(t, []int{2, 1}, list(), "pull requests after an update on the same repository")
	rec.RepositoryName = "web"
	require.NoError(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), rec))
	require.Empty(t, list(), "pull requests after a move to another repository")

	// Contract: a sync of the old repository that ends after the move is
	// ErrConflict and stores nothing.
	require.ErrorIs(t, sync("acme/api"), store.ErrConflict)
	require.Empty(t, list())
	require.NoError(t, sync("acme/web"))
	require.Equal(t, []int{2, 1}, list())
}

// testPullRequestsFailedMove makes updates that would move an
// integration to another repository but fail, one on a stale version and
// one on a repository that another integration of the user has. Neither
// removes the stored pull requests.
func testPullRequestsFailedMove(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := store.AsUser("alice")
	create := func(owner, name string) *store.GitHubIntegration {
		rec := store.NewGitHubIntegration("alice")
		rec.RepositoryOwner, rec.RepositoryName = owner, name
		rec.AccessToken = store.NewSecret("ghp_" + name)
		require.NoError(t, s.CreateGitHubIntegration(ctx, rec))
		return rec
	}
	gh := create("acme", "api")
	create("acme", "web")
	require.NoError(t, s.UpsertPullRequests(ctx, store.UpsertPullRequestsParams{
		Access: alice, IntegrationID: gh.ID, SyncedAt: BaseTime(), Repository: "acme/api",
		PullRequests: []store.PullRequest{{IntegrationID: gh.ID, Number: 1, Title: "one", State: "open",
			CreatedAt: BaseTime(), UpdatedAt: BaseTime()}},
	}))
	count := func() int {
		t.Helper()
		prs, err := s.ListPullRequests(ctx, store.ListPullRequestsParams{Access: alice, IntegrationID: gh.ID})
		require.NoError(t, err)
		return len(prs)
	}

	conflict := *gh
	conflict.RepositoryName = "WEB"
	require.ErrorIs(t, s.UpdateGitHubIntegration(ctx, alice, &conflict), store.ErrConflict)
	require.Equal(t, 1, count(), "pull requests after a move that conflicted")

	current, err := s.GetGitHubIntegration(ctx, alice, gh.ID)
	require.NoError(t, err)
	current.AutoSyncPRs = true
	require.NoError(t, s.UpdateGitHubIntegration(ctx, alice, current))
	stale := *gh
	stale.RepositoryName = "cli"
	require.ErrorIs(t, s.UpdateGitHubIntegration(ctx, alice, &stale), store.ErrStale)
	require.Equal(t, 1, count(), "pull requests after a stale move")
}
