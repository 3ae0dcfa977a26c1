package integrations_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// Stop documents that an attempt cut off by its deadline leaves the
// delivery due again at once. That must hold for the last allowed attempt
// too: the target may never have received the request.
func TestStopAbandonsLastAttempt(t *testing.T) {
	for _, kind := range []string{"sqlite", "memory"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind, nil)
			slow := fakereceiver.New(t, fakereceiver.Hang())
			t.Cleanup(slow.Release)
			e.addWebhook(t, slow.URL, func(ep *store.WebhookEndpoint) {
				ep.RetryCount = 1
				ep.TimeoutSeconds = 30
			})

			ids := command(t, e.d, "run-abandon")
			require.Len(t, ids, 1)
			slow.AwaitRequests(1)

			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			err := e.d.Stop(ctx)
			require.ErrorIs(t, err, context.DeadlineExceeded)

			got, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), ids[0])
			require.NoError(t, err)
			require.Len(t, got.Attempts, 1)
			assert.Contains(t, got.Attempts[0].ErrorMessage, "abandoned")
			assert.Equal(t, store.StatusRetrying, got.Status,
				"an abandoned last attempt made the delivery final, so it is never sent again")
			ep, err := e.st.GetWebhookEndpoint(context.Background(), store.AsAdmin(), got.TargetID)
			require.NoError(t, err)
			assert.Zero(t, ep.FailureCount, "a stop, not the endpoint, cut the attempt off")
			assert.Empty(t, ep.LastError)
		})
	}
}

// A target that hangs, with a backlog of due deliveries older than another
// target's, must not keep the other target from its free workers.
func TestHangingBacklogDoesNotStarveOthers(t *testing.T) {
	for _, kind := range []string{"sqlite", "memory"} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			var st store.Store
			if kind == "sqlite" {
				st = openSQLite(t, filepath.Join(t.TempDir(), "integrations.db"))
			} else {
				st = memory.New(memory.Options{})
			}
			t.Cleanup(func() { _ = st.Close() })

			slow := fakereceiver.New(t, fakereceiver.Hang())
			t.Cleanup(slow.Release)
			fast := fakereceiver.New(t, fakereceiver.OK())
			hanging := store.NewWebhookEndpoint(testUser)
			hanging.Name, hanging.URL, hanging.TimeoutSeconds = "hanging", slow.URL, 30
			hanging.Secret = store.NewSecret(hookSecret)
			require.NoError(t, st.CreateWebhookEndpoint(ctx, hanging))
			healthy := store.NewWebhookEndpoint(testUser)
			healthy.Name, healthy.URL = "healthy", fast.URL
			healthy.Secret = store.NewSecret(hookSecret)
			require.NoError(t, st.CreateWebhookEndpoint(ctx, healthy))

			// 1,400 due deliveries of the hanging target, then one of the
			// healthy target, due later than all of them.
			old := time.Now().Add(-time.Hour)
			payload := json.RawMessage(`{"n":1}`)
			newDelivery := func(target string, due time.Time) *store.Delivery {
				return &store.Delivery{
					Channel: store.ChannelWebhook, TargetID: target, UserID: testUser,
					EventID: store.NewID(), EventType: "command.executed", Payload: payload,
					MaxAttempts: 3, NextAttemptAt: due, TriggeredAt: due,
				}
			}
			backlog := make([]*store.Delivery, 1400)
			for i := range backlog {
				backlog[i] = newDelivery(hanging.ID, old.Add(time.Duration(i)*time.Millisecond))
			}
			_, err := st.EnqueueDeliveries(ctx, backlog)
			require.NoError(t, err)
			_, err = st.EnqueueDeliveries(ctx, []*store.Delivery{newDelivery(healthy.ID, old.Add(time.Minute))})
			require.NoError(t, err)

			d, err := integrations.New(integrations.Config{
				Store: st, Workers: 2, PerTargetConcurrency: 1,
				AllowPrivateNetworks: true, PollInterval: 50 * time.Millisecond,
			})
			require.NoError(t, err)
			require.NoError(t, d.Start(ctx))
			t.Cleanup(func() {
				slow.Release()
				stopDispatcher(t, d)
			})

			deadline, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, err = fast.WaitForRequests(deadline, 1)
			assert.NoError(t, err, "the healthy target got no request while a free worker waited")
		})
	}
}

// Dispatch calls that race repeated Stop and Start, with duplicate
// idempotency keys, must each leave their deliveries attempted: none stays
// leased by a stopped run or parked forever.
func TestDispatchAcrossRestartsDelivers(t *testing.T) {
	for _, kind := range []string{"sqlite", "memory"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind, func(c *integrations.Config) {
				c.Workers, c.PerTargetConcurrency = 2, 1
			})
			recv := fakereceiver.New(t, fakereceiver.OK())
			e.addWebhook(t, recv.URL, nil)
			e.addWebhook(t, recv.URL, nil)

			const events = 200
			done := make(chan []string)
			go func() {
				var all []string
				for i := range events {
					ids, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
						CommandName: "deploy", ExecutionID: fmt.Sprintf("run-%d", i/2), UserID: testUser,
						Status: integrations.StatusSuccess,
					})
					if err != nil && !errors.Is(err, store.ErrClosed) {
						t.Errorf("dispatch %d: %v", i, err)
					}
					all = append(all, ids...)
				}
				done <- all
			}()
			var ids []string
		restarts:
			for {
				select {
				case ids = <-done:
					break restarts
				default:
				}
				stopDispatcher(t, e.d)
				require.NoError(t, e.d.Start(context.Background()))
			}
			require.NotEmpty(t, ids)
			e.waitFinal(t, ids)
		})
	}
}

// Start right after the cancellation of the previous run's context waits
// for that run to end and starts a new one, instead of doing nothing
// because the old run is still winding down.
func TestStartAfterAbruptStopRuns(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	recv := fakereceiver.New(t, fakereceiver.OK())
	e.addWebhook(t, recv.URL, nil)
	stopDispatcher(t, e.d)

	for i := range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		require.NoError(t, e.d.Start(ctx))
		cancel()
		require.NoError(t, e.d.Start(context.Background()), "start %d", i)
		ids := command(t, e.d, fmt.Sprintf("run-after-abrupt-%d", i))
		require.Len(t, ids, 1)
		assert.Equal(t, store.StatusSuccess, e.waitFinal(t, ids)[0].Status, "start %d", i)
		stopDispatcher(t, e.d)
	}
}
