package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func emailTests() []conformanceTest {
	return []conformanceTest{
		{"Email/CreateDefaults", testEmailCreateDefaults},
		{"Email/OnePerUser", testEmailOnePerUser},
		{"Email/UpdateKeepsOwnership", testEmailUpdate},
		{"Email/Ownership", testEmailOwnership},
		{"Email/ListIgnoresActiveOnly", testEmailList},
		{"Email/CreateTakesOverUserDeliveries", testEmailTakesOverDeliveries},
		{"Email/EnqueueToUserUsesSettings", testEmailEnqueueUsesSettings},
	}
}

// testEmailTakesOverDeliveries enqueues email deliveries to the host's
// addresses of alice and bob, then creates alice's settings.
func testEmailTakesOverDeliveries(t *testing.T, s store.Store) {
	ctx := t.Context()
	toAlice := NewDelivery(store.ChannelEmail, store.UserEmailTarget("alice"), "alice", BaseTime())
	toAlice.IdempotencyKey = "run-1"
	toBob := NewDelivery(store.ChannelEmail, store.UserEmailTarget("bob"), "bob", BaseTime())
	toBob.IdempotencyKey = "run-1"
	ids := Enqueue(t, s, toAlice, toBob)

	settings := createEmail(t, s, "alice")
	// Contract: the new settings take over the deliveries sent to the user's
	// address before they existed, with their idempotency keys.
	require.Equal(t, settings.ID, getDelivery(t, s, ids[0]).TargetID)
	require.Equal(t, store.UserEmailTarget("bob"), getDelivery(t, s, ids[1]).TargetID, "another user's delivery")

	again := NewDelivery(store.ChannelEmail, settings.ID, "alice", BaseTime())
	again.IdempotencyKey = "run-1"
	res, err := s.EnqueueDeliveries(ctx, []*store.Delivery{again})
	require.NoError(t, err)
	require.True(t, res[0].Duplicate, "the key used before the settings existed")
	require.Equal(t, ids[0], res[0].ID)

	list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin(), TargetID: settings.ID})
	require.NoError(t, err)
	require.Equal(t, []string{ids[0]}, deliveryIDs(list), "the settings list the delivery")
}

func testEmailCreateDefaults(t *testing.T, s store.Store) {
	rec := store.NewEmailSettings("alice", "alice@example.test")
	require.NoError(t, s.CreateEmailSettings(t.Context(), rec))

	requireUUIDv7(t, rec.ID)
	requireStoreTime(t, rec.CreatedAt, "CreatedAt")
	require.True(t, rec.UpdatedAt.Equal(rec.CreatedAt), "UpdatedAt equals CreatedAt on create")
	require.True(t, rec.NotifyWorkflowCompletion)
	require.False(t, rec.NotifyCommandExecution)
	require.True(t, rec.NotifySystemAlerts)
	require.False(t, rec.NotifyProjectUpdates)

	// Contract: GetEmailSettings looks the settings up by the owner's user
	// id, not by record id.
	got, err := s.GetEmailSettings(t.Context(), store.AsUser("alice"), "alice")
	require.NoError(t, err)
	require.Equal(t, rec, got)

	_, err = s.GetEmailSettings(t.Context(), store.AsUser("carol"), "carol")
	require.ErrorIs(t, err, store.ErrNotFound, "user without settings")

	require.ErrorIs(t, s.CreateEmailSettings(t.Context(), store.NewEmailSettings("", "x@example.test")), store.ErrInvalid)
}

func testEmailOnePerUser(t *testing.T, s store.Store) {
	createEmail(t, s, "alice")
	second := store.NewEmailSettings("alice", "other@example.test")
	require.ErrorIs(t, s.CreateEmailSettings(t.Context(), second), store.ErrConflict)

	got, err := s.GetEmailSettings(t.Context(), store.AsUser("alice"), "alice")
	require.NoError(t, err)
	require.Equal(t, "alice@example.test", got.EmailAddress, "the conflicting create must not write")

	createEmail(t, s, "bob")
}

func testEmailUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	rec := createEmail(t, s, "alice")
	created := *rec

	rec.EmailAddress = "new@example.test"
	rec.NotifyProjectUpdates = true
	rec.NotifySystemAlerts = false
	rec.LastError = "550 mailbox unavailable"
	rec.LastErrorAt = BaseTime()
	rec.UserID = "mallory"
	rec.CreatedAt = BaseTime()
	// Contract: UpdateEmailSettings finds the settings by ID, checks the
	// Access against the stored owner and ignores UserID and CreatedAt in
	// the argument.
	require.NoError(t, s.UpdateEmailSettings(ctx, store.AsUser("alice"), rec))

	got, err := s.GetEmailSettings(ctx, store.AsUser("alice"), "alice")
	require.NoError(t, err)
	require.Equal(t, created.ID, got.ID)
	require.Equal(t, "alice", got.UserID)
	require.True(t, got.CreatedAt.Equal(created.CreatedAt), "CreatedAt changed")
	require.Equal(t, "new@example.test", got.EmailAddress)
	require.True(t, got.NotifyProjectUpdates)
	require.False(t, got.NotifySystemAlerts)
	require.Equal(t, "550 mailbox unavailable", got.LastError)
	require.True(t, got.LastErrorAt.Equal(BaseTime()))

	_, err = s.GetEmailSettings(ctx, store.AsUser("mallory"), "mallory")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func testEmailOwnership(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := createEmail(t, s, "alice")
	createEmail(t, s, "bob")

	for name, a := range map[string]store.Access{"bob": store.AsUser("bob"), "zero": {}} {
		_, err := s.GetEmailSettings(ctx, a, "alice")
		require.ErrorIs(t, err, store.ErrNotFound, "get as %s", name)
		changed := *alice
		changed.EmailAddress = "stolen@example.test"
		require.ErrorIs(t, s.UpdateEmailSettings(ctx, a, &changed), store.ErrNotFound, "update as %s", name)
		list, err := s.ListEmailSettings(ctx, store.ListParams{Access: a, UserID: "alice"})
		require.NoError(t, err)
		for _, rec := range list {
			require.NotEqual(t, "alice", rec.UserID, "list as %s", name)
		}
	}

	got, err := s.GetEmailSettings(ctx, store.AsAdmin(), "alice")
	require.NoError(t, err, "admin get")
	require.Equal(t, "alice@example.test", got.EmailAddress, "another user's update was written")

	got.EmailAddress = "admin-set@example.test"
	require.NoError(t, s.UpdateEmailSettings(ctx, store.AsAdmin(), got), "admin update")
	got, err = s.GetEmailSettings(ctx, store.AsUser("alice"), "alice")
	require.NoError(t, err)
	require.Equal(t, "admin-set@example.test", got.EmailAddress)
}

func testEmailList(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := createEmail(t, s, "alice")
	bob := createEmail(t, s, "bob")
	carol := createEmail(t, s, "carol")

	list, err := s.ListEmailSettings(ctx, store.ListParams{Access: store.AsAdmin(), ActiveOnly: true})
	require.NoError(t, err)
	require.Equal(t, []string{carol.ID, bob.ID, alice.ID}, emailIDs(list), "admin list, newest first")

	list, err = s.ListEmailSettings(ctx, store.ListParams{Access: store.AsAdmin(), Limit: 1, Offset: 1})
	require.NoError(t, err)
	require.Equal(t, []string{bob.ID}, emailIDs(list), "admin page")

	list, err = s.ListEmailSettings(ctx, store.ListParams{Access: store.AsAdmin(), UserID: "alice"})
	require.NoError(t, err)
	require.Equal(t, []string{alice.ID}, emailIDs(list), "admin list filtered to alice")

	list, err = s.ListEmailSettings(ctx, store.ListParams{Access: store.AsUser("bob")})
	require.NoError(t, err)
	require.Equal(t, []string{bob.ID}, emailIDs(list), "bob's list")
}

func emailIDs(recs []*store.EmailSettings) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}

	return ids
}

// testEmailEnqueueUsesSettings enqueues an email delivery to the host's
// address of a user who has email settings by then, as a Dispatch that read
// its routes before the settings existed does.
func testEmailEnqueueUsesSettings(t *testing.T, s store.Store) {
	ctx := t.Context()
	settings := createEmail(t, s, "alice")
	first := NewDelivery(store.ChannelEmail, settings.ID, "alice", BaseTime())
	first.IdempotencyKey = "run-1"
	ids := Enqueue(t, s, first)

	late := NewDelivery(store.ChannelEmail, store.UserEmailTarget("alice"), "alice", BaseTime())
	late.IdempotencyKey = "run-1"
	other := NewDelivery(store.ChannelEmail, store.UserEmailTarget("alice"), "alice", BaseTime())
	other.IdempotencyKey = "run-2"
	res, err := s.EnqueueDeliveries(ctx, []*store.Delivery{late, other})
	require.NoError(t, err)
	// Contract: an email delivery to UserEmailTarget of a user with email
	// settings is stored under the settings' id, so its key matches theirs.
	require.True(t, res[0].Duplicate, "the run the settings already have")
	require.Equal(t, ids[0], res[0].ID)
	require.False(t, res[1].Duplicate)
	require.Equal(t, settings.ID, getDelivery(t, s, res[1].ID).TargetID)
	require.Equal(t, store.UserEmailTarget("alice"), other.TargetID, "the caller's delivery keeps its target id")
}
