package integrations

import (
	"context"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// outcome is what one attempt on any channel produced.
type outcome struct {
	startedAt      time.Time
	duration       time.Duration
	success        bool
	responseStatus int    // 0 without a response
	responseBody   string // excerpt
	errorMessage   string
	retryable      bool          // a failure that a later attempt may fix
	retryAfter     time.Duration // the target's requested wait, 0 when none
	disableReason  string        // deactivate the target, as for 410 Gone
	abandoned      bool          // cut off by the stop deadline, so due again at once
	// inactive means the target was switched off, so nothing was sent and
	// its counters and last error stay as they are.
	inactive bool
	// credentialHash is store.CredentialHash of the Slack or GitHub token
	// the attempt used, so a disable applies only while the integration
	// still has it.
	credentialHash string
	// rateLimited means Slack or GitHub asked to slow down. That is no fault
	// of the notice, so it does not use up its attempts.
	rateLimited bool
}

// rateLimitWindow is how long after its event a Slack or GitHub delivery
// may still be retried after a rate limit, once its attempts are used up.
const rateLimitWindow = 24 * time.Hour

// abandonedMessage is the stored error of an attempt that the stop deadline
// cut off before a response arrived.
const abandonedMessage = "attempt abandoned when the dispatcher stopped: the target may have received it"

// abandon turns the outcome of an attempt that the stop deadline cut off
// into a failed, retryable attempt. An attempt that got a response keeps
// its outcome.
func abandon(out outcome) outcome {
	if out.success || out.responseStatus != 0 {
		return out
	}
	out.errorMessage, out.retryable, out.abandoned = abandonedMessage, true, true
	out.retryAfter, out.disableReason = 0, ""

	return out
}

// sender makes one attempt of a delivery on one channel.
type sender func(ctx context.Context, del *store.Delivery) outcome

// attempt makes one attempt of del, turning a panic in a sender or a host
// callback into a failed, retryable attempt.
func (d *Dispatcher) attempt(ctx context.Context, del *store.Delivery) (out outcome) {
	started := d.cfg.Now()
	defer func() {
		if p := recover(); p != nil {
			d.cfg.Logger.Error("integrations: delivery attempt panicked",
				"delivery_id", del.ID, "channel", string(del.Channel), "target_id", del.TargetID,
				"panic", fmt.Sprint(p))
			out = outcome{errorMessage: "internal error: delivery attempt panicked", retryable: true}
		}
		if out.startedAt.IsZero() {
			out.startedAt = started
		}
	}()

	send, ok := d.senders[del.Channel]
	if !ok {
		return outcome{errorMessage: fmt.Sprintf("channel %q is not configured in this dispatcher", del.Channel)}
	}

	return send(ctx, del)
}

// nextState turns an outcome into the attempt record and the delivery's new
// state, applying the retry policy.
func (d *Dispatcher) nextState(del *store.Delivery, out outcome, now time.Time) store.AttemptRecord {
	number := del.AttemptCount + 1
	rec := store.AttemptRecord{
		Attempt: store.Attempt{
			DeliveryID:     del.ID,
			Number:         number,
			Status:         store.AttemptFailed,
			ResponseStatus: out.responseStatus,
			ResponseBody:   store.Excerpt(out.responseBody),
			ErrorMessage:   out.errorMessage,
			DurationMS:     out.duration.Milliseconds(),
			StartedAt:      out.startedAt.UTC(),
		},
		DisableReason:  out.disableReason,
		CredentialHash: out.credentialHash,
		// A stop, not the target, cut the attempt off, or nothing was sent.
		KeepTarget: out.abandoned || out.inactive,
	}
	switch {
	case out.success:
		rec.Attempt.Status = store.AttemptSuccess
		rec.Status = store.StatusSuccess
	case out.abandoned:
		// The outcome is unknown, so even the last allowed attempt leaves
		// the delivery due: the next attempt is one more than the limit.
		rec.Status = store.StatusRetrying
		rec.NextAttemptAt = now
	case !out.retryable:
		rec.Status = store.StatusFailed
	case number >= del.MaxAttempts && !(out.rateLimited && now.Sub(del.TriggeredAt) < rateLimitWindow):
		rec.Status = store.StatusFailed
	default:
		rec.Status = store.StatusRetrying
		rec.NextAttemptAt = now.Add(d.retryDelay(number, out.retryAfter))
	}

	return rec
}
