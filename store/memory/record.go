package memory

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// RecordAttempts stores attempts with their deliveries' new states and
// their targets' counters, atomically, as store.DeliveryStore documents.
// Target times (LastTriggeredAt, LastUsedAt, LastErrorAt, FirstFailureAt)
// come from the attempt's StartedAt, or from p.Now when it is zero.
func (s *Store) RecordAttempts(_ context.Context, p store.RecordParams) (store.RecordResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.RecordResult{}, store.ErrClosed
	}
	for i, r := range p.Records {
		if r.Status != store.StatusRetrying && !r.Status.Final() {
			return store.RecordResult{}, fmt.Errorf("memory: record attempt %d of delivery %q: invalid status %q: "+
				"use retrying, success or failed: %w", i+1, r.Attempt.DeliveryID, r.Status, store.ErrInvalid)
		}
	}

	now := s.nowOr(p.Now)
	var res store.RecordResult
	for _, r := range p.Records {
		d, ok := s.deliveries[r.Attempt.DeliveryID]
		if !ok {
			continue
		}
		a := r.Attempt
		a.Number = d.AttemptCount + 1
		if n := len(d.Attempts); n > 0 && d.Attempts[n-1].Number >= a.Number {
			// Late attempts on a final delivery took this number.
			a.Number = d.Attempts[n-1].Number + 1
		}
		a.StartedAt = utc(a.StartedAt)
		if a.StartedAt.IsZero() {
			a.StartedAt = now
		}
		a.ResponseBody = store.Excerpt(a.ResponseBody)
		d.Attempts = append(d.Attempts, a)
		if !d.Status.Final() {
			s.applyDeliveryState(d, r, now)
		}
		if !r.KeepTarget {
			s.applyTargetCounters(d, a, r, p, now, &res)
		}
	}

	return res, nil
}

// applyDeliveryState moves a delivery that is still queued to the state r
// names.
func (s *Store) applyDeliveryState(d *store.Delivery, r store.AttemptRecord, now time.Time) {
	d.AttemptCount++
	d.Status = r.Status
	d.LeaseUntil = time.Time{}
	d.UpdatedAt = now
	d.NextAttemptAt = utc(r.NextAttemptAt)
	if r.Status.Final() {
		d.CompletedAt = now
		s.queued.remove(d.ID)
		return
	}
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = now
	}
	s.queued.add(d)
}

// applyTargetCounters updates the target of d after attempt a and records
// in res any target that r or the consecutive-failure rule disabled.
func (s *Store) applyTargetCounters(d *store.Delivery, a store.Attempt, r store.AttemptRecord, p store.RecordParams, now time.Time, res *store.RecordResult) {
	ok := a.Status == store.AttemptSuccess
	disable := func(active *bool, reason *string, version *time.Time, why string) {
		if why == "" || !*active {
			return
		}
		*active, *reason, *version = false, why, nextVersion(*version, now)
		res.Disabled = append(res.Disabled, store.DisabledTarget{Channel: d.Channel, TargetID: d.TargetID, Reason: why})
	}

	switch d.Channel {
	case store.ChannelWebhook:
		e, found := s.webhooks[d.TargetID]
		if !found {
			return
		}
		countWebhookAttempt(e, a, ok)
		disable(&e.IsActive, &e.DisabledReason, &e.UpdatedAt, cmp.Or(r.DisableReason, failureRuleReason(e, p, now, ok)))
	case store.ChannelSlack:
		sl, found := s.slack[d.TargetID]
		if !found {
			return
		}
		if ok {
			sl.LastUsedAt = a.StartedAt
		} else {
			sl.LastError, sl.LastErrorAt = a.ErrorMessage, a.StartedAt
		}
		sl.UpdatedAt = nextVersion(sl.UpdatedAt, now)
		disable(&sl.IsActive, &sl.DisabledReason, &sl.UpdatedAt, sameCredential(r, sl.BotToken))
	case store.ChannelGitHub:
		gh, found := s.github[d.TargetID]
		if !found {
			return
		}
		if !ok {
			gh.LastError, gh.LastErrorAt = a.ErrorMessage, a.StartedAt
			gh.UpdatedAt = nextVersion(gh.UpdatedAt, now)
		}
		disable(&gh.IsActive, &gh.DisabledReason, &gh.UpdatedAt, sameCredential(r, gh.AccessToken))
	case store.ChannelEmail:
		// Email settings have no IsActive, so DisableReason does not apply.
		em, found := s.email[d.TargetID]
		if found && !ok {
			em.LastError, em.LastErrorAt = a.ErrorMessage, a.StartedAt
			em.UpdatedAt = nextVersion(em.UpdatedAt, now)
		}
	}
}

func countWebhookAttempt(e *store.WebhookEndpoint, a store.Attempt, ok bool) {
	e.LastTriggeredAt = a.StartedAt
	if ok {
		e.SuccessCount++
		e.ConsecutiveFailures = 0
		e.FirstFailureAt = time.Time{}
		return
	}
	e.FailureCount++
	e.ConsecutiveFailures++
	if e.FirstFailureAt.IsZero() {
		e.FirstFailureAt = a.StartedAt
	}
	e.LastError, e.LastErrorAt = a.ErrorMessage, a.StartedAt
}

// failureRuleReason returns the reason to disable e under the
// consecutive-failure rule of p, or "" when the rule does not apply.
func failureRuleReason(e *store.WebhookEndpoint, p store.RecordParams, now time.Time, ok bool) string {
	if ok || p.DisableAfterFailures <= 0 || e.ConsecutiveFailures < p.DisableAfterFailures {
		return ""
	}
	if now.Sub(e.FirstFailureAt) < p.DisableAfterWindow {
		return ""
	}

	return fmt.Sprintf("%d consecutive failures since %s", e.ConsecutiveFailures, e.FirstFailureAt.UTC().Format(time.RFC3339))
}

// sameCredential returns r's DisableReason, or "" when r names a credential
// other than the integration's current one.
func sameCredential(r store.AttemptRecord, current store.Secret) string {
	if r.CredentialHash != "" && r.CredentialHash != store.CredentialHash(current) {
		return ""
	}

	return r.DisableReason
}
