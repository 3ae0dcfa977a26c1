// Package memory is an in-process store.Store for tests, demos and hosts
// that do not need durability. Everything is lost when the process exits.
//
// A Store is safe for concurrent use: one mutex guards all records, so every
// method is atomic, including the batch forms of enqueue, claim and record.
// It starts no goroutines. Methods return copies, so a caller may change a
// returned record (its slices and maps included) without changing the
// store. Secrets are kept in memory as given; nothing is encrypted.
//
// The store passes the same conformance suite as store/sqlite
// (store/storetest), so code tested against it behaves the same on SQLite.
package memory

import (
	"sync"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// Options configures a Store.
type Options struct {
	// Now returns the current time for CreatedAt, UpdatedAt and any time a
	// params struct leaves zero. Default time.Now.
	Now func() time.Time
}

// Store keeps every record in maps guarded by one mutex. Create it with
// [New]; the zero value is not usable.
type Store struct {
	now func() time.Time

	mu          sync.RWMutex
	closed      bool
	github      map[string]*store.GitHubIntegration
	slack       map[string]*store.SlackIntegration
	email       map[string]*store.EmailSettings // by record id
	webhooks    map[string]*store.WebhookEndpoint
	pulls       map[string]map[int]*store.PullRequest // by integration id, then number
	deliveries  map[string]*store.Delivery            // with their attempts
	queued      *readyQueue                           // the deliveries that are not final, for claims
	idempotency map[idempotencyKey]string             // delivery id by target and key
}

// idempotencyKey identifies a used idempotency key: unique per target.
type idempotencyKey struct {
	targetID string
	key      string
}

var (
	_ store.Store       = (*Store)(nil)
	_ store.DueReporter = (*Store)(nil)
)

// New returns an empty Store.
func New(opts Options) *Store {
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	return &Store{
		now:         now,
		github:      map[string]*store.GitHubIntegration{},
		slack:       map[string]*store.SlackIntegration{},
		email:       map[string]*store.EmailSettings{},
		webhooks:    map[string]*store.WebhookEndpoint{},
		pulls:       map[string]map[int]*store.PullRequest{},
		deliveries:  map[string]*store.Delivery{},
		queued:      newReadyQueue(),
		idempotency: map[idempotencyKey]string{},
	}
}

// Close marks the store closed and drops its records; every later call
// returns store.ErrClosed. It is safe to call twice.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()

	if s.closed {
		return nil
	}
	s.closed = true
	s.github, s.slack, s.email, s.webhooks = nil, nil, nil, nil
	s.pulls, s.deliveries, s.idempotency = nil, nil, nil

	return nil
}

// clock returns the current time in UTC without a monotonic reading, as a
// record stores it.
func (s *Store) clock() time.Time {
	return utc(s.now())
}

// nextVersion returns the UpdatedAt of a record changed at now whose
// UpdatedAt was last: now, or a millisecond after last when now is not
// later, so every change gives the record a new version.
func nextVersion(last, now time.Time) time.Time {
	if now.After(last) {
		return now
	}

	return last.Add(time.Millisecond)
}

// stale reports whether rec, read at version read, was changed since:
// read is set and differs from the stored version.
func stale(read, stored time.Time) bool {
	return !read.IsZero() && !read.Equal(stored)
}

// nowOr returns t in UTC, or the store's clock when t is zero.
func (s *Store) nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return s.clock()
	}

	return utc(t)
}

// utc returns t in UTC without a monotonic reading; a zero t stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}

	return t.UTC().Round(0)
}

// page returns the items of sorted that Limit and Offset select; a limit of
// zero or less means no limit.
func page[T any](sorted []T, limit, offset int) []T {
	if offset < 0 {
		offset = 0
	}
	if offset >= len(sorted) {
		return []T{}
	}
	sorted = sorted[offset:]
	if limit > 0 && limit < len(sorted) {
		sorted = sorted[:limit]
	}

	return sorted
}

// visible reports whether a record owned by ownerID is in a list for a
// and the administrator's optional user filter.
func visible(a store.Access, userFilter, ownerID string) bool {
	if !a.Allows(ownerID) {
		return false
	}

	return !a.IsAdmin() || userFilter == "" || userFilter == ownerID
}
