package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hishamos/integrations-external/store"
)

// databaseError is a driver error turned into plain text, so callers never
// see or depend on driver types.
type databaseError struct {
	msg  string
	kind error // store.ErrBusy, store.ErrConflict or nil
}

func (e *databaseError) Error() string {
	if e.kind != nil {
		return e.kind.Error() + ": " + e.msg
	}

	return "sqlite: " + e.msg
}

func (e *databaseError) Unwrap() error { return e.kind }

// wrapDriver maps a driver error to the store's errors: SQLITE_BUSY and
// SQLITE_LOCKED to store.ErrBusy, unique and primary key violations to
// store.ErrConflict, sql.ErrNoRows to store.ErrNotFound. Context errors and
// store errors pass through. Every other driver error keeps only its text.
func wrapDriver(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	for _, known := range []error{
		store.ErrNotFound, store.ErrConflict, store.ErrBusy, store.ErrInvalid, store.ErrClosed,
	} {
		if errors.Is(err, known) {
			return err
		}
	}
	var mapped *databaseError
	if errors.As(err, &mapped) {
		return err
	}
	if errors.Is(err, sql.ErrConnDone) || errors.Is(err, sql.ErrTxDone) {
		return &databaseError{msg: err.Error()}
	}

	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &databaseError{msg: err.Error()}
	}
	code := se.Code()
	switch {
	case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED:
		return &databaseError{msg: se.Error(), kind: store.ErrBusy}
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &databaseError{msg: se.Error(), kind: store.ErrConflict}
	}

	return &databaseError{msg: se.Error()}
}

// wrapf wraps a driver error with a message naming the operation and value.
func wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}

	return fmt.Errorf("sqlite: "+format+": %w", append(args, wrapDriver(err))...)
}
