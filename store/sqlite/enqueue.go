package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// EnqueueDeliveries inserts deliveries in one transaction with one prepared
// statement. It fills ID, Status (pending), TriggeredAt (now), NextAttemptAt
// (TriggeredAt), CreatedAt and UpdatedAt when they are empty. A delivery
// whose IdempotencyKey is already used for its TargetID, in the database or
// earlier in the same call, is not inserted: its result and its ID name the
// existing delivery.
func (s *Store) EnqueueDeliveries(ctx context.Context, deliveries []*store.Delivery) ([]store.EnqueueResult, error) {
	now := s.nowUTC()
	for i, d := range deliveries {
		if d == nil || d.UserID == "" || d.TargetID == "" {
			return nil, fmt.Errorf("sqlite: enqueue delivery %d: missing user id or target id: %w", i, store.ErrInvalid)
		}
		fillDelivery(d, now)
	}
	results := make([]store.EnqueueResult, len(deliveries))

	err := s.write(ctx, func(tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (`+deliveryColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (target_id, idempotency_key) WHERE idempotency_key != '' DO NOTHING`)
		if err != nil {
			return err
		}
		defer insert.Close()
		var existing *sql.Stmt
		for i, d := range deliveries {
			res, err := insert.ExecContext(ctx, d.ID, string(d.Channel), d.TargetID, d.TargetName,
				d.TargetURL, d.UserID, d.EventID, d.EventType, d.Payload, d.IdempotencyKey,
				string(d.Status), d.AttemptCount, d.MaxAttempts, ms(d.NextAttemptAt), ms(d.LeaseUntil),
				ms(d.TriggeredAt), ms(d.CompletedAt), ms(d.CreatedAt), ms(d.UpdatedAt))
			if err != nil {
				return fmt.Errorf("delivery %s: %w", d.ID, wrapDriver(err))
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if n == 1 {
				results[i] = store.EnqueueResult{ID: d.ID}
				continue
			}
			if existing == nil {
				existing, err = tx.PrepareContext(ctx,
					`SELECT id FROM deliveries WHERE target_id = ? AND idempotency_key = ? AND idempotency_key != ''`)
				if err != nil {
					return err
				}
				defer existing.Close()
			}
			if err := existing.QueryRowContext(ctx, d.TargetID, d.IdempotencyKey).Scan(&d.ID); err != nil {
				return fmt.Errorf("find delivery with idempotency key %q for target %s: %w",
					d.IdempotencyKey, d.TargetID, wrapDriver(err))
			}
			results[i] = store.EnqueueResult{ID: d.ID, Duplicate: true}
		}

		return nil
	})
	if err != nil {
		return nil, wrapf(err, "enqueue %d deliveries", len(deliveries))
	}

	return results, nil
}

// fillDelivery sets the defaults of a new delivery and truncates its times
// to what the database keeps.
func fillDelivery(d *store.Delivery, now time.Time) {
	if d.ID == "" {
		d.ID = store.NewID()
	}
	if d.Status == "" {
		d.Status = store.StatusPending
	}
	d.TriggeredAt = truncMS(d.TriggeredAt)
	if d.TriggeredAt.IsZero() {
		d.TriggeredAt = now
	}
	d.NextAttemptAt = truncMS(d.NextAttemptAt)
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = d.TriggeredAt
	}
	d.LeaseUntil, d.CompletedAt = truncMS(d.LeaseUntil), truncMS(d.CompletedAt)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = now
	}
	d.CreatedAt, d.UpdatedAt = truncMS(d.CreatedAt), truncMS(d.UpdatedAt)
}
