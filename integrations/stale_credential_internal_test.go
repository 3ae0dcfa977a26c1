package integrations

import (
	"context"
	"strings"
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

// TestSlackOldTokenRejection dispatches a workflow to a
// Slack integration whose token was revoked. While the worker's
// chat.postMessage with the old token waits for Slack, the user saves a
// new, valid token. Slack then rejects the old token: the integration
// stays active, and the retry delivers with the new token.
func TestSlackOldTokenRejection(t *testing.T) {
	sl := fakeslack.New(t)
	sl.AddToken("xoxb-new-valid")
	sl.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	gated, arrived, release := gatedGitHub(t, strings.TrimSuffix(sl.URL(), "api/"))
	fx := newServiceFixture(t, func(c *Config) {
		c.SlackAPIURL = gated + "api/"
		c.PollInterval = 20 * time.Millisecond
		c.RetryBase = 20 * time.Millisecond
	})
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	rec, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-revoked-old"),
	})
	if err != nil {
		t.Fatal(err)
	}
	startDispatcher(t, fx)

	ids, err := fx.svc.d.WorkflowCompleted(ctx, WorkflowRun{
		WorkflowName: "nightly", Status: StatusCompleted, ExecutionID: "exec-1", UserID: "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	<-arrived
	if _, err := fx.svc.PatchSlackIntegration(ctx, alice, rec.ID, SlackInput{BotToken: ptr("xoxb-new-valid")}); err != nil {
		t.Fatal(err)
	}
	close(release)
	del := finalDelivery(t, fx.st, ids, store.ChannelSlack)
	if del.Status != store.StatusSuccess {
		t.Errorf("delivery %s: %s, want success with the new token", del.Status, del.LatestAttempt().ErrorMessage)
	}

	after, err := fx.svc.GetSlackIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.IsActive {
		t.Errorf("integration with the new, valid token was deactivated (disabled_reason %q)", after.DisabledReason)
	}
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
