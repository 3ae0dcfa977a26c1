package memory

import (
	"maps"
	"slices"

	"github.com/hishamos/integrations-external/store"
)

// The clone functions copy a record deeply, so neither the caller nor the
// store can change the other's copy. They also bring every time to UTC.

func cloneGitHub(r *store.GitHubIntegration) *store.GitHubIntegration {
	c := *r
	c.LastSyncAt = utc(c.LastSyncAt)
	c.LastVerifiedAt = utc(c.LastVerifiedAt)
	c.LastErrorAt = utc(c.LastErrorAt)
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)

	return &c
}

func cloneSlack(r *store.SlackIntegration) *store.SlackIntegration {
	c := *r
	c.LastUsedAt = utc(c.LastUsedAt)
	c.LastErrorAt = utc(c.LastErrorAt)
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)

	return &c
}

func cloneEmail(r *store.EmailSettings) *store.EmailSettings {
	c := *r
	c.LastErrorAt = utc(c.LastErrorAt)
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)

	return &c
}

func cloneWebhook(r *store.WebhookEndpoint) *store.WebhookEndpoint {
	c := *r
	if r.CustomEvents != nil {
		c.CustomEvents = slices.Clone(r.CustomEvents)
	}
	if r.Headers != nil {
		c.Headers = maps.Clone(r.Headers)
	}
	c.PreviousSecretExpiresAt = utc(c.PreviousSecretExpiresAt)
	c.LastErrorAt = utc(c.LastErrorAt)
	c.LastTriggeredAt = utc(c.LastTriggeredAt)
	c.FirstFailureAt = utc(c.FirstFailureAt)
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)

	return &c
}

func clonePullRequest(r *store.PullRequest) *store.PullRequest {
	c := *r
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)
	c.ClosedAt = utc(c.ClosedAt)
	c.MergedAt = utc(c.MergedAt)
	c.SyncedAt = utc(c.SyncedAt)

	return &c
}

// cloneDelivery copies d; withAttempts false leaves Attempts nil, as a
// claim returns deliveries.
func cloneDelivery(d *store.Delivery, withAttempts bool) *store.Delivery {
	c := *d
	if d.Payload != nil {
		c.Payload = slices.Clone(d.Payload)
	}
	c.Attempts = nil
	if withAttempts && len(d.Attempts) > 0 {
		c.Attempts = slices.Clone(d.Attempts)
	}
	c.NextAttemptAt = utc(c.NextAttemptAt)
	c.LeaseUntil = utc(c.LeaseUntil)
	c.TriggeredAt = utc(c.TriggeredAt)
	c.CompletedAt = utc(c.CompletedAt)
	c.CreatedAt = utc(c.CreatedAt)
	c.UpdatedAt = utc(c.UpdatedAt)

	return &c
}
