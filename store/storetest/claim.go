package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func claimTests() []conformanceTest {
	return []conformanceTest{
		{"Claim/DueOldestFirst", testClaimDueOldestFirst},
		{"Claim/LeaseHidesAndExpires", testClaimLease},
		{"Claim/EnqueuedWithLease", testClaimEnqueuedLeased},
		{"Claim/WebhookLeaseFollowsTimeout", testClaimWebhookLease},
		{"Claim/MaxPerTargetAndExclude", testClaimCaps},
		{"Claim/NextDue", testClaimNextDue},
		{"Claim/SkipsFinal", testClaimSkipsFinal},
		{"Claim/InvalidLimit", testClaimInvalidLimit},
		{"Claim/Release", testClaimRelease},
		{"Claim/ExtendLeases", testClaimExtend},
		{"Claim/ConcurrentClaimersNeverShare", testClaimConcurrent},
	}
}

func testClaimDueOldestFirst(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	later := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime().Add(2*time.Minute))
	early := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	middle := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime().Add(time.Minute))
	future := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime().Add(time.Hour))
	Enqueue(t, s, later, early, middle, future)

	got, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{
		Now: BaseTime().Add(2 * time.Minute), Limit: 10, Lease: time.Minute, LeaseMargin: 2 * time.Hour,
	})
	require.NoError(t, err)
	// Contract: due means NextAttemptAt at or before Now (the boundary is
	// due), and claims come oldest NextAttemptAt first.
	require.Equal(t, []string{early.ID, middle.ID, later.ID}, deliveryIDs(got))
	for _, d := range got {
		// Contract: a claim leaves status and attempt count alone and
		// returns the new lease.
		require.Equal(t, store.StatusPending, d.Status)
		require.Zero(t, d.AttemptCount)
		require.Equal(t, e.ID, d.TargetID)
		require.Equal(t, d.Payload, early.Payload, "claimed deliveries carry their payload")
	}
	stored := getDelivery(t, s, early.ID)
	require.Equal(t, store.StatusPending, stored.Status, "status after a claim")
	require.False(t, stored.LeaseUntil.IsZero(), "stored lease after a claim")

	require.Equal(t, []string{future.ID}, claim(t, s, BaseTime().Add(time.Hour), 10), "the future delivery once due")

	// Limit caps one call.
	more := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	require.Equal(t, more[:2], claim(t, s, BaseTime(), 2), "limit 2, ties broken by id")
	require.Equal(t, more[2:], claim(t, s, BaseTime(), 2), "the rest")
}

func testClaimLease(t *testing.T, s store.Store) {
	slack := createSlack(t, s, "alice", "alerts")
	d := NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime())
	Enqueue(t, s, d)

	got, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{
		Now: BaseTime(), Limit: 10, Lease: 5 * time.Minute, LeaseMargin: time.Hour,
	})
	require.NoError(t, err)
	require.Equal(t, []string{d.ID}, deliveryIDs(got))
	// Contract: a non-webhook delivery is leased for Lease, and LeaseMargin
	// does not apply.
	require.True(t, got[0].LeaseUntil.Equal(BaseTime().Add(5*time.Minute)), "LeaseUntil %s", got[0].LeaseUntil)

	require.Empty(t, claim(t, s, BaseTime(), 10), "claimed again at once")
	require.Empty(t, claim(t, s, BaseTime().Add(5*time.Minute-time.Second), 10), "claimed again before the lease ends")
	// Contract: a lease that ends exactly at Now is over.
	require.Equal(t, []string{d.ID}, claim(t, s, BaseTime().Add(5*time.Minute), 10), "an expired lease is claimable again")
	require.Empty(t, claim(t, s, BaseTime().Add(5*time.Minute+time.Second), 10), "the new lease hides it")
}

// testClaimEnqueuedLeased enqueues a delivery that its producer claims as it
// writes it, as the dispatcher does when a worker is free, and checks that no
// claim returns it before that lease ends.
func testClaimEnqueuedLeased(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	leased := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	leased.LeaseUntil = BaseTime().Add(time.Minute)
	free := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, leased, free)

	stored := getDelivery(t, s, leased.ID)
	require.True(t, stored.LeaseUntil.Equal(BaseTime().Add(time.Minute)), "stored LeaseUntil %s", stored.LeaseUntil)
	require.Equal(t, store.StatusPending, stored.Status)
	// Contract: a delivery enqueued with a lease is claimed already, and
	// other deliveries are claimable as usual.
	got, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{
		Now: BaseTime(), Limit: 10, Lease: time.Minute, LeaseMargin: 2 * time.Hour,
	})
	require.NoError(t, err)
	require.Equal(t, []string{free.ID}, deliveryIDs(got), "claim before the enqueued lease ends")
	require.Empty(t, claim(t, s, BaseTime().Add(time.Minute-time.Second), 10), "claim just before the lease ends")
	require.Equal(t, []string{leased.ID}, claim(t, s, BaseTime().Add(time.Minute), 10), "claim when the lease ends")

	// A release ends such a lease as it ends a claimed one.
	again := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	again.LeaseUntil = BaseTime().Add(time.Hour)
	Enqueue(t, s, again)
	require.NoError(t, s.ReleaseDeliveries(t.Context(), []string{again.ID}))
	require.Equal(t, []string{again.ID}, claim(t, s, BaseTime(), 10), "claim after the release")
}

func testClaimWebhookLease(t *testing.T, s store.Store) {
	e := store.NewWebhookEndpoint("alice")
	e.Name, e.URL, e.TimeoutSeconds = "slow", "https://hooks.example.test/slow", 90
	require.NoError(t, s.CreateWebhookEndpoint(t.Context(), e))
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)

	got, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{
		Now: BaseTime(), Limit: 1, Lease: time.Minute, LeaseMargin: 15 * time.Second,
	})
	require.NoError(t, err)
	require.Len(t, got, 1)
	want := BaseTime().Add(90*time.Second + 15*time.Second)
	require.True(t, got[0].LeaseUntil.Equal(want), "LeaseUntil %s, want endpoint timeout + margin %s", got[0].LeaseUntil, want)
	require.Empty(t, claim(t, s, BaseTime().Add(90*time.Second), 10), "claimable after Lease but before timeout + margin")
	require.Equal(t, []string{d.ID}, claim(t, s, want, 10), "claimable at timeout + margin")
}

func testClaimCaps(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := CreateWebhookEndpoint(t, s, "alice", "a")
	b := CreateWebhookEndpoint(t, s, "alice", "b")
	c := CreateWebhookEndpoint(t, s, "bob", "c")
	var ds []*store.Delivery
	for _, target := range []*store.WebhookEndpoint{a, a, a, b, b, c} {
		ds = append(ds, NewDelivery(store.ChannelWebhook, target.ID, target.UserID, BaseTime()))
	}
	ids := Enqueue(t, s, ds...)

	got, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: BaseTime(), Limit: 10, MaxPerTarget: 1, Lease: time.Minute})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{ids[0], ids[3], ids[5]}, deliveryIDs(got), "one per target, oldest of each")

	got, err = s.ClaimDeliveries(ctx, store.ClaimParams{
		Now: BaseTime(), Limit: 10, MaxPerTarget: 2, ExcludeTargets: []string{b.ID}, Lease: time.Minute,
	})
	require.NoError(t, err)
	require.ElementsMatch(t, []string{ids[1], ids[2]}, deliveryIDs(got), "b excluded, c has nothing left")

	require.Equal(t, []string{ids[4]}, claim(t, s, BaseTime(), 10), "the rest of b")
}

func testClaimSkipsFinal(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	_, err := s.RecordAttempts(t.Context(), store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: successAttempt(ids[0], BaseTime()), Status: store.StatusSuccess},
		{Attempt: failedAttempt(ids[1], BaseTime()), Status: store.StatusFailed},
		{Attempt: failedAttempt(ids[2], BaseTime()), Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Minute)},
	}})
	require.NoError(t, err)

	require.Empty(t, claim(t, s, BaseTime(), 10), "the retrying delivery is not due yet")
	require.Equal(t, []string{ids[2]}, claim(t, s, BaseTime().Add(24*time.Hour), 10), "final deliveries are never claimed")
}

func testClaimInvalidLimit(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))
	// Contract: a Limit of zero or less is ErrInvalid, not "no limit".
	_, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{Now: BaseTime(), Limit: 0, Lease: time.Minute})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.Len(t, claim(t, s, BaseTime(), 1), 1, "the failed claim leased nothing")
}

func testClaimRelease(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	require.Equal(t, ids, claim(t, s, BaseTime(), 10))

	// Contract: unknown ids are ignored.
	require.NoError(t, s.ReleaseDeliveries(t.Context(), []string{ids[1], store.NewID()}))
	got := getDelivery(t, s, ids[1])
	require.True(t, got.LeaseUntil.IsZero(), "LeaseUntil after release: %s", got.LeaseUntil)
	require.Equal(t, store.StatusPending, got.Status)
	require.Zero(t, got.AttemptCount, "a release is not an attempt")
	require.Equal(t, []string{ids[1]}, claim(t, s, BaseTime(), 10), "a released delivery is claimable at once")
	require.NoError(t, s.ReleaseDeliveries(t.Context(), nil), "release of nothing")
}

func testClaimExtend(t *testing.T, s store.Store) {
	slack := createSlack(t, s, "alice", "alerts")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
	)
	require.Equal(t, ids, claim(t, s, BaseTime(), 10))
	done := Enqueue(t, s, NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()))[0]
	require.Equal(t, []string{done}, claim(t, s, BaseTime(), 10))
	_, err := s.RecordAttempts(t.Context(), store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{{
		Attempt: store.Attempt{DeliveryID: done, Number: 1, Status: store.AttemptSuccess, StartedAt: BaseTime()},
		Status:  store.StatusSuccess,
	}}})
	require.NoError(t, err)

	until := BaseTime().Add(10 * time.Minute)
	// Contract: unknown and final deliveries are ignored.
	require.NoError(t, s.ExtendLeases(t.Context(), []string{ids[0], store.NewID(), done}, until))
	got := getDelivery(t, s, ids[0])
	require.True(t, got.LeaseUntil.Equal(until), "LeaseUntil after the extension: %s", got.LeaseUntil)
	require.Equal(t, store.StatusPending, got.Status)
	require.True(t, getDelivery(t, s, done).LeaseUntil.IsZero(), "a final delivery keeps no lease")

	require.Equal(t, []string{ids[1]}, claim(t, s, BaseTime().Add(5*time.Minute), 10),
		"only the delivery whose lease was not extended is claimable after its first lease")
	require.Equal(t, []string{ids[1]}, claim(t, s, until.Add(-time.Second), 10),
		"just before the extended lease ends, only the other delivery, whose new lease ended")
	require.Equal(t, []string{ids[0]}, claim(t, s, until, 10), "claimable when the extended lease ends")
	require.NoError(t, s.ExtendLeases(t.Context(), nil, until), "extend nothing")

	// Contract: a lease that a release ended is not extended, so a producer
	// cannot take back a delivery it gave up.
	require.NoError(t, s.ReleaseDeliveries(t.Context(), []string{ids[0]}))
	require.NoError(t, s.ExtendLeases(t.Context(), []string{ids[0]}, until.Add(time.Hour)))
	require.True(t, getDelivery(t, s, ids[0]).LeaseUntil.IsZero(), "a released delivery was leased again")
}

// testClaimConcurrent runs two claimers against one store over many rounds
// and checks that no delivery is handed to both.
func testClaimConcurrent(t *testing.T, s store.Store) {
	const (
		targets = 4
		perEach = 50
		rounds  = 30
	)
	var all []*store.Delivery
	for i := range targets {
		e := CreateWebhookEndpoint(t, s, "alice", fmt.Sprintf("hook-%d", i))
		for range perEach {
			all = append(all, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))
		}
	}
	Enqueue(t, s, all...)

	type claimed struct {
		worker int
		ids    []string
		err    error
	}
	results := make(chan claimed, 2*rounds)
	var wg sync.WaitGroup
	for worker := range 2 {
		wg.Go(func() {
			for round := range rounds {
				got, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{
					Now: BaseTime().Add(time.Duration(round) * time.Second), Limit: 5, Lease: time.Hour,
				})
				results <- claimed{worker: worker, ids: deliveryIDs(got), err: err}
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	close(results)

	owner := map[string]int{}
	for r := range results {
		require.NoError(t, r.err, "claim by worker %d", r.worker)
		for _, id := range r.ids {
			prev, seen := owner[id]
			require.False(t, seen, "delivery %s claimed by worker %d and again by worker %d", id, prev, r.worker)
			owner[id] = r.worker
		}
	}
	require.Len(t, owner, len(all), "every delivery claimed exactly once in 60 claims of 5")
}

// testClaimNextDue checks the optional store.DueReporter: the earliest due
// time of the queued deliveries not leased, and none once every delivery is
// final.
func testClaimNextDue(t *testing.T, s store.Store) {
	r, ok := s.(store.DueReporter)
	if !ok {
		t.Skip("the store does not implement store.DueReporter")
	}
	_, found, err := r.NextDue(t.Context(), BaseTime())
	require.NoError(t, err)
	require.False(t, found, "an empty queue has no due time")

	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	early := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	early.NextAttemptAt = BaseTime().Add(time.Minute)
	late := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	late.NextAttemptAt = BaseTime().Add(time.Hour)
	Enqueue(t, s, late, early)

	next, found, err := r.NextDue(t.Context(), BaseTime())
	require.NoError(t, err)
	require.True(t, found)
	require.True(t, next.Equal(early.NextAttemptAt), "NextDue = %s, want %s", next, early.NextAttemptAt)

	claimedAt := BaseTime().Add(time.Minute)
	require.Len(t, claim(t, s, claimedAt, 1), 1, "claim the early delivery")
	// Contract: a delivery leased at now does not count, so a dispatcher
	// does not wake for deliveries already in flight.
	next, _, err = r.NextDue(t.Context(), claimedAt)
	require.NoError(t, err)
	require.True(t, next.Equal(late.NextAttemptAt), "the early delivery is leased: NextDue = %s", next)
	afterLease := getDelivery(t, s, early.ID).LeaseUntil
	next, _, err = r.NextDue(t.Context(), afterLease)
	require.NoError(t, err)
	require.True(t, next.Equal(early.NextAttemptAt), "the lease has ended: NextDue = %s", next)

	record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: successAttempt(early.ID, BaseTime()), Status: store.StatusSuccess},
		{Attempt: successAttempt(late.ID, BaseTime()), Status: store.StatusSuccess},
	}})
	_, found, err = r.NextDue(t.Context(), BaseTime())
	require.NoError(t, err)
	require.False(t, found, "final deliveries are not due")
}
