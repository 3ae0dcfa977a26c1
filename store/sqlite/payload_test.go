package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/storetest"
)

// payloadCounts returns the rows of the payloads table, the sum of their
// reference counts, and the deliveries that point to a payload row.
func payloadCounts(t *testing.T, path string) (rows, refs, pointing int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.QueryRow(`SELECT COUNT(*), COALESCE(SUM(refs), 0) FROM payloads`).Scan(&rows, &refs))
	require.NoError(t, db.QueryRow(`SELECT COUNT(*) FROM deliveries WHERE payload_id != 0`).Scan(&pointing))

	return rows, refs, pointing
}

// requireNoPayloads fails t, with why, unless the payloads table is empty.
func requireNoPayloads(t *testing.T, path, why string) {
	t.Helper()
	rows, refs, _ := payloadCounts(t, path)
	require.Zero(t, rows, why)
	require.Zero(t, refs, why)
}

// The deliveries of one enqueue that carry equal bytes share one payload
// row, a payload that one delivery carries stays in its row, and every
// delivery reads back its own bytes.
func TestEqualPayloadsShareARow(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	var ds []*store.Delivery
	for _, name := range []string{"a", "b", "c", "d"} {
		e := storetest.CreateWebhookEndpoint(t, s, "alice", name)
		d := storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime())
		d.Payload = []byte(`{"event":"workflow.completed","run":"shared"}`) // equal bytes, separate slices
		ds = append(ds, d)
	}
	other := storetest.CreateWebhookEndpoint(t, s, "alice", "other")
	different := storetest.NewDelivery(store.ChannelWebhook, other.ID, "alice", storetest.BaseTime())
	different.Payload = []byte(`{"event":"workflow.completed","run":"other"}`)
	empty := storetest.NewDelivery(store.ChannelSlack, "slack-1", "alice", storetest.BaseTime())
	empty.Payload = nil
	ds = append(ds, different, empty)
	ids := storetest.Enqueue(t, s, ds...)

	rows, refs, pointing := payloadCounts(t, path)
	require.Equal(t, 1, rows, "one row for the shared bytes")
	require.Equal(t, 4, refs, "four deliveries carry the shared bytes")
	require.Equal(t, 4, pointing)

	for i, id := range ids {
		got, err := s.GetDelivery(ctx, store.AsAdmin(), id)
		require.NoError(t, err)
		require.Equal(t, string(ds[i].Payload), string(got.Payload), "delivery %d read by id", i)
	}
	claimed, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: storetest.BaseTime(), Limit: 10,
		Lease: time.Minute, LeaseMargin: time.Minute})
	require.NoError(t, err)
	require.Len(t, claimed, len(ds))
	want := map[string]string{}
	for i, id := range ids {
		want[id] = string(ds[i].Payload)
	}
	for _, d := range claimed {
		require.Equal(t, want[d.ID], string(d.Payload), "claimed delivery %s", d.ID)
	}
	listed, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	for _, d := range listed {
		require.Equal(t, want[d.ID], string(d.Payload), "listed delivery %s", d.ID)
	}
}

// A payload row goes with the last delivery that points to it, whether an
// endpoint's deletion or pruning removes the deliveries.
func TestPayloadDeletedWithLastDelivery(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	first := storetest.CreateWebhookEndpoint(t, s, "alice", "first")
	second := storetest.CreateWebhookEndpoint(t, s, "alice", "second")
	a := storetest.NewDelivery(store.ChannelWebhook, first.ID, "alice", storetest.BaseTime())
	b := storetest.NewDelivery(store.ChannelWebhook, second.ID, "alice", storetest.BaseTime())
	ids := storetest.Enqueue(t, s, a, b)

	require.NoError(t, s.DeleteWebhookEndpoint(ctx, store.AsAdmin(), first.ID))
	rows, refs, _ := payloadCounts(t, path)
	require.Equal(t, 1, rows, "the second delivery still points to the payload")
	require.Equal(t, 1, refs)
	got, err := s.GetDelivery(ctx, store.AsAdmin(), ids[1])
	require.NoError(t, err)
	require.Equal(t, string(b.Payload), string(got.Payload))

	_, err = s.RecordAttempts(ctx, store.RecordParams{Now: storetest.BaseTime(), Records: []store.AttemptRecord{{
		Attempt: store.Attempt{DeliveryID: ids[1], Status: store.AttemptSuccess, StartedAt: storetest.BaseTime()},
		Status:  store.StatusSuccess,
	}}})
	require.NoError(t, err)
	n, err := s.PruneDeliveries(ctx, store.PruneParams{Before: storetest.BaseTime().Add(time.Second)})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	requireNoPayloads(t, path, "pruning the last delivery removes the payload")
}

// A delivery that an idempotency key turns into a duplicate adds no
// reference, so deleting the deliveries that were written leaves no payload
// behind.
func TestDuplicateAddsNoPayloadReference(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	s := openAt(t, path, nil)
	e := storetest.CreateWebhookEndpoint(t, s, "alice", "ci")
	keyed := func(key string) *store.Delivery {
		d := storetest.NewDelivery(store.ChannelWebhook, e.ID, "alice", storetest.BaseTime())
		d.IdempotencyKey = key
		return d
	}
	enqueue := func(keys ...string) []store.EnqueueResult {
		var ds []*store.Delivery
		for _, k := range keys {
			ds = append(ds, keyed(k))
		}
		res, err := s.EnqueueDeliveries(ctx, ds)
		require.NoError(t, err)
		return res
	}
	res := enqueue("run-1", "run-1")
	require.True(t, res[1].Duplicate, "the second run-1 of the first call")
	res = enqueue("run-1", "run-2", "run-2")
	require.True(t, res[0].Duplicate, "run-1 again")
	require.False(t, res[1].Duplicate, "run-2 is new")
	require.True(t, res[2].Duplicate, "the second run-2 of the call")
	res = enqueue("run-1", "run-2")
	require.True(t, res[0].Duplicate)
	require.True(t, res[1].Duplicate)

	rows, refs, pointing := payloadCounts(t, path)
	require.Equal(t, 2, rows, "one row for each call that wrote a delivery")
	require.Equal(t, 2, refs, "one reference for each delivery written")
	require.Equal(t, 2, pointing)

	require.NoError(t, s.DeleteWebhookEndpoint(ctx, store.AsAdmin(), e.ID))
	requireNoPayloads(t, path, "no payload outlives its deliveries")
}

// Deliveries written at schema version 2 keep their payloads in their own
// rows. After the upgrade they read back and claim as before.
func TestMigrationFromVersion2KeepsPayloads(t *testing.T) {
	ctx := t.Context()
	path := tempPath(t)
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	for _, name := range []string{"0001_init.sql", "0002_idempotency_key_first.sql"} {
		text, err := os.ReadFile(filepath.Join("migrations", name))
		require.NoError(t, err)
		_, err = db.Exec(string(text))
		require.NoError(t, err, name)
	}
	_, err = db.Exec(`INSERT INTO deliveries (id, channel, target_id, user_id, event_type, payload,
		status, created_at, updated_at) VALUES ('old', 'webhook', 'target-1', 'alice', 'workflow.completed',
		x'7b226f6c64223a747275657d', 'pending', 1, 1)`)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA user_version = 2")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openAt(t, path, nil)
	got, err := s.GetDelivery(ctx, store.AsAdmin(), "old")
	require.NoError(t, err)
	require.Equal(t, `{"old":true}`, string(got.Payload))
	claimed, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: time.Now(), Limit: 1,
		Lease: time.Minute, LeaseMargin: time.Minute})
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	require.Equal(t, `{"old":true}`, string(claimed[0].Payload))

	storetest.Enqueue(t, s, storetest.NewDelivery(store.ChannelWebhook, "target-1", "alice", storetest.BaseTime()),
		storetest.NewDelivery(store.ChannelWebhook, "target-2", "alice", storetest.BaseTime()))
	rows, refs, _ := payloadCounts(t, path)
	require.Equal(t, 1, rows, "only the new deliveries' shared payload has a row")
	require.Equal(t, 2, refs)
}
