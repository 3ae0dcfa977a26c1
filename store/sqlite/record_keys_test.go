package sqlite_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/storetest"
)

// TestRecordTokenOfNewerKey runs two SQLite stores on one file,
// as two processes during a key rotation: the old one has only k1, the
// new one seals with k2. The new process saves a Slack token, and then
// the old one records a batch: a webhook success and a Slack rejection
// of the token that the worker had read before. The attempts happened,
// so the record must store both, whether or not it can compare tokens.
func TestRecordTokenOfNewerKey(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	old := openAt(t, path, testKeyring(t, testKey))
	e := storetest.CreateWebhookEndpoint(t, old, "alice", "ci")
	sl := store.NewSlackIntegration("alice")
	sl.WorkspaceName, sl.ChannelID = "Acme", "C0ALERTS"
	sl.BotToken = store.NewSecret("xoxb-revoked-old")
	require.NoError(t, old.CreateSlackIntegration(ctx, sl))
	usedHash := store.CredentialHash(sl.BotToken)
	ids := storetest.Enqueue(t, old,
		storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime()),
		storetest.NewDelivery(store.ChannelSlack, sl.ID, "alice", storetest.BaseTime()),
	)

	rotated := openAt(t, path, testKeyring(t, otherKey+","+testKey))
	fresh, err := rotated.GetSlackIntegration(ctx, store.AsUser("alice"), sl.ID)
	require.NoError(t, err)
	fresh.BotToken = store.NewSecret("xoxb-new-valid")
	require.NoError(t, rotated.UpdateSlackIntegration(ctx, store.AsUser("alice"), fresh))

	at := storetest.BaseTime()
	_, err = old.RecordAttempts(ctx, store.RecordParams{Now: at, Records: []store.AttemptRecord{
		{Attempt: store.Attempt{DeliveryID: ids[0], Status: store.AttemptSuccess, ResponseStatus: 200, StartedAt: at},
			Status: store.StatusSuccess},
		{Attempt: store.Attempt{DeliveryID: ids[1], Status: store.AttemptFailed, ErrorMessage: "invalid_auth", StartedAt: at},
			Status: store.StatusFailed, DisableReason: "invalid_auth", CredentialHash: usedHash},
	}})

	require.NoError(t, err, "recording attempts that were made")
	for _, id := range ids {
		d, err := rotated.GetDelivery(ctx, store.AsAdmin(), id)
		require.NoError(t, err)
		require.Len(t, d.Attempts, 1, "attempts of delivery %s (%s)", id, d.Channel)
	}
}
