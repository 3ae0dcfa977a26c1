package integrations_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// testClock is a clock that tests move by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock {
	return &testClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()

	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// command dispatches a successful command run with its own execution id.
func command(t *testing.T, d *integrations.Dispatcher, executionID string) []string {
	t.Helper()
	ids, err := d.CommandExecuted(context.Background(), integrations.CommandResult{
		CommandName: "deploy", ExecutionID: executionID, UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)

	return ids
}

// While the queue is empty and a worker is free, Dispatch writes the
// delivery already leased and gives it to the worker: the row has its lease
// the moment Dispatch returns, before any claim could have run.
func TestDispatchHandsOffToAFreeWorker(t *testing.T) {
	for _, kind := range []string{"sqlite", "memory"} {
		t.Run(kind, func(t *testing.T) {
			clock := newTestClock()
			e := newEnv(t, kind, func(c *integrations.Config) {
				c.Now = clock.Now
				c.PollInterval = time.Hour // no poll may end the empty state mid-test
			})
			fast := fakereceiver.New(t, fakereceiver.OK())
			e.addWebhook(t, fast.URL, nil)
			// The first event goes through a claim; once it is delivered,
			// that claim has shown the queue to be empty.
			e.waitFinal(t, command(t, e.d, "run-1"))

			slow := fakereceiver.New(t, fakereceiver.Hang())
			t.Cleanup(slow.Release)
			name, url, on := "slow", slow.URL, true
			timeout := 10
			ep, _, err := e.d.Service().CreateWebhookEndpoint(context.Background(), integrations.Caller{UserID: testUser},
				integrations.WebhookInput{Name: &name, URL: &url, TriggerOnCommandExecution: &on, TimeoutSeconds: &timeout})
			require.NoError(t, err)

			ids := command(t, e.d, "run-2")
			require.Len(t, ids, 2)
			for _, id := range ids {
				got, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), id)
				require.NoError(t, err)
				if got.TargetID != ep.ID {
					continue
				}
				want := clock.Now().Add(10*time.Second + 30*time.Second)
				assert.True(t, got.LeaseUntil.Equal(want), "lease written by Dispatch: %s, want %s", got.LeaseUntil, want)
				assert.Equal(t, store.StatusPending, got.Status)
			}
			_, err = slow.WaitForRequests(waitCtx(t), 1)
			require.NoError(t, err)
			slow.Release()
			for _, d := range e.waitFinal(t, ids) {
				assert.Equal(t, store.StatusSuccess, d.Status)
				assert.Len(t, d.Attempts, 1)
			}
		})
	}
}

// Deliveries to a busy target wait in memory with their leases kept fresh.
// Stop records the attempt in flight as abandoned and puts the waiting
// deliveries back in the queue unattempted.
func TestParkedLeasesRenewedAndReleased(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.Now = clock.Now
		c.PerTargetConcurrency = 1
		c.PollInterval = 10 * time.Millisecond // the claim loop looks at the clock often
	})
	slow := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(slow.Release)
	e.addWebhook(t, slow.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 10 })

	var ids []string
	for _, run := range []string{"run-1", "run-2", "run-3"} {
		ids = append(ids, command(t, e.d, run)...)
	}
	require.Len(t, ids, 3)
	_, err := slow.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)

	lease := 10*time.Second + 30*time.Second
	start := clock.Now()
	deliveries := func() []*store.Delivery {
		var out []*store.Delivery
		for _, id := range ids {
			d, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), id)
			require.NoError(t, err)
			out = append(out, d)
		}
		return out
	}
	leases := func() map[string]time.Time {
		out := map[string]time.Time{}
		for _, d := range deliveries() {
			require.Equal(t, store.StatusPending, d.Status, "delivery %s", d.ID)
			out[d.ID] = d.LeaseUntil
		}
		return out
	}
	for id, until := range leases() {
		assert.True(t, until.Equal(start.Add(lease)), "delivery %s: lease %s, want %s", id, until, start.Add(lease))
	}

	// After half the margin, the waiting deliveries get new leases; the one
	// in flight keeps its own, which outlasts its attempt.
	clock.Add(16 * time.Second)
	renewed := clock.Now().Add(lease)
	require.Eventually(t, func() bool {
		n := 0
		for _, until := range leases() {
			if until.Equal(renewed) {
				n++
			}
		}
		return n == 2
	}, waitTimeout, 5*time.Millisecond, "the two parked deliveries were not renewed")
	assert.Len(t, slow.Requests(), 1, "the busy target got a second request")

	// Stop records the hanging attempt as abandoned and releases the two
	// parked deliveries unattempted.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, e.d.Stop(ctx), context.DeadlineExceeded)
	abandoned := 0
	for _, d := range deliveries() {
		assert.True(t, d.LeaseUntil.IsZero(), "delivery %s still leased until %s after Stop", d.ID, d.LeaseUntil)
		if d.Status == store.StatusRetrying {
			abandoned++
			require.Len(t, d.Attempts, 1)
			assert.Contains(t, d.Attempts[0].ErrorMessage, "abandoned when the dispatcher stopped")
			assert.True(t, d.NextAttemptAt.Equal(clock.Now()), "due again at once: %s", d.NextAttemptAt)
			continue
		}
		assert.Equal(t, store.StatusPending, d.Status, "delivery %s", d.ID)
		assert.Empty(t, d.Attempts, "delivery %s", d.ID)
	}
	assert.Equal(t, 1, abandoned, "deliveries with an abandoned attempt")
	assert.Len(t, slow.Requests(), 1)
}

// A change made through the Service reaches the next event at once. A
// change written to the store directly waits for Config.TargetCacheTTL,
// unless the cache is off.
func TestTargetCacheFollowsChanges(t *testing.T) {
	clock := newTestClock()
	e := newEnv(t, "memory", func(c *integrations.Config) { c.Now = clock.Now })
	recv := fakereceiver.New(t, fakereceiver.OK())
	owner := integrations.Caller{UserID: testUser}
	name, url, on, off := "hook", recv.URL, true, false
	ep, _, err := e.d.Service().CreateWebhookEndpoint(context.Background(), owner, integrations.WebhookInput{
		Name: &name, URL: &url, TriggerOnCommandExecution: &on,
	})
	require.NoError(t, err)
	require.Len(t, command(t, e.d, "run-1"), 1, "the endpoint made through the Service")

	_, err = e.d.Service().PatchWebhookEndpoint(context.Background(), owner, ep.ID,
		integrations.WebhookInput{TriggerOnCommandExecution: &off})
	require.NoError(t, err)
	require.Empty(t, command(t, e.d, "run-2"), "the trigger turned off through the Service")

	direct, err := e.st.GetWebhookEndpoint(context.Background(), store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	direct.TriggerOnCommandExecution = true
	require.NoError(t, e.st.UpdateWebhookEndpoint(context.Background(),
		store.UpdateWebhookParams{Access: store.AsAdmin(), Endpoint: direct}))
	require.Empty(t, command(t, e.d, "run-3"), "a direct store change within the TTL")
	clock.Add(2 * time.Second)
	require.Len(t, command(t, e.d, "run-4"), 1, "a direct store change after the TTL")

	uncached := newEnv(t, "memory", func(c *integrations.Config) { c.TargetCacheTTL = -1 })
	hook := uncached.addWebhook(t, recv.URL, nil)
	require.Len(t, command(t, uncached.d, "run-5"), 1)
	hook.TriggerOnCommandExecution = false
	require.NoError(t, uncached.st.UpdateWebhookEndpoint(context.Background(),
		store.UpdateWebhookParams{Access: store.AsAdmin(), Endpoint: hook}))
	require.Empty(t, command(t, uncached.d, "run-6"), "a direct store change with the cache off")
}

// Deliveries written outside Dispatch and announced with Wake are older
// than the next event's, so that event is not handed to a worker ahead of
// them: the receiver gets them in the order they were written.
func TestHandOffDoesNotOvertakeTheQueue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "memory", func(c *integrations.Config) {
		c.Workers = 1
		c.PollInterval = time.Hour // only Wake announces the outbox rows
	})
	blocker := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(blocker.Release)
	e.addWebhook(t, blocker.URL, func(ep *store.WebhookEndpoint) {
		ep.TriggerOnCommandExecution, ep.TriggerOnWorkflowCompletion = false, false
		ep.CustomEvents = []string{"test.occupy"}
	})
	recv := fakereceiver.New(t, fakereceiver.OK())
	e.addWebhook(t, recv.URL, nil)
	e.waitFinal(t, command(t, e.d, "run-0"))

	// The only worker waits on the blocking receiver.
	occupy, err := integrations.CustomEvent("test.occupy", testUser, map[string]any{"n": 1}, time.Now())
	require.NoError(t, err)
	_, err = e.d.Dispatch(ctx, occupy)
	require.NoError(t, err)
	_, err = blocker.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)

	// An outbox row, then an event through Dispatch.
	outboxEvent, err := integrations.CommandResult{CommandName: "deploy", ExecutionID: "run-1", UserID: testUser,
		Status: integrations.StatusSuccess}.Event(time.Now())
	require.NoError(t, err)
	rows, err := e.d.Prepare(ctx, outboxEvent)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	_, err = e.st.EnqueueDeliveries(ctx, rows)
	require.NoError(t, err)
	e.d.Wake()
	later := command(t, e.d, "run-2")
	require.Len(t, later, 1)

	blocker.Release()
	got, err := recv.WaitForRequests(waitCtx(t), 3)
	require.NoError(t, err)
	deliveryID := func(r fakereceiver.Request) string { return r.Header.Get("X-HishamOS-Delivery-ID") }
	assert.Equal(t, rows[0].ID, deliveryID(got[1]), "the outbox row first")
	assert.Equal(t, later[0], deliveryID(got[2]), "the later event second")
}

// A backlog that is already in the store when the workers start goes
// through claims into the parked lines. A target that never responds still
// holds only its own slots, and every other target's deliveries complete.
func TestBacklogWithAHangingTarget(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Options{})
	t.Cleanup(func() { _ = st.Close() })
	slow := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(slow.Release)
	urls := []string{slow.URL}
	var healthy []*fakereceiver.Server
	for range 4 {
		r := fakereceiver.New(t, fakereceiver.OK())
		healthy = append(healthy, r)
		urls = append(urls, r.URL)
	}
	const perTarget = 20
	var backlog []*store.Delivery
	for i, url := range urls {
		ep := store.NewWebhookEndpoint(testUser)
		ep.Name, ep.URL = fmt.Sprintf("target-%d", i), url
		require.NoError(t, st.CreateWebhookEndpoint(ctx, ep))
		for range perTarget {
			backlog = append(backlog, &store.Delivery{Channel: store.ChannelWebhook, TargetID: ep.ID,
				UserID: testUser, EventType: "test.backlog", Payload: []byte(`{"n":1}`), MaxAttempts: 1})
		}
	}
	// The hanging target's deliveries are the oldest, so the first claim
	// takes all of them.
	_, err := st.EnqueueDeliveries(ctx, backlog)
	require.NoError(t, err)

	d, err := integrations.New(integrations.Config{Store: st, AllowPrivateNetworks: true,
		Workers: 4, PerTargetConcurrency: 2})
	require.NoError(t, err)
	require.NoError(t, d.Start(ctx))
	t.Cleanup(func() {
		slow.Release()
		stopDispatcher(t, d)
	})

	for _, r := range healthy {
		_, err := r.WaitForRequests(waitCtx(t), perTarget)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return d.Stats().InFlight == 2 }, waitTimeout, 5*time.Millisecond,
		"the hanging target's two attempts should be the only ones left in flight")
	assert.Len(t, slow.Requests(), 2, "requests to the hanging target")
}

// leaseFaults wraps a store: its ExtendLeases fails on demand and records
// the lease ends it stores.
type leaseFaults struct {
	store.Store
	fail     atomic.Bool
	mu       sync.Mutex
	extended map[string][]time.Time // successful extensions by delivery id
}

func (s *leaseFaults) ExtendLeases(ctx context.Context, ids []string, until time.Time) error {
	if s.fail.Load() {
		return errors.New("extend leases: injected failure")
	}
	s.mu.Lock()
	for _, id := range ids {
		s.extended[id] = append(s.extended[id], until)
	}
	s.mu.Unlock()

	return s.Store.ExtendLeases(ctx, ids, until)
}

// extensions returns the lease ends ExtendLeases stored for id, in order.
func (s *leaseFaults) extensions(id string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()

	return append([]time.Time(nil), s.extended[id]...)
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return b.buf.String()
}

// A parked delivery whose lease could not be extended in time leaves its
// line unattempted: a claim may return it once the lease ends, so starting
// it could make two attempts at once. The claim after the lease ends
// delivers it.
func TestParkedLeaseLostGoesToClaim(t *testing.T) {
	clock := newTestClock()
	var faults *leaseFaults
	logs := &logBuffer{}
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		faults = &leaseFaults{Store: c.Store, extended: map[string][]time.Time{}}
		c.Store = faults
		c.Now = clock.Now
		c.PerTargetConcurrency = 1
		c.PollInterval = 10 * time.Millisecond // the claim loop looks at the clock often
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	slow := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(slow.Release)
	e.addWebhook(t, slow.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 10 })

	start := clock.Now()
	ids := append(command(t, e.d, "run-1"), command(t, e.d, "run-2")...)
	require.Len(t, ids, 2)
	reqs, err := slow.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)
	first := reqs[0].Header.Get("X-HishamOS-Delivery-ID")
	parked := ids[0]
	if parked == first {
		parked = ids[1]
	}

	// Extensions fail until the parked lease has less left than an attempt
	// needs (timeout 10 s plus a quarter of the 30 s margin).
	faults.fail.Store(true)
	clock.Add(23 * time.Second)
	require.Eventually(t, func() bool {
		return strings.Contains(logs.String(), "delivery_id="+parked)
	}, waitTimeout, 5*time.Millisecond, "the parked delivery was not left to a claim")
	assert.Contains(t, logs.String(), "parked delivery left for a later claim")

	// The busy target's slot frees, and the parked delivery is not started.
	slow.Release()
	e.waitFinal(t, []string{first})
	require.Eventually(t, func() bool { return e.d.Stats().InFlight == 0 }, waitTimeout, 5*time.Millisecond)
	got, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), parked)
	require.NoError(t, err)
	assert.Equal(t, store.StatusPending, got.Status)
	assert.Empty(t, got.Attempts)
	assert.True(t, got.LeaseUntil.Equal(start.Add(40*time.Second)), "lease %s", got.LeaseUntil)
	assert.Len(t, slow.Requests(), 1)

	// Once the lease ends, a claim returns it and it is delivered once.
	faults.fail.Store(false)
	clock.Add(18 * time.Second)
	done := e.waitFinal(t, []string{parked})
	assert.Equal(t, store.StatusSuccess, done[0].Status)
	assert.Len(t, done[0].Attempts, 1)
	all := slow.Requests()
	require.Len(t, all, 2)
	assert.Equal(t, parked, all[1].Header.Get("X-HishamOS-Delivery-ID"))
}

// A delivery that waited with a lease set from a cached timeout gets a
// longer lease before its attempt when the endpoint's timeout has grown, so
// no claim can return it during the attempt.
func TestLeaseFitsRaisedTimeout(t *testing.T) {
	clock := newTestClock()
	var faults *leaseFaults
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		faults = &leaseFaults{Store: c.Store, extended: map[string][]time.Time{}}
		c.Store = faults
		c.Now = clock.Now
		c.PerTargetConcurrency = 1
		c.PollInterval = time.Hour // no poll may end the empty state mid-test
	})
	slow := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(slow.Release)
	ep := e.addWebhook(t, slow.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 10 })
	// The first event goes through a claim, which shows the queue empty.
	first := command(t, e.d, "run-1")
	_, err := slow.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)

	// Raised in the store directly: the routing cache keeps 10 s for 2 s.
	ep.TimeoutSeconds = 120
	require.NoError(t, e.st.UpdateWebhookEndpoint(context.Background(),
		store.UpdateWebhookParams{Access: store.AsAdmin(), Endpoint: ep}))
	waiting := command(t, e.d, "run-2")
	require.Len(t, waiting, 1)
	got, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), waiting[0])
	require.NoError(t, err)
	require.True(t, got.LeaseUntil.Equal(clock.Now().Add(40*time.Second)), "lease from the cached timeout: %s", got.LeaseUntil)

	// The caches expire, the busy slot frees, and the waiting delivery's
	// attempt reads the 120 s timeout.
	clock.Add(3 * time.Second)
	slow.Release()
	e.waitFinal(t, first)
	done := e.waitFinal(t, waiting)
	assert.Equal(t, store.StatusSuccess, done[0].Status)
	want := clock.Now().Add(120*time.Second + 30*time.Second)
	assert.Equal(t, []time.Time{want}, faults.extensions(waiting[0]), "lease extended before the attempt")
}
