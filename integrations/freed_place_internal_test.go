package integrations

import (
	"container/heap"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// oneWorkerRun returns the run of a dispatcher with one worker, which a
// slow attempt holds, and a claim that found the queue empty, so Dispatch
// hands off. The claim loop does not run: the test calls its steps.
func oneWorkerRun(t *testing.T) *run {
	t.Helper()
	d, err := New(Config{Store: memory.New(memory.Options{}), Workers: 1, PollInterval: time.Hour})
	require.NoError(t, err)
	r := &run{d: d, jobs: make(chan *store.Delivery, 1), freed: make(chan struct{}, 1),
		inFlight: map[string]int{}, parked: map[string][]*parkedDelivery{}, parkedFor: map[string]int{}}
	r.hardCtx, r.hardCancel = context.WithCancel(context.Background())
	r.claimCtx, r.claimCancel = context.WithCancel(r.hardCtx)
	t.Cleanup(r.hardCancel)
	d.run = r
	r.takeSlot("slow-endpoint")
	r.empty, r.emptyAt = true, d.wakes.Load()

	return r
}

// wakeUpPending reports whether the claim loop, waiting in its select,
// has a wake-up on r.freed or on the dispatcher's wake channel.
func wakeUpPending(r *run) bool {
	select {
	case <-r.freed:
		return true
	case <-r.d.wakeCh:
		return true
	default:
		return false
	}
}

// A Dispatch parks a delivery behind the busy worker, so the run is not
// low on work, and a retry comes due while its write runs. The claim loop
// then sets its timer for the next poll, not for the retry. The write finds
// the delivery a duplicate, or fails, so its parked place is freed and the
// run is low on work again. Dispatch does not wake the claim loop for a
// duplicate or a failed write, so the hand-off must: otherwise the due
// retry waits for PollInterval (an hour here, five seconds by default).
func TestFreedParkedPlaceWakesClaimLoop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []store.EnqueueResult // nil when the write failed
	}{
		{"duplicate", []store.EnqueueResult{{ID: "earlier", Duplicate: true}}},
		{"failed write", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := oneWorkerRun(t)
			del := &store.Delivery{ID: "repeat", Channel: store.ChannelSlack, TargetID: "slack-1",
				Payload: []byte(`{}`), IdempotencyKey: "run-1"}
			h := r.d.reserve([]*store.Delivery{del}, []time.Duration{0})
			require.NotNil(t, h, "the delivery is handed off")
			require.Equal(t, heldParked, h.places[0], "the only worker is busy")

			r.mu.Lock()
			heap.Push(&r.due, r.d.cfg.Now().Add(-time.Millisecond))
			require.False(t, r.lowOnWork(), "one parked delivery per worker")
			r.mu.Unlock()
			require.Equal(t, time.Hour, r.untilNextPoll(), "busy: the claim loop waits for a freed slot")

			h.deliver([]*store.Delivery{del}, tc.results)
			r.mu.Lock()
			low := r.lowOnWork()
			r.mu.Unlock()
			require.True(t, low, "the parked place is freed")
			require.True(t, wakeUpPending(r),
				"the run is low on work with a retry due, but nothing wakes the claim loop before its hour-long timer")
		})
	}
}
