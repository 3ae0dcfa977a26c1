package integrations_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
)

// slowEndpointRead delays the first webhook endpoint read after arm, once
// the store has returned the endpoint, until release is closed. It plays a
// worker whose read is slow while a user changes the endpoint.
type slowEndpointRead struct {
	store.Store
	mu      sync.Mutex
	armed   bool
	reached chan struct{}
	release chan struct{}
}

func (s *slowEndpointRead) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed = true
	s.reached, s.release = make(chan struct{}), make(chan struct{})
}

func (s *slowEndpointRead) GetWebhookEndpoint(ctx context.Context, a store.Access, id string) (*store.WebhookEndpoint, error) {
	ep, err := s.Store.GetWebhookEndpoint(ctx, a, id)
	s.mu.Lock()
	hold := s.armed
	s.armed = false
	reached, release := s.reached, s.release
	s.mu.Unlock()
	if hold {
		close(reached)
		<-release
	}

	return ep, err
}

// TestEndpointCacheDropsRacingRead changes an endpoint's URL while a
// worker's read of the endpoint is still running. That read may be used for
// its own attempt, but not kept in the cache, so an event dispatched after
// the change goes to the new URL.
func TestEndpointCacheDropsRacingRead(t *testing.T) {
	clock := newTestClock() // frozen, so the stale entry outlives the test
	var slow *slowEndpointRead
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.Now = clock.Now
		slow = &slowEndpointRead{Store: c.Store}
		c.Store = slow
	})
	oldRecv := fakereceiver.New(t, fakereceiver.OK())
	newRecv := fakereceiver.New(t, fakereceiver.OK())
	ep := e.addWebhook(t, oldRecv.URL, nil)

	slow.arm()
	first := command(t, e.d, "run-1")
	<-slow.reached // the worker has read the endpoint with the old URL

	url := newRecv.URL
	_, err := e.d.Service().PatchWebhookEndpoint(context.Background(), integrations.Caller{UserID: testUser},
		ep.ID, integrations.WebhookInput{URL: &url})
	require.NoError(t, err)
	close(slow.release)
	e.waitFinal(t, first)

	second := command(t, e.d, "run-2") // dispatched after the change returned
	e.waitFinal(t, second)
	assert.Len(t, newRecv.Requests(), 1, "requests at the new URL")
	for _, r := range oldRecv.Requests() {
		assert.NotEqual(t, second[0], r.Header.Get("X-HishamOS-Delivery-ID"),
			"delivery %s, dispatched after the URL change, went to the old URL", second[0])
	}
}
