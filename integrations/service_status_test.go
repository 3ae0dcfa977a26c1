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
	"github.com/hishamos/integrations-external/store"
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

// verifyDuringPatch creates a GitHub integration with token, starts its
// verification, applies patch while the verification waits for GitHub, and
// returns the integration as stored afterwards and the verification's error.
func verifyDuringPatch(t *testing.T, token string, patch GitHubInput) (*store.GitHubIntegration, error) {
	t.Helper()
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	gh.AddToken("ghp_good", "octo")
	gh.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	gated, arrived, release := gatedGitHub(t, gh.URL)
	fx := newServiceFixture(t, func(c *Config) { c.GitHubAPIURL = gated })
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr(token),
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
	if _, err := fx.svc.PatchGitHubIntegration(ctx, alice, rec.ID, patch); err != nil {
		t.Fatal(err)
	}
	close(release)
	verifyErr := <-done

	after, err := fx.svc.GetGitHubIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}

	return after, verifyErr
}

// TestVerifyKeepsChangesMadeDuringTheCall patches an integration while its
// verification waits for GitHub: the patch survives and the verification
// is recorded on top of it.
func TestVerifyKeepsChangesMadeDuringTheCall(t *testing.T) {
	t.Parallel()
	after, err := verifyDuringPatch(t, "ghp_good", GitHubInput{AutoCreateIssues: ptr(true)})
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
	after, err := verifyDuringPatch(t, "ghp_revoked", GitHubInput{AccessToken: ptr("ghp_good")})
	if err == nil {
		t.Fatal("verification with the revoked token succeeded")
	}
	if !after.IsActive {
		t.Error("the rejection of the old token deactivated the integration")
	}
	if after.LastError != "" {
		t.Errorf("LastError = %q, want empty", after.LastError)
	}
}
