package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

// configKind adapts one kind of configuration record (GitHub integration,
// Slack integration, webhook endpoint) to the tests they share: ownership,
// ordering, paging, ActiveOnly and delete.
type configKind struct {
	name string
	// create stores a new record for userID; n makes it unique per user.
	create func(t *testing.T, s store.Store, userID string, n int, active bool) string
	get    func(ctx context.Context, s store.Store, a store.Access, id string) (userID string, err error)
	// update reads the record as admin, renames it to name and writes it
	// back with access a.
	update func(ctx context.Context, s store.Store, a store.Access, id, name string) error
	// readName reads the field that update changes.
	readName func(ctx context.Context, s store.Store, id string) (string, error)
	delete   func(ctx context.Context, s store.Store, a store.Access, id string) error
	list     func(ctx context.Context, s store.Store, p store.ListParams) ([]string, error)
	// channel is the delivery channel of the record's deliveries.
	channel store.Channel
}

func configKinds() []configKind {
	return []configKind{githubKind(), slackKind(), webhookKind()}
}

func githubKind() configKind {
	return configKind{
		name:    "GitHub",
		channel: store.ChannelGitHub,
		create: func(t *testing.T, s store.Store, userID string, n int, active bool) string {
			t.Helper()
			rec := store.NewGitHubIntegration(userID)
			rec.RepositoryOwner = "acme"
			rec.RepositoryName = "repo-" + string(rune('a'+n))
			rec.IsActive = active
			require.NoError(t, s.CreateGitHubIntegration(t.Context(), rec))
			return rec.ID
		},
		get: func(ctx context.Context, s store.Store, a store.Access, id string) (string, error) {
			rec, err := s.GetGitHubIntegration(ctx, a, id)
			if err != nil {
				return "", err
			}
			return rec.UserID, nil
		},
		update: func(ctx context.Context, s store.Store, a store.Access, id, name string) error {
			rec, err := s.GetGitHubIntegration(ctx, store.AsAdmin(), id)
			if err != nil {
				return err
			}
			rec.RepositoryName = name
			return s.UpdateGitHubIntegration(ctx, a, rec)
		},
		readName: func(ctx context.Context, s store.Store, id string) (string, error) {
			rec, err := s.GetGitHubIntegration(ctx, store.AsAdmin(), id)
			if err != nil {
				return "", err
			}
			return rec.RepositoryName, nil
		},
		delete: func(ctx context.Context, s store.Store, a store.Access, id string) error {
			return s.DeleteGitHubIntegration(ctx, a, id)
		},
		list: func(ctx context.Context, s store.Store, p store.ListParams) ([]string, error) {
			recs, err := s.ListGitHubIntegrations(ctx, p)
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.ID
			}
			return ids, err
		},
	}
}

func slackKind() configKind {
	return configKind{
		name:    "Slack",
		channel: store.ChannelSlack,
		create: func(t *testing.T, s store.Store, userID string, n int, active bool) string {
			t.Helper()
			rec := store.NewSlackIntegration(userID)
			rec.ChannelID = "C" + string(rune('A'+n))
			rec.IsActive = active
			require.NoError(t, s.CreateSlackIntegration(t.Context(), rec))
			return rec.ID
		},
		get: func(ctx context.Context, s store.Store, a store.Access, id string) (string, error) {
			rec, err := s.GetSlackIntegration(ctx, a, id)
			if err != nil {
				return "", err
			}
			return rec.UserID, nil
		},
		update: func(ctx context.Context, s store.Store, a store.Access, id, name string) error {
			rec, err := s.GetSlackIntegration(ctx, store.AsAdmin(), id)
			if err != nil {
				return err
			}
			rec.ChannelName = name
			return s.UpdateSlackIntegration(ctx, a, rec)
		},
		readName: func(ctx context.Context, s store.Store, id string) (string, error) {
			rec, err := s.GetSlackIntegration(ctx, store.AsAdmin(), id)
			if err != nil {
				return "", err
			}
			return rec.ChannelName, nil
		},
		delete: func(ctx context.Context, s store.Store, a store.Access, id string) error {
			return s.DeleteSlackIntegration(ctx, a, id)
		},
		list: func(ctx context.Context, s store.Store, p store.ListParams) ([]string, error) {
			recs, err := s.ListSlackIntegrations(ctx, p)
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.ID
			}
			return ids, err
		},
	}
}

func webhookKind() configKind {
	return configKind{
		name:    "Webhook",
		channel: store.ChannelWebhook,
		create: func(t *testing.T, s store.Store, userID string, n int, active bool) string {
			t.Helper()
			rec := store.NewWebhookEndpoint(userID)
			rec.Name = "hook-" + string(rune('a'+n))
			rec.URL = "https://hooks.example.test/" + rec.Name
			rec.IsActive = active
			require.NoError(t, s.CreateWebhookEndpoint(t.Context(), rec))
			return rec.ID
		},
		get: func(ctx context.Context, s store.Store, a store.Access, id string) (string, error) {
			rec, err := s.GetWebhookEndpoint(ctx, a, id)
			if err != nil {
				return "", err
			}
			return rec.UserID, nil
		},
		update: func(ctx context.Context, s store.Store, a store.Access, id, name string) error {
			rec, err := s.GetWebhookEndpoint(ctx, store.AsAdmin(), id)
			if err != nil {
				return err
			}
			rec.Name = name
			return s.UpdateWebhookEndpoint(ctx, store.UpdateWebhookParams{Access: a, Endpoint: rec})
		},
		readName: func(ctx context.Context, s store.Store, id string) (string, error) {
			rec, err := s.GetWebhookEndpoint(ctx, store.AsAdmin(), id)
			if err != nil {
				return "", err
			}
			return rec.Name, nil
		},
		delete: func(ctx context.Context, s store.Store, a store.Access, id string) error {
			return s.DeleteWebhookEndpoint(ctx, a, id)
		},
		list: func(ctx context.Context, s store.Store, p store.ListParams) ([]string, error) {
			recs, err := s.ListWebhookEndpoints(ctx, p)
			ids := make([]string, len(recs))
			for i, r := range recs {
				ids[i] = r.ID
			}
			return ids, err
		},
	}
}

func configTests() []conformanceTest {
	tests := []conformanceTest{
		{"GitHub/CreateDefaults", testGitHubCreateDefaults},
		{"GitHub/CreateRequiresUser", testGitHubCreateRequiresUser},
		{"GitHub/UpdateKeepsOwnership", testGitHubUpdateKeepsOwnership},
		{"GitHub/UniqueRepositoryPerUser", testGitHubUniqueRepository},
		{"GitHub/SecretRoundTrip", testGitHubSecretRoundTrip},
		{"Slack/CreateDefaults", testSlackCreateDefaults},
		{"Slack/CreateRequiresUser", testSlackCreateRequiresUser},
		{"Slack/UpdateKeepsOwnership", testSlackUpdateKeepsOwnership},
	}
	for _, k := range configKinds() {
		tests = append(tests,
			conformanceTest{k.name + "/Ownership", func(t *testing.T, s store.Store) { testOwnership(t, s, k) }},
			conformanceTest{k.name + "/ListNewestFirstAndPaging", func(t *testing.T, s store.Store) { testListPaging(t, s, k) }},
			conformanceTest{k.name + "/ListActiveOnly", func(t *testing.T, s store.Store) { testListActiveOnly(t, s, k) }},
			conformanceTest{k.name + "/DeleteRemovesDeliveries", func(t *testing.T, s store.Store) { testDeleteTarget(t, s, k) }},
		)
	}

	return tests
}

func testGitHubCreateDefaults(t *testing.T, s store.Store) {
	rec := store.NewGitHubIntegration("alice")
	rec.RepositoryOwner = "acme"
	rec.RepositoryName = "api"
	require.NoError(t, s.CreateGitHubIntegration(t.Context(), rec))

	requireUUIDv7(t, rec.ID)
	requireStoreTime(t, rec.CreatedAt, "CreatedAt")
	// Contract: Create sets UpdatedAt equal to CreatedAt.
	require.True(t, rec.UpdatedAt.Equal(rec.CreatedAt), "UpdatedAt %s, want CreatedAt %s", rec.UpdatedAt, rec.CreatedAt)
	require.True(t, rec.IsActive, "IsActive default")
	require.False(t, rec.AutoCreateIssues, "AutoCreateIssues default")
	require.False(t, rec.AutoSyncPRs, "AutoSyncPRs default")

	got, err := s.GetGitHubIntegration(t.Context(), store.AsUser("alice"), rec.ID)
	require.NoError(t, err)
	// Contract: Get returns exactly what Create wrote back into the
	// argument, times included (a backend truncates its clock to the
	// precision it stores before writing back).
	require.Equal(t, rec, got)

	// Contract: Create keeps an ID the caller set.
	preset := store.NewGitHubIntegration("alice")
	preset.ID = store.NewID()
	preset.RepositoryOwner, preset.RepositoryName = "acme", "web"
	want := preset.ID
	require.NoError(t, s.CreateGitHubIntegration(t.Context(), preset))
	require.Equal(t, want, preset.ID, "preset id")
}

func testGitHubCreateRequiresUser(t *testing.T, s store.Store) {
	rec := store.NewGitHubIntegration("")
	rec.RepositoryOwner, rec.RepositoryName = "acme", "api"
	// Contract: a record without a user id is ErrInvalid.
	require.ErrorIs(t, s.CreateGitHubIntegration(t.Context(), rec), store.ErrInvalid)
}

func testGitHubUpdateKeepsOwnership(t *testing.T, s store.Store) {
	ctx := t.Context()
	rec := createGitHub(t, s, "alice", "acme", "api")
	created := *rec

	rec.RepositoryName = "api-v2"
	rec.AutoCreateIssues = true
	rec.AutoSyncPRs = true
	rec.IsActive = false
	rec.DisabledReason = "paused by test"
	rec.AccessToken = store.NewSecret("ghp_new")
	rec.WebhookSecret = store.NewSecret("inbound")
	rec.LastSyncAt = BaseTime()
	rec.LastVerifiedAt = BaseTime().Add(time.Minute)
	rec.LastError = "Bad credentials"
	rec.LastErrorAt = BaseTime().Add(2 * time.Minute)
	rec.UserID = "mallory"
	rec.CreatedAt = BaseTime().Add(-time.Hour)
	require.NoError(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), rec))

	got, err := s.GetGitHubIntegration(ctx, store.AsUser("alice"), rec.ID)
	require.NoError(t, err, "the owner must not change")
	// Contract: Update finds the record by ID and checks the Access against
	// the stored owner; UserID and CreatedAt in the argument are ignored.
	require.Equal(t, "alice", got.UserID)
	require.True(t, got.CreatedAt.Equal(created.CreatedAt), "CreatedAt changed to %s", got.CreatedAt)
	require.False(t, got.UpdatedAt.Before(created.UpdatedAt), "UpdatedAt went back")
	require.Equal(t, "api-v2", got.RepositoryName)
	require.True(t, got.AutoCreateIssues)
	require.True(t, got.AutoSyncPRs)
	require.False(t, got.IsActive)
	require.Equal(t, "paused by test", got.DisabledReason)
	require.True(t, got.AccessToken.Equal(store.NewSecret("ghp_new")), "access token not updated")
	require.True(t, got.WebhookSecret.Equal(store.NewSecret("inbound")), "webhook secret not updated")
	require.True(t, got.LastSyncAt.Equal(BaseTime()))
	require.True(t, got.LastVerifiedAt.Equal(BaseTime().Add(time.Minute)))
	require.Equal(t, "Bad credentials", got.LastError)
	require.True(t, got.LastErrorAt.Equal(BaseTime().Add(2*time.Minute)))

	_, err = s.GetGitHubIntegration(ctx, store.AsUser("mallory"), rec.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testGitHubUniqueRepository(t *testing.T, s store.Store) {
	ctx := t.Context()
	first := createGitHub(t, s, "alice", "acme", "api")

	dup := store.NewGitHubIntegration("alice")
	dup.RepositoryOwner, dup.RepositoryName = "acme", "api"
	require.ErrorIs(t, s.CreateGitHubIntegration(ctx, dup), store.ErrConflict)

	// Contract: owner and name compare without regard to ASCII case, as
	// GitHub does.
	upper := store.NewGitHubIntegration("alice")
	upper.RepositoryOwner, upper.RepositoryName = "ACME", "Api"
	require.ErrorIs(t, s.CreateGitHubIntegration(ctx, upper), store.ErrConflict)

	// The same repository for another user is fine.
	createGitHub(t, s, "bob", "acme", "api")

	// Renaming another integration onto the repository is a conflict too.
	second := createGitHub(t, s, "alice", "acme", "web")
	second.RepositoryName = "api"
	require.ErrorIs(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), second), store.ErrConflict)
	got, err := s.GetGitHubIntegration(ctx, store.AsUser("alice"), second.ID)
	require.NoError(t, err)
	require.Equal(t, "web", got.RepositoryName, "a conflicting update must not write")

	// Updating a record without changing its repository is no conflict.
	first.AutoSyncPRs = true
	require.NoError(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), first))

	list, err := s.ListGitHubIntegrations(ctx, store.ListParams{Access: store.AsUser("alice")})
	require.NoError(t, err)
	require.Len(t, list, 2, "alice's integrations after the rejected writes")
}

func testGitHubSecretRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	token := "ghp_" + "é✓\x00 quotes\"'; DROP TABLE x; --"
	rec := store.NewGitHubIntegration("alice")
	rec.RepositoryOwner, rec.RepositoryName = "acme", "api"
	rec.AccessToken = store.NewSecret(token)
	rec.WebhookSecret = store.NewSecret("inbound-secret")
	require.NoError(t, s.CreateGitHubIntegration(ctx, rec))

	got, err := s.GetGitHubIntegration(ctx, store.AsUser("alice"), rec.ID)
	require.NoError(t, err)
	require.Equal(t, token, got.AccessToken.Reveal(), "access token")
	require.Equal(t, "inbound-secret", got.WebhookSecret.Reveal(), "webhook secret")

	// An unset secret stays unset.
	other := createGitHub(t, s, "alice", "acme", "web")
	other.AccessToken = store.Secret{}
	require.NoError(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), other))
	got, err = s.GetGitHubIntegration(ctx, store.AsUser("alice"), other.ID)
	require.NoError(t, err)
	require.False(t, got.AccessToken.IsSet(), "cleared access token is set")
	require.False(t, got.WebhookSecret.IsSet(), "never set webhook secret is set")
}

func testSlackCreateDefaults(t *testing.T, s store.Store) {
	rec := store.NewSlackIntegration("alice")
	rec.WorkspaceName, rec.ChannelID, rec.ChannelName = "Acme", "C1", "#alerts"
	rec.BotToken = store.NewSecret("xoxb-1")
	require.NoError(t, s.CreateSlackIntegration(t.Context(), rec))

	requireUUIDv7(t, rec.ID)
	requireStoreTime(t, rec.CreatedAt, "CreatedAt")
	require.True(t, rec.UpdatedAt.Equal(rec.CreatedAt), "UpdatedAt equals CreatedAt on create")
	require.True(t, rec.IsActive)
	require.True(t, rec.NotifyWorkflowCompletion)
	require.False(t, rec.NotifyCommandExecution)
	require.True(t, rec.NotifySystemAlerts)
	require.False(t, rec.NotifyProjectUpdates)

	got, err := s.GetSlackIntegration(t.Context(), store.AsUser("alice"), rec.ID)
	require.NoError(t, err)
	require.Equal(t, rec, got)
	require.Equal(t, "xoxb-1", got.BotToken.Reveal())

	// A user may have several Slack integrations, even for one channel.
	twin := store.NewSlackIntegration("alice")
	twin.ChannelID = "C1"
	require.NoError(t, s.CreateSlackIntegration(t.Context(), twin))
}

func testSlackCreateRequiresUser(t *testing.T, s store.Store) {
	require.ErrorIs(t, s.CreateSlackIntegration(t.Context(), store.NewSlackIntegration("")), store.ErrInvalid)
}

func testSlackUpdateKeepsOwnership(t *testing.T, s store.Store) {
	ctx := t.Context()
	rec := createSlack(t, s, "alice", "alerts")
	created := *rec

	rec.UserID = "mallory"
	rec.CreatedAt = BaseTime()
	rec.ChannelName = "#ops"
	rec.BotToken = store.NewSecret("xoxb-rotated")
	rec.NotifyCommandExecution = true
	rec.NotifyWorkflowCompletion = false
	rec.IsActive = false
	rec.LastUsedAt = BaseTime()
	rec.LastError = "channel_not_found"
	require.NoError(t, s.UpdateSlackIntegration(ctx, store.AsUser("alice"), rec))

	got, err := s.GetSlackIntegration(ctx, store.AsUser("alice"), rec.ID)
	require.NoError(t, err)
	require.Equal(t, "alice", got.UserID)
	require.True(t, got.CreatedAt.Equal(created.CreatedAt), "CreatedAt changed")
	require.Equal(t, "#ops", got.ChannelName)
	require.Equal(t, "xoxb-rotated", got.BotToken.Reveal())
	require.True(t, got.NotifyCommandExecution)
	require.False(t, got.NotifyWorkflowCompletion)
	require.False(t, got.IsActive)
	require.True(t, got.LastUsedAt.Equal(BaseTime()))
	require.Equal(t, "channel_not_found", got.LastError)
}

// testOwnership checks that user B, the zero Access and an empty user id
// never see or change user A's record, and that the administrator does.
func testOwnership(t *testing.T, s store.Store, k configKind) {
	ctx := t.Context()
	id := k.create(t, s, "alice", 0, true)
	bobID := k.create(t, s, "bob", 0, true)

	for name, a := range map[string]store.Access{
		"bob": store.AsUser("bob"), "zero": {}, "empty user": store.AsUser(""),
	} {
		_, err := k.get(ctx, s, a, id)
		require.ErrorIs(t, err, store.ErrNotFound, "get as %s", name)
		require.ErrorIs(t, k.update(ctx, s, a, id, "stolen"), store.ErrNotFound, "update as %s", name)
		require.ErrorIs(t, k.delete(ctx, s, a, id), store.ErrNotFound, "delete as %s", name)
		ids, err := k.list(ctx, s, store.ListParams{Access: a, UserID: "alice"})
		require.NoError(t, err, "list as %s", name)
		require.NotContains(t, ids, id, "list as %s", name)
	}

	current, err := k.readName(ctx, s, id)
	require.NoError(t, err)
	require.NotEqual(t, "stolen", current, "another user's update was written")

	owner, err := k.get(ctx, s, store.AsUser("alice"), id)
	require.NoError(t, err)
	require.Equal(t, "alice", owner)
	owner, err = k.get(ctx, s, store.AsAdmin(), bobID)
	require.NoError(t, err, "admin get")
	require.Equal(t, "bob", owner)
	require.NoError(t, k.update(ctx, s, store.AsAdmin(), bobID, "renamed by admin"), "admin update")
	current, err = k.readName(ctx, s, bobID)
	require.NoError(t, err)
	require.Equal(t, "renamed by admin", current)

	ids, err := k.list(ctx, s, store.ListParams{Access: store.AsUser("alice")})
	require.NoError(t, err)
	require.Equal(t, []string{id}, ids, "alice's list")
	// Contract: UserID in ListParams is ignored for ordinary users.
	ids, err = k.list(ctx, s, store.ListParams{Access: store.AsUser("alice"), UserID: "bob"})
	require.NoError(t, err)
	require.Equal(t, []string{id}, ids, "alice's list asking for bob")
	ids, err = k.list(ctx, s, store.ListParams{Access: store.AsAdmin()})
	require.NoError(t, err)
	require.Equal(t, []string{bobID, id}, ids, "admin list, newest first")
	ids, err = k.list(ctx, s, store.ListParams{Access: store.AsAdmin(), UserID: "bob"})
	require.NoError(t, err)
	require.Equal(t, []string{bobID}, ids, "admin list filtered to bob")

	require.NoError(t, k.delete(ctx, s, store.AsAdmin(), bobID), "admin delete")
	_, err = k.get(ctx, s, store.AsAdmin(), bobID)
	require.ErrorIs(t, err, store.ErrNotFound, "get after delete")
	require.ErrorIs(t, k.delete(ctx, s, store.AsAdmin(), bobID), store.ErrNotFound, "second delete")
	_, err = k.get(ctx, s, store.AsAdmin(), store.NewID())
	require.ErrorIs(t, err, store.ErrNotFound, "unknown id")
	require.ErrorIs(t, k.update(ctx, s, store.AsAdmin(), store.NewID(), "x"), store.ErrNotFound, "update unknown id")
}

func testListPaging(t *testing.T, s store.Store, k configKind) {
	ctx := t.Context()
	var created []string
	for n := range 5 {
		created = append(created, k.create(t, s, "alice", n, true))
	}
	k.create(t, s, "bob", 0, true)
	newest := reversed(created)

	all, err := k.list(ctx, s, store.ListParams{Access: store.AsUser("alice")})
	require.NoError(t, err)
	require.Equal(t, newest, all, "newest first, no limit")

	page, err := k.list(ctx, s, store.ListParams{Access: store.AsUser("alice"), Limit: 2, Offset: 1})
	require.NoError(t, err)
	require.Equal(t, newest[1:3], page, "limit 2 offset 1")

	page, err = k.list(ctx, s, store.ListParams{Access: store.AsUser("alice"), Limit: 10, Offset: 4})
	require.NoError(t, err)
	require.Equal(t, newest[4:], page, "last page")

	page, err = k.list(ctx, s, store.ListParams{Access: store.AsUser("alice"), Offset: 5})
	require.NoError(t, err)
	require.Empty(t, page, "offset past the end")

	// Contract: a negative Limit means no limit, as zero does.
	page, err = k.list(ctx, s, store.ListParams{Access: store.AsUser("alice"), Limit: -1, Offset: 3})
	require.NoError(t, err)
	require.Equal(t, newest[3:], page, "negative limit with offset")
}

func testListActiveOnly(t *testing.T, s store.Store, k configKind) {
	ctx := t.Context()
	active := k.create(t, s, "alice", 0, true)
	inactive := k.create(t, s, "alice", 1, false)

	ids, err := k.list(ctx, s, store.ListParams{Access: store.AsUser("alice"), ActiveOnly: true})
	require.NoError(t, err)
	require.Equal(t, []string{active}, ids, "active only")
	ids, err = k.list(ctx, s, store.ListParams{Access: store.AsUser("alice")})
	require.NoError(t, err)
	require.Equal(t, []string{inactive, active}, ids, "all")
}

// testDeleteTarget checks that deleting a target deletes its deliveries and
// their attempts, and nothing of other targets.
func testDeleteTarget(t *testing.T, s store.Store, k configKind) {
	ctx := t.Context()
	id := k.create(t, s, "alice", 0, true)
	keep := k.create(t, s, "alice", 1, true)
	ids := Enqueue(t, s,
		NewDelivery(k.channel, id, "alice", BaseTime()),
		NewDelivery(k.channel, keep, "alice", BaseTime()),
	)
	_, err := s.RecordAttempts(ctx, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{{
		Attempt: failedAttempt(ids[0], BaseTime()), Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Minute),
	}}})
	require.NoError(t, err)

	require.NoError(t, k.delete(ctx, s, store.AsUser("alice"), id))
	_, err = s.GetDelivery(ctx, store.AsAdmin(), ids[0])
	require.ErrorIs(t, err, store.ErrNotFound, "delivery of the deleted target")
	list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin(), TargetID: id})
	require.NoError(t, err)
	require.Empty(t, list, "deliveries of the deleted target")
	require.Equal(t, []string{ids[1]}, claim(t, s, BaseTime().Add(time.Hour), 10), "claimable after delete")
}
