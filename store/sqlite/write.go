package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"time"
)

// maxGroupWrites bounds the calls one transaction serves, so a caller that
// joins a group waits for at most this many others.
const maxGroupWrites = 64

// lazyDelay is how long a lazy write waits for another write to lead a
// group it can join, before it leads one itself.
const lazyDelay = 2 * time.Millisecond

// writeCall is one write waiting for its transaction.
type writeCall struct {
	ctx     context.Context
	fn      func(context.Context, *sql.Tx) error
	err     error
	done    chan struct{} // closed when fn has run and the transaction ended
	lead    chan struct{} // closed when this call must write the next groups
	lazy    bool          // the call waits for another to lead its group
	inGroup bool          // a group has taken the call; guarded by groupCommit.mu
}

// groupCommit runs the writes that arrive while a transaction is open
// together in the next transaction. SQLite commits one transaction at a
// time, and each commit has a fixed cost however few rows it writes, so
// concurrent callers (Dispatch, claims and attempt records) share commits
// instead of queueing for one each. The first caller to find no group
// running becomes the leader and writes groups until its own call is done.
// Then it hands the lead to the oldest waiting call, so under sustained
// load no caller keeps writing other callers' groups.
type groupCommit struct {
	mu        sync.Mutex
	writing   bool
	queue     []*writeCall
	lazyDelay time.Duration // lazyDelay, or another delay in tests
}

// write runs fn in a writer transaction and commits it. fn may share the
// transaction with other calls' functions: when fn fails, only its own
// changes are rolled back and its error is returned, and the others
// commit. fn must run its statements with the context it is given, which
// is ctx without its cancellation: SQLite rolls back the whole transaction
// when a statement is interrupted, so one caller's cancellation would undo
// the others' writes. fn must not call write.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.writeCall(ctx, fn, false)
}

// writeLazy is write for a call whose latency matters less than the
// writer's time, such as recording attempts. It waits up to lazyDelay for
// another call to lead a group and joins that group, so it costs no commit
// of its own.
func (s *Store) writeLazy(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.writeCall(ctx, fn, true)
}

func (s *Store) writeCall(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error, lazy bool) error {
	if err := s.check(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	call := &writeCall{ctx: ctx, fn: fn, done: make(chan struct{}), lead: make(chan struct{}), lazy: lazy}
	g := &s.writes
	g.mu.Lock()
	g.queue = append(g.queue, call)
	if !g.writing && !lazy {
		g.writing = true
		g.mu.Unlock()
		s.lead(call)
		return call.err
	}
	g.mu.Unlock()

	var timeout <-chan time.Time
	if lazy {
		timer := time.NewTimer(g.lazyDelay)
		defer timer.Stop()
		timeout = timer.C
	}
	for {
		select {
		case <-call.done:
			return call.err
		case <-call.lead:
			s.lead(call)
			return call.err
		case <-timeout:
			g.mu.Lock()
			if call.inGroup || g.writing {
				// A leader serves the call, or ends its lead leaving only
				// lazy calls, so look again after another delay.
				g.mu.Unlock()
				timeout = time.After(g.lazyDelay)
				continue
			}
			g.writing = true
			g.mu.Unlock()
			s.lead(call)
			return call.err
		}
	}
}

// lead writes groups from the queue, oldest calls first, until the group
// holding call is written. Then it hands the lead to the oldest call still
// waiting, or ends the writing when none is.
func (s *Store) lead(call *writeCall) {
	g := &s.writes
	for {
		g.mu.Lock()
		n := min(len(g.queue), maxGroupWrites)
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		for _, c := range group {
			c.inGroup = true
		}
		g.mu.Unlock()

		s.writeGroup(group)
		mine := false
		for _, c := range group {
			mine = mine || c == call
			close(c.done)
		}
		if !mine {
			continue
		}

		g.mu.Lock()
		// Hand the lead to the oldest call that is not lazy. Lazy calls
		// alone wait for the next such call, or for their own timers.
		next := slices.IndexFunc(g.queue, func(c *writeCall) bool { return !c.lazy })
		if next >= 0 {
			close(g.queue[next].lead)
		} else {
			if len(g.queue) == 0 {
				g.queue = nil
			}
			g.writing = false
		}
		g.mu.Unlock()
		return
	}
}

// writeGroup runs the calls of one group in one transaction. A call whose
// context ended while it waited fails with its context's error and writes
// nothing. The transaction itself runs without the callers' cancellation:
// one caller's cancellation must not undo the others' writes.
func (s *Store) writeGroup(group []*writeCall) {
	live := make([]*writeCall, 0, len(group))
	for _, c := range group {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	fail := func(err error) {
		for _, c := range live {
			c.err = err
		}
	}
	tx, err := s.writer.BeginTx(context.WithoutCancel(live[0].ctx), nil)
	if err != nil {
		fail(wrapDriver(err))
		return
	}

	// The first call runs without a savepoint: when it fails, the
	// transaction holds nothing else, so rolling it back undoes only that
	// call, and the others get a transaction of their own. A savepoint
	// would copy each page the call changes into SQLite's sub-journal.
	first := live[0]
	if err := first.fn(context.WithoutCancel(first.ctx), tx); err != nil {
		_ = tx.Rollback()
		first.err = err
		s.writeGroup(live[1:])
		return
	}
	if err := runInSavepoints(tx, live[1:]); err != nil {
		_ = tx.Rollback()
		fail(wrapDriver(err))
		return
	}

	if err := tx.Commit(); err != nil {
		err = wrapDriver(err)
		for _, c := range live {
			if c.err == nil {
				c.err = err
			}
		}
	}
}

// runInSavepoints runs each call's function inside a savepoint and rolls
// back the savepoint of a function that fails, recording its error in the
// call. It returns an error only when a savepoint statement itself fails,
// which leaves the transaction unusable.
func runInSavepoints(tx *sql.Tx, calls []*writeCall) error {
	ctx := context.Background()
	for _, c := range calls {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT call"); err != nil {
			return err
		}
		if c.err = c.fn(context.WithoutCancel(c.ctx), tx); c.err != nil {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO call"); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "RELEASE call"); err != nil {
			return err
		}
	}

	return nil
}
