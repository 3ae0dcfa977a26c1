package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

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

// recordOneAttempt enqueues a delivery to the target and records rec for
// it at the time at, as the dispatcher records an attempt. It reports a
// failure with t.Error, so it may run inside a store call.
func recordOneAttempt(t *testing.T, st store.Store, channel store.Channel, targetID string, at time.Time,
	rec store.AttemptRecord) {
	t.Helper()
	ctx := context.Background()
	d := &store.Delivery{Channel: channel, TargetID: targetID, UserID: "alice", EventType: "workflow.completed",
		MaxAttempts: 3}
	res, err := st.EnqueueDeliveries(ctx, []*store.Delivery{d})
	if err != nil {
		t.Error(err)
		return
	}
	rec.Attempt.DeliveryID, rec.Attempt.StartedAt = res[0].ID, at
	if _, err := st.RecordAttempts(ctx, store.RecordParams{Now: at, Records: []store.AttemptRecord{rec}}); err != nil {
		t.Error(err)
	}
}

// interleavedStore runs between after each read of a webhook endpoint or
// a Slack integration, standing in for another writer that changes the
// record while the Service holds the copy it read.
type interleavedStore struct {
	store.Store
	reads   int
	between func(reads int)
}

func (s *interleavedStore) GetWebhookEndpoint(ctx context.Context, a store.Access, id string) (*store.WebhookEndpoint, error) {
	rec, err := s.Store.GetWebhookEndpoint(ctx, a, id)
	s.afterRead(err)

	return rec, err
}

func (s *interleavedStore) GetSlackIntegration(ctx context.Context, a store.Access, id string) (*store.SlackIntegration, error) {
	rec, err := s.Store.GetSlackIntegration(ctx, a, id)
	s.afterRead(err)

	return rec, err
}

// afterRead counts a read and runs between after a successful one.
func (s *interleavedStore) afterRead(err error) {
	s.reads++
	if err == nil && s.between != nil {
		s.between(s.reads)
	}
}

// interleavedFixture returns a Service on an interleavedStore, and an
// endpoint of alice created through it.
func interleavedFixture(t *testing.T) (*serviceFixture, *interleavedStore, *store.WebhookEndpoint) {
	t.Helper()
	var wrapped *interleavedStore
	fx := newServiceFixture(t, func(c *Config) {
		wrapped = &interleavedStore{Store: c.Store}
		c.Store = wrapped
	})
	ep, _, err := fx.svc.CreateWebhookEndpoint(context.Background(), Caller{UserID: "alice"}, WebhookInput{
		Name: ptr("ci"), URL: ptr("http://127.0.0.1:9/hook"), TriggerOnWorkflowCompletion: ptr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	wrapped.reads = 0

	return fx, wrapped, ep
}

// TestPatchKeepsDisableMadeAfterItsRead disables an endpoint, as a 410
// response does, between the read and the write of a patch: the patch
// reads the endpoint again and keeps it disabled.
func TestPatchKeepsDisableMadeAfterItsRead(t *testing.T) {
	t.Parallel()
	fx, wrapped, ep := interleavedFixture(t)
	ctx := context.Background()
	wrapped.between = func(reads int) {
		if reads != 1 {
			return
		}
		recordOneAttempt(t, fx.st, store.ChannelWebhook, ep.ID, time.Now(), store.AttemptRecord{
			Attempt: store.Attempt{Status: store.AttemptFailed, ResponseStatus: 410},
			Status:  store.StatusFailed, DisableReason: "410 Gone",
		})
	}

	got, err := fx.svc.PatchWebhookEndpoint(ctx, Caller{UserID: "alice"}, ep.ID, WebhookInput{Name: ptr("renamed")})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := fx.st.GetWebhookEndpoint(ctx, store.AsAdmin(), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if wrapped.reads != 2 {
		t.Errorf("reads = %d, want 2: the first write must fail and the patch read again", wrapped.reads)
	}
	for _, rec := range []*store.WebhookEndpoint{got, stored} {
		if rec.Name != "renamed" {
			t.Errorf("name = %q, want renamed", rec.Name)
		}
		if rec.IsActive {
			t.Error("the patch switched the disabled endpoint back on")
		}
		if rec.DisabledReason != "410 Gone" {
			t.Errorf("disabled reason = %q, want 410 Gone", rec.DisabledReason)
		}
	}
}

// TestPatchGivesUpWhileOthersKeepChanging changes an endpoint after every
// read of a patch: the patch stops after staleRetries reads with
// store.ErrStale, which the API maps to 409.
func TestPatchGivesUpWhileOthersKeepChanging(t *testing.T) {
	t.Parallel()
	fx, wrapped, ep := interleavedFixture(t)
	ctx := context.Background()
	wrapped.between = func(reads int) {
		other, err := fx.st.GetWebhookEndpoint(ctx, store.AsAdmin(), ep.ID)
		if err == nil {
			other.Name = fmt.Sprintf("other writer %d", reads)
			err = fx.st.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsAdmin(), Endpoint: other})
		}
		if err != nil {
			t.Error(err)
		}
	}

	_, err := fx.svc.PatchWebhookEndpoint(ctx, Caller{UserID: "alice"}, ep.ID, WebhookInput{Name: ptr("renamed")})
	if !errors.Is(err, store.ErrStale) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("error = %v, want store.ErrStale", err)
	}
	if wrapped.reads != staleRetries {
		t.Errorf("reads = %d, want %d", wrapped.reads, staleRetries)
	}
	stored, err := fx.st.GetWebhookEndpoint(ctx, store.AsAdmin(), ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("other writer %d", staleRetries); stored.Name != want {
		t.Errorf("name = %q, want %q: the last other change stays", stored.Name, want)
	}
}
