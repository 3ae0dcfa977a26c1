package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hishamos/integrations-external/store"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is a store.Store kept in one SQLite file. It is safe for concurrent
// use, and several Stores (in one or several processes) may share a file.
type Store struct {
	writer *sql.DB // one connection, every transaction BEGIN IMMEDIATE
	reader *sql.DB
	keys   *store.Keyring
	now    func() time.Time
	log    *slog.Logger
	path   string
	closed atomic.Bool

	// payloadSeed hashes payloads to find the deliveries of an enqueue
	// that share one.
	payloadSeed maphash.Seed

	prepared    writerStatements
	reads       *readCache
	writes      groupCommit
	checkpoints checkpointer
	indexing    tickerLoop // indexes waiting deliveries: see indexer.go
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.DueReporter = (*Store)(nil)
)

// Open opens the SQLite database at path, creating the file when it does not
// exist, and applies the schema migrations it lacks. It seals custom headers
// that an earlier version stored in plain text. It fails when opts.Keys is
// nil, when the file was written by a newer schema, and when the keyring
// cannot open the secrets already stored (a missing or a different key).
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if err := opts.applyDefaults(); err != nil {
		return nil, err
	}
	if path == "" {
		return nil, fmt.Errorf("sqlite: open: empty path: %w", store.ErrInvalid)
	}
	s := &Store{keys: opts.Keys, now: opts.Now, log: opts.Logger, path: path, payloadSeed: maphash.MakeSeed()}
	s.writes.lazyDelay = lazyDelay

	var err error
	s.writer, err = sql.Open("sqlite", dsn(path, opts.BusyTimeout, roleWriter))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, wrapDriver(err))
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxLifetime(0)
	s.writer.SetConnMaxIdleTime(0)

	// Opening a new file from several processes at once can fail with
	// SQLITE_BUSY where SQLite does not wait, for example while another
	// connection switches the file to WAL, so the first steps retry.
	if err := retryBusy(ctx, opts.BusyTimeout, func() error { return s.migrate(ctx) }); err != nil {
		_ = s.writer.Close()
		return nil, err
	}
	if err := retryBusy(ctx, opts.BusyTimeout, func() error { return s.checkKeys(ctx) }); err != nil {
		_ = s.writer.Close()
		return nil, err
	}

	err = retryBusy(ctx, opts.BusyTimeout, func() error {
		var err error
		s.prepared, err = prepareWriterStatements(ctx, s.writer, hotQueries())
		return err
	})
	if err != nil {
		_ = s.writer.Close()
		return nil, err
	}

	s.reader, err = sql.Open("sqlite", dsn(path, opts.BusyTimeout, roleReader))
	if err != nil {
		s.prepared.close()
		_ = s.writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, wrapDriver(err))
	}
	s.reader.SetMaxOpenConns(opts.MaxReadConns)
	s.reader.SetMaxIdleConns(opts.MaxReadConns)
	s.reads = newReadCache(s.reader)

	if err := s.startCheckpointer(opts.BusyTimeout); err != nil {
		s.reads.close()
		_ = s.reader.Close()
		s.prepared.close()
		_ = s.writer.Close()
		return nil, err
	}
	s.startIndexer()
	err = retryBusy(ctx, opts.BusyTimeout, func() error {
		_, err := s.sealPlainHeaders(ctx)
		return err
	})
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	return s, nil
}

// role is the purpose of a connection pool.
type role int

const (
	roleWriter role = iota
	roleReader
	roleCheckpointer
)

// dsn returns the modernc.org/sqlite data source name for path. Every
// connection of the pool runs the pragmas when it opens. Writer connections
// begin their transactions with BEGIN IMMEDIATE, so they take the write lock
// before their first read, and leave checkpoints to the checkpointer unless
// the log grows past walBackstopPages. Reader connections are query-only.
func dsn(path string, busy time.Duration, r role) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "cache_size(-16384)")
	q.Add("_pragma", "temp_store(MEMORY)")
	switch r {
	case roleWriter:
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walBackstopPages)+")")
	case roleReader:
		q.Add("_pragma", "query_only(1)")
	}
	u := url.URL{Scheme: "file", Opaque: path, RawQuery: q.Encode()}

	return u.String()
}

// Close closes both connection pools. It is safe to call twice, and every
// method fails with store.ErrClosed afterwards.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.indexing.end()
	s.stopCheckpointer()
	s.reads.close()
	rerr := s.reader.Close()
	s.prepared.close()
	werr := s.writer.Close()
	if werr != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, wrapDriver(werr))
	}
	if rerr != nil {
		return fmt.Errorf("sqlite: close %s: %w", s.path, wrapDriver(rerr))
	}

	return nil
}

// check returns store.ErrClosed after Close.
func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}

	return nil
}

// nowUTC returns the current time truncated to the millisecond, as stored.
func (s *Store) nowUTC() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// retryBusy runs op until it returns anything but store.ErrBusy, or until
// busy has passed or ctx ends, waiting a little longer after each try.
func retryBusy(ctx context.Context, busy time.Duration, op func() error) error {
	deadline := time.Now().Add(busy)
	wait := 5 * time.Millisecond
	for {
		err := op()
		if !errors.Is(err, store.ErrBusy) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}
