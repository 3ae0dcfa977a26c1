package integrations_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// pausedRecordStore pauses the first RecordAttempts call after its commit,
// before it returns to the recorder, until proceed is closed.
type pausedRecordStore struct {
	store.Store
	once      sync.Once
	committed chan struct{}
	proceed   chan struct{}
}

func (s *pausedRecordStore) RecordAttempts(ctx context.Context, p store.RecordParams) (store.RecordResult, error) {
	res, err := s.Store.RecordAttempts(ctx, p)
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.committed)
		select {
		case <-s.proceed:
		case <-ctx.Done():
		}
	}

	return res, err
}

// TestRecordKeepsLaterAttemptGuard makes a delivery's first attempt fail
// with 500. The retry is claimed and started after the record's commit but
// before the recorder removes the first attempt from the lease guard. The
// removal must leave the second attempt's entry, so when the second attempt
// outlives its lease, the next claim does not start a third request beside
// it.
func TestRecordKeepsLaterAttemptGuard(t *testing.T) {
	clock := newTestClock()
	guard := &signalHandler{want: "not attempted twice", seen: make(chan struct{})}
	gate := &pausedRecordStore{committed: make(chan struct{}), proceed: make(chan struct{})}
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.Now = clock.Now
		c.PollInterval = time.Hour
		c.Workers = 4
		c.PerTargetConcurrency = 4
		c.Logger = slog.New(guard)
		gate.Store = c.Store
		c.Store = gate
	})

	var count atomic.Int32
	arrived := make(chan int32, 8)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := count.Add(1)
		arrived <- n
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	var releaseOnce sync.Once
	stopHanging := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(stopHanging)
	e.addWebhook(t, srv.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 30 })

	waitArrival := func(want int32) {
		t.Helper()
		select {
		case n := <-arrived:
			require.Equal(t, want, n, "request number")
		case <-waitCtx(t).Done():
			t.Fatalf("request %d never arrived", want)
		}
	}

	ids := command(t, e.d, "run-1")
	require.Len(t, ids, 1)
	waitArrival(1)
	select {
	case <-gate.committed:
	case <-waitCtx(t).Done():
		t.Fatal("the first attempt was never recorded")
	}

	// The retry is due: a claim takes it while the recorder is paused.
	clock.Add(time.Minute)
	e.d.Wake()
	waitArrival(2)

	// The recorder goes on and clears the guard entry of delivery ids[0].
	close(gate.proceed)
	require.Eventually(t, func() bool { return e.d.Stats().Retried == 1 }, waitTimeout, time.Millisecond,
		"the recorder never finished the first record")

	// The second attempt's lease (30 s timeout and 30 s margin) ends
	// while it still waits for the receiver.
	clock.Add(2 * time.Minute)
	e.d.Wake()
	select {
	case <-guard.seen:
	case n := <-arrived:
		t.Errorf("request %d started while request 2 of the same delivery was still running", n)
	case <-waitCtx(t).Done():
		t.Fatal("the claim neither skipped nor attempted the delivery whose lease ended")
	}
	stopHanging()
}
