package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hishamos/integrations-external/store"
)

// GetDelivery returns a delivery with its attempts, oldest attempt first.
func (s *Store) GetDelivery(ctx context.Context, access store.Access, id string) (*store.Delivery, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !access.Valid() {
		return nil, store.ErrNotFound
	}
	rt, err := s.reads.begin(ctx)
	if err != nil {
		return nil, wrapf(err, "get delivery %q", id)
	}
	defer rt.end()
	d, err := getDelivery(ctx, rt, access, id)
	if err != nil {
		return nil, wrapf(err, "get delivery %q", id)
	}

	return d, nil
}

type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func getDelivery(ctx context.Context, q querier, access store.Access, id string) (*store.Delivery, error) {
	where, args := accessFilter(access)
	d, err := scanDelivery(q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
		WHERE id = ? AND `+where, append([]any{id}, args...)...))
	if err != nil {
		return nil, err
	}
	if err := loadAttempts(ctx, q, []*store.Delivery{d}); err != nil {
		return nil, err
	}

	return d, nil
}

// ListDeliveries returns deliveries with their attempts, newest first. A
// query with a TargetID reads the (target_id, id) index and one with only a
// user reads the (user_id, id) index, each merged with the deliveries not
// indexed yet, so a page costs about Limit+Offset index steps however many
// deliveries exist.
//
// NOTE: Status, Channel and EventType filters are applied while walking
// those indexes, so a filter that matches few of a target's or user's
// deliveries reads many rows before it fills a page.
func (s *Store) ListDeliveries(ctx context.Context, q store.DeliveryQuery) ([]*store.Delivery, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if !q.Access.Valid() {
		return []*store.Delivery{}, nil
	}
	where, args := listFilter(q.Access, q.UserID)
	index := "deliveries_user"
	if where == "1" {
		index = ""
	}
	if q.TargetID != "" {
		where += " AND target_id = ?"
		args = append(args, q.TargetID)
		index = "deliveries_target"
	}
	if q.Channel != "" {
		where += " AND channel = ?"
		args = append(args, string(q.Channel))
	}
	if q.Status != "" {
		where += " AND status = ?"
		args = append(args, string(q.Status))
	}
	if q.EventType != "" {
		where += " AND event_type = ?"
		args = append(args, q.EventType)
	}
	query := listQuery(index, where)
	if index != "" {
		args = append(args, args...) // the conditions appear in both halves of the query
	}
	limit, largs := limitClause(q.Limit, q.Offset)

	// One read transaction, so the attempts match the deliveries' states.
	rt, err := s.reads.begin(ctx)
	if err != nil {
		return nil, wrapf(err, "list deliveries")
	}
	defer rt.end()
	rows, err := rt.QueryContext(ctx, query+limit, append(args, largs...)...)
	if err != nil {
		return nil, wrapf(err, "list deliveries")
	}
	out := []*store.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			_ = rows.Close()
			return nil, wrapf(err, "list deliveries")
		}
		out = append(out, d)
	}
	if err := rows.Close(); err != nil {
		return nil, wrapf(err, "list deliveries")
	}
	if err := rows.Err(); err != nil {
		return nil, wrapf(err, "list deliveries")
	}
	if err := loadAttempts(ctx, rt, out); err != nil {
		return nil, wrapf(err, "list attempts of %d deliveries", len(out))
	}

	return out, nil
}

// listQuery returns the SELECT of ListDeliveries for the conditions where,
// newest first, reading index when it is not empty. The planner has no
// statistics to choose between the user and target indexes. A target's
// deliveries are a subset of its user's, so the target index is the
// narrower one. The deliveries not in index yet are in
// deliveries_unindexed, and SQLite merges the two ordered scans, so a page
// still reads about Limit+Offset entries. With an index, the query takes
// the arguments of where twice.
//
// NOTE: the scan of deliveries_unindexed reads every waiting delivery that
// where rejects. After a large enqueue (a million pending deliveries, say),
// until the indexer or the records reach them, listing a target with none
// of them reads them all.
func listQuery(index, where string) string {
	if index == "" {
		return `SELECT ` + deliveryColumns + ` FROM deliveries WHERE ` + where + ` ORDER BY id DESC`
	}

	return `SELECT ` + deliveryColumns + ` FROM deliveries INDEXED BY ` + index + `
		WHERE indexed = 1 AND ` + where + `
		UNION ALL
		SELECT ` + deliveryColumns + ` FROM deliveries INDEXED BY deliveries_unindexed
		WHERE indexed = 0 AND ` + where + `
		ORDER BY 1 DESC`
}

// RetryDelivery puts a final delivery back in the queue, due at p.Now, and
// raises MaxAttempts to one more than the attempts made when it is lower. It returns
// store.ErrConflict when the delivery is still pending or retrying.
func (s *Store) RetryDelivery(ctx context.Context, p store.RetryParams) (*store.Delivery, error) {
	if !p.Access.Valid() {
		return nil, store.ErrNotFound
	}
	where, args := accessFilter(p.Access)
	now := ms(p.Now)
	var d *store.Delivery

	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM deliveries WHERE id = ? AND `+where,
			append([]any{p.ID}, args...)...).Scan(&status)
		if err != nil {
			return err
		}
		if !store.DeliveryStatus(status).Final() {
			return fmt.Errorf("delivery is %s, not final: %w", status, store.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', next_attempt_at = ?,
			lease_until = 0, completed_at = 0, max_attempts = max(max_attempts, attempt_count + 1), updated_at = ?
			WHERE id = ?`, now, now, p.ID)
		if err != nil {
			return err
		}
		d, err = getDelivery(ctx, tx, p.Access, p.ID)

		return err
	})
	if err != nil {
		return nil, wrapf(err, "retry delivery %q", p.ID)
	}

	return d, nil
}

// DefaultPruneBatchSize is the rows per transaction of PruneDeliveries when
// PruneParams.BatchSize is zero.
const DefaultPruneBatchSize = 1000

// PruneDeliveries deletes final deliveries completed before p.Before, with
// their attempts, in transactions of p.BatchSize deliveries, until none is
// left. Other writers get the lock between batches.
func (s *Store) PruneDeliveries(ctx context.Context, p store.PruneParams) (int, error) {
	batch := p.BatchSize
	if batch <= 0 {
		batch = DefaultPruneBatchSize
	}
	before := ms(p.Before)
	total := 0
	for {
		var n int64
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id IN (
				SELECT id FROM deliveries INDEXED BY deliveries_completed
				WHERE status IN ('success', 'failed') AND completed_at < ? LIMIT ?)`, before, batch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()

			return err
		})
		if err != nil {
			return total, wrapf(err, "prune deliveries completed before %s", p.Before.UTC().Format("2006-01-02T15:04:05Z07:00"))
		}
		total += int(n)
		if n < int64(batch) {
			break
		}
	}
	if total > 0 {
		s.log.InfoContext(ctx, "sqlite: pruned deliveries", "path", s.path, "deleted", total, "batch_size", batch)
	}

	return total, nil
}
