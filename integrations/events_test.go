package integrations_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
)

// TestImpossibleRunsAreRejected dispatches runs whose values no real run
// has. Each call fails with an error that names the field, and no delivery
// is written.
func TestImpossibleRunsAreRejected(t *testing.T) {
	e := newEnv(t, "memory", nil)
	rcv := fakereceiver.New(t, fakereceiver.OK())
	e.addWebhook(t, rcv.URL, nil)
	ctx := context.Background()
	command := func(edit func(*integrations.CommandResult)) integrations.CommandResult {
		c := integrations.CommandResult{
			CommandName: "deploy", ExecutionID: "run-1", UserID: testUser, Status: integrations.StatusSuccess,
			ExecutionTime: time.Second, Cost: 0.01,
		}
		edit(&c)
		return c
	}
	cases := []struct {
		name string
		res  integrations.CommandResult
		want string
	}{
		{"no name", command(func(c *integrations.CommandResult) { c.CommandName = " " }), "missing CommandName"},
		{"negative time", command(func(c *integrations.CommandResult) { c.ExecutionTime = -time.Second }), "ExecutionTime -1s is negative"},
		{"negative cost", command(func(c *integrations.CommandResult) { c.Cost = -1 }), "Cost -1"},
		{"cost not a number", command(func(c *integrations.CommandResult) { c.Cost = math.NaN() }), "Cost NaN"},
		{"infinite cost", command(func(c *integrations.CommandResult) { c.Cost = math.Inf(1) }), "Cost +Inf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids, err := e.d.CommandExecuted(ctx, tc.res)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, ids)
		})
	}

	_, err := e.d.WorkflowCompleted(ctx, integrations.WorkflowRun{
		WorkflowID: "wf-1", ExecutionID: "run-2", UserID: testUser, Status: integrations.StatusCompleted,
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `workflow "wf-1": missing WorkflowName`)

	written, err := e.st.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	assert.Empty(t, written, "a rejected run wrote deliveries")

	// A valid run after them is written and sent, so the rejections left
	// nothing behind that blocks it.
	ids, err := e.d.CommandExecuted(ctx, command(func(*integrations.CommandResult) {}))
	require.NoError(t, err)
	got := e.waitFinal(t, ids)
	assert.Equal(t, store.StatusSuccess, got[0].Status)
}
