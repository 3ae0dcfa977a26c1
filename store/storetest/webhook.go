package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func webhookTests() []conformanceTest {
	return []conformanceTest{
		{"Webhook/CreateDefaults", testWebhookCreateDefaults},
		{"Webhook/CreateRequiresUser", testWebhookCreateRequiresUser},
		{"Webhook/UpdateKeepsOwnershipAndCounters", testWebhookUpdate},
		{"Webhook/UpdateAppliesDefaults", testWebhookUpdateDefaults},
		{"Webhook/UpdateResetFailures", testWebhookResetFailures},
		{"Webhook/SecretRotationRoundTrip", testWebhookSecretRotation},
	}
}

func testWebhookCreateDefaults(t *testing.T, s store.Store) {
	// A bare record, not NewWebhookEndpoint: Create applies the defaults.
	rec := &store.WebhookEndpoint{UserID: "alice", Name: "ci", URL: "https://hooks.example.test/ci", IsActive: true}
	require.NoError(t, s.CreateWebhookEndpoint(t.Context(), rec))

	requireUUIDv7(t, rec.ID)
	requireStoreTime(t, rec.CreatedAt, "CreatedAt")
	require.True(t, rec.UpdatedAt.Equal(rec.CreatedAt), "UpdatedAt equals CreatedAt on create")
	require.Equal(t, store.DefaultMethod, rec.Method)
	require.Equal(t, store.DefaultRetryCount, rec.RetryCount)
	require.Equal(t, store.DefaultTimeoutSeconds, rec.TimeoutSeconds)
	require.Equal(t, store.SchemeHishamOS, rec.SignatureScheme)
	require.NotNil(t, rec.CustomEvents, "CustomEvents default is an empty list")
	require.Empty(t, rec.CustomEvents)
	require.NotNil(t, rec.Headers, "Headers default is an empty map")
	require.Empty(t, rec.Headers)
	require.Zero(t, rec.SuccessCount)
	require.Zero(t, rec.FailureCount)
	require.Zero(t, rec.ConsecutiveFailures)

	got, err := s.GetWebhookEndpoint(t.Context(), store.AsUser("alice"), rec.ID)
	require.NoError(t, err)
	require.Equal(t, rec, got)

	full := store.NewWebhookEndpoint("alice")
	full.Name, full.URL = "full", "https://hooks.example.test/full"
	full.Method = "PATCH"
	full.RetryCount = 5
	full.TimeoutSeconds = 7
	full.SignatureScheme = store.SchemeBoth
	full.CustomEvents = []string{"deploy.finished", "build.started"}
	full.Headers = map[string]string{"X-Team": "core", "Authorization": "Bearer abc"}
	full.TriggerOnCommandExecution = true
	full.TriggerOnProjectUpdate = true
	full.TriggerOnSystemAlert = true
	require.NoError(t, s.CreateWebhookEndpoint(t.Context(), full))
	got, err = s.GetWebhookEndpoint(t.Context(), store.AsUser("alice"), full.ID)
	require.NoError(t, err)
	require.Equal(t, full, got, "every field round-trips")
}

func testWebhookCreateRequiresUser(t *testing.T, s store.Store) {
	require.ErrorIs(t, s.CreateWebhookEndpoint(t.Context(), store.NewWebhookEndpoint("")), store.ErrInvalid)
}

// seedCounters gives endpoint e one success and two failures through
// RecordAttempts, so its counters are not zero.
func seedCounters(t *testing.T, s store.Store, e *store.WebhookEndpoint) {
	t.Helper()

	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, e.UserID, BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, e.UserID, BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, e.UserID, BaseTime()),
	)
	_, err := s.RecordAttempts(t.Context(), store.RecordParams{Now: BaseTime().Add(time.Minute), Records: []store.AttemptRecord{
		{Attempt: successAttempt(ids[0], BaseTime()), Status: store.StatusSuccess},
		{Attempt: failedAttempt(ids[1], BaseTime().Add(10*time.Second)), Status: store.StatusFailed},
		{Attempt: failedAttempt(ids[2], BaseTime().Add(20*time.Second)), Status: store.StatusFailed},
	}})
	require.NoError(t, err)
}

func testWebhookUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	seedCounters(t, s, e)
	before := getEndpoint(t, s, e.ID)

	e.Name = "ci-renamed"
	e.URL = "https://hooks.example.test/other"
	e.Method = "PUT"
	e.Headers = map[string]string{"X-Env": "prod"}
	e.CustomEvents = []string{"deploy.finished"}
	e.TriggerOnSystemAlert = true
	e.UserID = "mallory"
	e.CreatedAt = BaseTime()
	e.SuccessCount = 99
	e.FailureCount = 99
	e.ConsecutiveFailures = 99
	e.LastTriggeredAt = BaseTime().Add(time.Hour)
	e.FirstFailureAt = BaseTime().Add(time.Hour)
	require.NoError(t, s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: e}))

	got := getEndpoint(t, s, e.ID)
	require.Equal(t, "alice", got.UserID)
	require.True(t, got.CreatedAt.Equal(before.CreatedAt), "CreatedAt changed")
	require.Equal(t, "ci-renamed", got.Name)
	require.Equal(t, "https://hooks.example.test/other", got.URL)
	require.Equal(t, "PUT", got.Method)
	require.Equal(t, map[string]string{"X-Env": "prod"}, got.Headers)
	require.Equal(t, []string{"deploy.finished"}, got.CustomEvents)
	require.True(t, got.TriggerOnSystemAlert)
	// Contract: counters are never written by an update.
	require.Equal(t, int64(1), got.SuccessCount, "SuccessCount")
	require.Equal(t, int64(2), got.FailureCount, "FailureCount")
	require.Equal(t, 2, got.ConsecutiveFailures, "ConsecutiveFailures")
	require.True(t, got.LastTriggeredAt.Equal(before.LastTriggeredAt), "LastTriggeredAt")
	require.True(t, got.FirstFailureAt.Equal(before.FirstFailureAt), "FirstFailureAt")
}

func testWebhookUpdateDefaults(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	e.Method = ""
	e.RetryCount = 0
	e.TimeoutSeconds = 0
	e.SignatureScheme = ""
	e.CustomEvents = nil
	e.Headers = nil
	require.NoError(t, s.UpdateWebhookEndpoint(t.Context(), store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: e}))

	got := getEndpoint(t, s, e.ID)
	require.Equal(t, store.DefaultMethod, got.Method)
	require.Equal(t, store.DefaultRetryCount, got.RetryCount)
	require.Equal(t, store.DefaultTimeoutSeconds, got.TimeoutSeconds)
	require.Equal(t, store.SchemeHishamOS, got.SignatureScheme)
	require.Equal(t, []string{}, got.CustomEvents)
	require.Equal(t, map[string]string{}, got.Headers)
}

func testWebhookResetFailures(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	seedCounters(t, s, e)

	got := getEndpoint(t, s, e.ID)
	require.Equal(t, 2, got.ConsecutiveFailures)
	require.False(t, got.FirstFailureAt.IsZero())

	// Without ResetFailures the failure streak stays.
	require.NoError(t, s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: got}))
	got = getEndpoint(t, s, e.ID)
	require.Equal(t, 2, got.ConsecutiveFailures, "update without ResetFailures")

	got.IsActive = true
	got.DisabledReason = ""
	require.NoError(t, s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{
		Access: store.AsUser("alice"), Endpoint: got, ResetFailures: true,
	}))
	got = getEndpoint(t, s, e.ID)
	require.Zero(t, got.ConsecutiveFailures, "ConsecutiveFailures after reset")
	require.True(t, got.FirstFailureAt.IsZero(), "FirstFailureAt after reset")
	require.Equal(t, int64(2), got.FailureCount, "FailureCount survives a reset")
	require.Equal(t, int64(1), got.SuccessCount, "SuccessCount survives a reset")

	got.Name = "stolen"
	err := s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("bob"), Endpoint: got, ResetFailures: true})
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testWebhookSecretRotation(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	require.Equal(t, "whsec-ci", getEndpoint(t, s, e.ID).Secret.Reveal())

	expires := BaseTime().Add(24 * time.Hour)
	e.PreviousSecret = e.Secret
	e.Secret = store.NewSecret("whsec-rotated")
	e.PreviousSecretExpiresAt = expires
	require.NoError(t, s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: e}))

	got := getEndpoint(t, s, e.ID)
	require.Equal(t, "whsec-rotated", got.Secret.Reveal())
	require.Equal(t, "whsec-ci", got.PreviousSecret.Reveal())
	require.True(t, got.PreviousSecretExpiresAt.Equal(expires), "PreviousSecretExpiresAt %s", got.PreviousSecretExpiresAt)

	// Ending the overlap clears the previous secret.
	got.PreviousSecret = store.Secret{}
	got.PreviousSecretExpiresAt = time.Time{}
	require.NoError(t, s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: got}))
	got = getEndpoint(t, s, e.ID)
	require.False(t, got.PreviousSecret.IsSet(), "previous secret after the overlap")
	require.True(t, got.PreviousSecretExpiresAt.IsZero())
	require.Equal(t, "whsec-rotated", got.Secret.Reveal())
}
