package integrations

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/webhook"
)

// Config configures a Dispatcher and its Service. Only Store is required.
type Config struct {
	// Store keeps configuration, deliveries and attempts. Required.
	Store store.Store

	// Logger receives start, stop, give-up and disable records and every
	// error that is not returned. Default: discard.
	Logger *slog.Logger

	// Now returns the current time. Default: time.Now.
	Now func() time.Time

	// Workers is the number of deliveries attempted at once. Default: 8.
	Workers int

	// PerTargetConcurrency caps the attempts in flight for one endpoint or
	// integration, so one slow target cannot occupy every worker.
	// Default: 2.
	PerTargetConcurrency int

	// RetryBase is the delay before the first retry; later retries double
	// it, with ±20% jitter. Default: 2s.
	RetryBase time.Duration

	// RetryMaxDelay caps one retry delay, including a Retry-After the
	// target asked for. Default: 1h.
	RetryMaxDelay time.Duration

	// MaxAttempts is the number of attempts for Slack, email and GitHub
	// deliveries, counting the first. Attempts that Slack or GitHub
	// rate-limited do not count within a day of the event. Webhook
	// endpoints use their own retry_count. Default: 3.
	MaxAttempts int

	// DisableAfterFailures and DisableAfterWindow disable a webhook
	// endpoint after that many consecutive failed attempts spanning at
	// least that long. Defaults: 50 and 24h. A negative
	// DisableAfterFailures turns the rule off.
	DisableAfterFailures int
	DisableAfterWindow   time.Duration

	// PollInterval is how often idle workers look for due deliveries that
	// no wake-up announced, such as deliveries whose lease ran out or that
	// another process queued. Default: 5s.
	PollInterval time.Duration

	// TargetCacheTTL is how long Dispatch reuses the targets it read for a
	// user, and workers reuse the webhook endpoints they read. Changes
	// made through this dispatcher's Service clear both caches at once, so
	// the TTL bounds only how late a change made by another process, or
	// written to the store directly, takes effect. Default: 2s. A negative
	// value turns the caches off, for hosts that change targets outside
	// the Service and need every event to see the change.
	TargetCacheTTL time.Duration

	// Email is the SMTP server that sends notification and test emails.
	// Default: nil, and the dispatcher sends no email.
	Email *email.Config

	// ProductName names the host product in message texts and the
	// X-<product>-* webhook headers. Default: "HishamOS".
	ProductName string

	// AllowPrivateNetworks lets webhooks reach loopback, private,
	// shared and unique-local addresses. Link-local addresses and the
	// cloud platform addresses (169.254.169.254, fd00:ec2::254,
	// 100.100.100.200, 168.63.129.16) stay blocked. Default: false. Turn it on only for
	// tests and on-premises receivers.
	AllowPrivateNetworks bool

	// AllowedNetworks lists address ranges webhooks may reach although
	// the guard blocks them by default. Optional.
	AllowedNetworks []netip.Prefix

	// Resolver resolves webhook host names. Default: the system resolver.
	// Tests map names to 127.0.0.1 with it.
	Resolver webhook.Resolver

	// SlackAPIURL is the Slack Web API base URL, for Enterprise Grid
	// proxies and tests. Default: https://slack.com/api/.
	SlackAPIURL string

	// GitHubAPIURL is the GitHub REST API base URL; for GitHub Enterprise
	// use https://HOST/api/v3/. Default: https://api.github.com/.
	GitHubAPIURL string

	// AutoSyncInterval is how often pull requests of GitHub integrations
	// with auto_sync_prs on are synced in the background. Default: 15m.
	AutoSyncInterval time.Duration

	// RotationOverlap is how long a rotated-out webhook secret keeps
	// signing beside the new one, so receivers can switch. Default: 24h.
	RotationOverlap time.Duration

	// UserEmail returns a user's email address when the user has no stored
	// email settings. Optional; without it such users get no email.
	UserEmail func(ctx context.Context, userID string) (string, error)

	// OnDeliveryFinished is called after a delivery reaches a final state.
	// It runs on the goroutine that records attempts, so a slow callback
	// delays later records. A panic in it is recovered and logged.
	// Optional.
	OnDeliveryFinished func(DeliveryReport)
}

// DeliveryReport describes a delivery that reached a final state.
type DeliveryReport struct {
	DeliveryID string
	Channel    store.Channel
	TargetID   string
	EventType  string
	Status     store.DeliveryStatus
	Attempts   int
}

func (c *Config) setDefaults() error {
	if c.Store == nil {
		return errors.New("integrations: Config.Store is required: open store/sqlite or store/memory first")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Workers == 0 {
		c.Workers = 8
	}
	if c.PerTargetConcurrency == 0 {
		c.PerTargetConcurrency = 2
	}
	if c.RetryBase == 0 {
		c.RetryBase = 2 * time.Second
	}
	if c.RetryMaxDelay == 0 {
		c.RetryMaxDelay = time.Hour
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 3
	}
	if c.DisableAfterFailures == 0 {
		c.DisableAfterFailures = 50
	}
	if c.DisableAfterWindow == 0 {
		c.DisableAfterWindow = 24 * time.Hour
	}
	if c.ProductName == "" {
		c.ProductName = "HishamOS"
	}
	if c.AutoSyncInterval <= 0 {
		c.AutoSyncInterval = 15 * time.Minute
	}
	if c.RotationOverlap == 0 {
		c.RotationOverlap = 24 * time.Hour
	}
	if c.PollInterval == 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.TargetCacheTTL == 0 {
		c.TargetCacheTTL = 2 * time.Second
	}
	switch {
	case c.Workers < 0:
		return fmt.Errorf("integrations: Config.Workers is %d: use a positive number or 0 for the default 8", c.Workers)
	case c.PerTargetConcurrency < 0:
		return fmt.Errorf("integrations: Config.PerTargetConcurrency is %d: use a positive number or 0 for the default 2", c.PerTargetConcurrency)
	case c.RetryBase < 0 || c.RetryMaxDelay < 0 || c.PollInterval < 0:
		return errors.New("integrations: Config.RetryBase, RetryMaxDelay and PollInterval must not be negative")
	case c.MaxAttempts < 0 || c.MaxAttempts > 20:
		return fmt.Errorf("integrations: Config.MaxAttempts is %d: use 1 to 20, or 0 for the default 3", c.MaxAttempts)
	}

	return nil
}
