package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/hishamos/integrations-external/store"
)

// claimCandidatesPerSlot bounds the due deliveries a claim with MaxPerTarget
// ranks: Limit times this factor. A larger set lets a claim reach past one
// target's long backlog at the cost of reading more rows.
const claimCandidatesPerSlot = 10

// ClaimDeliveries leases up to p.Limit due deliveries, oldest due first, in
// one transaction. A webhook delivery's lease is its endpoint's
// TimeoutSeconds (30 when the endpoint is gone) plus p.LeaseMargin; every
// other delivery's lease is p.Lease.
//
// NOTE: with MaxPerTarget set, the claim ranks only the first
// Limit*10 due deliveries, so a target with a backlog larger than that can
// hold back other targets' due deliveries until its own drain.
func (s *Store) ClaimDeliveries(ctx context.Context, p store.ClaimParams) ([]*store.Delivery, error) {
	if p.Limit <= 0 {
		return nil, fmt.Errorf("sqlite: claim deliveries: limit %d: use a positive limit: %w", p.Limit, store.ErrInvalid)
	}
	now := ms(p.Now)
	candidates := p.Limit
	if p.MaxPerTarget > 0 {
		candidates = p.Limit * claimCandidatesPerSlot
	}
	excluded := p.ExcludeTargets
	if excluded == nil {
		excluded = []string{}
	}
	var out []*store.Delivery

	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET
			lease_until = CASE channel
				WHEN 'webhook' THEN ?1 + 1000 * COALESCE(
					(SELECT e.timeout_seconds FROM webhook_endpoints e WHERE e.id = deliveries.target_id), 30) + ?2
				ELSE ?1 + ?3 END
			WHERE id IN (
				SELECT id FROM (
					SELECT id, next_attempt_at, ROW_NUMBER() OVER (
						PARTITION BY target_id ORDER BY next_attempt_at, id) AS position
					FROM (
						SELECT id, target_id, next_attempt_at FROM deliveries
						WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ?1
							AND lease_until <= ?1
							AND target_id NOT IN (SELECT value FROM json_each(?4))
						ORDER BY next_attempt_at, id LIMIT ?5))
				WHERE ?6 = 0 OR position <= ?6
				ORDER BY next_attempt_at, id LIMIT ?7)
			RETURNING `+deliveryColumns,
			now, p.LeaseMargin.Milliseconds(), p.Lease.Milliseconds(), idList(excluded), candidates,
			p.MaxPerTarget, p.Limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}

		return rows.Err()
	})
	if err != nil {
		return nil, wrapf(err, "claim deliveries")
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].ID < out[j].ID
	})

	return out, nil
}

// ReleaseDeliveries ends the leases of claimed deliveries that are still
// pending or retrying, so the next claim returns them at once. Unknown ids
// are ignored.
func (s *Store) ReleaseDeliveries(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return s.check()
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_until = 0
			WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'retrying')`, idList(ids))
		return err
	})

	return wrapf(err, "release %d deliveries", len(ids))
}
