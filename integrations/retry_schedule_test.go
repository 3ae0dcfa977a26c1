package integrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
)

// Retries scheduled close together must each run at their own time, not at
// the next poll: the claim loop has to remember every scheduled time, and
// wake up for a retry recorded while it already waits.
func TestOverlappingRetriesKeepTheirDelays(t *testing.T) {
	const base = 50 * time.Millisecond
	e := newEnv(t, "memory", func(c *integrations.Config) {
		c.RetryBase = base
		c.PollInterval = time.Minute
	})
	for range 4 {
		recv := fakereceiver.New(t, fakereceiver.FailThenOK(1, 500))
		e.addWebhook(t, recv.URL, nil)
	}

	ids, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
		CommandName: "deploy", ExecutionID: "run-overlap", UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)
	require.Len(t, ids, 4)

	for _, d := range e.waitFinal(t, ids) {
		require.Len(t, d.Attempts, 2, "delivery %s", d.ID)
		gap := d.Attempts[1].StartedAt.Sub(d.Attempts[0].StartedAt)
		assert.Less(t, gap, time.Second, "delivery %s: the retry waited for a poll instead of its delay", d.ID)
	}
}

// A retry scheduled before a restart runs at its own time after the
// restart, not at the new run's first poll.
func TestRetryScheduledBeforeRestartKeepsItsDelay(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.RetryBase = time.Second
		c.PollInterval = time.Minute
	})
	recv := fakereceiver.New(t, fakereceiver.FailThenOK(1, 500))
	e.addWebhook(t, recv.URL, nil)
	ctx := context.Background()

	ids, err := e.d.CommandExecuted(ctx, integrations.CommandResult{
		CommandName: "deploy", ExecutionID: "run-restart", UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)
	require.Len(t, ids, 1)
	require.Eventually(t, func() bool {
		got, err := e.st.GetDelivery(ctx, store.AsAdmin(), ids[0])
		return err == nil && len(got.Attempts) == 1
	}, waitTimeout, 5*time.Millisecond, "the first attempt was never recorded")
	require.NoError(t, e.d.Stop(ctx))
	require.NoError(t, e.d.Start(ctx))

	d := e.waitFinal(t, ids)[0]
	require.Len(t, d.Attempts, 2)
	gap := d.Attempts[1].StartedAt.Sub(d.Attempts[0].StartedAt)
	assert.Less(t, gap, 10*time.Second, "the retry waited for the next poll instead of its delay")
}

// Retries that an earlier run left in the store each run at their own time
// after a start, the later ones too, not at a poll.
func TestStoredRetriesKeepTheirTimes(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *integrations.Config) { c.PollInterval = time.Minute })
	recv := fakereceiver.New(t, fakereceiver.OK())
	ep := e.addWebhook(t, recv.URL, nil)
	ctx := context.Background()
	require.NoError(t, e.d.Stop(ctx))

	now := time.Now()
	var due []*store.Delivery
	for i, wait := range []time.Duration{200 * time.Millisecond, 700 * time.Millisecond, 1200 * time.Millisecond} {
		due = append(due, &store.Delivery{Channel: store.ChannelWebhook, TargetID: ep.ID, UserID: testUser,
			EventType: "workflow.completed", Payload: []byte(`{"event":"workflow.completed","n":` + string(rune('0'+i)) + `}`),
			Status: store.StatusRetrying, AttemptCount: 1, MaxAttempts: 3, NextAttemptAt: now.Add(wait)})
	}
	res, err := e.st.EnqueueDeliveries(ctx, due)
	require.NoError(t, err)
	require.NoError(t, e.d.Start(ctx))

	for i, d := range e.waitFinal(t, []string{res[0].ID, res[1].ID, res[2].ID}) {
		require.Len(t, d.Attempts, 1, "delivery %d", i)
		late := d.Attempts[0].StartedAt.Sub(due[i].NextAttemptAt)
		assert.Less(t, late, 5*time.Second, "delivery %d waited for a poll instead of its time", i)
	}
}
