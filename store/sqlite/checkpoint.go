package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

const (
	// checkpointInterval is how often the checkpointer copies the
	// write-ahead log into the database file.
	checkpointInterval = 500 * time.Millisecond

	// walBackstopPages is the log size, in pages, at which a committing
	// writer checkpoints by itself because the checkpointer fell behind.
	// SQLite's default is 1000 pages.
	walBackstopPages = 8000
)

// checkpointer copies the write-ahead log into the database file from its
// own connection. By default SQLite checkpoints inside the commit that
// pushes the log past 1000 pages, and that commit, with every Dispatch
// waiting behind it, pays for copying and syncing megabytes. A passive
// checkpoint on another connection runs beside the writer instead.
type checkpointer struct {
	db   *sql.DB
	loop tickerLoop
}

func (s *Store) startCheckpointer(busy time.Duration) error {
	db, err := sql.Open("sqlite", dsn(s.path, busy, roleCheckpointer))
	if err != nil {
		return fmt.Errorf("sqlite: open %s for checkpoints: %w", s.path, wrapDriver(err))
	}
	db.SetMaxOpenConns(1)
	s.checkpoints.db = db
	s.checkpoints.loop.start(checkpointInterval, func(<-chan struct{}) { s.checkpoint() })

	return nil
}

// checkpoint runs one passive checkpoint and logs a failure.
func (s *Store) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.checkpoints.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		s.log.Warn("sqlite: checkpoint failed, the next one retries", "path", s.path, "error", wrapDriver(err))
	}
}

// stopCheckpointer ends the checkpoint loop and closes its connection.
func (s *Store) stopCheckpointer() {
	s.checkpoints.loop.end()
	_ = s.checkpoints.db.Close()
}
