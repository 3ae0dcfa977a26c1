package integrations

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
	"github.com/hishamos/integrations-external/store/sqlite"
)

// busyRun returns a run of a new dispatcher whose worker slots are all
// taken, so every delivery it places waits in a parked line.
func busyRun(t *testing.T) *run {
	t.Helper()
	d, err := New(Config{Store: memory.New(memory.Options{})})
	require.NoError(t, err)
	r := &run{d: d, inFlight: map[string]int{}, parked: map[string][]*parkedDelivery{}, parkedFor: map[string]int{}}
	r.total = d.cfg.Workers

	return r
}

// openInternalSQLite opens a SQLite store on a temporary file with a test
// key and closes it at the end of the test.
func openInternalSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	keys, err := store.ParseKeyring("test:" + strings.Repeat("A", 43) + "=")
	require.NoError(t, err)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "internal.db"), sqlite.Options{Keys: keys})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	return st
}

func parkedDel(i int, target string, payload []byte) *store.Delivery {
	return &store.Delivery{ID: strconv.Itoa(i), Channel: store.ChannelWebhook, TargetID: target, Payload: payload}
}

// Parked lines hold at most parkBytes of payloads. A freed place makes room
// again.
func TestParkedLinesBoundedByPayloadBytes(t *testing.T) {
	r := busyRun(t)
	big := make([]byte, 1<<20)
	var parked []*store.Delivery
	for i := range 20 {
		del := parkedDel(i, "target-"+strconv.Itoa(i%4), big)
		place, lease := r.place(del, time.Second)
		if i < parkBytes/len(big) {
			require.Equal(t, heldParked, place, "delivery %d fits", i)
			require.Equal(t, time.Second+leaseMargin, lease)
			parked = append(parked, del)
			continue
		}
		require.Equal(t, heldNone, place, "delivery %d would pass %d bytes", i, parkBytes)
	}
	require.Equal(t, parkBytes, r.parkedBytes)
	require.Equal(t, heldParked, mustPlace(r, parkedDel(99, "target-0", nil)), "an empty payload still fits")

	r.unpark(parked[0])
	require.Equal(t, heldParked, mustPlace(r, parkedDel(100, "target-1", big)), "the freed megabyte is used again")
	require.Equal(t, heldNone, mustPlace(r, parkedDel(101, "target-1", []byte("x"))))
}

// One target's parked line holds parkPerSlot deliveries per attempt slot.
func TestParkedLineBoundedPerTarget(t *testing.T) {
	r := busyRun(t)
	limit := parkPerSlot * r.d.cfg.PerTargetConcurrency
	for i := range limit {
		require.Equal(t, heldParked, mustPlace(r, parkedDel(i, "slow", []byte("{}"))), "delivery %d", i)
	}
	require.Equal(t, heldNone, mustPlace(r, parkedDel(limit, "slow", []byte("{}"))), "the line is full")
	require.Equal(t, heldParked, mustPlace(r, parkedDel(limit+1, "other", []byte("{}"))), "another target's line")
}

func mustPlace(r *run, del *store.Delivery) int {
	place, _ := r.place(del, time.Second)
	return place
}

// checkParkedCounts fails t unless the run's counters equal what its
// parked lines hold. The caller has no Dispatch call in flight.
func checkParkedCounts(t *testing.T, r *run, step string) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	total, size := 0, 0
	perTarget := map[string]int{}
	for target, line := range r.parked {
		for _, p := range line {
			total++
			size += len(p.del.Payload)
			perTarget[target]++
		}
	}
	require.Equal(t, total, r.parkedTotal, "%s: parked deliveries", step)
	require.Equal(t, size, r.parkedBytes, "%s: parked payload bytes", step)
	for target, n := range r.parkedFor {
		require.Equal(t, perTarget[target], n, "%s: parked deliveries of %s", step, target)
	}
}

// Events handed off to two busy endpoints park, with repeated events whose
// idempotency key turns them into duplicates. After each Dispatch the
// parked counters match the lines, and they return to zero once every
// delivery is done.
func TestParkedCountsMatchLines(t *testing.T) {
	st := openInternalSQLite(t)
	for _, name := range []string{"a", "b"} {
		ep := store.NewWebhookEndpoint("alice")
		ep.Name, ep.URL, ep.TriggerOnCommandExecution = name, "https://example.invalid/"+name, true
		require.NoError(t, st.CreateWebhookEndpoint(context.Background(), ep))
	}

	finished := make(chan DeliveryReport, 1024)
	d, err := New(Config{Store: st, Workers: 2, PerTargetConcurrency: 1, PollInterval: time.Hour,
		OnDeliveryFinished: func(r DeliveryReport) { finished <- r }})
	require.NoError(t, err)
	release := make(chan struct{})
	started := make(chan struct{}, 1024)
	d.senders[store.ChannelWebhook] = func(ctx context.Context, del *store.Delivery) outcome {
		started <- struct{}{}
		<-release
		return outcome{startedAt: time.Now(), success: true, responseStatus: 200}
	}
	require.NoError(t, d.Start(context.Background()))
	stopped := false
	defer func() {
		if !stopped {
			close(release)
			_ = d.Stop(context.Background())
		}
	}()
	d.mu.Lock()
	r := d.run
	d.mu.Unlock()

	// The first event goes through a claim, which then finds the queue
	// empty, so the next events are handed off.
	first, err := d.CommandExecuted(context.Background(), CommandResult{CommandName: "c", ExecutionID: "run-0",
		UserID: "alice", Status: StatusSuccess})
	require.NoError(t, err)
	require.Len(t, first, 2)
	<-started
	<-started

	written := len(first)
	for i := 1; i <= 40; i++ {
		execution := fmt.Sprintf("run-%d", i)
		if i%4 == 0 {
			execution = fmt.Sprintf("run-%d", i-1) // a duplicate of the previous event
		}
		ids, err := d.CommandExecuted(context.Background(), CommandResult{CommandName: "c", ExecutionID: execution,
			UserID: "alice", Status: StatusSuccess, ResultSummary: strings.Repeat("x", i*37)})
		require.NoError(t, err)
		require.Len(t, ids, 2)
		if i%4 != 0 {
			written += len(ids)
		}
		checkParkedCounts(t, r, fmt.Sprintf("after event %d", i))
	}
	r.mu.Lock()
	parked := r.parkedTotal
	r.mu.Unlock()
	require.Positive(t, parked, "deliveries wait behind the busy endpoints")

	close(release)
	for range written {
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			t.Fatal("deliveries never finished")
		}
	}
	checkParkedCounts(t, r, "after every delivery finished")
	r.mu.Lock()
	require.Zero(t, r.parkedBytes, "no bytes stay counted")
	r.mu.Unlock()
	stopped = true
	require.NoError(t, d.Stop(context.Background()))
}

// Claimed deliveries take the parked payload bytes past parkBytes by one
// claim's worth at most. With a free worker and every target busy, the run
// is low on work and claims again and again, each claim parking up to
// claimBatch deliveries, until the parked bytes reach the bound.
func TestClaimsStopAtParkedBytes(t *testing.T) {
	st := openInternalSQLite(t)
	ctx := context.Background()

	const payloadSize = 128 << 10
	var targets []string
	for i := range 4 {
		ep := store.NewWebhookEndpoint("alice")
		ep.Name, ep.URL, ep.TriggerOnCommandExecution = fmt.Sprintf("ep-%d", i), "https://example.invalid/hook", true
		require.NoError(t, st.CreateWebhookEndpoint(ctx, ep))
		targets = append(targets, ep.ID)
	}
	now := time.Now()
	for event := range 80 {
		payload := []byte(`"` + strings.Repeat("p", payloadSize-2) + `"`)
		var ds []*store.Delivery
		for _, target := range targets {
			ds = append(ds, &store.Delivery{Channel: store.ChannelWebhook, TargetID: target, UserID: "alice",
				EventID: fmt.Sprintf("event-%d", event), EventType: "command.executed", Payload: payload,
				MaxAttempts: 3, TriggeredAt: now.Add(-time.Minute)})
		}
		_, err := st.EnqueueDeliveries(ctx, ds)
		require.NoError(t, err)
	}

	d, err := New(Config{Store: st, Workers: 8, PerTargetConcurrency: 1})
	require.NoError(t, err)
	// Every target has its one attempt slot taken and the run has free
	// worker slots, as when four slow endpoints hold four of eight workers.
	r := &run{d: d, claimCtx: ctx, inFlight: map[string]int{}, parked: map[string][]*parkedDelivery{},
		parkedFor: map[string]int{}}
	for _, target := range targets {
		r.inFlight[target] = 1
		r.total++
	}

	claims := 0
	for {
		full, err := r.claimOnce()
		require.NoError(t, err)
		claims++
		if !full {
			break
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	bound := parkBytes + claimBatch*payloadSize
	require.LessOrEqual(t, r.parkedBytes, bound,
		"%d claims parked %d deliveries, %d bytes: past parkBytes (%d) by more than one claim's worth",
		claims, r.parkedTotal, r.parkedBytes, parkBytes)
}

// A retry that is due while every worker is busy and enough deliveries are
// parked waits for a freed slot, not for a timer that would fire at once
// again and again.
func TestDueRetryWaitsForSlotWhenBusy(t *testing.T) {
	r := busyRun(t)
	r.d.cfg.PollInterval = time.Minute
	r.parkedTotal = r.d.cfg.Workers
	r.due = dueTimes{r.d.cfg.Now().Add(-time.Second)}
	require.Equal(t, time.Minute, r.untilNextPoll(), "busy: the due retry sets no timer")

	r.total = 0 // a worker is free
	require.Equal(t, time.Millisecond, r.untilNextPoll(), "low on work: the claim loop runs at once")
}
