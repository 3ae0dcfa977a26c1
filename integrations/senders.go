package integrations

import (
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// buildSenders prepares one sender per configured channel.
func (d *Dispatcher) buildSenders() error {
	d.senders = make(map[store.Channel]sender)

	return nil
}

// emailEnabled reports whether the dispatcher can send email.
func (d *Dispatcher) emailEnabled() bool {
	_, ok := d.senders[store.ChannelEmail]
	return ok
}

// retryDelay returns the wait before attempt number+1: RetryBase doubled for
// each earlier retry, ±20% jitter, at least the target's Retry-After, and at
// most RetryMaxDelay.
func (d *Dispatcher) retryDelay(number int, retryAfter time.Duration) time.Duration {
	delay := d.cfg.RetryBase
	for i := 1; i < number && delay < d.cfg.RetryMaxDelay; i++ {
		delay *= 2
	}
	jitter := 0.8 + 0.4*rand.Float64()
	delay = time.Duration(float64(delay) * jitter)
	delay = max(delay, retryAfter)

	return min(delay, d.cfg.RetryMaxDelay)
}

// schemeAndHost returns "scheme://host" of rawURL, dropping userinfo, path
// and query, or "" when rawURL does not parse.
func schemeAndHost(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return ""
	}

	return u.Scheme + "://" + u.Host
}
