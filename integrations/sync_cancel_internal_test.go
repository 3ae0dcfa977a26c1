package integrations

import (
	"context"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/store/memory"
)

// TestCancelledSyncRecordsNoError cancels a pull request sync while GitHub
// holds its request, as a stopping dispatcher does to an auto-sync pass.
// The integration's last error stays empty on the memory store, which
// ignores contexts, as on SQLite.
func TestCancelledSyncRecordsNoError(t *testing.T) {
	fx := newServiceFixture(t, func(c *Config) { c.Store = memory.New(memory.Options{}) })
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello", PullRequests: 3})
	rec, err := fx.svc.CreateGitHubIntegration(context.Background(), alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	gated, arrived, release := gatedGitHub(t, fx.github.URL)
	defer close(release)
	fx.svc.d.cfg.GitHubAPIURL = gated

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := fx.svc.SyncPullRequests(ctx, alice, rec.ID)
		done <- err
	}()
	<-arrived
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled sync succeeded")
	}

	after, err := fx.svc.GetGitHubIntegration(context.Background(), alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.LastError != "" {
		t.Errorf("LastError = %q after a cancelled sync, want empty", after.LastError)
	}
}
