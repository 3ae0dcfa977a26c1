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
		{"no name or id", command(func(c *integrations.CommandResult) { c.CommandName = " " }), "missing CommandName and CommandID"},
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
		ExecutionID: "run-2", UserID: testUser, Status: integrations.StatusCompleted,
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing WorkflowName and WorkflowID")

	written, err := e.st.ListDeliveries(ctx, store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	assert.Empty(t, written, "a rejected run wrote deliveries")

	// A run with an id and no name, and a negative time (clocks that
	// disagree), is sent under its id with a time of zero. The rejections
	// before it left nothing behind that blocks it.
	ids, err := e.d.CommandExecuted(ctx, command(func(c *integrations.CommandResult) {
		c.CommandName, c.CommandID, c.ExecutionTime = "", "cmd-7", -time.Millisecond
	}))
	require.NoError(t, err)
	got := e.waitFinal(t, ids)
	assert.Equal(t, store.StatusSuccess, got[0].Status)
	reqs, err := rcv.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)
	assert.Contains(t, string(reqs[0].Body), `"command_name":"cmd-7"`)
	assert.Contains(t, string(reqs[0].Body), `"execution_time":0,`)
	assert.Contains(t, string(reqs[0].Body), `"result_summary":"Command executed successfully (cost: $0.0100)"`)
}
