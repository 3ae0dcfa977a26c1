package integrations_test

import (
	"context"
	"log/slog"
	"strings"
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
