package integrations

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/store"
)

// TestTokenSavedAfterRereadDelivers lets Slack reject a revoked
// token and saves a new, valid token after the worker's second read of the
// integration but before the attempt is recorded. A token saved a moment
// earlier, while the request waits for Slack, makes the attempt retryable
// and the retry delivers with the new token. A save in this later window
// must not lose the message either.
func TestTokenSavedAfterRereadDelivers(t *testing.T) {
	sl := fakeslack.New(t)
	sl.AddToken("xoxb-new-valid")
	sl.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	gated, arrived, release := gatedGitHub(t, strings.TrimSuffix(sl.URL(), "api/"))
	gate := &rereadGateStore{reread: make(chan struct{}), resume: make(chan struct{})}
	finished := make(chan DeliveryReport, 4)
	fx := newServiceFixture(t, func(c *Config) {
		gate.Store = c.Store
		c.Store = gate
		c.SlackAPIURL = gated + "api/"
		c.PollInterval = 20 * time.Millisecond
		c.RetryBase = 20 * time.Millisecond
		c.OnDeliveryFinished = func(r DeliveryReport) { finished <- r }
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

	if _, err := fx.svc.d.WorkflowCompleted(ctx, WorkflowRun{
		WorkflowName: "nightly", Status: StatusCompleted, ExecutionID: "exec-1", UserID: "alice",
	}); err != nil {
		t.Fatal(err)
	}
	<-arrived
	gate.arm()
	close(release)
	<-gate.reread
	if _, err := fx.svc.PatchSlackIntegration(ctx, alice, rec.ID, SlackInput{BotToken: ptr("xoxb-new-valid")}); err != nil {
		t.Fatal(err)
	}
	close(gate.resume)

	var report DeliveryReport
	select {
	case report = <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("the Slack delivery did not finish within 20s")
	}
	del, err := fx.st.GetDelivery(ctx, store.AsAdmin(), report.DeliveryID)
	if err != nil {
		t.Fatal(err)
	}
	if del.Status != store.StatusSuccess {
		t.Errorf("delivery %s after %d attempts (%q), want success with the new token",
			del.Status, del.AttemptCount, del.LatestAttempt().ErrorMessage)
	}
	after, err := fx.svc.GetSlackIntegration(ctx, alice, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.IsActive {
		t.Errorf("integration with the new token was deactivated (%q)", after.DisabledReason)
	}
}
