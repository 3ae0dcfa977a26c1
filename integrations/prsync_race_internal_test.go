package integrations

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/store"
)

// pullRequestGateStore passes every call to the fixture's SQLite store,
// and holds the first write that carries pull requests until the test
// releases it.
type pullRequestGateStore struct {
	store.Store

	holdSync bool
	syncHeld chan struct{} // closed when a sync's write is held
	syncGo   chan struct{} // closed by the test to let it go on

	mu          sync.Mutex
	syncWasHeld bool
}

func (s *pullRequestGateStore) UpsertPullRequests(ctx context.Context, p store.UpsertPullRequestsParams) error {
	s.mu.Lock()
	hold := s.holdSync && !s.syncWasHeld && len(p.PullRequests) > 0
	if hold {
		s.syncWasHeld = true
	}
	s.mu.Unlock()

	if hold {
		close(s.syncHeld)
		<-s.syncGo
	}

	return s.Store.UpsertPullRequests(ctx, p)
}

// prFixture creates octo/old (10 pull requests) and octo/new (3), and a
// GitHub integration of alice on octo/old, over gate.
func prFixture(t *testing.T, gate *pullRequestGateStore) (*serviceFixture, *store.GitHubIntegration) {
	t.Helper()
	fx := newServiceFixture(t, func(c *Config) {
		gate.Store = c.Store
		c.Store = gate
	})
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "old", PullRequests: 10})
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "new", PullRequests: 3})
	rec, err := fx.svc.CreateGitHubIntegration(context.Background(), Caller{UserID: "alice"}, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("old"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}

	return fx, rec
}

// listedOldPulls returns how many listed pull requests link to octo/old.
func listedOldPulls(t *testing.T, fx *serviceFixture, id string) int {
	t.Helper()
	prs, err := fx.svc.ListPullRequests(context.Background(), Caller{UserID: "alice"}, id, PullRequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, pr := range prs {
		if strings.Contains(pr.HTMLURL, "/octo/old/") {
			n++
		}
	}

	return n
}

// TestSyncRacingRepoChangeStoresNothing starts a sync of octo/old and
// holds its store write. The user then moves the integration to octo/new,
// which clears the pull requests, and the held write goes on. The write
// fails, and the integration on octo/new lists no pull request of octo/old.
func TestSyncRacingRepoChangeStoresNothing(t *testing.T) {
	gate := &pullRequestGateStore{holdSync: true, syncHeld: make(chan struct{}), syncGo: make(chan struct{})}
	fx, rec := prFixture(t, gate)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}

	done := make(chan error, 1)
	go func() {
		_, err := fx.svc.SyncPullRequests(ctx, alice, rec.ID)
		done <- err
	}()
	<-gate.syncHeld
	moved, err := fx.svc.PatchGitHubIntegration(ctx, alice, rec.ID, GitHubInput{RepositoryName: ptr("new")})
	if err != nil {
		t.Fatal(err)
	}
	close(gate.syncGo)
	syncErr := <-done

	if !errors.Is(syncErr, store.ErrConflict) {
		t.Errorf("sync error = %v, want store.ErrConflict", syncErr)
	}
	if n := listedOldPulls(t, fx, rec.ID); n > 0 {
		t.Errorf("integration on %s/%s lists %d pull requests of octo/old (sync error: %v)",
			moved.RepositoryOwner, moved.RepositoryName, n, syncErr)
	}
}
