package integrations

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hishamos/integrations-external/store"
)

// maxCachedRoutes bounds the users whose targets are cached. When it is
// full, expired entries are dropped, and users that do not fit are read
// every time.
const maxCachedRoutes = 10000

// routes holds the active targets of one user, or of every user for a
// system alert without users, as read from the store.
type routes struct {
	slacks []*store.SlackIntegration
	hooks  []*store.WebhookEndpoint
	gits   []*store.GitHubIntegration
	// mails holds the stored email settings. For one user without
	// settings it is empty, and mailsMissing is set.
	mails        []*store.EmailSettings
	mailsMissing bool
}

// routeCache keeps recently read routes by user id ("" for every user) for
// Config.TargetCacheTTL, so Dispatch does not run three or four reads for
// every event. Reading them took about a quarter of Dispatch's CPU time in
// the end-to-end benchmark. Every change the Service makes to a target, and
// every target the workers disable, clears the cache.
type routeCache struct {
	mu      sync.Mutex
	gen     uint64 // counts clears, so a read that raced a clear is not kept
	entries map[string]expiring[*routes]
}

// routesOf returns the routes visible to access from the cache, or reads
// them. The caller must not change the returned records.
func (d *Dispatcher) routesOf(ctx context.Context, access store.Access, userID string) (*routes, error) {
	if d.cfg.TargetCacheTTL < 0 {
		return d.readRoutes(ctx, access, userID)
	}
	now := d.cfg.Now()
	c := &d.routeCache
	c.mu.Lock()
	entry, ok := c.entries[userID]
	gen := c.gen
	c.mu.Unlock()
	if ok && now.Before(entry.until) {
		return entry.value, nil
	}

	rs, err := d.readRoutes(ctx, access, userID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return rs, nil // a target changed while this read ran
	}
	c.entries = putExpiring(c.entries, userID, rs, now, now.Add(d.cfg.TargetCacheTTL), maxCachedRoutes)

	return rs, nil
}

// readRoutes reads the active targets visible to access.
func (d *Dispatcher) readRoutes(ctx context.Context, access store.Access, userID string) (*routes, error) {
	list := store.ListParams{Access: access, ActiveOnly: true}
	rs := &routes{}
	var err error
	if rs.slacks, err = d.cfg.Store.ListSlackIntegrations(ctx, list); err != nil {
		return nil, fmt.Errorf("integrations: list Slack integrations: %w", err)
	}
	if rs.hooks, err = d.cfg.Store.ListWebhookEndpoints(ctx, list); err != nil {
		return nil, fmt.Errorf("integrations: list webhook endpoints: %w", err)
	}
	if rs.gits, err = d.cfg.Store.ListGitHubIntegrations(ctx, list); err != nil {
		return nil, fmt.Errorf("integrations: list GitHub integrations: %w", err)
	}
	if !d.emailEnabled() {
		return rs, nil
	}
	if userID == "" {
		if rs.mails, err = d.cfg.Store.ListEmailSettings(ctx, store.ListParams{Access: access}); err != nil {
			return nil, fmt.Errorf("integrations: list email settings: %w", err)
		}
		return rs, nil
	}
	s, err := d.cfg.Store.GetEmailSettings(ctx, access, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		rs.mailsMissing = true
	case err != nil:
		return nil, fmt.Errorf("integrations: read email settings of user %q: %w", userID, err)
	default:
		rs.mails = []*store.EmailSettings{s}
	}

	return rs, nil
}

// forgetRoutes clears the route cache after a target changed.
func (d *Dispatcher) forgetRoutes() {
	c := &d.routeCache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// serviceStore is the store the Service uses: every change to a target
// also clears the caches of Dispatch and the workers, so the next event
// reads the change.
type serviceStore struct {
	store.Store
	d *Dispatcher
}

// changed clears the caches after a write, and returns its error. A write
// that failed clears them too: it may have failed after its commit.
func (s serviceStore) changed(err error, endpointID string) error {
	s.d.forgetRoutes()
	if endpointID != "" {
		s.d.forgetEndpoint(endpointID)
	}

	return err
}

func (s serviceStore) CreateGitHubIntegration(ctx context.Context, rec *store.GitHubIntegration) error {
	return s.changed(s.Store.CreateGitHubIntegration(ctx, rec), "")
}

func (s serviceStore) UpdateGitHubIntegration(ctx context.Context, access store.Access, rec *store.GitHubIntegration) error {
	return s.changed(s.Store.UpdateGitHubIntegration(ctx, access, rec), "")
}

func (s serviceStore) DeleteGitHubIntegration(ctx context.Context, access store.Access, id string) error {
	return s.changed(s.Store.DeleteGitHubIntegration(ctx, access, id), "")
}

func (s serviceStore) CreateSlackIntegration(ctx context.Context, rec *store.SlackIntegration) error {
	return s.changed(s.Store.CreateSlackIntegration(ctx, rec), "")
}

func (s serviceStore) UpdateSlackIntegration(ctx context.Context, access store.Access, rec *store.SlackIntegration) error {
	return s.changed(s.Store.UpdateSlackIntegration(ctx, access, rec), "")
}

func (s serviceStore) DeleteSlackIntegration(ctx context.Context, access store.Access, id string) error {
	return s.changed(s.Store.DeleteSlackIntegration(ctx, access, id), "")
}

func (s serviceStore) CreateEmailSettings(ctx context.Context, rec *store.EmailSettings) error {
	return s.changed(s.Store.CreateEmailSettings(ctx, rec), "")
}

func (s serviceStore) UpdateEmailSettings(ctx context.Context, access store.Access, rec *store.EmailSettings) error {
	return s.changed(s.Store.UpdateEmailSettings(ctx, access, rec), "")
}

func (s serviceStore) CreateWebhookEndpoint(ctx context.Context, rec *store.WebhookEndpoint) error {
	return s.changed(s.Store.CreateWebhookEndpoint(ctx, rec), "")
}

func (s serviceStore) UpdateWebhookEndpoint(ctx context.Context, p store.UpdateWebhookParams) error {
	id := ""
	if p.Endpoint != nil {
		id = p.Endpoint.ID
	}
	return s.changed(s.Store.UpdateWebhookEndpoint(ctx, p), id)
}

func (s serviceStore) DeleteWebhookEndpoint(ctx context.Context, access store.Access, id string) error {
	return s.changed(s.Store.DeleteWebhookEndpoint(ctx, access, id), id)
}
