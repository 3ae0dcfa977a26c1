package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hishamos/integrations-external/store"
)

const (
	// indexInterval is how often the indexer looks for deliveries that
	// wait outside the target and user indexes.
	indexInterval = time.Second
	// indexAfter is how long a new delivery stays outside those indexes
	// before the indexer takes it. The record of its first attempt usually
	// indexes it sooner, in a commit it writes anyway.
	indexAfter = time.Second
	// indexBatch is the rows one indexing write takes. A batch shares the
	// commit of other writes, so a small one adds little to their latency.
	indexBatch = 256
)

const (
	// anyWaitingQuery finds a delivery created at or before ? that waits
	// outside the indexes, so an idle store takes no write lock.
	anyWaitingQuery = `SELECT 1 FROM deliveries INDEXED BY deliveries_unindexed
		WHERE indexed = 0 AND created_at <= ? LIMIT 1`
	// indexWaitingQuery moves up to ?2 deliveries created at or before ?1 into
	// the target and user indexes, oldest first.
	indexWaitingQuery = `UPDATE deliveries SET indexed = 1 WHERE id IN (
		SELECT id FROM deliveries INDEXED BY deliveries_unindexed
		WHERE indexed = 0 AND created_at <= ?1 ORDER BY id LIMIT ?2)`
)

// startIndexer starts the loop that indexes, in the background, the
// deliveries that no record indexed within indexAfter, such as a backlog
// that waits for the workers. Schema migration 4 explains why new
// deliveries wait.
func (s *Store) startIndexer() {
	s.indexing.start(indexInterval, s.indexBatches)
}

// indexBatches indexes batches of waiting deliveries until fewer than a
// batch are left, a write fails, or stop closes.
func (s *Store) indexBatches(stop <-chan struct{}) {
	for {
		n, err := s.indexWaitingDeliveries(context.Background())
		if errors.Is(err, store.ErrClosed) {
			return
		}
		if err != nil {
			s.log.Warn("sqlite: indexing deliveries failed, the next run retries", "path", s.path, "error", err)
			return
		}
		if n < indexBatch {
			return
		}
		select {
		case <-stop:
			return
		default:
		}
	}
}

// indexWaitingDeliveries indexes one batch of the deliveries created
// indexAfter ago or earlier and returns how many it indexed.
func (s *Store) indexWaitingDeliveries(ctx context.Context) (int64, error) {
	cutoff := ms(s.nowUTC().Add(-indexAfter))
	var found int
	err := s.reads.QueryRowContext(ctx, anyWaitingQuery, cutoff).Scan(&found)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, wrapf(err, "look for deliveries waiting to be indexed")
	}
	var n int64
	err = s.writeLazy(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, indexWaitingQuery, cutoff, indexBatch)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()

		return err
	})
	if err != nil {
		return 0, wrapf(err, "index waiting deliveries")
	}

	return n, nil
}
