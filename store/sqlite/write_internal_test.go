package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/store"
)

func openForWrites(t *testing.T, delay time.Duration) *Store {
	t.Helper()
	keys, err := store.ParseKeyring("test:" + strings.Repeat("A", 43) + "=")
	require.NoError(t, err)
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "writes.db"), Options{Keys: keys})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	s.writes.lazyDelay = delay

	return s
}

// queued waits until n calls wait in the group commit queue.
func queued(s *Store, n int) {
	for {
		s.writes.mu.Lock()
		got := len(s.writes.queue)
		s.writes.mu.Unlock()
		if got >= n {
			return
		}
		runtime.Gosched()
	}
}

// lazyWrite runs writeLazy in a goroutine and sends the transaction it got,
// then its error.
func lazyWrite(ctx context.Context, s *Store) (<-chan *sql.Tx, <-chan error) {
	txs, errs := make(chan *sql.Tx, 1), make(chan error, 1)
	go func() {
		errs <- s.writeLazy(ctx, func(_ context.Context, tx *sql.Tx) error {
			txs <- tx
			return nil
		})
	}()

	return txs, errs
}

func TestLazyWriteJoinsTheNextGroup(t *testing.T) {
	s := openForWrites(t, time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	lazyTx, lazyErr := lazyWrite(ctx, s)
	queued(s, 1)
	var leaderTx *sql.Tx
	require.NoError(t, s.write(ctx, func(_ context.Context, tx *sql.Tx) error {
		leaderTx = tx
		return nil
	}))
	require.NoError(t, <-lazyErr)
	assert.Same(t, leaderTx, <-lazyTx, "the lazy call did not share the leader's transaction")
}

func TestLazyWriteAloneLeadsAfterItsDelay(t *testing.T) {
	s := openForWrites(t, time.Millisecond)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	_, lazyErr := lazyWrite(ctx, s)
	select {
	case err := <-lazyErr:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("a lazy write with no other writer never ran")
	}
}

// A lazy call that arrives while a group is being written, and whose delay
// ends meanwhile, still runs when that leader finds no call to hand the
// lead to.
func TestLazyWriteLeftByALeaderStillRuns(t *testing.T) {
	s := openForWrites(t, time.Nanosecond)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	release := make(chan struct{})
	leaderErr := make(chan error, 1)
	go func() {
		leaderErr <- s.write(ctx, func(_ context.Context, _ *sql.Tx) error {
			<-release
			return nil
		})
	}()
	for { // wait until the leader's group has taken its call
		s.writes.mu.Lock()
		writing, waiting := s.writes.writing, len(s.writes.queue)
		s.writes.mu.Unlock()
		if writing && waiting == 0 {
			break
		}
		runtime.Gosched()
	}
	_, lazyErr := lazyWrite(ctx, s)
	queued(s, 1)
	close(release)
	require.NoError(t, <-leaderErr)
	select {
	case err := <-lazyErr:
		require.NoError(t, err)
	case <-ctx.Done():
		t.Fatal("the lazy write waiting behind the leader never ran")
	}
}

// In one group, a failing call undoes only its own rows, whether it runs
// first (without a savepoint) or later (inside one), and the other calls
// commit.
func TestGroupFailureUndoesOnlyItsCall(t *testing.T) {
	s := openForWrites(t, time.Millisecond)
	ctx := t.Context()
	require.NoError(t, s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE marks (v TEXT NOT NULL)`)
		return err
	}))
	errFailed := errors.New("call failed")
	call := func(value string, fail bool) *writeCall {
		return &writeCall{ctx: ctx, done: make(chan struct{}), lead: make(chan struct{}),
			fn: func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO marks (v) VALUES (?)`, value); err != nil {
					return err
				}
				if fail {
					return errFailed
				}
				return nil
			}}
	}
	calls := []*writeCall{call("first", true), call("second", false), call("third", true), call("fourth", false)}
	s.writeGroup(calls)

	require.ErrorIs(t, calls[0].err, errFailed)
	require.NoError(t, calls[1].err)
	require.ErrorIs(t, calls[2].err, errFailed)
	require.NoError(t, calls[3].err)
	rows, err := s.reader.QueryContext(ctx, `SELECT v FROM marks ORDER BY v`)
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var v string
		require.NoError(t, rows.Scan(&v))
		got = append(got, v)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"fourth", "second"}, got)
}
