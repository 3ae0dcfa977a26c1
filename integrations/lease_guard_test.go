package integrations_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
)

// signalHandler is a slog.Handler that closes seen at the first record
// whose message contains want.
type signalHandler struct {
	want string
	seen chan struct{}
}

func (h *signalHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *signalHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.want) {
		select {
		case <-h.seen:
		default:
			close(h.seen)
		}
	}

	return nil
}

func (h *signalHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *signalHandler) WithGroup(string) slog.Handler      { return h }

// TestLeaseEndDuringAttemptNoSecondAttempt lets a delivery's lease end
// while its attempt waits for the receiver. The claim that takes the
// delivery again does not start a second attempt beside the first: the
// receiver gets one request, and the delivery one attempt.
func TestLeaseEndDuringAttemptNoSecondAttempt(t *testing.T) {
	clock := newTestClock()
	guard := &signalHandler{want: "not attempted twice", seen: make(chan struct{})}
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.Now = clock.Now
		c.PollInterval = time.Hour
		c.Logger = slog.New(guard)
	})
	rcv := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(rcv.Release)
	e.addWebhook(t, rcv.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 10 })

	ids := command(t, e.d, "run-1")
	_, err := rcv.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)

	// The lease is the endpoint's 10 s timeout and a 30 s margin.
	clock.Add(time.Minute)
	e.d.Wake()
	select {
	case <-guard.seen:
	case <-waitCtx(t).Done():
		t.Fatal("the claim never took the delivery whose lease ended")
	}
	rcv.Release()
	got := e.waitFinal(t, ids)

	assert.Equal(t, 1, len(rcv.Requests()), "requests for one delivery")
	assert.Equal(t, 1, len(got[0].Attempts), "attempts of delivery %s", ids[0])
}

// TestStartWithEndedContext starts a dispatcher with a context that has
// ended already: Start fails instead of reporting a run that does nothing.
func TestStartWithEndedContext(t *testing.T) {
	d, err := integrations.New(integrations.Config{Store: memory.New(memory.Options{})})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	err = d.Start(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.NoError(t, d.Stop(context.Background()), "Stop after a failed Start")
}

// heldClaimStore holds back the first claim that returns the delivery
// named by hold, after the store has leased it, until proceed is closed.
// It plays a claim that is slow to reach the worker's attempting check.
type heldClaimStore struct {
	store.Store
	mu      sync.Mutex
	hold    string
	claimed chan struct{}
	proceed chan struct{}
}

func (s *heldClaimStore) ClaimDeliveries(ctx context.Context, p store.ClaimParams) ([]*store.Delivery, error) {
	got, err := s.Store.ClaimDeliveries(ctx, p)
	s.mu.Lock()
	hold := s.hold
	hit := false
	for _, d := range got {
		if hold != "" && d.ID == hold {
			hit = true
			s.hold = ""
		}
	}
	s.mu.Unlock()
	if hit {
		close(s.claimed)
		select {
		case <-s.proceed:
		case <-ctx.Done():
		}
	}

	return got, err
}

// TestLeaseEndRecordBeforeClaimCheck lets a delivery's lease end during its
// attempt, and lets a claim lease it again. The first attempt is recorded
// as a success after the claim left the store and before the claim reached
// the attempting check. The delivery must still get no second request.
func TestLeaseEndRecordBeforeClaimCheck(t *testing.T) {
	clock := newTestClock()
	guard := &signalHandler{want: "not attempted twice", seen: make(chan struct{})}
	slowClaim := &heldClaimStore{claimed: make(chan struct{}), proceed: make(chan struct{})}
	reports := make(chan integrations.DeliveryReport, 8)
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.Now = clock.Now
		c.PollInterval = time.Hour
		c.Logger = slog.New(guard)
		c.OnDeliveryFinished = func(r integrations.DeliveryReport) { reports <- r }
		slowClaim.Store = c.Store
		c.Store = slowClaim
	})
	rcv := fakereceiver.New(t, fakereceiver.Hang())
	t.Cleanup(rcv.Release)
	e.addWebhook(t, rcv.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 10 })

	ids := command(t, e.d, "run-1")
	require.Len(t, ids, 1)
	_, err := rcv.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)

	slowClaim.mu.Lock()
	slowClaim.hold = ids[0]
	slowClaim.mu.Unlock()
	// The lease is the endpoint's 10 s timeout and a 30 s margin.
	clock.Add(time.Minute)
	e.d.Wake()
	select {
	case <-slowClaim.claimed:
	case <-waitCtx(t).Done():
		t.Fatal("no claim leased the delivery whose lease ended")
	}

	// The first attempt ends and is recorded while the claim is held.
	rcv.Release()
	select {
	case r := <-reports:
		require.Equal(t, ids[0], r.DeliveryID)
		require.Equal(t, store.StatusSuccess, r.Status)
	case <-waitCtx(t).Done():
		t.Fatal("the first attempt was never recorded")
	}
	close(slowClaim.proceed)

	second := make(chan struct{})
	go func() {
		if _, err := rcv.WaitForRequests(waitCtx(t), 2); err == nil {
			close(second)
		}
	}()
	select {
	case <-guard.seen:
	case <-second:
	case <-waitCtx(t).Done():
		t.Fatal("the held claim neither skipped nor attempted the delivery")
	}
	var forDelivery int
	for _, r := range rcv.Requests() {
		if r.Header.Get("X-HishamOS-Delivery-ID") == ids[0] {
			forDelivery++
		}
	}
	assert.Equal(t, 1, forDelivery, "requests for delivery %s, whose first attempt succeeded", ids[0])
}
