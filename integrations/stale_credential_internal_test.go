package integrations

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/store"
)

// startDispatcher starts fx's dispatcher and stops it when the test ends.
func startDispatcher(t *testing.T, fx *serviceFixture) {
	t.Helper()
	d := fx.svc.d
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = d.Stop(ctx)
	})
}

// revokedSlack starts a dispatcher whose Slack calls pass through a gate,
// with a Slack integration of alice that has a revoked token, and
// dispatches one workflow to it. It returns when Slack holds the
// chat.postMessage, which goes on when release is closed. edit may change
// the config further.
func revokedSlack(t *testing.T, edit func(*Config)) (fx *serviceFixture, id string, release chan<- struct{}) {
	t.Helper()
	sl := fakeslack.New(t)
	sl.AddToken("xoxb-new-valid")
	sl.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	gated, arrived, release := gatedGitHub(t, strings.TrimSuffix(sl.URL(), "api/"))
	fx = newServiceFixture(t, func(c *Config) {
		c.SlackAPIURL = gated + "api/"
		c.PollInterval = 20 * time.Millisecond
		c.RetryBase = 20 * time.Millisecond
		if edit != nil {
			edit(c)
		}
	})
	ctx := context.Background()
	rec, err := fx.svc.CreateSlackIntegration(ctx, Caller{UserID: "alice"}, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-revoked-old"),
	})
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, fx)
	if _, err := fx.svc.d.WorkflowCompleted(ctx, WorkflowRun{
		WorkflowName: "nightly", Status: StatusCompleted, ExecutionID: "exec-1", UserID: "alice",
	}); err != nil {
		t.Fatal(err)
	}
	<-arrived

	return fx, rec.ID, release
}

// saveNewSlackToken saves a valid token for the integration id of alice.
func saveNewSlackToken(t *testing.T, fx *serviceFixture, id string) {
	t.Helper()
	if _, err := fx.svc.PatchSlackIntegration(context.Background(), Caller{UserID: "alice"}, id,
		SlackInput{BotToken: ptr("xoxb-new-valid")}); err != nil {
		t.Fatal(err)
	}
}

// requireDeliveredActive checks that the Slack delivery succeeded with the
// new token and that the integration is still active.
func requireDeliveredActive(t *testing.T, fx *serviceFixture, id string, del *store.Delivery) {
	t.Helper()
	if del.Status != store.StatusSuccess {
		t.Errorf("delivery %s after %d attempts (%q), want success with the new token",
			del.Status, del.AttemptCount, del.LatestAttempt().ErrorMessage)
	}
	after, err := fx.svc.GetSlackIntegration(context.Background(), Caller{UserID: "alice"}, id)
	if err != nil {
		t.Fatal(err)
	}
	if !after.IsActive {
		t.Errorf("integration with the new token was deactivated (%q)", after.DisabledReason)
	}
}

// TestSlackOldTokenRejection saves a new, valid token while the worker's
// chat.postMessage with the revoked one waits for Slack. Slack then
// rejects the old token: the integration stays active, and the retry
// delivers with the new token.
func TestSlackOldTokenRejection(t *testing.T) {
	fx, id, release := revokedSlack(t, nil)
	saveNewSlackToken(t, fx, id)
	close(release)

	requireDeliveredActive(t, fx, id, finalSlackDelivery(t, fx))
}

// TestTokenSavedBeforeRecordDelivers saves the new token later: after
// Slack rejected the old one, but before the attempt is recorded. The
// record disables nothing, because the integration no longer has the
// rejected token, and the retry delivers.
func TestTokenSavedBeforeRecordDelivers(t *testing.T) {
	gate := &recordGateStore{reached: make(chan struct{}), resume: make(chan struct{})}
	fx, id, release := revokedSlack(t, func(c *Config) {
		gate.Store = c.Store
		c.Store = gate
	})
	gate.arm()
	close(release)
	<-gate.reached
	saveNewSlackToken(t, fx, id)
	close(gate.resume)

	requireDeliveredActive(t, fx, id, finalSlackDelivery(t, fx))
}

// finalSlackDelivery waits until the fixture's Slack delivery is final.
func finalSlackDelivery(t *testing.T, fx *serviceFixture) *store.Delivery {
	t.Helper()
	dels, err := fx.st.ListDeliveries(context.Background(), store.DeliveryQuery{Access: store.AsAdmin()})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(dels))
	for i, d := range dels {
		ids[i] = d.ID
	}

	return finalDelivery(t, fx.st, ids, store.ChannelSlack)
}

// TestGitHubOldTokenRejection is the GitHub variant:
// an automatic issue with a rejected token, and the token fixed while the
// worker waits for GitHub.
func TestGitHubOldTokenRejection(t *testing.T) {
	gh := fakegithub.New()
	t.Cleanup(gh.Close)
	gh.AddToken("ghp_new_valid", "octo")
	gh.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	gated, arrived, release := gatedGitHub(t, gh.URL)
	fx := newServiceFixture(t, func(c *Config) {
		c.GitHubAPIURL = gated
		c.PollInterval = 20 * time.Millisecond
		c.RetryBase = 20 * time.Millisecond
	})
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	rec, err := fx.svc.CreateGitHubIntegration(ctx, alice, GitHubInput{
		RepositoryOwner: ptr("octo"), RepositoryName: ptr("hello"), AccessToken: ptr("ghp_revoked_old"),
		AutoCreateIssues: ptr(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, fx)

	ids, err := fx.svc.d.WorkflowCompleted(ctx, WorkflowRun{
		WorkflowName: "nightly", Status: StatusFailed, ExecutionID: "exec-1", UserID: "alice", ErrorMessage: "boom",
	})
	if err != nil {
		t.Fatal(err)
	}
	<-arrived
	if _, err := fx.svc.PatchGitHubIntegration(ctx, alice, rec.ID, GitHubInput{AccessToken: ptr("ghp_new_valid")}); err != nil {
		t.Fatal(err)
	}
	close(release)
	del := finalDelivery(t, fx.st, ids, store.ChannelGitHub)
	if del.Status != store.StatusSuccess {
		t.Errorf("delivery %s: %s, want success with the new token", del.Status, del.LatestAttempt().ErrorMessage)
	}

	after, err := fx.svc.GetGitHubIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.IsActive {
		t.Errorf("integration with the new, valid token was deactivated (disabled_reason %q)", after.DisabledReason)
	}
}

// finalDelivery waits until the delivery of channel among ids is final.
func finalDelivery(t *testing.T, st store.Store, ids []string, channel store.Channel) *store.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		for _, id := range ids {
			d, err := st.GetDelivery(ctx, store.AsAdmin(), id)
			if err == nil && d.Channel == channel && d.Status.Final() {
				return d
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no final %s delivery among %v", channel, ids)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// recordGateStore passes every call to the fixture's SQLite store. Once
// armed, the next RecordAttempts call waits until the test lets it go on.
type recordGateStore struct {
	store.Store

	mu      sync.Mutex
	armed   bool
	reached chan struct{} // closed when the gated record is about to run
	resume  chan struct{} // closed by the test to let it run
}

func (s *recordGateStore) arm() {
	s.mu.Lock()
	s.armed = true
	s.mu.Unlock()
}

func (s *recordGateStore) RecordAttempts(ctx context.Context, p store.RecordParams) (store.RecordResult, error) {
	s.mu.Lock()
	gate := s.armed
	s.armed = false
	s.mu.Unlock()
	if gate {
		close(s.reached)
		<-s.resume
	}

	return s.Store.RecordAttempts(ctx, p)
}
