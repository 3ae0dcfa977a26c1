package integrations

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

// gatedGitHub forwards requests to the fake GitHub server, holding the
// first one until release is closed and reporting it on arrived.
func gatedGitHub(t *testing.T, target string) (srvURL string, arrived <-chan struct{}, release chan<- struct{}) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	in, out := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			close(in)
			<-out
		})
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	return srv.URL + "/", in, out
}

// TestVerifyKeepsChangesMadeDuringTheCall patches an integration while its
// verification waits for GitHub: the patch survives and the verification
// is recorded on top of it.
func TestVerifyKeepsChangesMadeDuringTheCall(t *testing.T) {
	t.Parallel()
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	gh.AddToken("ghp_good", "octo")
	gh.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	gated, arrived, release := gatedGitHub(t, gh.URL)
	fx := newServiceFixture(t, func(c *Config) { c.GitHubAPIURL = gated })
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_good"),
	})
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := fx.svc.VerifyGitHubIntegration(ctx, alice, rec.ID)
		done <- err
	}()
	<-arrived
	if _, err := fx.svc.PatchGitHubIntegration(ctx, alice, rec.ID, GitHubInput{AutoCreateIssues: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	after, err := fx.svc.GetGitHubIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.AutoCreateIssues {
		t.Error("the verification undid the patch made while it ran")
	}
	if after.LastVerifiedAt.IsZero() {
		t.Error("the verification was not recorded")
	}
}

// TestVerifyOutcomeDroppedAfterTokenChange changes the token while a
// verification with the old, rejected token runs: the rejection does not
// deactivate the integration that now has a new token.
func TestVerifyOutcomeDroppedAfterTokenChange(t *testing.T) {
	t.Parallel()
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	gh.AddToken("ghp_good", "octo")
	gh.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	gated, arrived, release := gatedGitHub(t, gh.URL)
	fx := newServiceFixture(t, func(c *Config) { c.GitHubAPIURL = gated })
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_revoked"),
	})
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := fx.svc.VerifyGitHubIntegration(ctx, alice, rec.ID)
		done <- err
	}()
	<-arrived
	if _, err := fx.svc.PatchGitHubIntegration(ctx, alice, rec.ID, GitHubInput{AccessToken: ptr("ghp_good")}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err == nil {
		t.Fatal("verification with the revoked token succeeded")
	}

	after, err := fx.svc.GetGitHubIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.IsActive || after.LastError != "" {
		t.Errorf("IsActive %v LastError %q, want the new token's integration untouched", after.IsActive, after.LastError)
	}
}
