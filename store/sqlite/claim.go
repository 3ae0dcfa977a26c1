package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// claimCandidatesPerSlot bounds the due deliveries a claim with MaxPerTarget
// reads: Limit times this factor. A larger bound lets a claim reach past one
// target's long backlog at the cost of reading more index entries.
const claimCandidatesPerSlot = 20

const (
	// claimSelect walks the due deliveries oldest first on the index
	// deliveries_due, skipping excluded targets and leased deliveries.
	claimSelect = `SELECT id, target_id FROM deliveries
		WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ?1 AND lease_until <= ?1
			AND target_id NOT IN (SELECT value FROM json_each(?2))
		ORDER BY next_attempt_at, id LIMIT ?3`
	// claimUpdate leases the chosen deliveries. A webhook delivery's lease
	// is its endpoint's timeout (30 s when the endpoint is gone) plus the
	// margin. It leaves indexing to the record (schema migration 4): SQLite
	// rewrites the index entries of every update that sets indexed, so a
	// claim that indexed would have the record index the row a second time.
	claimUpdate = `UPDATE deliveries SET
		lease_until = CASE channel
			WHEN 'webhook' THEN ?1 + 1000 * COALESCE(
				(SELECT e.timeout_seconds FROM webhook_endpoints e WHERE e.id = deliveries.target_id), 30) + ?2
			ELSE ?1 + ?3 END
		WHERE id IN (SELECT value FROM json_each(?4))
		RETURNING ` + deliveryColumns
)

// ClaimDeliveries leases up to p.Limit due deliveries, oldest due first, in
// one transaction. A webhook delivery's lease is its endpoint's
// TimeoutSeconds (30 when the endpoint is gone) plus p.LeaseMargin, and
// every other delivery's lease is p.Lease.
//
// NOTE: with MaxPerTarget set, a claim reads at most the Limit*20 oldest
// due deliveries. When those all belong to capped targets, the claim
// returns fewer than Limit even if other targets have deliveries due later.
func (s *Store) ClaimDeliveries(ctx context.Context, p store.ClaimParams) ([]*store.Delivery, error) {
	if p.Limit <= 0 {
		return nil, fmt.Errorf("sqlite: claim deliveries: limit %d: use a positive limit: %w", p.Limit, store.ErrInvalid)
	}
	candidates := p.Limit
	if p.MaxPerTarget > 0 {
		candidates = p.Limit * claimCandidatesPerSlot
	}
	excluded := p.ExcludeTargets
	if excluded == nil {
		excluded = []string{}
	}
	var out []*store.Delivery

	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ids, err := s.chooseDue(ctx, tx, p, idList(excluded), candidates)
		if err != nil || len(ids) == 0 {
			return err
		}
		update, err := s.txStatement(ctx, tx, claimUpdate)
		if err != nil {
			return err
		}
		rows, err := update.QueryContext(ctx, ms(p.Now), p.LeaseMargin.Milliseconds(), p.Lease.Milliseconds(),
			idList(ids))
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

// chooseDue returns the ids of the deliveries to claim, oldest due first,
// at most p.MaxPerTarget per target. It stops reading as soon as it has
// p.Limit ids.
func (s *Store) chooseDue(ctx context.Context, tx *sql.Tx, p store.ClaimParams, excluded string,
	candidates int) ([]string, error) {
	st, err := s.txStatement(ctx, tx, claimSelect)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, ms(p.Now), excluded, candidates)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make([]string, 0, p.Limit)
	perTarget := map[string]int{}
	for len(ids) < p.Limit && rows.Next() {
		var id, target string
		if err := rows.Scan(&id, &target); err != nil {
			return nil, err
		}
		if p.MaxPerTarget > 0 && perTarget[target] >= p.MaxPerTarget {
			continue
		}
		perTarget[target]++
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}

	return ids, rows.Close()
}

// ReleaseDeliveries ends the leases of claimed deliveries that are still
// pending or retrying, so the next claim returns them at once. Unknown ids
// are ignored.
func (s *Store) ReleaseDeliveries(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return s.check()
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_until = 0
			WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'retrying')`, idList(ids))
		return err
	})

	return wrapf(err, "release %d deliveries", len(ids))
}

// ExtendLeases sets the lease of the listed deliveries that are still
// pending or retrying and leased to end at until. Unknown ids are ignored.
func (s *Store) ExtendLeases(ctx context.Context, ids []string, until time.Time) error {
	if len(ids) == 0 {
		return s.check()
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE deliveries SET lease_until = ?
			WHERE id IN (SELECT value FROM json_each(?)) AND status IN ('pending', 'retrying')
				AND lease_until != 0`, ms(until), idList(ids))
		return err
	})

	return wrapf(err, "extend the leases of %d deliveries", len(ids))
}

// nextDueQuery selects the earliest next attempt time of the queued
// deliveries not leased at ?.
const nextDueQuery = `SELECT next_attempt_at FROM deliveries
	WHERE status IN ('pending', 'retrying') AND lease_until <= ?
	ORDER BY next_attempt_at LIMIT 1`

// NextDue returns the earliest NextAttemptAt of the queued deliveries not
// leased at now. It walks the deliveries_due index in order and skips the
// leased entries: the deliveries that dispatchers hold, a few thousand per
// dispatcher at most.
func (s *Store) NextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	if err := s.check(); err != nil {
		return time.Time{}, false, err
	}
	var next int64
	err := s.reads.QueryRowContext(ctx, nextDueQuery, ms(now)).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrapf(err, "read the next due time")
	}

	return fromMS(next), true, nil
}
