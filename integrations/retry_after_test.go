package integrations_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/store"
)

// TestRetryAfterHonouredPerChannel responds 429 with "Retry-After: 600" on
// a webhook and on Slack: neither is tried again before 10 minutes,
// because RetryMaxDelay (1 h by default) is the only cap on a
// Retry-After.
func TestRetryAfterHonouredPerChannel(t *testing.T) {
	const wait = 600 * time.Second
	for _, channel := range []store.Channel{store.ChannelWebhook, store.ChannelSlack} {
		t.Run(string(channel), func(t *testing.T) {
			clock := newTestClock()
			e := newEnv(t, "sqlite", func(c *integrations.Config) { c.Now = clock.Now })
			ctx := context.Background()
			switch channel {
			case store.ChannelWebhook:
				recv := fakereceiver.New(t, fakereceiver.TooManyRequests("600"))
				e.addWebhook(t, recv.URL, nil)
			case store.ChannelSlack:
				e.slack.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: http.StatusTooManyRequests, RetryAfter: "600"})
				s := store.NewSlackIntegration(testUser)
				s.WorkspaceName, s.ChannelID = "acme", slackChan
				s.BotToken = store.NewSecret(slackToken)
				s.NotifyCommandExecution = true
				require.NoError(t, e.st.CreateSlackIntegration(ctx, s))
			}

			ids := command(t, e.d, "run-429")
			require.Len(t, ids, 1)
			var got *store.Delivery
			require.Eventually(t, func() bool {
				d, err := e.st.GetDelivery(ctx, store.AsAdmin(), ids[0])
				got = d
				return err == nil && len(d.Attempts) == 1 && d.Status == store.StatusRetrying
			}, waitTimeout, 5*time.Millisecond, "the first attempt was never recorded as retrying")
			assert.Equal(t, 429, got.Attempts[0].ResponseStatus)
			delay := got.NextAttemptAt.Sub(got.Attempts[0].StartedAt)
			assert.GreaterOrEqual(t, delay, wait, "%s delivery retried %s after a 429 with Retry-After: 600", channel, delay)
		})
	}
}
