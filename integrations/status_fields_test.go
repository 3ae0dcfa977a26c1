package integrations

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

// TestPatchKeepsConcurrentLastError records a failed attempt on
// an endpoint, as the dispatcher does after an HTTP 500, between the read
// and the write of a patch that only renames the endpoint. The patch did
// not see the failure, so it must not erase the endpoint's last error.
func TestPatchKeepsConcurrentLastError(t *testing.T) {
	t.Parallel()
	fx, wrapped, ep := interleavedFixture(t)
	ctx := context.Background()
	failedAt := time.Now().UTC().Truncate(time.Millisecond)
	wrapped.between = func(reads int) {
		if reads != 1 {
			return
		}
		recordOneAttempt(t, fx.st, store.ChannelWebhook, ep.ID, failedAt, store.AttemptRecord{
			Attempt: store.Attempt{Status: store.AttemptFailed, ResponseStatus: 500, ErrorMessage: "HTTP 500"},
			Status:  store.StatusRetrying, NextAttemptAt: failedAt.Add(time.Minute),
		})
	}

	_, err := fx.svc.PatchWebhookEndpoint(ctx, Caller{UserID: "alice"}, ep.ID, WebhookInput{Name: ptr("renamed")})
	require.NoError(t, err)

	stored, err := fx.st.GetWebhookEndpoint(ctx, store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	require.Equal(t, "renamed", stored.Name)
	require.Equal(t, 1, stored.ConsecutiveFailures, "the recorded failure is counted")
	require.Equal(t, "HTTP 500", stored.LastError, "the patch erased the error recorded after its read")
	require.True(t, failedAt.Equal(stored.LastErrorAt), "last error time = %s, want %s", stored.LastErrorAt, failedAt)
}

// TestPatchKeepsConcurrentSlackLastUse records a successful
// Slack delivery between the read and the write of a patch: the patch must
// keep the integration's last-used time.
func TestPatchKeepsConcurrentSlackLastUse(t *testing.T) {
	t.Parallel()
	var wrapped *interleavedStore
	fx := newServiceFixture(t, func(c *Config) {
		wrapped = &interleavedStore{Store: c.Store}
		c.Store = wrapped
	})
	ctx := context.Background()
	rec := store.NewSlackIntegration("alice")
	rec.WorkspaceName, rec.ChannelID, rec.ChannelName = "acme", "C0123456789", "alerts"
	rec.BotToken = store.NewSecret("xoxb-test")
	rec.NotifySystemAlerts = true
	require.NoError(t, fx.st.CreateSlackIntegration(ctx, rec))
	usedAt := time.Now().UTC().Truncate(time.Millisecond)
	wrapped.between = func(reads int) {
		if reads != 1 {
			return
		}
		recordOneAttempt(t, fx.st, store.ChannelSlack, rec.ID, usedAt, store.AttemptRecord{
			Attempt: store.Attempt{Status: store.AttemptSuccess},
			Status:  store.StatusSuccess,
		})
	}

	_, err := fx.svc.PatchSlackIntegration(ctx, Caller{UserID: "alice"}, rec.ID,
		SlackInput{NotifyWorkflowCompletion: ptr(true)})
	require.NoError(t, err)

	stored, err := fx.st.GetSlackIntegration(ctx, store.AsAdmin(), rec.ID)
	require.NoError(t, err)
	require.True(t, stored.NotifyWorkflowCompletion)
	require.True(t, usedAt.Equal(stored.LastUsedAt), "last used = %s, want %s: the patch erased the use recorded after its read",
		stored.LastUsedAt, usedAt)
}

// TestPatchAcceptsLegacyStoredHeaders stores an endpoint as
// the earlier version did when a client sent the header mask for a header
// the endpoint did not have, and another with one header name in two
// cases. A patch that does not send headers, such as one that pauses the
// endpoint, must still apply.
func TestPatchAcceptsLegacyStoredHeaders(t *testing.T) {
	t.Parallel()
	fx := newServiceFixture(t, nil)
	ctx := context.Background()
	stored := map[string]map[string]string{
		"mask kept as the value": {"X-Token": MaskedHeaderValue},
		"name in two cases":      {"X-Token": "a", "x-token": "b"},
	}
	for name, headers := range stored {
		t.Run(name, func(t *testing.T) {
			ep := store.NewWebhookEndpoint("alice")
			ep.Name, ep.URL, ep.Headers = "ci", "http://127.0.0.1:9/hook", headers
			ep.TriggerOnWorkflowCompletion = true
			require.NoError(t, fx.st.CreateWebhookEndpoint(ctx, ep))

			got, err := fx.svc.PatchWebhookEndpoint(ctx, Caller{UserID: "alice"}, ep.ID, WebhookInput{IsActive: ptr(false)})
			require.NoError(t, err, "pausing the endpoint")
			require.False(t, got.IsActive)
		})
	}
}
