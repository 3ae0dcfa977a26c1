package integrations_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/store"
)

// bodyLog is a webhook receiver on 127.0.0.1 that holds its first request
// until release is closed, fails the first request of every other delivery
// with 500 and accepts the rest. It keeps every body by delivery id.
type bodyLog struct {
	srv     *httptest.Server
	arrived chan struct{}
	release chan struct{}

	mu     sync.Mutex
	n      int
	bodies map[string][]string
}

func newBodyLog(t *testing.T) *bodyLog {
	b := &bodyLog{arrived: make(chan struct{}, 1), release: make(chan struct{}), bodies: map[string][]string{}}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("X-HishamOS-Delivery-ID")
		b.mu.Lock()
		b.n++
		first := b.n == 1
		b.bodies[id] = append(b.bodies[id], string(body))
		tries := len(b.bodies[id])
		b.mu.Unlock()
		switch {
		case first:
			b.arrived <- struct{}{}
			<-b.release
		case tries == 1:
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(b.srv.Close)

	return b
}

func (b *bodyLog) of(id string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()

	return append([]string(nil), b.bodies[id]...)
}

// TestDispatchCopiesPayload reuses the payload buffer once Dispatch has
// returned, while the delivery waits in the workers' hands: both attempts
// of the delivery send the bytes that were stored.
func TestDispatchCopiesPayload(t *testing.T) {
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.PerTargetConcurrency = 1
		c.RetryBase = 20 * time.Millisecond
		c.PollInterval = time.Hour // no poll may end the known-empty queue mid-test
	})
	recv := newBodyLog(t)
	t.Cleanup(func() {
		select {
		case <-recv.release:
		default:
			close(recv.release)
		}
	})
	e.addWebhook(t, recv.srv.URL, func(ep *store.WebhookEndpoint) {
		ep.TriggerOnCommandExecution, ep.TriggerOnWorkflowCompletion = false, false
		ep.CustomEvents = []string{"job.done"}
	})
	ctx := context.Background()
	event := func(payload []byte) integrations.Event {
		return integrations.Event{Type: "job.done", UserIDs: []string{testUser}, Payload: payload}
	}

	// The first event holds the endpoint's only slot.
	first, err := e.d.Dispatch(ctx, event([]byte(`{"job":1}`)))
	require.NoError(t, err)
	select {
	case <-recv.arrived:
	case <-waitCtx(t).Done():
		t.Fatal("the first delivery never arrived")
	}

	buf := []byte(`{"job":2}`)
	ids, err := e.d.Dispatch(ctx, event(buf))
	require.NoError(t, err)
	require.Len(t, ids, 1)
	stored, err := e.st.GetDelivery(ctx, store.AsAdmin(), ids[0])
	require.NoError(t, err)
	require.False(t, stored.LeaseUntil.IsZero(), "the second delivery was not handed off, so the test shows nothing")

	copy(buf, `{"job":9}`) // the host reuses its buffer
	close(recv.release)
	e.waitFinal(t, append(first, ids...))

	got := recv.of(ids[0])
	require.Len(t, got, 2, "requests for delivery %s", ids[0])
	assert.Equal(t, string(stored.Payload), got[0], "first attempt body vs stored payload")
	assert.Equal(t, got[0], got[1], "the two attempts of delivery %s carry different bodies", ids[0])
}
