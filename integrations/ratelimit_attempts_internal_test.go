package integrations

import (
	"context"
	"testing"
	"time"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// TestSlackRateLimitKeepsAttempts sends one workflow notice to a channel
// that Slack rate-limits three times in a row, as many times as
// MaxAttempts allows. Slack asked to wait, not to give up, so the fourth
// attempt delivers the notice.
func TestSlackRateLimitKeepsAttempts(t *testing.T) {
	fx := newServiceFixture(t, func(c *Config) {
		c.PollInterval = 20 * time.Millisecond
		c.RetryBase = 20 * time.Millisecond
	})
	ctx := context.Background()
	alice := Caller{UserID: "alice"}
	fx.slack.AddToken("xoxb-good", "chat:write")
	fx.slack.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	if _, err := fx.svc.CreateSlackIntegration(ctx, alice, SlackInput{
		WorkspaceName: ptr("acme"), ChannelID: ptr("C0ALERTS"), BotToken: ptr("xoxb-good"),
	}); err != nil {
		t.Fatal(err)
	}
	fx.slack.FailNext("chat.postMessage", 3, fakeslack.Failure{Status: 429, RetryAfter: "0"})
	startDispatcher(t, fx)

	ids, err := fx.svc.d.WorkflowCompleted(ctx, WorkflowRun{
		WorkflowName: "nightly", Status: StatusCompleted, ExecutionID: "exec-1", UserID: "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	del := finalDelivery(t, fx.st, ids, store.ChannelSlack)
	if len(del.Attempts) != 4 {
		t.Errorf("attempts = %d, want 3 rate-limited ones and the one that delivered", len(del.Attempts))
	}
	if del.Status != store.StatusSuccess {
		t.Errorf("delivery %s after %d rate-limited attempts; a rate limit should delay it, not drop it",
			del.Status, len(del.Attempts))
	}
}

// TestRateLimitWindowEnds checks the bound on rate-limited retries: past
// MaxAttempts they go on within a day of the event, and fail after it.
func TestRateLimitWindowEnds(t *testing.T) {
	d, err := New(Config{Store: memory.New(memory.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	limited := outcome{retryable: true, rateLimited: true, retryAfter: time.Minute}
	for _, tc := range []struct {
		age  time.Duration
		want store.DeliveryStatus
	}{
		{time.Hour, store.StatusRetrying},
		{rateLimitWindow + time.Minute, store.StatusFailed},
	} {
		del := &store.Delivery{ID: "d-1", AttemptCount: 3, MaxAttempts: 3, TriggeredAt: now.Add(-tc.age)}
		if got := d.nextState(del, limited, now).Status; got != tc.want {
			t.Errorf("event %v old: status %s, want %s", tc.age, got, tc.want)
		}
	}
}
