package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func versionTests() []conformanceTest {
	return []conformanceTest{
		{"Version/StaleUpdateRejected", testVersionStaleUpdate},
		{"Version/EachUpdateMovesForward", testVersionMovesForward},
		{"Version/ZeroSkipsCheck", testVersionZeroSkipsCheck},
		{"Version/DisableMovesForward", testVersionDisable},
	}
}

// versioned is one kind of configuration record, seen through the calls the
// version tests make. Every record belongs to alice.
type versioned[T any] struct {
	name   string
	create func(t *testing.T, s store.Store) string
	get    func(t *testing.T, s store.Store, id string) T
	update func(t *testing.T, s store.Store, rec T) error
	// label is a text field that Update writes.
	label   func(rec T) *string
	version func(rec T) *time.Time
}

func versionedWebhook() versioned[*store.WebhookEndpoint] {
	return versioned[*store.WebhookEndpoint]{
		name:   "webhook endpoint",
		create: func(t *testing.T, s store.Store) string { return CreateWebhookEndpoint(t, s, "alice", "ci").ID },
		get: func(t *testing.T, s store.Store, id string) *store.WebhookEndpoint {
			rec, err := s.GetWebhookEndpoint(t.Context(), store.AsUser("alice"), id)
			require.NoError(t, err)
			return rec
		},
		update: func(t *testing.T, s store.Store, rec *store.WebhookEndpoint) error {
			return s.UpdateWebhookEndpoint(t.Context(), store.UpdateWebhookParams{Access: store.AsUser("alice"), Endpoint: rec})
		},
		label:   func(rec *store.WebhookEndpoint) *string { return &rec.Name },
		version: func(rec *store.WebhookEndpoint) *time.Time { return &rec.UpdatedAt },
	}
}

func versionedSlack() versioned[*store.SlackIntegration] {
	return versioned[*store.SlackIntegration]{
		name:   "Slack integration",
		create: func(t *testing.T, s store.Store) string { return createSlack(t, s, "alice", "ops").ID },
		get: func(t *testing.T, s store.Store, id string) *store.SlackIntegration {
			rec, err := s.GetSlackIntegration(t.Context(), store.AsUser("alice"), id)
			require.NoError(t, err)
			return rec
		},
		update: func(t *testing.T, s store.Store, rec *store.SlackIntegration) error {
			return s.UpdateSlackIntegration(t.Context(), store.AsUser("alice"), rec)
		},
		label:   func(rec *store.SlackIntegration) *string { return &rec.WorkspaceName },
		version: func(rec *store.SlackIntegration) *time.Time { return &rec.UpdatedAt },
	}
}

func versionedGitHub() versioned[*store.GitHubIntegration] {
	return versioned[*store.GitHubIntegration]{
		name:   "GitHub integration",
		create: func(t *testing.T, s store.Store) string { return createGitHub(t, s, "alice", "acme", "api").ID },
		get: func(t *testing.T, s store.Store, id string) *store.GitHubIntegration {
			rec, err := s.GetGitHubIntegration(t.Context(), store.AsUser("alice"), id)
			require.NoError(t, err)
			return rec
		},
		update: func(t *testing.T, s store.Store, rec *store.GitHubIntegration) error {
			return s.UpdateGitHubIntegration(t.Context(), store.AsUser("alice"), rec)
		},
		label:   func(rec *store.GitHubIntegration) *string { return &rec.LastError },
		version: func(rec *store.GitHubIntegration) *time.Time { return &rec.UpdatedAt },
	}
}

// versionedEmail reads email settings by user id, so its create returns the
// user id.
func versionedEmail() versioned[*store.EmailSettings] {
	return versioned[*store.EmailSettings]{
		name:   "email settings",
		create: func(t *testing.T, s store.Store) string { return createEmail(t, s, "alice").UserID },
		get: func(t *testing.T, s store.Store, userID string) *store.EmailSettings {
			rec, err := s.GetEmailSettings(t.Context(), store.AsUser("alice"), userID)
			require.NoError(t, err)
			return rec
		},
		update: func(t *testing.T, s store.Store, rec *store.EmailSettings) error {
			return s.UpdateEmailSettings(t.Context(), store.AsUser("alice"), rec)
		},
		label:   func(rec *store.EmailSettings) *string { return &rec.LastError },
		version: func(rec *store.EmailSettings) *time.Time { return &rec.UpdatedAt },
	}
}

func testVersionStaleUpdate(t *testing.T, s store.Store) {
	staleUpdate(t, s, versionedWebhook())
	staleUpdate(t, s, versionedSlack())
	staleUpdate(t, s, versionedGitHub())
	staleUpdate(t, s, versionedEmail())
}

// staleUpdate reads a record twice, updates the second copy, and then
// the first.
func staleUpdate[T any](t *testing.T, s store.Store, k versioned[T]) {
	id := k.create(t, s)
	first, second := k.get(t, s, id), k.get(t, s, id)
	*k.label(second) = "second"
	require.NoError(t, k.update(t, s, second), k.name)

	*k.label(first) = "first"
	err := k.update(t, s, first)
	// Contract: an update of a copy read before another change is
	// ErrStale, which is also ErrConflict, and writes nothing.
	require.ErrorIs(t, err, store.ErrStale, k.name)
	require.ErrorIs(t, err, store.ErrConflict, k.name)
	require.Equal(t, "second", *k.label(k.get(t, s, id)), "%s keeps the newer change", k.name)

	fresh := k.get(t, s, id)
	*k.label(fresh) = "third"
	require.NoError(t, k.update(t, s, fresh), "%s read again", k.name)
	require.Equal(t, "third", *k.label(k.get(t, s, id)), k.name)
}

func testVersionMovesForward(t *testing.T, s store.Store) {
	movesForward(t, s, versionedWebhook())
	movesForward(t, s, versionedSlack())
	movesForward(t, s, versionedGitHub())
	movesForward(t, s, versionedEmail())
}

// movesForward updates one copy of a record twice in a row, faster than
// the clock may tick.
func movesForward[T any](t *testing.T, s store.Store, k versioned[T]) {
	id := k.create(t, s)
	rec := k.get(t, s, id)
	created := *k.version(rec)

	require.NoError(t, k.update(t, s, rec), k.name)
	first := *k.version(rec)
	require.True(t, first.After(created), "%s: UpdatedAt %v not after %v", k.name, first, created)

	// Contract: Update writes the new version into the record, so the same
	// copy can be updated again, and each update moves the version forward.
	require.NoError(t, k.update(t, s, rec), k.name)
	second := *k.version(rec)
	require.True(t, second.After(first), "%s: UpdatedAt %v not after %v", k.name, second, first)
	require.True(t, k.version(k.get(t, s, id)).Equal(second), "%s: stored version", k.name)
}

func testVersionZeroSkipsCheck(t *testing.T, s store.Store) {
	zeroSkipsCheck(t, s, versionedWebhook())
	zeroSkipsCheck(t, s, versionedSlack())
	zeroSkipsCheck(t, s, versionedGitHub())
	zeroSkipsCheck(t, s, versionedEmail())
}

// zeroSkipsCheck updates an old copy of a record whose UpdatedAt was
// cleared.
func zeroSkipsCheck[T any](t *testing.T, s store.Store, k versioned[T]) {
	id := k.create(t, s)
	old, other := k.get(t, s, id), k.get(t, s, id)
	require.NoError(t, k.update(t, s, other), k.name)

	*k.version(old) = time.Time{}
	*k.label(old) = "unchecked"
	require.NoError(t, k.update(t, s, old), "%s without a version", k.name)
	require.Equal(t, "unchecked", *k.label(k.get(t, s, id)), k.name)
}

// testVersionDisable disables a webhook endpoint and a Slack integration
// through RecordAttempts, then updates copies read before.
func testVersionDisable(t *testing.T, s store.Store) {
	ctx := t.Context()
	endpoint := CreateWebhookEndpoint(t, s, "alice", "ci")
	slack := createSlack(t, s, "alice", "ops")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, endpoint.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()))
	require.Len(t, claim(t, s, BaseTime(), 2), 2)
	oldEndpoint := versionedWebhook().get(t, s, endpoint.ID)
	oldSlack := versionedSlack().get(t, s, slack.ID)

	_, err := s.RecordAttempts(ctx, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(ids[0], BaseTime()), Status: store.StatusFailed, DisableReason: "410 Gone"},
		{Attempt: failedAttempt(ids[1], BaseTime()), Status: store.StatusFailed, DisableReason: "invalid_auth"},
	}})
	require.NoError(t, err)

	// Contract: disabling a target is a change like Update, so a copy read
	// before it cannot switch the target back on by accident.
	oldEndpoint.Name = "renamed"
	require.ErrorIs(t, versionedWebhook().update(t, s, oldEndpoint), store.ErrStale)
	require.False(t, versionedWebhook().get(t, s, endpoint.ID).IsActive, "the endpoint stays disabled")
	oldSlack.WorkspaceName = "renamed"
	require.ErrorIs(t, versionedSlack().update(t, s, oldSlack), store.ErrStale)
	require.False(t, versionedSlack().get(t, s, slack.ID).IsActive, "the Slack integration stays disabled")
}
