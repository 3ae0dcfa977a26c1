package integrations

import (
	"context"
	"errors"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// TestServiceOnMemoryStore runs the CRUD, ownership and sync paths on the
// memory backend, which the other Service tests cover with SQLite.
func TestServiceOnMemoryStore(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, func(c *Config) { c.Store = memory.New(memory.Options{}) })
	ctx := context.Background()
	alice, bob := Caller{UserID: "alice"}, Caller{UserID: "bob"}
	fx.github.AddToken("ghp_good", "octo")
	fx.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello", PullRequests: 4})

	gh, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("x"),
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate repository: %v, want a conflict", err)
	}
	if n, err := fx.svc.SyncPullRequests(ctx, alice, gh.ID); err != nil || n != 4 {
		t.Errorf("sync = %d, %v; want 4", n, err)
	}
	if _, err := fx.svc.GetGitHubIntegration(ctx, bob, gh.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's read: %v, want not found", err)
	}

	ep, secret, err := fx.svc.CreateWebhookEndpoint(ctx, alice, WebhookInput{Name: ptr("h"), URL: ptr("http://127.0.0.1:9/")})
	if err != nil || secret == "" {
		t.Fatalf("create endpoint: %v (secret generated: %v)", err, secret != "")
	}
	list, err := fx.svc.ListWebhookEndpoints(ctx, Caller{UserID: "root", Admin: true}, ListOptions{UserID: "alice"})
	if err != nil || len(list) != 1 || list[0].ID != ep.ID {
		t.Errorf("admin list = %v, %v", list, err)
	}
	if err := fx.svc.DeleteWebhookEndpoint(ctx, bob, ep.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's delete: %v, want not found", err)
	}
	if err := fx.svc.DeleteWebhookEndpoint(ctx, alice, ep.ID); err != nil {
		t.Errorf("alice's delete: %v", err)
	}
}
