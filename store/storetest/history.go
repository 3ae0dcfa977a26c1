package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func historyTests() []conformanceTest {
	return []conformanceTest{
		{"Deliveries/Ownership", testDeliveriesOwnership},
		{"Deliveries/ListFilters", testDeliveriesFilters},
		{"Deliveries/ListNewestFirstAndPaging", testDeliveriesPaging},
		{"Deliveries/ListCarriesAttempts", testDeliveriesAttempts},
		{"Retry/FinalBackToQueue", testRetryFinal},
		{"Retry/NotFinalIsConflict", testRetryNotFinal},
		{"Retry/Ownership", testRetryOwnership},
		{"Prune/FinalAndOldOnly", testPrune},
		{"Prune/Batches", testPruneBatches},
	}
}

func listIDs(t *testing.T, s store.Store, q store.DeliveryQuery) []string {
	t.Helper()

	got, err := s.ListDeliveries(t.Context(), q)
	require.NoError(t, err)

	return deliveryIDs(got)
}

func testDeliveriesOwnership(t *testing.T, s store.Store) {
	ctx := t.Context()
	ea := CreateWebhookEndpoint(t, s, "alice", "a")
	eb := CreateWebhookEndpoint(t, s, "bob", "b")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, ea.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, eb.ID, "bob", BaseTime()),
	)

	for name, a := range map[string]store.Access{"bob": store.AsUser("bob"), "zero": {}} {
		_, err := s.GetDelivery(ctx, a, ids[0])
		require.ErrorIs(t, err, store.ErrNotFound, "get as %s", name)
		require.NotContains(t, listIDs(t, s, store.DeliveryQuery{Access: a}), ids[0], "list as %s", name)
		require.NotContains(t, listIDs(t, s, store.DeliveryQuery{Access: a, TargetID: ea.ID}), ids[0], "list by target as %s", name)
		require.NotContains(t, listIDs(t, s, store.DeliveryQuery{Access: a, UserID: "alice"}), ids[0], "list by user as %s", name)
	}
	require.Empty(t, listIDs(t, s, store.DeliveryQuery{}), "zero access lists nothing")

	got, err := s.GetDelivery(ctx, store.AsUser("alice"), ids[0])
	require.NoError(t, err)
	require.Equal(t, "alice", got.UserID)
	got, err = s.GetDelivery(ctx, store.AsAdmin(), ids[1])
	require.NoError(t, err, "admin get")
	require.Equal(t, "bob", got.UserID)
	_, err = s.GetDelivery(ctx, store.AsAdmin(), store.NewID())
	require.ErrorIs(t, err, store.ErrNotFound, "unknown id")

	require.Equal(t, []string{ids[0]}, listIDs(t, s, store.DeliveryQuery{Access: store.AsUser("alice")}))
	require.Equal(t, []string{ids[0]}, listIDs(t, s, store.DeliveryQuery{Access: store.AsUser("alice"), UserID: "bob"}),
		"UserID is ignored for ordinary users")
	require.Equal(t, []string{ids[1], ids[0]}, listIDs(t, s, store.DeliveryQuery{Access: store.AsAdmin()}))
	require.Equal(t, []string{ids[1]}, listIDs(t, s, store.DeliveryQuery{Access: store.AsAdmin(), UserID: "bob"}))
}

func testDeliveriesFilters(t *testing.T, s store.Store) {
	e1 := CreateWebhookEndpoint(t, s, "alice", "one")
	e2 := CreateWebhookEndpoint(t, s, "alice", "two")
	slack := createSlack(t, s, "alice", "alerts")

	alert := NewDelivery(store.ChannelWebhook, e1.ID, "alice", BaseTime())
	alert.EventType = "system.alert"
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e1.ID, "alice", BaseTime()), // 0: success
		alert, // 1: pending
		NewDelivery(store.ChannelWebhook, e2.ID, "alice", BaseTime()),  // 2: failed
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()), // 3: retrying
	)
	record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: successAttempt(ids[0], BaseTime()), Status: store.StatusSuccess},
		{Attempt: failedAttempt(ids[2], BaseTime()), Status: store.StatusFailed},
		{Attempt: failedAttempt(ids[3], BaseTime()), Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Minute)},
	}})
	alice := store.AsUser("alice")

	require.Equal(t, []string{ids[1], ids[0]}, listIDs(t, s, store.DeliveryQuery{Access: alice, TargetID: e1.ID}), "target")
	require.Equal(t, []string{ids[3]}, listIDs(t, s, store.DeliveryQuery{Access: alice, Channel: store.ChannelSlack}), "channel")
	require.Equal(t, []string{ids[2], ids[1], ids[0]}, listIDs(t, s, store.DeliveryQuery{Access: alice, Channel: store.ChannelWebhook}), "webhook channel")
	require.Equal(t, []string{ids[0]}, listIDs(t, s, store.DeliveryQuery{Access: alice, Status: store.StatusSuccess}), "success")
	require.Equal(t, []string{ids[2]}, listIDs(t, s, store.DeliveryQuery{Access: alice, Status: store.StatusFailed}), "failed")
	require.Equal(t, []string{ids[3]}, listIDs(t, s, store.DeliveryQuery{Access: alice, Status: store.StatusRetrying}), "retrying")
	require.Equal(t, []string{ids[1]}, listIDs(t, s, store.DeliveryQuery{Access: alice, Status: store.StatusPending}), "pending")
	require.Equal(t, []string{ids[1]}, listIDs(t, s, store.DeliveryQuery{Access: alice, EventType: "system.alert"}), "event type")
	require.Equal(t, []string{ids[0]}, listIDs(t, s, store.DeliveryQuery{
		Access: alice, TargetID: e1.ID, Status: store.StatusSuccess, EventType: "workflow.completed",
	}), "filters combine")
	require.Empty(t, listIDs(t, s, store.DeliveryQuery{Access: alice, TargetID: e2.ID, Status: store.StatusSuccess}), "no match")
}

func testDeliveriesPaging(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	var ids []string
	for i := range 7 {
		// Triggered in reverse order: the list sorts by id (creation), not
		// by TriggeredAt.
		ids = append(ids, Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime().Add(-time.Duration(i)*time.Minute)))...)
	}
	newest := reversed(ids)
	q := store.DeliveryQuery{Access: store.AsUser("alice"), TargetID: e.ID}

	require.Equal(t, newest, listIDs(t, s, q), "newest first")
	q.Limit, q.Offset = 3, 0
	require.Equal(t, newest[:3], listIDs(t, s, q), "first page")
	q.Offset = 3
	require.Equal(t, newest[3:6], listIDs(t, s, q), "second page")
	q.Offset = 6
	require.Equal(t, newest[6:], listIDs(t, s, q), "last page")
	q.Offset = 7
	require.Empty(t, listIDs(t, s, q), "past the end")
}

func testDeliveriesAttempts(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	for i := range 3 {
		at := BaseTime().Add(time.Duration(i) * time.Minute)
		a := failedAttempt(ids[0], at)
		a.ResponseBody = store.Excerpt(string(rune('a'+i)) + " body")
		record(t, s, store.RecordParams{Now: at, Records: []store.AttemptRecord{
			{Attempt: a, Status: store.StatusRetrying, NextAttemptAt: at.Add(time.Minute)},
		}})
	}

	list, err := s.ListDeliveries(t.Context(), store.DeliveryQuery{Access: store.AsUser("alice")})
	require.NoError(t, err)
	require.Equal(t, []string{ids[1], ids[0]}, deliveryIDs(list))
	require.Empty(t, list[0].Attempts, "attempts of the untried delivery")
	require.Len(t, list[1].Attempts, 3)
	for i, a := range list[1].Attempts {
		require.Equal(t, i+1, a.Number, "attempts oldest first")
		require.Equal(t, ids[0], a.DeliveryID)
		require.Equal(t, string(rune('a'+i))+" body", a.ResponseBody)
	}
	require.Equal(t, getDelivery(t, s, ids[0]).Attempts, list[1].Attempts, "GetDelivery and ListDeliveries agree")

	// Returned attempts are copies.
	list[1].Attempts[0].ErrorMessage = "changed"
	require.Equal(t, "HTTP 500", getDelivery(t, s, ids[0]).Attempts[0].ErrorMessage)
}

// finish enqueues a delivery for target and records one attempt that makes
// it final with status at completedAt.
func finish(t *testing.T, s store.Store, target *store.WebhookEndpoint, status store.DeliveryStatus, completedAt time.Time) string {
	t.Helper()

	id := Enqueue(t, s, NewDelivery(store.ChannelWebhook, target.ID, target.UserID, BaseTime()))[0]
	a := successAttempt(id, completedAt)
	if status == store.StatusFailed {
		a = failedAttempt(id, completedAt)
	}
	record(t, s, store.RecordParams{Now: completedAt, Records: []store.AttemptRecord{{Attempt: a, Status: status}}})

	return id
}

func testRetryFinal(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	failed := finish(t, s, e, store.StatusFailed, BaseTime())
	retryAt := BaseTime().Add(time.Hour)

	got, err := s.RetryDelivery(t.Context(), store.RetryParams{Access: store.AsUser("alice"), ID: failed, Now: retryAt})
	require.NoError(t, err)
	require.Equal(t, failed, got.ID)
	require.Equal(t, store.StatusPending, got.Status)
	require.True(t, got.NextAttemptAt.Equal(retryAt), "NextAttemptAt %s", got.NextAttemptAt)
	require.True(t, got.CompletedAt.IsZero(), "CompletedAt after retry")
	require.True(t, got.LeaseUntil.IsZero())
	require.Equal(t, 1, got.AttemptCount, "a retry keeps the attempt count")
	// Contract: RetryDelivery raises MaxAttempts to AttemptCount+1 only
	// when it is lower, so a delivery with attempts left keeps its
	// MaxAttempts.
	require.Equal(t, 3, got.MaxAttempts, "MaxAttempts already allows another attempt")
	require.Len(t, got.Attempts, 1, "the returned delivery carries its attempts")
	// Contract: RetryDelivery sets UpdatedAt to Now and returns what
	// GetDelivery returns.
	require.True(t, got.UpdatedAt.Equal(retryAt), "UpdatedAt")
	require.Equal(t, getDelivery(t, s, failed), got)
	require.Equal(t, []string{failed}, claim(t, s, retryAt, 10), "due at Now")

	// A delivery that used every attempt gets exactly one more.
	spent := Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))[0]
	for n := 1; n <= 3; n++ {
		status := store.StatusRetrying
		if n == 3 {
			status = store.StatusFailed
		}
		at := BaseTime().Add(time.Duration(n) * time.Minute)
		record(t, s, store.RecordParams{Now: at, Records: []store.AttemptRecord{
			{Attempt: failedAttempt(spent, at), Status: status, NextAttemptAt: at},
		}})
	}
	got, err = s.RetryDelivery(t.Context(), store.RetryParams{Access: store.AsAdmin(), ID: spent, Now: retryAt})
	require.NoError(t, err)
	require.Equal(t, 3, got.AttemptCount)
	require.Equal(t, 4, got.MaxAttempts, "MaxAttempts = AttemptCount + 1")

	// A successful delivery can be sent again too.
	ok := finish(t, s, e, store.StatusSuccess, BaseTime())
	got, err = s.RetryDelivery(t.Context(), store.RetryParams{Access: store.AsUser("alice"), ID: ok, Now: retryAt})
	require.NoError(t, err)
	require.Equal(t, store.StatusPending, got.Status)
}

func testRetryNotFinal(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(ids[1], BaseTime()), Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Hour)},
	}})

	for i, id := range ids {
		_, err := s.RetryDelivery(t.Context(), store.RetryParams{Access: store.AsUser("alice"), ID: id, Now: BaseTime()})
		require.ErrorIs(t, err, store.ErrConflict, "delivery %d", i)
	}
	got := getDelivery(t, s, ids[1])
	require.Equal(t, store.StatusRetrying, got.Status, "a rejected retry must not write")
	require.True(t, got.NextAttemptAt.Equal(BaseTime().Add(time.Hour)))
}

func testRetryOwnership(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	id := finish(t, s, e, store.StatusFailed, BaseTime())

	for name, a := range map[string]store.Access{"bob": store.AsUser("bob"), "zero": {}} {
		_, err := s.RetryDelivery(t.Context(), store.RetryParams{Access: a, ID: id, Now: BaseTime()})
		require.ErrorIs(t, err, store.ErrNotFound, "retry as %s", name)
	}
	_, err := s.RetryDelivery(t.Context(), store.RetryParams{Access: store.AsAdmin(), ID: store.NewID(), Now: BaseTime()})
	require.ErrorIs(t, err, store.ErrNotFound, "unknown id")
	require.Equal(t, store.StatusFailed, getDelivery(t, s, id).Status, "a rejected retry must not write")
}

func testPrune(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	cutoff := BaseTime().Add(24 * time.Hour)
	oldOK := finish(t, s, e, store.StatusSuccess, BaseTime())
	oldFailed := finish(t, s, e, store.StatusFailed, BaseTime().Add(time.Hour))
	atCutoff := finish(t, s, e, store.StatusSuccess, cutoff)
	recent := finish(t, s, e, store.StatusSuccess, cutoff.Add(time.Hour))
	pending := Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime().Add(-time.Hour)))[0]
	retrying := Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime().Add(-time.Hour)))[0]
	record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(retrying, BaseTime()), Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Minute)},
	}})

	n, err := s.PruneDeliveries(ctx, store.PruneParams{Before: cutoff})
	require.NoError(t, err)
	require.Equal(t, 2, n, "pruned count")
	for _, id := range []string{oldOK, oldFailed} {
		_, err := s.GetDelivery(ctx, store.AsAdmin(), id)
		require.ErrorIs(t, err, store.ErrNotFound, "pruned delivery %s", id)
	}
	// Contract: Before is exclusive: a delivery completed exactly at Before
	// stays.
	for _, id := range []string{atCutoff, recent, pending, retrying} {
		_, err := s.GetDelivery(ctx, store.AsAdmin(), id)
		require.NoError(t, err, "kept delivery %s", id)
	}
	require.Len(t, getDelivery(t, s, retrying).Attempts, 1, "attempts of a kept delivery")

	n, err = s.PruneDeliveries(ctx, store.PruneParams{Before: cutoff})
	require.NoError(t, err)
	require.Zero(t, n, "second prune")

	// A pruned delivery's idempotency key is free again.
	keyed := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	keyed.IdempotencyKey = "evt-pruned"
	first := Enqueue(t, s, keyed)[0]
	record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: successAttempt(first, BaseTime()), Status: store.StatusSuccess},
	}})
	_, err = s.PruneDeliveries(ctx, store.PruneParams{Before: cutoff})
	require.NoError(t, err)
	again := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	again.IdempotencyKey = "evt-pruned"
	res, err := s.EnqueueDeliveries(ctx, []*store.Delivery{again})
	require.NoError(t, err)
	require.False(t, res[0].Duplicate, "key of a pruned delivery")
}

func testPruneBatches(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	for range 7 {
		finish(t, s, e, store.StatusSuccess, BaseTime())
	}
	keep := finish(t, s, e, store.StatusSuccess, BaseTime().Add(48*time.Hour))

	n, err := s.PruneDeliveries(t.Context(), store.PruneParams{Before: BaseTime().Add(time.Hour), BatchSize: 3})
	require.NoError(t, err)
	require.Equal(t, 7, n, "every batch is counted")
	require.Equal(t, []string{keep}, listIDs(t, s, store.DeliveryQuery{Access: store.AsAdmin()}))
}
