package integrations_test

import (
	"context"
	"net/netip"
	"net/url"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/store"
)

// gatedResolver maps every host name to 127.0.0.1. After arm, it blocks the
// next lookup until release is closed and reports that lookup on arrived.
// A test uses it to change an endpoint while a PATCH of the same endpoint
// waits for its URL check, as it would wait for a slow DNS server.
type gatedResolver struct {
	mu      sync.Mutex
	armed   bool
	arrived chan struct{}
	release chan struct{}
}

func newGatedResolver() *gatedResolver {
	return &gatedResolver{arrived: make(chan struct{}), release: make(chan struct{})}
}

func (g *gatedResolver) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed = true
}

func (g *gatedResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	g.mu.Lock()
	hold := g.armed
	g.armed = false
	g.mu.Unlock()
	if hold {
		close(g.arrived)
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}

	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

// patchDuring starts a PATCH of the endpoint's name, runs change while the
// PATCH waits for its URL check, then lets the PATCH finish and returns
// the endpoint as stored afterwards.
func patchDuring(t *testing.T, svc *integrations.Service, gate *gatedResolver, caller integrations.Caller,
	id string, change func()) *store.WebhookEndpoint {
	t.Helper()
	ctx := context.Background()
	gate.arm()
	done := make(chan error, 1)
	go func() {
		_, err := svc.PatchWebhookEndpoint(ctx, caller, id, integrations.WebhookInput{Name: ptr("renamed")})
		done <- err
	}()
	<-gate.arrived
	change()
	close(gate.release)
	require.NoError(t, <-done)

	after, err := svc.GetWebhookEndpoint(ctx, caller, id)
	require.NoError(t, err)

	return after
}

// newGatedService returns the Service of a dispatcher whose workers never
// start, on a SQLite store, with webhook host names resolved by gate.
func newGatedService(t *testing.T, gate *gatedResolver) *integrations.Service {
	t.Helper()
	st := openSQLite(t, filepath.Join(t.TempDir(), "gated.db"))
	t.Cleanup(func() { _ = st.Close() })
	d, err := integrations.New(integrations.Config{
		Store: st, AllowPrivateNetworks: true, Resolver: gate,
	})
	require.NoError(t, err)

	return d.Service()
}

// TestRotatedSecretSurvivesConcurrentPatch rotates an endpoint's secret
// while a PATCH that changes only the name is in progress. The rotation
// returned the new secret to the user, so the endpoint must sign with it.
func TestRotatedSecretSurvivesConcurrentPatch(t *testing.T) {
	gate := newGatedResolver()
	svc := newGatedService(t, gate)
	alice := integrations.Caller{UserID: "alice"}
	ctx := context.Background()
	ep, original, err := svc.CreateWebhookEndpoint(ctx, alice, integrations.WebhookInput{
		Name: ptr("hooks"), URL: ptr("http://hooks.example.test:9/in"),
	})
	require.NoError(t, err)

	var rotated string
	after := patchDuring(t, svc, gate, alice, ep.ID, func() {
		_, secret, err := svc.RotateWebhookSecret(ctx, alice, ep.ID)
		require.NoError(t, err)
		rotated = secret
	})

	require.Equal(t, "renamed", after.Name)
	require.NotEqual(t, original, after.Secret.Reveal(), "the secret the user rotated away from still signs")
	require.Equal(t, rotated, after.Secret.Reveal(), "the secret returned by the rotation was never kept")
}

// TestGoneDisableSurvivesConcurrentPatch disables an endpoint through a
// 410 Gone response while a PATCH that changes only the name is in
// progress. The PATCH must not switch the endpoint back on.
func TestGoneDisableSurvivesConcurrentPatch(t *testing.T) {
	gate := newGatedResolver()
	svc := newGatedService(t, gate)
	recv := fakereceiver.New(t, fakereceiver.Gone())
	alice := integrations.Caller{UserID: "alice"}
	ctx := context.Background()
	// The receiver's port on a host name that gate maps to 127.0.0.1.
	base, err := url.Parse(recv.URL)
	require.NoError(t, err)
	ep, _, err := svc.CreateWebhookEndpoint(ctx, alice, integrations.WebhookInput{
		Name: ptr("hooks"), URL: ptr("http://hooks.example.test:" + base.Port() + "/in"),
	})
	require.NoError(t, err)

	after := patchDuring(t, svc, gate, alice, ep.ID, func() {
		res, err := svc.SendWebhookTest(ctx, alice, ep.ID, nil)
		require.NoError(t, err)
		require.Equal(t, 410, res.ResponseStatus)
		disabled, err := svc.GetWebhookEndpoint(ctx, alice, ep.ID)
		require.NoError(t, err)
		require.False(t, disabled.IsActive, "410 Gone did not disable the endpoint")
	})

	require.False(t, after.IsActive, "the PATCH switched the endpoint disabled by 410 Gone back on")
	require.Equal(t, "410 Gone", after.DisabledReason)
}
