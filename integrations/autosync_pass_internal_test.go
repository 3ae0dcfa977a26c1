package integrations

import (
	"context"
	"fmt"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/store"
)

// TestAutoSyncPassSurvivesDeactivation runs one auto-sync pass over 101
// integrations with auto_sync_prs on. The newest has a revoked token, so
// the pass deactivates it. Every other integration, the oldest on the
// second page included, is still synced.
func TestAutoSyncPassSurvivesDeactivation(t *testing.T) {
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")

	var oldest *store.GitHubIntegration
	for i := range autoSyncPage {
		name := fmt.Sprintf("repo%03d", i)
		fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: name, PullRequests: 1})
		rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
			RepositoryOwner: ptr("octo"), RepositoryName: ptr(name), AccessToken: ptr("ghp_good"),
			AutoSyncPRs: ptr(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			oldest = rec
		}
	}
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "revoked"})
	if _, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("revoked"), AccessToken: ptr("ghp_revoked"),
		AutoSyncPRs: ptr(true),
	}); err != nil {
		t.Fatal(err)
	}

	synced := fx.svc.autoSyncOnce(ctx)
	if synced != autoSyncPage {
		t.Errorf("autoSyncOnce synced %d integrations, want %d (every one with a good token)", synced, autoSyncPage)
	}
	after, err := fx.svc.GetGitHubIntegration(ctx, alice, oldest.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.LastSyncAt.IsZero() {
		t.Errorf("oldest integration %s was skipped by the pass: last_sync_at is unset", oldest.ID)
	}
}
