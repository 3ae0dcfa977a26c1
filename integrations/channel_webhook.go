package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/webhook"
)

// newWebhookSender builds the one webhook sender the dispatcher and the
// Service share, so connections to a receiver are reused across attempts.
func (d *Dispatcher) newWebhookSender() *webhook.Sender {
	opts := []webhook.Option{
		webhook.WithProduct(d.cfg.ProductName),
		webhook.WithLogger(d.cfg.Logger),
		webhook.WithClock(d.cfg.Now),
		webhook.WithAllowPrivateNetworks(d.cfg.AllowPrivateNetworks),
		webhook.WithMaxRetryAfter(d.cfg.RetryMaxDelay),
	}
	if len(d.cfg.AllowedNetworks) > 0 {
		opts = append(opts, webhook.WithAllowedPrefixes(d.cfg.AllowedNetworks...))
	}
	if d.cfg.Resolver != nil {
		opts = append(opts, webhook.WithResolver(d.cfg.Resolver))
	}

	return webhook.NewSender(opts...)
}

// sendWebhook makes one attempt of a webhook delivery.
func (d *Dispatcher) sendWebhook(ctx context.Context, del *store.Delivery) outcome {
	ep, err := d.webhookEndpoint(ctx, del.TargetID)
	if err != nil {
		return targetUnavailable("webhook endpoint", err)
	}
	if !ep.IsActive {
		return outcome{errorMessage: "webhook endpoint is inactive: re-enable it to deliver", inactive: true}
	}
	if err := d.fitLease(ctx, del, secondsToDuration(ep.TimeoutSeconds)); err != nil {
		return outcome{startedAt: d.cfg.Now(), retryable: true,
			errorMessage: "not sent: extending the delivery's lease to the endpoint's timeout failed: " + err.Error()}
	}

	return d.postWebhook(ctx, ep, del)
}

// fitLease extends the lease of del when less of it is left than an attempt
// with timeout needs, plus a quarter of leaseMargin. That happens when the
// endpoint's timeout grew after the lease was set, for example by a change
// written to the store directly while the routing cache held the old one.
// Without the extension, a claim could return del during the attempt.
func (d *Dispatcher) fitLease(ctx context.Context, del *store.Delivery, timeout time.Duration) error {
	if del.LeaseUntil.IsZero() {
		return nil // no lease to keep
	}
	now := d.cfg.Now()
	if del.LeaseUntil.Sub(now) >= timeout+leaseMargin/4 {
		return nil
	}
	until := now.Add(timeout + leaseMargin)
	if err := d.cfg.Store.ExtendLeases(ctx, []string{del.ID}, until); err != nil {
		d.cfg.Logger.Warn("integrations: extend a lease to the endpoint's timeout failed; the attempt is not sent",
			"delivery_id", del.ID, "target_id", del.TargetID, "error", err)
		return err
	}
	del.LeaseUntil = until

	return nil
}

// postWebhook sends del's payload to ep, signed with every secret that is
// valid now.
func (d *Dispatcher) postWebhook(ctx context.Context, ep *store.WebhookEndpoint, del *store.Delivery) outcome {
	start := d.cfg.Now()
	res := d.hooks.Send(ctx, webhook.Request{
		URL:        ep.URL,
		Method:     ep.Method,
		Headers:    ep.Headers,
		Body:       del.Payload,
		EventType:  del.EventType,
		DeliveryID: del.ID,
		Secrets:    d.validSecrets(ep),
		Scheme:     webhook.Scheme(ep.SignatureScheme),
		Timeout:    secondsToDuration(ep.TimeoutSeconds),
		Redact:     credentialValues(ep.Headers),
	})
	out := outcome{
		startedAt:      start,
		duration:       res.Duration,
		success:        res.Classification == webhook.Success,
		responseStatus: res.StatusCode,
		responseBody:   res.Excerpt,
		retryable:      res.Classification == webhook.Retryable,
	}
	if res.HasRetryAfter {
		out.retryAfter = res.RetryAfter
	}
	if res.Err != nil {
		out.errorMessage = res.Err.Error()
	}
	if res.DisableEndpoint {
		out.disableReason = "410 Gone"
	}

	return out
}

// validSecrets returns the endpoint's signing secrets, newest first: the
// current one, and the previous one until its overlap ends.
func (d *Dispatcher) validSecrets(ep *store.WebhookEndpoint) []webhook.Secret {
	var secrets []webhook.Secret
	if ep.Secret.IsSet() {
		secrets = append(secrets, webhook.Secret(ep.Secret.Reveal()))
	}
	if ep.PreviousSecret.IsSet() && d.cfg.Now().Before(ep.PreviousSecretExpiresAt) {
		secrets = append(secrets, webhook.Secret(ep.PreviousSecret.Reveal()))
	}

	return secrets
}

// deliverWebhookNow records a delivery of payload to ep and makes its one
// attempt at once, for the webhook test of the API. The delivery is due only
// after the attempt's lease would end, so no worker takes it meanwhile. If
// the process stops mid-attempt, a worker delivers it later.
//
// NOTE: a DELETE of the endpoint between the caller's read and the enqueue
// leaves this delivery in the history under the deleted endpoint's id.
func (d *Dispatcher) deliverWebhookNow(ctx context.Context, ep *store.WebhookEndpoint, eventType string, payload []byte) (*store.Delivery, error) {
	now := d.cfg.Now().UTC()
	del := &store.Delivery{
		ID:            store.NewID(),
		Channel:       store.ChannelWebhook,
		TargetID:      ep.ID,
		TargetName:    ep.Name,
		TargetURL:     schemeAndHost(ep.URL),
		UserID:        ep.UserID,
		EventID:       store.NewID(),
		EventType:     eventType,
		Payload:       payload,
		Status:        store.StatusPending,
		MaxAttempts:   1,
		TriggeredAt:   now,
		NextAttemptAt: now.Add(secondsToDuration(ep.TimeoutSeconds) + leaseMargin),
	}
	if _, err := d.cfg.Store.EnqueueDeliveries(ctx, []*store.Delivery{del}); err != nil {
		return nil, fmt.Errorf("integrations: record test delivery for endpoint %s: %w", ep.ID, err)
	}

	out := d.postWebhook(ctx, ep, del)
	rec := d.nextState(del, out, d.cfg.Now().UTC())
	_, err := d.cfg.Store.RecordAttempts(context.WithoutCancel(ctx), store.RecordParams{
		Now:     d.cfg.Now().UTC(),
		Records: []store.AttemptRecord{rec},
	})
	if err != nil {
		return nil, fmt.Errorf("integrations: record test attempt %s: %w", del.ID, err)
	}
	got, err := d.cfg.Store.GetDelivery(ctx, store.AsAdmin(), del.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("integrations: test delivery %s vanished (endpoint deleted meanwhile?): %w", del.ID, err)
	}

	return got, err
}
