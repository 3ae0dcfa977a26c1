package integrations

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

func TestSenderPanicIsFailedAttempt(t *testing.T) {
	st := memory.New(memory.Options{})
	ep := store.NewWebhookEndpoint("alice")
	ep.Name, ep.URL, ep.TriggerOnCommandExecution = "r", "https://example.invalid/hook", true
	ep.RetryCount = 2
	require.NoError(t, st.CreateWebhookEndpoint(context.Background(), ep))

	finished := make(chan DeliveryReport, 1)
	d, err := New(Config{Store: st, RetryBase: time.Millisecond, PollInterval: 10 * time.Millisecond,
		OnDeliveryFinished: func(r DeliveryReport) {
			finished <- r
			panic("host callback panics too")
		}})
	require.NoError(t, err)
	d.senders[store.ChannelWebhook] = func(context.Context, *store.Delivery) outcome {
		panic("leaf panics")
	}
	require.NoError(t, d.Start(context.Background()))
	defer func() { require.NoError(t, d.Stop(context.Background())) }()

	ids, err := d.CommandExecuted(context.Background(), CommandResult{CommandName: "c", ExecutionID: "x",
		UserID: "alice", Status: StatusSuccess})
	require.NoError(t, err)

	select {
	case r := <-finished:
		assert.Equal(t, store.StatusFailed, r.Status)
		assert.Equal(t, 2, r.Attempts)
	case <-time.After(20 * time.Second):
		t.Fatal("delivery never finished")
	}
	got, err := st.GetDelivery(context.Background(), store.AsAdmin(), ids[0])
	require.NoError(t, err)
	require.Len(t, got.Attempts, 2)
	assert.Equal(t, "internal error: delivery attempt panicked", got.Attempts[0].ErrorMessage)
}
