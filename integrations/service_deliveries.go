package integrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// DeliveryFilter selects deliveries. Empty fields do not filter.
type DeliveryFilter struct {
	// UserID narrows an administrator's list to one user; ignored for
	// ordinary callers.
	UserID string
	// TargetID is a webhook endpoint or integration id.
	TargetID  string
	Channel   store.Channel
	Status    store.DeliveryStatus
	EventType string
	// Limit is the page size; zero or less means no limit.
	Limit  int
	Offset int
}

// ListDeliveries returns the deliveries the caller may see, newest first,
// each with its attempts. A status other than pending, retrying, success or
// failed is a *ValidationError.
func (s *Service) ListDeliveries(ctx context.Context, c Caller, f DeliveryFilter) ([]*store.Delivery, error) {
	problems := fieldErrors{}
	switch f.Status {
	case "", store.StatusPending, store.StatusRetrying, store.StatusSuccess, store.StatusFailed:
	default:
		problems.add("status", "must be pending, retrying, success or failed")
	}
	switch f.Channel {
	case "", store.ChannelWebhook, store.ChannelSlack, store.ChannelEmail, store.ChannelGitHub:
	default:
		problems.add("channel", "must be webhook, slack, email or github")
	}
	if err := problems.err(); err != nil {
		return nil, err
	}
	q := store.DeliveryQuery{
		Access: c.access(), UserID: f.UserID, TargetID: f.TargetID, Channel: f.Channel,
		Status: f.Status, EventType: f.EventType, Limit: f.Limit, Offset: f.Offset,
	}
	ds, err := s.st.ListDeliveries(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("integrations: list deliveries: %w", err)
	}

	return ds, nil
}

// ListWebhookDeliveries returns the deliveries of one webhook endpoint the
// caller may see, newest first. The endpoint's own absence is reported as
// not found even when the filter matches nothing.
func (s *Service) ListWebhookDeliveries(ctx context.Context, c Caller, endpointID string, f DeliveryFilter) ([]*store.Delivery, error) {
	if _, err := s.GetWebhookEndpoint(ctx, c, endpointID); err != nil {
		return nil, err
	}
	f.TargetID = endpointID
	f.Channel = store.ChannelWebhook

	return s.ListDeliveries(ctx, c, f)
}

// GetDelivery returns one delivery with its attempts.
func (s *Service) GetDelivery(ctx context.Context, c Caller, id string) (*store.Delivery, error) {
	d, err := s.st.GetDelivery(ctx, c.access(), id)
	if err != nil {
		return nil, fmt.Errorf("integrations: get delivery %q: %w", id, err)
	}

	return d, nil
}

// ErrTargetInactive is returned by RetryDelivery when the delivery's target,
// a webhook endpoint or a Slack or GitHub integration, is inactive, so the
// retry would fail at once. Re-enable the target, then retry.
var ErrTargetInactive = errors.New("integrations: the delivery's target is inactive: re-enable it, then retry")

// targetActive reports whether the target of d is active. Email settings
// have no active flag, and a target that is gone counts as active: the
// store's retry then decides.
func (s *Service) targetActive(ctx context.Context, c Caller, d *store.Delivery) (bool, error) {
	var active bool
	var err error
	switch d.Channel {
	case store.ChannelWebhook:
		var rec *store.WebhookEndpoint
		if rec, err = s.st.GetWebhookEndpoint(ctx, c.access(), d.TargetID); err == nil {
			active = rec.IsActive
		}
	case store.ChannelSlack:
		var rec *store.SlackIntegration
		if rec, err = s.st.GetSlackIntegration(ctx, c.access(), d.TargetID); err == nil {
			active = rec.IsActive
		}
	case store.ChannelGitHub:
		var rec *store.GitHubIntegration
		if rec, err = s.st.GetGitHubIntegration(ctx, c.access(), d.TargetID); err == nil {
			active = rec.IsActive
		}
	default:
		return true, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}

	return active, err
}

// RetryDelivery puts a final delivery back in the queue with one more
// attempt and wakes the workers. A delivery that is still pending or
// retrying is an error wrapping store.ErrConflict, and one whose target is
// inactive is ErrTargetInactive.
func (s *Service) RetryDelivery(ctx context.Context, c Caller, id string) (*store.Delivery, error) {
	current, err := s.st.GetDelivery(ctx, c.access(), id)
	if err != nil {
		return nil, fmt.Errorf("integrations: retry delivery %q: %w", id, err)
	}
	active, err := s.targetActive(ctx, c, current)
	if err != nil {
		return nil, fmt.Errorf("integrations: retry delivery %q: %w", id, err)
	}
	if !active {
		return nil, fmt.Errorf("integrations: retry delivery %q: %w", id, ErrTargetInactive)
	}
	d, err := s.st.RetryDelivery(ctx, store.RetryParams{Access: c.access(), ID: id, Now: s.now()})
	if err != nil {
		return nil, fmt.Errorf("integrations: retry delivery %q: %w", id, err)
	}
	s.d.wake()

	return d, nil
}
