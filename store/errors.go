package store

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned when a record does not exist or belongs to
	// another user.
	ErrNotFound = errors.New("store: record not found")

	// ErrConflict is returned when a write would break a uniqueness rule,
	// such as a second GitHub integration for the same repository and user,
	// or when a delivery is in a state that does not allow the change.
	ErrConflict = errors.New("store: conflict with an existing record")

	// ErrStale is returned by an Update whose record changed after the
	// caller read it: the stored UpdatedAt differs from the record's. Read
	// the record again, apply the change to it and update again. It wraps
	// ErrConflict.
	ErrStale = fmt.Errorf("store: record changed since it was read: %w", ErrConflict)

	// ErrBusy is returned when the database stayed locked for longer than
	// the backend's busy timeout. The operation did not happen and can be
	// retried.
	ErrBusy = errors.New("store: database busy, retry later")

	// ErrInvalid is returned when a record lacks a required value, such as
	// an empty user id.
	ErrInvalid = errors.New("store: invalid record")

	// ErrClosed is returned by every method after Close.
	ErrClosed = errors.New("store: closed")
)

// IsRetryable reports whether err is a transient store failure that a caller
// may retry unchanged.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrBusy)
}
