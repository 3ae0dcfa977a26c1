package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// testKey is a fixed 32-byte key in base64, for tests only.
const testKey = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func testKeyring(t testing.TB, text string) *store.Keyring {
	t.Helper()
	kr, err := store.ParseKeyring(text)
	require.NoError(t, err)

	return kr
}

// openAt opens the database at path with the test key and closes it at the
// end of the test.
func openAt(t testing.TB, path string, keys *store.Keyring) *sqlite.Store {
	t.Helper()
	if keys == nil {
		keys = testKeyring(t, testKey)
	}
	s, err := sqlite.Open(context.Background(), path, sqlite.Options{Keys: keys})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	return s
}

func tempPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "integrations.db")
}

func TestSmokeCreateAndList(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, tempPath(t), nil)
	e := store.NewWebhookEndpoint("alice")
	e.Name, e.URL, e.Secret = "ci", "https://example.com/hook", store.NewSecret("whsec")
	require.NoError(t, s.CreateWebhookEndpoint(ctx, e))

	res, err := s.EnqueueDeliveries(ctx, []*store.Delivery{{
		Channel: store.ChannelWebhook, TargetID: e.ID, UserID: "alice", EventType: "x", MaxAttempts: 3,
	}})
	require.NoError(t, err)
	require.Len(t, res, 1)

	now := time.Now().Add(time.Second)
	claimed, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Limit: 10, LeaseMargin: time.Second})
	require.NoError(t, err)
	require.Len(t, claimed, 1)

	_, err = s.RecordAttempts(ctx, store.RecordParams{Now: now, Records: []store.AttemptRecord{{
		Attempt: store.Attempt{DeliveryID: claimed[0].ID, Status: store.AttemptSuccess, StartedAt: now},
		Status:  store.StatusSuccess,
	}}})
	require.NoError(t, err)

	list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsUser("alice"), TargetID: e.ID})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Len(t, list[0].Attempts, 1)

	got, err := s.GetWebhookEndpoint(ctx, store.AsUser("alice"), e.ID)
	require.NoError(t, err)
	require.Equal(t, int64(1), got.SuccessCount)
	require.Equal(t, "whsec", got.Secret.Reveal())
}
