package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func recordTests() []conformanceTest {
	return []conformanceTest{
		{"Record/DeliveryState", testRecordDeliveryState},
		{"Record/SeveralAttemptsInOneCall", testRecordSeveralInOneCall},
		{"Record/Deferrable", testRecordDeferrable},
		{"Record/KeepTarget", testRecordKeepTarget},
		{"Record/WebhookCounters", testRecordWebhookCounters},
		{"Record/SlackEmailGitHubTargets", testRecordOtherTargets},
		{"Record/DisableReason", testRecordDisableReason},
		{"Record/DisableOnlySameCredential", testRecordDisableCredential},
		{"Record/GoneAtRuleThreshold", testRecordGoneAtThreshold},
		{"Record/ConsecutiveFailureRule", testRecordFailureRule},
		{"Record/AttemptOnFinalDelivery", testRecordOnFinal},
		{"Record/UnknownDeliverySkipped", testRecordUnknown},
		{"Record/MixedCall", testRecordMixedCall},
		{"Record/InvalidStatus", testRecordInvalidStatus},
		{"Record/ConcurrentCountersExact", testRecordConcurrent},
	}
}

func record(t *testing.T, s store.Store, p store.RecordParams) store.RecordResult {
	t.Helper()

	res, err := s.RecordAttempts(t.Context(), p)
	require.NoError(t, err, "record attempts at %s", p.Now)

	return res
}

func testRecordDeliveryState(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)
	require.Equal(t, []string{d.ID}, claim(t, s, BaseTime(), 1))

	first := failedAttempt(d.ID, BaseTime().Add(time.Second))
	first.Number = 42 // the store assigns the number
	now := BaseTime().Add(2 * time.Second)
	record(t, s, store.RecordParams{Now: now, Records: []store.AttemptRecord{{
		Attempt: first, Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Minute),
	}}})

	got := getDelivery(t, s, d.ID)
	require.Equal(t, store.StatusRetrying, got.Status)
	require.Equal(t, 1, got.AttemptCount)
	require.True(t, got.NextAttemptAt.Equal(BaseTime().Add(time.Minute)), "NextAttemptAt %s", got.NextAttemptAt)
	require.True(t, got.LeaseUntil.IsZero(), "lease after an attempt")
	require.True(t, got.CompletedAt.IsZero(), "CompletedAt of a retrying delivery")
	// Contract: RecordAttempts sets the delivery's UpdatedAt to Now.
	require.True(t, got.UpdatedAt.Equal(now), "UpdatedAt %s, want Now", got.UpdatedAt)
	require.Len(t, got.Attempts, 1)
	want := first
	want.Number = 1
	require.Equal(t, want, got.Attempts[0], "stored attempt")

	require.Empty(t, claim(t, s, BaseTime().Add(time.Minute-time.Second), 1), "not due before NextAttemptAt")
	require.Equal(t, []string{d.ID}, claim(t, s, BaseTime().Add(time.Minute), 1), "due at NextAttemptAt")

	done := BaseTime().Add(time.Minute + 3*time.Second)
	record(t, s, store.RecordParams{Now: done, Records: []store.AttemptRecord{{
		Attempt: successAttempt(d.ID, BaseTime().Add(time.Minute+time.Second)), Status: store.StatusSuccess,
	}}})
	got = getDelivery(t, s, d.ID)
	require.Equal(t, store.StatusSuccess, got.Status)
	require.Equal(t, 2, got.AttemptCount)
	require.True(t, got.CompletedAt.Equal(done), "CompletedAt %s, want Now %s", got.CompletedAt, done)
	require.True(t, got.LeaseUntil.IsZero())
	require.Len(t, got.Attempts, 2)
	require.Equal(t, []int{1, 2}, []int{got.Attempts[0].Number, got.Attempts[1].Number}, "attempts oldest first")
	require.Equal(t, store.AttemptSuccess, got.LatestAttempt().Status)

	// Contract: the store cuts ResponseBody to store.MaxResponseExcerpt
	// characters, whatever the caller sent.
	d3 := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d3)
	long := failedAttempt(d3.ID, done)
	long.ResponseBody = strings.Repeat("é", store.MaxResponseExcerpt+500)
	record(t, s, store.RecordParams{Now: done, Records: []store.AttemptRecord{{Attempt: long, Status: store.StatusFailed}}})
	require.Equal(t, store.Excerpt(long.ResponseBody), getDelivery(t, s, d3.ID).Attempts[0].ResponseBody, "stored excerpt")

	// Contract: a retrying record without NextAttemptAt is due at Now.
	d2 := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d2)
	record(t, s, store.RecordParams{Now: done, Records: []store.AttemptRecord{{
		Attempt: failedAttempt(d2.ID, done), Status: store.StatusRetrying,
	}}})
	require.True(t, getDelivery(t, s, d2.ID).NextAttemptAt.Equal(done), "NextAttemptAt defaults to Now")
}

func testRecordSeveralInOneCall(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)

	record(t, s, store.RecordParams{Now: BaseTime().Add(time.Minute), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(d.ID, BaseTime()), Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Second)},
		{Attempt: failedAttempt(d.ID, BaseTime().Add(time.Second)), Status: store.StatusFailed},
	}})
	got := getDelivery(t, s, d.ID)
	require.Equal(t, store.StatusFailed, got.Status, "records apply in order")
	require.Equal(t, 2, got.AttemptCount)
	require.Len(t, got.Attempts, 2)
	require.Equal(t, 1, got.Attempts[0].Number)
	require.Equal(t, 2, got.Attempts[1].Number)
	require.True(t, got.Attempts[0].StartedAt.Before(got.Attempts[1].StartedAt), "oldest first")
}

// testRecordDeferrable checks that a deferrable record is stored by the
// time RecordAttempts returns, as any other.
func testRecordDeferrable(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)

	record(t, s, store.RecordParams{Now: BaseTime().Add(time.Minute), Deferrable: true, Records: []store.AttemptRecord{
		{Attempt: store.Attempt{DeliveryID: d.ID, Status: store.AttemptSuccess, ResponseStatus: 200, StartedAt: BaseTime()},
			Status: store.StatusSuccess},
	}})
	got := getDelivery(t, s, d.ID)
	require.Equal(t, store.StatusSuccess, got.Status)
	require.Len(t, got.Attempts, 1)
	require.Equal(t, int64(1), getEndpoint(t, s, e.ID).SuccessCount)
}

// testRecordKeepTarget checks that an attempt recorded with KeepTarget
// changes its delivery but not its target.
func testRecordKeepTarget(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	ds := []*store.Delivery{
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	}
	Enqueue(t, s, ds...)
	before := getEndpoint(t, s, e.ID)

	// One record alone and two together, since stores may write batches
	// another way.
	for _, batch := range [][]*store.Delivery{ds[:1], ds} {
		var records []store.AttemptRecord
		for _, d := range batch {
			records = append(records, store.AttemptRecord{
				Attempt: failedAttempt(d.ID, BaseTime()), Status: store.StatusRetrying,
				NextAttemptAt: BaseTime(), KeepTarget: true,
			})
		}
		record(t, s, store.RecordParams{Now: BaseTime().Add(time.Minute), Records: records,
			DisableAfterFailures: 1, DisableAfterWindow: 0})
	}
	got := getDelivery(t, s, ds[1].ID)
	require.Equal(t, store.StatusRetrying, got.Status)
	require.Len(t, got.Attempts, 1)
	after := getEndpoint(t, s, e.ID)
	require.Equal(t, before.FailureCount, after.FailureCount)
	require.Equal(t, before.ConsecutiveFailures, after.ConsecutiveFailures)
	require.Equal(t, before.LastError, after.LastError)
	require.True(t, after.IsActive, "the consecutive-failure rule disabled the endpoint")
}

func testRecordWebhookCounters(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
	)
	t0 := BaseTime().Add(time.Second)
	t1 := BaseTime().Add(2 * time.Second)
	t2 := BaseTime().Add(3 * time.Second)

	f0 := failedAttempt(ids[0], t0)
	f0.ErrorMessage = "connection refused"
	record(t, s, store.RecordParams{Now: t0.Add(time.Second), Records: []store.AttemptRecord{
		{Attempt: f0, Status: store.StatusRetrying, NextAttemptAt: t2},
	}})
	got := getEndpoint(t, s, e.ID)
	require.Equal(t, int64(0), got.SuccessCount)
	require.Equal(t, int64(1), got.FailureCount)
	require.Equal(t, 1, got.ConsecutiveFailures)
	// Contract: the target's times come from the attempt's StartedAt.
	require.True(t, got.FirstFailureAt.Equal(t0), "FirstFailureAt %s", got.FirstFailureAt)
	require.True(t, got.LastTriggeredAt.Equal(t0), "LastTriggeredAt %s", got.LastTriggeredAt)
	require.Equal(t, "connection refused", got.LastError)
	require.True(t, got.LastErrorAt.Equal(t0), "LastErrorAt %s", got.LastErrorAt)

	f1 := failedAttempt(ids[1], t1)
	f1.ErrorMessage = "HTTP 503"
	record(t, s, store.RecordParams{Now: t1.Add(time.Second), Records: []store.AttemptRecord{
		{Attempt: f1, Status: store.StatusFailed},
	}})
	got = getEndpoint(t, s, e.ID)
	require.Equal(t, int64(2), got.FailureCount)
	require.Equal(t, 2, got.ConsecutiveFailures)
	require.True(t, got.FirstFailureAt.Equal(t0), "FirstFailureAt keeps the first failure")
	require.Equal(t, "HTTP 503", got.LastError)
	require.True(t, got.LastErrorAt.Equal(t1))
	require.True(t, got.LastTriggeredAt.Equal(t1))

	record(t, s, store.RecordParams{Now: t2.Add(time.Second), Records: []store.AttemptRecord{
		{Attempt: successAttempt(ids[2], t2), Status: store.StatusSuccess},
	}})
	got = getEndpoint(t, s, e.ID)
	require.Equal(t, int64(1), got.SuccessCount)
	require.Equal(t, int64(2), got.FailureCount)
	require.Zero(t, got.ConsecutiveFailures, "a success ends the streak")
	require.True(t, got.FirstFailureAt.IsZero(), "FirstFailureAt after a success")
	require.True(t, got.LastTriggeredAt.Equal(t2))
	// Contract: a success keeps LastError and LastErrorAt, because they
	// describe the last error, not the current state.
	require.Equal(t, "HTTP 503", got.LastError)
	require.True(t, got.LastErrorAt.Equal(t1))
	require.True(t, got.IsActive)
	// Contract: counters are not configuration changes, so RecordAttempts
	// leaves the target's UpdatedAt alone.
	require.True(t, got.UpdatedAt.Equal(e.UpdatedAt), "UpdatedAt %s, want %s", got.UpdatedAt, e.UpdatedAt)
}

func testRecordOtherTargets(t *testing.T, s store.Store) {
	ctx := t.Context()
	slack := createSlack(t, s, "alice", "alerts")
	email := createEmail(t, s, "alice")
	gh := createGitHub(t, s, "alice", "acme", "api")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelEmail, email.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelGitHub, gh.ID, "alice", BaseTime()),
	)
	t0, t1 := BaseTime().Add(time.Second), BaseTime().Add(2*time.Second)
	slackFail := failedAttempt(ids[1], t1)
	slackFail.ErrorMessage = "channel_not_found"
	emailFail := failedAttempt(ids[2], t1)
	emailFail.ErrorMessage = "550 mailbox unavailable"
	ghFail := failedAttempt(ids[3], t1)
	ghFail.ErrorMessage = "Bad credentials"
	record(t, s, store.RecordParams{Now: t1.Add(time.Second), Records: []store.AttemptRecord{
		{Attempt: successAttempt(ids[0], t0), Status: store.StatusSuccess},
		{Attempt: slackFail, Status: store.StatusFailed},
		{Attempt: emailFail, Status: store.StatusFailed},
		{Attempt: ghFail, Status: store.StatusFailed},
	}})

	gotSlack, err := s.GetSlackIntegration(ctx, store.AsAdmin(), slack.ID)
	require.NoError(t, err)
	require.True(t, gotSlack.LastUsedAt.Equal(t0), "Slack LastUsedAt is the successful attempt's start, got %s", gotSlack.LastUsedAt)
	require.Equal(t, "channel_not_found", gotSlack.LastError)
	require.True(t, gotSlack.LastErrorAt.Equal(t1), "Slack LastErrorAt")
	require.True(t, gotSlack.IsActive, "a failure alone does not disable Slack")

	gotEmail, err := s.GetEmailSettings(ctx, store.AsAdmin(), "alice")
	require.NoError(t, err)
	require.Equal(t, "550 mailbox unavailable", gotEmail.LastError)
	require.True(t, gotEmail.LastErrorAt.Equal(t1), "email LastErrorAt")

	gotGH, err := s.GetGitHubIntegration(ctx, store.AsAdmin(), gh.ID)
	require.NoError(t, err)
	require.Equal(t, "Bad credentials", gotGH.LastError)
	require.True(t, gotGH.LastErrorAt.Equal(t1), "GitHub LastErrorAt")
	require.True(t, gotGH.IsActive)

	for i, want := range []store.DeliveryStatus{store.StatusSuccess, store.StatusFailed, store.StatusFailed, store.StatusFailed} {
		d := getDelivery(t, s, ids[i])
		require.Equal(t, want, d.Status, "delivery %d", i)
		require.Equal(t, 1, d.AttemptCount, "delivery %d", i)
	}
}

func testRecordDisableReason(t *testing.T, s store.Store) {
	ctx := t.Context()
	e := CreateWebhookEndpoint(t, s, "alice", "gone")
	slack := createSlack(t, s, "alice", "alerts")
	gh := createGitHub(t, s, "alice", "acme", "api")
	email := createEmail(t, s, "alice")
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelGitHub, gh.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelEmail, email.ID, "alice", BaseTime()),
	)
	gone := failedAttempt(ids[0], BaseTime())
	gone.ResponseStatus = 410
	res := record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: gone, Status: store.StatusFailed, DisableReason: "410 Gone"},
		{Attempt: gone, Status: store.StatusFailed, DisableReason: "410 Gone again"},
		{Attempt: failedAttempt(ids[2], BaseTime()), Status: store.StatusFailed, DisableReason: "invalid_auth"},
		{Attempt: failedAttempt(ids[3], BaseTime()), Status: store.StatusFailed, DisableReason: "Bad credentials"},
		{Attempt: failedAttempt(ids[4], BaseTime()), Status: store.StatusFailed, DisableReason: "ignored"},
	}})

	// Contract: Disabled lists each target once, in record order, when it
	// turns inactive. A target that is already inactive keeps its first
	// reason. Email settings have no IsActive, so they ignore DisableReason.
	require.Equal(t, []store.DisabledTarget{
		{Channel: store.ChannelWebhook, TargetID: e.ID, Reason: "410 Gone"},
		{Channel: store.ChannelSlack, TargetID: slack.ID, Reason: "invalid_auth"},
		{Channel: store.ChannelGitHub, TargetID: gh.ID, Reason: "Bad credentials"},
	}, res.Disabled)

	gotE := getEndpoint(t, s, e.ID)
	require.False(t, gotE.IsActive)
	require.Equal(t, "410 Gone", gotE.DisabledReason)
	gotSlack, err := s.GetSlackIntegration(ctx, store.AsAdmin(), slack.ID)
	require.NoError(t, err)
	require.False(t, gotSlack.IsActive)
	require.Equal(t, "invalid_auth", gotSlack.DisabledReason)
	gotGH, err := s.GetGitHubIntegration(ctx, store.AsAdmin(), gh.ID)
	require.NoError(t, err)
	require.False(t, gotGH.IsActive)
	require.Equal(t, "Bad credentials", gotGH.DisabledReason)

	// The second record of the webhook delivery was for a final delivery:
	// stored, state unchanged.
	d := getDelivery(t, s, ids[0])
	require.Len(t, d.Attempts, 2)
	require.Equal(t, 1, d.AttemptCount)

	again := record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(ids[1], BaseTime()), Status: store.StatusFailed, DisableReason: "410 Gone later"},
	}})
	require.Empty(t, again.Disabled, "an inactive target is not disabled twice")
	require.Equal(t, "410 Gone", getEndpoint(t, s, e.ID).DisabledReason)
}

func testRecordFailureRule(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "flaky")
	var ids []string
	for range 4 {
		ids = append(ids, Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))...)
	}
	fail := func(id string, at time.Time, rule int) store.RecordResult {
		t.Helper()
		return record(t, s, store.RecordParams{
			Now: at, DisableAfterFailures: rule, DisableAfterWindow: time.Hour,
			Records: []store.AttemptRecord{{Attempt: failedAttempt(id, at), Status: store.StatusFailed}},
		})
	}

	// Three failures within the window: enough failures, too little time.
	for i, at := range []time.Time{BaseTime(), BaseTime().Add(10 * time.Minute), BaseTime().Add(20 * time.Minute)} {
		require.Empty(t, fail(ids[i], at, 3).Disabled, "failure %d", i+1)
	}
	require.True(t, getEndpoint(t, s, e.ID).IsActive, "disabled before the window passed")

	// Contract: the rule compares Now with FirstFailureAt, and the reason
	// names ConsecutiveFailures and FirstFailureAt in RFC 3339 UTC.
	res := fail(ids[3], BaseTime().Add(time.Hour), 3)
	reason := "4 consecutive failures since 2026-03-01T12:00:00Z"
	require.Len(t, res.Disabled, 1, "the rule disables one endpoint")
	require.Equal(t, store.DisabledTarget{Channel: store.ChannelWebhook, TargetID: e.ID, Reason: reason}, res.Disabled[0])
	got := getEndpoint(t, s, e.ID)
	require.False(t, got.IsActive)
	require.Equal(t, reason, got.DisabledReason)
	require.Equal(t, 4, got.ConsecutiveFailures)

	// With DisableAfterFailures zero the rule is off.
	off := CreateWebhookEndpoint(t, s, "alice", "rule-off")
	for i := range 5 {
		at := BaseTime().Add(time.Duration(i) * time.Hour)
		id := Enqueue(t, s, NewDelivery(store.ChannelWebhook, off.ID, "alice", BaseTime()))[0]
		require.Empty(t, fail(id, at, 0).Disabled, "rule off, failure %d", i+1)
	}
	gotOff := getEndpoint(t, s, off.ID)
	require.True(t, gotOff.IsActive, "rule off")
	require.Equal(t, 5, gotOff.ConsecutiveFailures)

	// A success ends the streak, so the rule starts over.
	reset := CreateWebhookEndpoint(t, s, "alice", "recovers")
	streak := Enqueue(t, s,
		NewDelivery(store.ChannelWebhook, reset.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, reset.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelWebhook, reset.ID, "alice", BaseTime()),
	)
	fail(streak[0], BaseTime(), 2)
	record(t, s, store.RecordParams{Now: BaseTime().Add(time.Hour), Records: []store.AttemptRecord{
		{Attempt: successAttempt(streak[1], BaseTime().Add(time.Hour)), Status: store.StatusSuccess},
	}})
	require.Empty(t, fail(streak[2], BaseTime().Add(3*time.Hour), 2).Disabled, "one failure after a success")
	require.True(t, getEndpoint(t, s, reset.ID).IsActive)
}

func testRecordOnFinal(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)
	done := BaseTime().Add(time.Minute)
	record(t, s, store.RecordParams{Now: done, Records: []store.AttemptRecord{
		{Attempt: successAttempt(d.ID, BaseTime()), Status: store.StatusSuccess},
	}})

	// A worker whose lease ran out reports late.
	late := failedAttempt(d.ID, BaseTime().Add(30*time.Second))
	record(t, s, store.RecordParams{Now: BaseTime().Add(2 * time.Minute), Records: []store.AttemptRecord{
		{Attempt: late, Status: store.StatusRetrying, NextAttemptAt: BaseTime().Add(time.Hour)},
	}})

	got := getDelivery(t, s, d.ID)
	// Contract: the delivery row does not change at all (status, attempt
	// count, times); the attempt is stored with Number = AttemptCount+1.
	require.Equal(t, store.StatusSuccess, got.Status)
	require.Equal(t, 1, got.AttemptCount)
	require.True(t, got.CompletedAt.Equal(done), "CompletedAt")
	require.True(t, got.UpdatedAt.Equal(done), "UpdatedAt")
	require.Len(t, got.Attempts, 2, "the late attempt is stored")
	require.Equal(t, 2, got.Attempts[1].Number)
	require.Equal(t, store.AttemptFailed, got.Attempts[1].Status)
	// Contract: the target's counters still count the late attempt, since
	// the request did reach the target.
	gotE := getEndpoint(t, s, e.ID)
	require.Equal(t, int64(1), gotE.SuccessCount)
	require.Equal(t, int64(1), gotE.FailureCount)
	require.Empty(t, claim(t, s, BaseTime().Add(2*time.Hour), 10), "a final delivery stays final")

	// A second late attempt, then a manual retry and its attempt. Contract:
	// every attempt keeps a number of its own, in the order recorded.
	record(t, s, store.RecordParams{Now: BaseTime().Add(3 * time.Minute), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(d.ID, BaseTime().Add(40*time.Second)), Status: store.StatusRetrying,
			NextAttemptAt: BaseTime().Add(time.Hour)},
	}})
	_, err := s.RetryDelivery(t.Context(), store.RetryParams{Access: store.AsAdmin(), ID: d.ID, Now: BaseTime().Add(4 * time.Minute)})
	require.NoError(t, err)
	record(t, s, store.RecordParams{Now: BaseTime().Add(5 * time.Minute), Records: []store.AttemptRecord{
		{Attempt: successAttempt(d.ID, BaseTime().Add(4*time.Minute)), Status: store.StatusSuccess},
	}})
	got = getDelivery(t, s, d.ID)
	numbers := make([]int, len(got.Attempts))
	for i, a := range got.Attempts {
		numbers[i] = a.Number
	}
	require.Equal(t, []int{1, 2, 3, 4}, numbers, "attempt numbers")
}

func testRecordUnknown(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)
	ghost := store.NewID()

	res := record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(ghost, BaseTime()), Status: store.StatusFailed, DisableReason: "410 Gone"},
		{Attempt: successAttempt(d.ID, BaseTime()), Status: store.StatusSuccess},
	}})
	require.Empty(t, res.Disabled)
	_, err := s.GetDelivery(t.Context(), store.AsAdmin(), ghost)
	require.ErrorIs(t, err, store.ErrNotFound)
	got := getDelivery(t, s, d.ID)
	require.Equal(t, store.StatusSuccess, got.Status, "the known delivery is recorded")
	require.Equal(t, int64(1), getEndpoint(t, s, e.ID).SuccessCount)
	require.Equal(t, int64(0), getEndpoint(t, s, e.ID).FailureCount, "the skipped record touched no counter")
}

func testRecordInvalidStatus(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	d := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, d)

	for _, status := range []store.DeliveryStatus{"", "done", store.StatusPending} {
		_, err := s.RecordAttempts(t.Context(), store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
			{Attempt: successAttempt(d.ID, BaseTime()), Status: store.StatusSuccess},
			{Attempt: successAttempt(d.ID, BaseTime()), Status: status},
		}})
		// Contract: a record whose Status is not retrying or a final state
		// is ErrInvalid, and the call writes nothing.
		require.ErrorIs(t, err, store.ErrInvalid, "status %q", status)
	}
	got := getDelivery(t, s, d.ID)
	require.Equal(t, store.StatusPending, got.Status)
	require.Empty(t, got.Attempts)
	require.Zero(t, getEndpoint(t, s, e.ID).SuccessCount)
}

// testRecordConcurrent has 20 goroutines record attempts for deliveries of
// one endpoint at once, and checks that no attempt or count is lost.
func testRecordConcurrent(t *testing.T, s store.Store) {
	const (
		workers  = 20
		attempts = 5 // per delivery; attempts 1, 3 and 5 succeed
	)
	e := CreateWebhookEndpoint(t, s, "alice", "busy")
	var ds []*store.Delivery
	for range workers {
		ds = append(ds, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))
	}
	ids := Enqueue(t, s, ds...)

	errs := make(chan error, workers*attempts)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := 1; n <= attempts; n++ {
				at := BaseTime().Add(time.Duration(n) * time.Second)
				a := failedAttempt(ids[w], at)
				if n%2 == 1 {
					a = successAttempt(ids[w], at)
				}
				status := store.StatusRetrying
				if n == attempts {
					status = store.StatusSuccess
				}
				_, err := s.RecordAttempts(t.Context(), store.RecordParams{Now: at, Records: []store.AttemptRecord{
					{Attempt: a, Status: status, NextAttemptAt: at.Add(time.Second)},
				}})
				if err != nil {
					errs <- fmt.Errorf("worker %d attempt %d: %w", w, n, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	got := getEndpoint(t, s, e.ID)
	require.Equal(t, int64(workers*3), got.SuccessCount, "SuccessCount")
	require.Equal(t, int64(workers*2), got.FailureCount, "FailureCount")
	for w, id := range ids {
		d := getDelivery(t, s, id)
		require.Equal(t, attempts, d.AttemptCount, "delivery of worker %d", w)
		require.Equal(t, store.StatusSuccess, d.Status, "delivery of worker %d", w)
		require.Len(t, d.Attempts, attempts, "attempts of worker %d", w)
		for i, a := range d.Attempts {
			require.Equal(t, i+1, a.Number, "attempt %d of worker %d", i, w)
		}
	}
}

// testRecordMixedCall records, in one call, attempts for a queued delivery,
// a final one and an unknown one, with bodies that are not plain ASCII.
func testRecordMixedCall(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "ci")
	final := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	queued := NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime())
	Enqueue(t, s, final, queued)
	record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: successAttempt(final.ID, BaseTime()), Status: store.StatusSuccess},
	}})

	failed := failedAttempt(queued.ID, BaseTime().Add(time.Second))
	failed.ResponseBody = strings.Repeat("é", store.MaxResponseExcerpt+10)
	failed.ErrorMessage = "HTTP 500: \"quoted\" ✗"
	late := successAttempt(final.ID, BaseTime().Add(2*time.Second))
	late.ResponseBody = "line one\nline two\t\u0000end"
	next := BaseTime().Add(time.Hour)
	record(t, s, store.RecordParams{Now: BaseTime().Add(3 * time.Second), Records: []store.AttemptRecord{
		{Attempt: failed, Status: store.StatusRetrying, NextAttemptAt: next},
		{Attempt: failedAttempt(store.NewID(), BaseTime()), Status: store.StatusFailed},
		{Attempt: late, Status: store.StatusSuccess},
	}})

	gotQueued := getDelivery(t, s, queued.ID)
	require.Equal(t, store.StatusRetrying, gotQueued.Status)
	require.Equal(t, 1, gotQueued.AttemptCount)
	require.True(t, gotQueued.NextAttemptAt.Equal(next), "NextAttemptAt %s", gotQueued.NextAttemptAt)
	require.Len(t, gotQueued.Attempts, 1)
	require.Equal(t, 1, gotQueued.Attempts[0].Number)
	require.Equal(t, strings.Repeat("é", store.MaxResponseExcerpt), gotQueued.Attempts[0].ResponseBody)
	require.Equal(t, failed.ErrorMessage, gotQueued.Attempts[0].ErrorMessage)
	require.Equal(t, 500, gotQueued.Attempts[0].ResponseStatus)
	require.Equal(t, int64(120), gotQueued.Attempts[0].DurationMS)

	gotFinal := getDelivery(t, s, final.ID)
	require.Equal(t, store.StatusSuccess, gotFinal.Status)
	require.Equal(t, 1, gotFinal.AttemptCount, "a final delivery does not count the late attempt")
	require.Len(t, gotFinal.Attempts, 2)
	require.Equal(t, 2, gotFinal.Attempts[1].Number)
	require.Equal(t, late.ResponseBody, gotFinal.Attempts[1].ResponseBody)

	gotE := getEndpoint(t, s, e.ID)
	require.Equal(t, int64(2), gotE.SuccessCount)
	require.Equal(t, int64(1), gotE.FailureCount, "the unknown delivery counts nothing")
}

func testRecordDisableCredential(t *testing.T, s store.Store) {
	ctx := t.Context()
	slack := createSlack(t, s, "alice", "alerts")
	gh := createGitHub(t, s, "alice", "acme", "api")
	oldSlack, oldGitHub := store.CredentialHash(slack.BotToken), store.CredentialHash(gh.AccessToken)
	slack.BotToken = store.NewSecret("xoxb-replaced")
	require.NoError(t, s.UpdateSlackIntegration(ctx, store.AsUser("alice"), slack))
	gh.AccessToken = store.NewSecret("ghp_replaced")
	require.NoError(t, s.UpdateGitHubIntegration(ctx, store.AsUser("alice"), gh))
	ids := Enqueue(t, s,
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelGitHub, gh.ID, "alice", BaseTime()),
		NewDelivery(store.ChannelSlack, slack.ID, "alice", BaseTime()),
	)

	// Contract: a rejection of a credential that the integration no longer
	// has disables nothing; one of its current credential disables it.
	res := record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(ids[0], BaseTime()), Status: store.StatusFailed, DisableReason: "invalid_auth", CredentialHash: oldSlack},
		{Attempt: failedAttempt(ids[1], BaseTime()), Status: store.StatusFailed, DisableReason: "Bad credentials", CredentialHash: oldGitHub},
	}})
	require.Empty(t, res.Disabled)
	gotSlack, err := s.GetSlackIntegration(ctx, store.AsAdmin(), slack.ID)
	require.NoError(t, err)
	require.True(t, gotSlack.IsActive, "Slack after a rejection of its old token")
	gotGitHub, err := s.GetGitHubIntegration(ctx, store.AsAdmin(), gh.ID)
	require.NoError(t, err)
	require.True(t, gotGitHub.IsActive, "GitHub after a rejection of its old token")

	res = record(t, s, store.RecordParams{Now: BaseTime(), Records: []store.AttemptRecord{
		{Attempt: failedAttempt(ids[2], BaseTime()), Status: store.StatusFailed, DisableReason: "invalid_auth",
			CredentialHash: store.CredentialHash(store.NewSecret("xoxb-replaced"))},
	}})
	require.Len(t, res.Disabled, 1)
	gotSlack, err = s.GetSlackIntegration(ctx, store.AsAdmin(), slack.ID)
	require.NoError(t, err)
	require.False(t, gotSlack.IsActive, "Slack after a rejection of its current token")
}

func testRecordGoneAtThreshold(t *testing.T, s store.Store) {
	e := CreateWebhookEndpoint(t, s, "alice", "gone")
	var ids []string
	for range 3 {
		ids = append(ids, Enqueue(t, s, NewDelivery(store.ChannelWebhook, e.ID, "alice", BaseTime()))...)
	}
	failure := func(id, reason string) store.RecordResult {
		t.Helper()
		a := failedAttempt(id, BaseTime())
		return record(t, s, store.RecordParams{Now: BaseTime(), DisableAfterFailures: 3, Records: []store.AttemptRecord{
			{Attempt: a, Status: store.StatusFailed, DisableReason: reason},
		}})
	}
	require.Empty(t, failure(ids[0], "").Disabled)
	require.Empty(t, failure(ids[1], "").Disabled)

	// Contract: a record's own reason wins over the consecutive-failure
	// rule that the same attempt reaches.
	res := failure(ids[2], "410 Gone")
	require.Len(t, res.Disabled, 1)
	require.Equal(t, "410 Gone", res.Disabled[0].Reason)
	require.Equal(t, "410 Gone", getEndpoint(t, s, e.ID).DisabledReason)
}
