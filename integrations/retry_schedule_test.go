package integrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
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
