package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

// BaseTime returns the fixed time from which the suite derives every time
// it passes to the queue: 1 March 2026, 12:00 UTC.
func BaseTime() time.Time {
	return time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
}

// NewDelivery returns a valid pending delivery of a workflow.completed
// event for targetID, owned by userID, triggered and due at triggeredAt,
// with at most three attempts. Its ID is empty, so EnqueueDeliveries
// assigns one.
func NewDelivery(channel store.Channel, targetID, userID string, triggeredAt time.Time) *store.Delivery {
	return &store.Delivery{
		Channel:     channel,
		TargetID:    targetID,
		TargetName:  "target " + targetID,
		TargetURL:   "https://hooks.example.test",
		UserID:      userID,
		EventID:     store.NewID(),
		EventType:   "workflow.completed",
		Payload:     []byte(`{"event":"workflow.completed","workflow_id":"wf-1"}`),
		MaxAttempts: 3,
		TriggeredAt: triggeredAt,
	}
}

// CreateWebhookEndpoint creates an active webhook endpoint for userID with
// the given name and the default settings, and fails t on error.
func CreateWebhookEndpoint(t testing.TB, s store.Store, userID, name string) *store.WebhookEndpoint {
	t.Helper()

	e := store.NewWebhookEndpoint(userID)
	e.Name = name
	e.URL = "https://hooks.example.test/" + name
	e.Secret = store.NewSecret("whsec-" + name)
	e.TriggerOnWorkflowCompletion = true
	require.NoError(t, s.CreateWebhookEndpoint(t.Context(), e), "create webhook endpoint %q", name)

	return e
}

// Enqueue enqueues deliveries, fails t on error, and returns the ids of the
// results in input order.
func Enqueue(t testing.TB, s store.Store, deliveries ...*store.Delivery) []string {
	t.Helper()

	results, err := s.EnqueueDeliveries(t.Context(), deliveries)
	require.NoError(t, err, "enqueue %d deliveries", len(deliveries))
	require.Len(t, results, len(deliveries), "enqueue results")
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}

	return ids
}

func createSlack(t *testing.T, s store.Store, userID, channel string) *store.SlackIntegration {
	t.Helper()

	rec := store.NewSlackIntegration(userID)
	rec.WorkspaceName = "Acme"
	rec.ChannelID = "C" + channel
	rec.ChannelName = "#" + channel
	rec.BotToken = store.NewSecret("xoxb-" + channel)
	require.NoError(t, s.CreateSlackIntegration(t.Context(), rec), "create Slack integration %q", channel)

	return rec
}

func createGitHub(t *testing.T, s store.Store, userID, owner, name string) *store.GitHubIntegration {
	t.Helper()

	rec := store.NewGitHubIntegration(userID)
	rec.RepositoryOwner = owner
	rec.RepositoryName = name
	rec.AccessToken = store.NewSecret("ghp_" + name)
	require.NoError(t, s.CreateGitHubIntegration(t.Context(), rec), "create GitHub integration %s/%s", owner, name)

	return rec
}

func createEmail(t *testing.T, s store.Store, userID string) *store.EmailSettings {
	t.Helper()

	rec := store.NewEmailSettings(userID, userID+"@example.test")
	require.NoError(t, s.CreateEmailSettings(t.Context(), rec), "create email settings of %q", userID)

	return rec
}

func getDelivery(t *testing.T, s store.Store, id string) *store.Delivery {
	t.Helper()

	d, err := s.GetDelivery(t.Context(), store.AsAdmin(), id)
	require.NoError(t, err, "get delivery %s", id)

	return d
}

func getEndpoint(t *testing.T, s store.Store, id string) *store.WebhookEndpoint {
	t.Helper()

	e, err := s.GetWebhookEndpoint(t.Context(), store.AsAdmin(), id)
	require.NoError(t, err, "get webhook endpoint %s", id)

	return e
}

// claim claims up to limit deliveries at now with a one-minute lease and
// returns their ids in claim order.
func claim(t *testing.T, s store.Store, now time.Time, limit int) []string {
	t.Helper()

	got, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{
		Now: now, Limit: limit, Lease: time.Minute, LeaseMargin: 10 * time.Second,
	})
	require.NoError(t, err, "claim at %s", now)

	return deliveryIDs(got)
}

func deliveryIDs(ds []*store.Delivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}

	return ids
}

// requireUUIDv7 fails t unless id is a UUIDv7 in canonical string form.
func requireUUIDv7(t *testing.T, id string) {
	t.Helper()

	u, err := uuid.Parse(id)
	require.NoError(t, err, "id %q is not a UUID", id)
	require.Equal(t, uuid.Version(7), u.Version(), "version of id %q", id)
	require.Equal(t, u.String(), id, "id %q is not in canonical lower-case form", id)
}

// requireStoreTime fails t unless tm is set and in UTC.
func requireStoreTime(t *testing.T, tm time.Time, field string) {
	t.Helper()

	require.False(t, tm.IsZero(), "%s is zero", field)
	require.Equal(t, time.UTC, tm.Location(), "%s location", field)
}

// reversed returns ids in reverse order: creation order turned into newest
// first.
func reversed(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = id
	}

	return out
}

// failedAttempt returns a failed attempt that started at startedAt.
func failedAttempt(deliveryID string, startedAt time.Time) store.Attempt {
	return store.Attempt{
		DeliveryID:     deliveryID,
		Status:         store.AttemptFailed,
		ResponseStatus: 500,
		ResponseBody:   "internal error",
		ErrorMessage:   "HTTP 500",
		DurationMS:     120,
		StartedAt:      startedAt,
	}
}

// successAttempt returns a successful attempt that started at startedAt.
func successAttempt(deliveryID string, startedAt time.Time) store.Attempt {
	return store.Attempt{
		DeliveryID:     deliveryID,
		Status:         store.AttemptSuccess,
		ResponseStatus: 200,
		ResponseBody:   "ok",
		DurationMS:     40,
		StartedAt:      startedAt,
	}
}
