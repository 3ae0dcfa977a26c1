package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// EnqueueDeliveries stores deliveries atomically: when one is invalid,
// none is stored. A delivery whose IdempotencyKey is already used for its
// target, earlier or in the same call, is not stored and its result names
// the existing delivery.
func (s *Store) EnqueueDeliveries(_ context.Context, deliveries []*store.Delivery) ([]store.EnqueueResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	ids := make(map[string]*store.Delivery, len(deliveries))
	for i, d := range deliveries {
		if err := s.checkNewDelivery(d); err != nil {
			return nil, fmt.Errorf("memory: enqueue delivery %d: %w", i+1, err)
		}
		if err := store.CheckRepeatedID(ids, d); err != nil {
			return nil, fmt.Errorf("memory: enqueue delivery %d: %w", i+1, err)
		}
	}

	now := s.clock()
	results := make([]store.EnqueueResult, len(deliveries))
	// The deliveries of one event often share one payload slice, and the
	// store never changes a stored payload, so they share one copy too.
	var lastIn, lastCopy []byte
	for i, d := range deliveries {
		target := s.storedTarget(d)
		key := idempotencyKey{targetID: target, key: d.IdempotencyKey}
		if existing, used := s.idempotency[key]; used && d.IdempotencyKey != "" {
			results[i] = store.EnqueueResult{ID: existing, Duplicate: true}
			continue
		}
		payload := d.Payload
		d.Payload = nil
		c := cloneDelivery(d, false)
		d.Payload = payload
		if len(payload) > 0 && len(payload) == len(lastIn) && &payload[0] == &lastIn[0] {
			c.Payload = lastCopy
		} else if payload != nil {
			c.Payload = slices.Clone(payload)
			lastIn, lastCopy = payload, c.Payload
		}
		c.TargetID = target
		if c.ID == "" {
			c.ID = store.NewID()
		}
		if c.Status == "" {
			c.Status = store.StatusPending
		}
		if c.TriggeredAt.IsZero() {
			c.TriggeredAt = now
		}
		if c.NextAttemptAt.IsZero() {
			c.NextAttemptAt = c.TriggeredAt
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		if c.UpdatedAt.IsZero() {
			c.UpdatedAt = now
		}
		s.deliveries[c.ID] = c
		switch {
		case c.Status.Final():
		case !c.LeaseUntil.IsZero():
			// Claimed by its producer as it is written; a claim after the
			// lease ends returns it to the ready order.
			s.queued.lease(c)
		default:
			s.queued.add(c)
		}
		if c.IdempotencyKey != "" {
			s.idempotency[key] = c.ID
		}
		// The caller gets the filled-in fields, and keeps its own payload,
		// which holds the same bytes as the stored copy, and its target id.
		filled := *c
		filled.Payload, filled.TargetID = d.Payload, d.TargetID
		*d = filled
		results[i] = store.EnqueueResult{ID: c.ID}
	}

	return results, nil
}

// storedTarget returns the target id to store for d: the id of the user's
// email settings for an email delivery to store.UserEmailTarget when the
// user has settings, and d.TargetID otherwise. The caller holds the lock.
func (s *Store) storedTarget(d *store.Delivery) string {
	if d.Channel != store.ChannelEmail || d.TargetID != store.UserEmailTarget(d.UserID) {
		return d.TargetID
	}
	if settings := s.emailOf(d.UserID); settings != nil {
		return settings.ID
	}

	return d.TargetID
}

// checkNewDelivery returns an error wrapping store.ErrInvalid or
// store.ErrConflict when d cannot be stored.
func (s *Store) checkNewDelivery(d *store.Delivery) error {
	switch {
	case d == nil:
		return fmt.Errorf("nil delivery: %w", store.ErrInvalid)
	case d.UserID == "":
		return fmt.Errorf("missing user id: %w", store.ErrInvalid)
	case d.TargetID == "":
		return fmt.Errorf("missing target id: %w", store.ErrInvalid)
	case d.EventType == "":
		return fmt.Errorf("missing event type: %w", store.ErrInvalid)
	}
	switch d.Channel {
	case store.ChannelWebhook, store.ChannelSlack, store.ChannelEmail, store.ChannelGitHub:
	default:
		return fmt.Errorf("unknown channel %q: use webhook, slack, email or github: %w", d.Channel, store.ErrInvalid)
	}
	if d.Status != "" && !validStatus(d.Status) {
		return fmt.Errorf("unknown status %q: %w", d.Status, store.ErrInvalid)
	}
	if old, used := s.deliveries[d.ID]; d.ID != "" && used {
		// The same delivery given again, with its target and key, is a
		// duplicate, which the key resolves.
		if d.IdempotencyKey == "" || old.IdempotencyKey != d.IdempotencyKey || old.TargetID != s.storedTarget(d) {
			return fmt.Errorf("delivery id %q is already used by another delivery: "+
				"leave Delivery.ID empty to get a new id: %w", d.ID, store.ErrConflict)
		}
	}

	return nil
}

func validStatus(st store.DeliveryStatus) bool {
	switch st {
	case store.StatusPending, store.StatusRetrying, store.StatusSuccess, store.StatusFailed:
		return true
	}

	return false
}

// claimCandidatesPerSlot bounds the due deliveries a claim reads: Limit
// times this factor, as in the SQLite store, so a claim with excluded or
// capped targets does not walk the whole backlog.
const claimCandidatesPerSlot = 20

// ClaimDeliveries leases up to p.Limit due deliveries, oldest
// NextAttemptAt first and then by id. Besides those of excluded targets, it
// reads at most p.Limit*20 due deliveries, so when those all belong to
// capped targets it returns fewer than p.Limit.
//
// NOTE: the deliveries of excluded targets are read and put back on every
// claim, so a large backlog of an excluded target makes each claim cost
// time in proportion to it.
func (s *Store) ClaimDeliveries(_ context.Context, p store.ClaimParams) ([]*store.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil, store.ErrClosed
	}
	if p.Limit <= 0 {
		return nil, fmt.Errorf("memory: claim deliveries: limit %d: must be positive: %w", p.Limit, store.ErrInvalid)
	}

	now := s.nowOr(p.Now)
	s.queued.expire(now)
	perTarget := map[string]int{}
	var out []*store.Delivery
	var skipped []*store.Delivery
	for read := 0; len(out) < p.Limit && read < p.Limit*claimCandidatesPerSlot; {
		d := s.queued.popDue(now)
		if d == nil {
			break
		}
		if slices.Contains(p.ExcludeTargets, d.TargetID) {
			// As in SQLite, where the query filters them out, excluded
			// targets do not use up the read bound.
			skipped = append(skipped, d)
			continue
		}
		read++
		if p.MaxPerTarget > 0 && perTarget[d.TargetID] >= p.MaxPerTarget {
			skipped = append(skipped, d)
			continue
		}
		perTarget[d.TargetID]++
		d.LeaseUntil = now.Add(s.leaseOf(d, p))
		s.queued.lease(d)
		out = append(out, cloneDelivery(d, false))
	}
	for _, d := range skipped {
		s.queued.add(d)
	}

	return out, nil
}

// leaseOf returns how long a claim leases d: a webhook endpoint's timeout
// plus LeaseMargin, and Lease for other targets.
func (s *Store) leaseOf(d *store.Delivery, p store.ClaimParams) time.Duration {
	if d.Channel == store.ChannelWebhook {
		if e, ok := s.webhooks[d.TargetID]; ok {
			return time.Duration(e.TimeoutSeconds)*time.Second + p.LeaseMargin
		}
	}

	return p.Lease
}

// ReleaseDeliveries ends the leases of the given deliveries; unknown ids
// are ignored.
func (s *Store) ReleaseDeliveries(_ context.Context, ids []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	for _, id := range ids {
		if d, ok := s.deliveries[id]; ok {
			d.LeaseUntil = time.Time{}
			if !d.Status.Final() {
				s.queued.add(d)
			}
		}
	}

	return nil
}

// ExtendLeases sets the lease of the listed deliveries that are still
// pending or retrying and leased to end at until. Unknown ids are ignored.
func (s *Store) ExtendLeases(_ context.Context, ids []string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return store.ErrClosed
	}
	for _, id := range ids {
		if d, ok := s.deliveries[id]; ok && !d.Status.Final() && !d.LeaseUntil.IsZero() {
			d.LeaseUntil = until.UTC()
			s.queued.lease(d)
		}
	}

	return nil
}

// deleteDeliveriesOf deletes every delivery of targetID and frees its
// idempotency keys. The caller holds the write lock.
func (s *Store) deleteDeliveriesOf(targetID string) {
	for id, d := range s.deliveries {
		if d.TargetID == targetID {
			s.deleteDelivery(id)
		}
	}
}

func (s *Store) deleteDelivery(id string) {
	d := s.deliveries[id]
	if d.IdempotencyKey != "" {
		delete(s.idempotency, idempotencyKey{targetID: d.TargetID, key: d.IdempotencyKey})
	}
	delete(s.deliveries, id)
	s.queued.remove(id)
}

// NextDue returns the earliest NextAttemptAt of the queued deliveries not
// leased at now.
func (s *Store) NextDue(_ context.Context, now time.Time) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return time.Time{}, false, store.ErrClosed
	}
	var next time.Time
	found := false
	if len(s.queued.items) > 0 {
		next, found = s.queued.items[0].d.NextAttemptAt, true
	}
	for _, d := range s.queued.leased {
		if d.LeaseUntil.After(now) {
			continue
		}
		if !found || d.NextAttemptAt.Before(next) {
			next, found = d.NextAttemptAt, true
		}
	}

	return next, found, nil
}
