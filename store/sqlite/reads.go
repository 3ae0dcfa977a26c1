package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxReadStatements bounds the statements a readCache keeps. Queries differ
// only by their filters and paging, so a running program uses a few dozen;
// past the bound a query runs unprepared.
const maxReadStatements = 256

// readCache runs queries on the reader pool through statements it prepares
// on first use and keeps until Close, so the routing reads of every
// Dispatch and the list reads of the API do not parse SQL again. A
// database/sql statement prepares itself on each pooled connection as
// needed.
type readCache struct {
	db *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newReadCache(db *sql.DB) *readCache {
	return &readCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// stmt returns the prepared statement of query, or nil when it cannot be
// prepared or the cache is full. The caller then runs query unprepared, so
// a preparation error surfaces from that call.
func (c *readCache) stmt(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := len(c.stmts) >= maxReadStatements
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok {
		_ = st.Close()
		return prev
	}
	c.stmts[query] = st

	return st
}

// QueryContext runs query on the reader pool.
func (c *readCache) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}

	return c.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query on the reader pool and returns its first row.
func (c *readCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}

	return c.db.QueryRowContext(ctx, query, args...)
}

// begin starts a read-only transaction whose queries use the cached
// statements, so several queries see one snapshot of the database.
func (c *readCache) begin(ctx context.Context) (*readTx, error) {
	tx, err := c.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}

	return &readTx{cache: c, tx: tx}, nil
}

// close closes every cached statement.
func (c *readCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		_ = st.Close()
		delete(c.stmts, q)
	}
}

// readTx is a read-only transaction on the reader pool.
type readTx struct {
	cache *readCache
	tx    *sql.Tx
}

// QueryContext runs query in the transaction.
func (r *readTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := r.cache.stmt(ctx, query); st != nil {
		return r.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}

	return r.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query in the transaction and returns its first row.
func (r *readTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := r.cache.stmt(ctx, query); st != nil {
		return r.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}

	return r.tx.QueryRowContext(ctx, query, args...)
}

// end rolls the transaction back; it only read.
func (r *readTx) end() {
	_ = r.tx.Rollback()
}
