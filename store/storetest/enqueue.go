package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func enqueueTests() []conformanceTest {
	return []conformanceTest{
		{"Enqueue/Defaults", testEnqueueDefaults},
		{"Enqueue/EveryChannel", testEnqueueEveryChannel},
		{"Enqueue/IdempotencyKey", testEnqueueIdempotency},
		{"Enqueue/InvalidBatchWritesNothing", testEnqueueInvalid},
		{"Enqueue/TakenIDWritesNothing", testEnqueueTakenID},
		{"Enqueue/ExactRepeatIsDuplicate", testEnqueueExactRepeat},
		{"Enqueue/ReturnsCopies", testEnqueueCopies},
	}
}

func testEnqueueDefaults(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	scheduled := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	scheduled.NextAttemptAt = BaseTime().Add(time.Hour)
	noTrigger := NewDelivery(store.ChannelWebhook, e.ID, "alice", time.Time{})

	results, err := s.EnqueueDeliveries(t.Context(), []*store.Delivery{d, scheduled, noTrigger})
	require.NoError(t, err)
	require.Len(t, results, 3)
	for i, r := range results {
		require.False(t, r.Duplicate, "result %d", i)
	}
	require.Equal(t, d.ID, results[0].ID, "the assigned id is written back and returned")
	require.Equal(t, scheduled.ID, results[1].ID)
	requireUUIDv7(t, d.ID)

	require.Equal(t, store.StatusPending, d.Status)
	require.True(t, d.NextAttemptAt.Equal(BaseTime()), "NextAttemptAt defaults to TriggeredAt, got %s", d.NextAttemptAt)
	require.True(t, scheduled.NextAttemptAt.Equal(BaseTime().Add(time.Hour)), "a set NextAttemptAt is kept")
	requireStoreTime(t, d.CreatedAt, "CreatedAt")
	requireStoreTime(t, d.UpdatedAt, "UpdatedAt")
	require.Zero(t, d.AttemptCount)
	require.True(t, d.LeaseUntil.IsZero())
	require.True(t, d.CompletedAt.IsZero())
	// Contract: a zero TriggeredAt becomes the store's clock, and
	// NextAttemptAt follows it.
	requireStoreTime(t, noTrigger.TriggeredAt, "TriggeredAt")
	require.True(t, noTrigger.NextAttemptAt.Equal(noTrigger.TriggeredAt), "NextAttemptAt of an untriggered delivery")

	got := getDelivery(t, s, d.ID)
	require.Empty(t, got.Attempts, "attempts of a new delivery")
	got.Attempts = nil
	require.Equal(t, d, got, "GetDelivery returns what EnqueueDeliveries wrote back")
}

func testEnqueueEveryChannel(t *testing.T, s store.Store) {
	slack := createSlack(t, s, "alice", "alerts")
	email := createEmail(t, s, "alice")
	gh := createGitHub(t, s, "alice", "acme", "api")
	e := CreateWebhookEndpoint(t, s, "alice", "ci")

	ids := Enqueue(t, s,
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelEmail, email.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelGitHub, gh.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	want := []store.Channel{store.ChannelSlack, store.ChannelEmail, store.ChannelGitHub, store.ChannelWebhook}
	for i, id := range ids {
		got := getDelivery(t, s, id)
		require.Equal(t, want[i], got.Channel, "channel of delivery %d", i)
	}
	require.ElementsMatch(t, ids, claim(t, s, BaseTime(), 10), "every channel is claimable")
}

func testEnqueueIdempotency(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	other := CreateWebhookEndpoint(t, s, "alice", "other")

	keyed := func(target, key string) *store.Delivery {
		d := NewDelivery(store.ChannelWebhook, target, "alice", BaseTime())
		d.IdempotencyKey = key
		return d
	}
	first, err := s.EnqueueDeliveries(ctx, []*store.Delivery{keyed(e.ID, "evt-1")})
	require.NoError(t, err)
	require.False(t, first[0].Duplicate)

	results, err := s.EnqueueDeliveries(ctx, []*store.Delivery{
		keyed(e.ID, "evt-2"),
		keyed(e.ID, "evt-1"),     // duplicate of the earlier call
		keyed(other.ID, "evt-1"), // same key, other target: not a duplicate
		keyed(e.ID, ""),          // no key: never a duplicate
		keyed(e.ID, ""),
		keyed(e.ID, "evt-2"), // duplicate within this call
	})
	require.NoError(t, err)
	require.Len(t, results, 6)
	require.False(t, results[0].Duplicate, "new key")
	require.True(t, results[1].Duplicate, "repeated key for the same target")
	require.Equal(t, first[0].ID, results[1].ID, "a duplicate names the existing delivery")
	require.False(t, results[2].Duplicate, "same key for another target")
	require.NotEqual(t, first[0].ID, results[2].ID)
	require.False(t, results[3].Duplicate, "empty key")
	require.False(t, results[4].Duplicate, "second empty key")
	require.NotEqual(t, results[3].ID, results[4].ID)
	// Contract: a key repeated within one call is a duplicate of the first
	// delivery of the call that used it.
	require.True(t, results[5].Duplicate, "key repeated within one call")
	require.Equal(t, results[0].ID, results[5].ID)

	list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	require.Len(t, list, 5, "deliveries stored: 1 + 4 new")

	// Contract: the key stays used after the delivery is final; only
	// pruning or deleting the target frees it.
	_, err = s.RecordAttempts(ctx, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{{
		Attempt: successAttempt(first[0].ID, BaseTime()), Status: store.StatusSuccess,
	}}})
	require.NoError(t, err)
	again, err := s.EnqueueDeliveries(ctx, []*store.Delivery{keyed(e.ID, "evt-1")})
	require.NoError(t, err)
	require.True(t, again[0].Duplicate, "key of a final delivery")
	require.Equal(t, first[0].ID, again[0].ID)
}

func testEnqueueInvalid(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")

	cases := map[string]func(d *store.Delivery){
		"no user":       func(d *store.Delivery) { d.UserID = "" },
		"no target":     func(d *store.Delivery) { d.TargetID = "" },
		"no channel":    func(d *store.Delivery) { d.Channel = "" },
		"bad channel":   func(d *store.Delivery) { d.Channel = "pager" },
		"no event type": func(d *store.Delivery) { d.EventType = "" },
		"bad status":    func(d *store.Delivery) { d.Status = "bogus" },
	}
	for name, spoil := range cases {
		bad := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
		spoil(bad)
		good := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
		_, err := s.EnqueueDeliveries(ctx, []*store.Delivery{good, bad})
		// Contract: a delivery without user, target, a known channel or an
		// event type, or with an unknown status, is ErrInvalid, and the
		// whole call writes nothing.
		require.ErrorIs(t, err, store.ErrInvalid, name)
	}
	list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	require.Empty(t, list, "an invalid batch must write nothing")

	results, err := s.EnqueueDeliveries(ctx, nil)
	require.NoError(t, err, "an empty batch")
	require.Empty(t, results)
}

// testEnqueueTakenID enqueues a caller-chosen id that another delivery
// has, with and without an idempotency key.
func testEnqueueTakenID(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	first := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	first.IdempotencyKey = "run-1"
	Enqueue(t, s, first)

	for name, key := range map[string]string{"no key": "", "new key": "run-2"} {
		reused := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
		reused.ID, reused.IdempotencyKey = first.ID, key
		good := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
		_, err := s.EnqueueDeliveries(ctx, []*store.Delivery{good, reused})
		// Contract: a delivery whose id another delivery has is ErrConflict,
		// and the whole call writes nothing.
		require.ErrorIs(t, err, store.ErrConflict, name)
	}
	twice := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	twice.ID = store.NewID()
	again := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	again.ID, again.IdempotencyKey = twice.ID, "run-3"
	_, err := s.EnqueueDeliveries(ctx, []*store.Delivery{twice, again})
	// Contract: one id given twice in one call is ErrConflict too.
	require.ErrorIs(t, err, store.ErrConflict, "one id twice in a call")

	list, err := s.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	require.Len(t, list, 1, "only the first delivery")
	require.Equal(t, first.ID, list[0].ID)
	require.Equal(t, "run-1", list[0].IdempotencyKey, "the first delivery is unchanged")
}

func testEnqueueCopies(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)

	// The store must not keep the caller's slices or records.
	d.Payload[0] = 'X'
	d.EventType = "changed"
	got := getDelivery(t, s, d.ID)
	require.Equal(t, byte('{'), got.Payload[0], "payload changed through the caller's slice")
	require.Equal(t, "workflow.completed", got.EventType)

	got.Payload[0] = 'Y'
	got.Attempts = append(got.Attempts, store.Attempt{Number: 9})
	again := getDelivery(t, s, d.ID)
	require.Equal(t, byte('{'), again.Payload[0], "payload changed through a returned slice")
	require.Empty(t, again.Attempts, "attempts changed through a returned slice")
}

// testEnqueueExactRepeat gives one delivery twice in one call, with one id,
// target and idempotency key, and then once more in another call.
func testEnqueueExactRepeat(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "a")
	first := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	first.ID, first.IdempotencyKey = store.NewID(), "run-1"
	repeat := *first

	res, err := s.EnqueueDeliveries(t.Context(), []*store.Delivery{first, &repeat})
	require.NoError(t, err)
	require.Len(t, res, 2)
	require.False(t, res[0].Duplicate, "the first is new")
	later := repeat
	again, err := s.EnqueueDeliveries(t.Context(), []*store.Delivery{&later})
	// Contract: so is the same delivery given again in a later call.
	require.NoError(t, err, "the same delivery in a later call")
	require.True(t, again[0].Duplicate, "the same delivery in a later call")
	require.Equal(t, first.ID, again[0].ID)
	// Contract: an exact repeat in one call is a duplicate of the first, so
	// a caller does not count it as a second new delivery.
	require.Equal(t, first.ID, res[1].ID, "the repeat names the first")
	require.True(t, res[1].Duplicate, "the repeat is a duplicate")

	list, err := s.ListDeliveries(t.Context(), store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	require.Len(t, list, 1, "one stored delivery")
}
