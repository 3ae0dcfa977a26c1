package integrations_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
	"github.com/hishamos/integrations-external/store"
)

// handoffStore is a settingsRaceStore that also counts the enqueued
// deliveries that Dispatch handed off: those arrive with a lease.
type handoffStore struct {
	settingsRaceStore
	handedOff atomic.Int64
}

func (s *handoffStore) EnqueueDeliveries(ctx context.Context, deliveries []*store.Delivery) ([]store.EnqueueResult, error) {
	for _, d := range deliveries {
		if !d.LeaseUntil.IsZero() {
			s.handedOff.Add(1)
		}
	}

	return s.Store.EnqueueDeliveries(ctx, deliveries)
}

// handoffEnv returns a started dispatcher on a handoffStore. Alice gets
// email through Config.UserEmail, and bob has a webhook endpoint. It
// returns once a Dispatch has handed its delivery off, so the next Dispatch
// would hand off too, and PollInterval is an hour.
func handoffEnv(t *testing.T, kind string, edit func(*integrations.Config)) (*env, *handoffStore) {
	t.Helper()
	var hs *handoffStore
	e := newEnv(t, kind, func(c *integrations.Config) {
		c.UserEmail = func(_ context.Context, userID string) (string, error) {
			if userID == testUser {
				return "alice@example.com", nil
			}
			return "", nil
		}
		c.TargetCacheTTL = -1 // every Dispatch reads the settings
		c.PollInterval = time.Hour
		hs = &handoffStore{settingsRaceStore: settingsRaceStore{Store: c.Store}}
		c.Store = hs
		if edit != nil {
			edit(c)
		}
	})
	recv := fakereceiver.New(t, fakereceiver.OK())
	ep := store.NewWebhookEndpoint("bob")
	ep.Name, ep.URL, ep.Secret = "bob", recv.URL, store.NewSecret(hookSecret)
	ep.TriggerOnCommandExecution = true
	require.NoError(t, e.st.CreateWebhookEndpoint(context.Background(), ep))

	// A Dispatch hands off once the claim loop's first claim found the
	// queue empty, so the warm-up repeats until one was handed off.
	deadline := time.Now().Add(waitTimeout)
	for try := 1; hs.handedOff.Load() == 0; try++ {
		require.True(t, time.Now().Before(deadline), "no Dispatch was handed off after %d tries", try)
		ids, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
			CommandName: "warm-up", Status: integrations.StatusSuccess, UserID: "bob",
			ExecutionID: "warm-up-" + strconv.Itoa(try),
		})
		require.NoError(t, err)
		require.Len(t, ids, 1, "bob's webhook")
		e.waitFinal(t, ids)
	}

	return e, hs
}

// armSettingsRace makes the next Dispatch for alice read her routes without
// email settings and then creates them, before it enqueues.
func armSettingsRace(t *testing.T, e *env, hs *handoffStore) {
	hs.arm(func() {
		_, err := e.d.Service().GetEmailSettings(context.Background(), integrations.Caller{UserID: testUser}, "")
		assert.NoError(t, err, "the request that creates the settings")
	})
}

// A Dispatch that read alice's routes before her settings existed is stored
// under the settings' id. OnDeliveryFinished must name the target the store
// holds, as it does for every other delivery, so such a delivery is not
// handed off: its claim returns the stored target.
func TestEmailHandoffReportsStoredTarget(t *testing.T) {
	for _, kind := range []string{"memory", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			var mu sync.Mutex
			reports := map[string]integrations.DeliveryReport{}
			e, hs := handoffEnv(t, kind, func(c *integrations.Config) {
				c.OnDeliveryFinished = func(r integrations.DeliveryReport) {
					mu.Lock()
					defer mu.Unlock()
					reports[r.DeliveryID] = r
				}
			})
			before := hs.handedOff.Load()

			armSettingsRace(t, e, hs)
			ids, err := e.d.WorkflowCompleted(context.Background(), integrations.WorkflowRun{
				WorkflowName: "nightly", Status: integrations.StatusCompleted, ExecutionID: "run-1", UserID: testUser,
			})
			require.NoError(t, err)
			require.Len(t, ids, 1)
			require.Equal(t, before, hs.handedOff.Load(),
				"a delivery to the host's address waits for a claim, which reads the stored target")
			stored := e.waitFinal(t, ids)[0]

			settings, err := e.st.GetEmailSettings(context.Background(), store.AsAdmin(), testUser)
			require.NoError(t, err)
			require.Equal(t, settings.ID, stored.TargetID, "the store holds the delivery under the settings")
			require.Eventually(t, func() bool {
				mu.Lock()
				defer mu.Unlock()
				_, ok := reports[ids[0]]
				return ok
			}, waitTimeout, 5*time.Millisecond, "no report for the delivery")
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, stored.TargetID, reports[ids[0]].TargetID,
				"OnDeliveryFinished names another target than the stored delivery")
		})
	}
}

// PerTargetConcurrency 1 allows one attempt at a time on alice's email
// settings. A delivery stored under them by a Dispatch that read the routes
// before they existed must count against that limit.
func TestEmailHandoffKeepsPerTargetLimit(t *testing.T) {
	for _, kind := range []string{"memory", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			stalled, err := fakesmtp.Start(fakesmtp.Options{StallData: true})
			require.NoError(t, err)
			e, hs := handoffEnv(t, kind, func(c *integrations.Config) {
				c.Workers = 4
				c.PerTargetConcurrency = 1
				c.Email.Host, c.Email.Port = stalled.Host(), stalled.Port()
				c.Email.Timeout = time.Minute
			})
			// Registered after newEnv, so it runs before the dispatcher
			// stops: the stalled attempts end when the server closes.
			t.Cleanup(func() { _ = stalled.Close() })
			before := hs.handedOff.Load()
			ctx := context.Background()

			armSettingsRace(t, e, hs)
			first, err := e.d.WorkflowCompleted(ctx, integrations.WorkflowRun{
				WorkflowName: "nightly", Status: integrations.StatusCompleted, ExecutionID: "run-1", UserID: testUser,
			})
			require.NoError(t, err)
			require.Len(t, first, 1)
			require.Equal(t, before, hs.handedOff.Load(),
				"a delivery to the host's address waits for a claim, which reads the stored target")
			require.Eventually(t, func() bool { return e.d.Stats().InFlight == 1 }, waitTimeout, time.Millisecond,
				"the first email holds a slot while the server stalls")

			second, err := e.d.WorkflowCompleted(ctx, integrations.WorkflowRun{
				WorkflowName: "nightly", Status: integrations.StatusCompleted, ExecutionID: "run-2", UserID: testUser,
			})
			require.NoError(t, err)
			require.Len(t, second, 1)

			settings, err := e.st.GetEmailSettings(ctx, store.AsAdmin(), testUser)
			require.NoError(t, err)
			for _, id := range []string{first[0], second[0]} {
				got, err := e.st.GetDelivery(ctx, store.AsAdmin(), id)
				require.NoError(t, err)
				require.Equal(t, settings.ID, got.TargetID, "delivery %s", id)
			}
			require.EqualValues(t, 1, e.d.Stats().InFlight,
				"two attempts in flight on one email target with PerTargetConcurrency 1")
		})
	}
}
