package integrations

import (
	"fmt"

	"github.com/hishamos/integrations-external/email"
	"net/url"
	"time"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/webhook"
)

// buildSenders prepares one sender per configured channel.
func (d *Dispatcher) buildSenders() error {
	d.hooks = d.newWebhookSender()
	d.senders = map[store.Channel]sender{
		store.ChannelWebhook: d.sendWebhook,
		store.ChannelSlack:   d.sendSlack,
		store.ChannelGitHub:  d.sendGitHub,
	}
	if d.cfg.Email != nil {
		mailer, err := email.New(*d.cfg.Email)
		if err != nil {
			return fmt.Errorf("integrations: Config.Email: %w", err)
		}
		d.mailer = mailer
		d.senders[store.ChannelEmail] = d.sendEmail
	}

	return nil
}

// emailEnabled reports whether the dispatcher can send email.
func (d *Dispatcher) emailEnabled() bool {
	_, ok := d.senders[store.ChannelEmail]
	return ok
}

// retryDelay returns the wait before attempt number+1, by the webhook
// retry policy built from RetryBase and RetryMaxDelay.
func (d *Dispatcher) retryDelay(number int, retryAfter time.Duration) time.Duration {
	policy := webhook.Policy{Base: d.cfg.RetryBase, MaxDelay: d.cfg.RetryMaxDelay, Now: d.cfg.Now}

	return policy.Delay(number, retryAfter)
}

// secondsToDuration converts a timeout in whole seconds.
func secondsToDuration(seconds int) time.Duration {
	return time.Duration(seconds) * time.Second
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
