package integrations

import (
	"context"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

// TestRepoChangeDropsOldPulls syncs octo/old (10 pull requests) and
// points the integration at octo/new (3 pull requests): the old ones are
// gone at once, and the next sync lists the new repository's only.
func TestRepoChangeDropsOldPulls(t *testing.T) {
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "old", PullRequests: 10})
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "new", PullRequests: 3})
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("old"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := fx.svc.SyncPullRequests(ctx, alice, rec.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := fx.svc.PatchGitHubIntegration(ctx, alice, rec.ID, GitHubInput{RepositoryName: ptr("new")}); err != nil {
		t.Fatal(err)
	}
	prs, err := fx.svc.ListPullRequests(ctx, alice, rec.ID, PullRequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != 0 {
		t.Errorf("after the move the integration lists %d pull requests of octo/old", len(prs))
	}
	n, err := fx.svc.SyncPullRequests(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("sync of octo/new returned %d, want 3", n)
	}
	prs, err = fx.svc.ListPullRequests(ctx, alice, rec.ID, PullRequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prs) != 3 {
		t.Errorf("integration on octo/new lists %d pull requests after its sync, want 3", len(prs))
	}
	for _, pr := range prs {
		if pr.Number > 3 {
			t.Errorf("pull request #%d (%s) of octo/old is still listed", pr.Number, pr.HTMLURL)
			break
		}
	}
}
