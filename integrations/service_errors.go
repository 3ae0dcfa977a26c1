package integrations

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hishamos/integrations-external/store"
)

// Caller is the identity a Service operation runs for. The host
// authenticates it; the library never issues identities.
type Caller struct {
	// UserID owns every record the caller creates. Required for every
	// operation except an administrator's reads and changes of existing
	// records.
	UserID string
	// Admin lets the caller read and change every user's records.
	Admin bool
	// Email is the caller's address, used when email settings are created
	// on first read. Optional.
	Email string
}

// access returns the store access of c: administrators see everything, an
// ordinary caller only its own records, and a caller without a user id
// nothing.
func (c Caller) access() store.Access {
	if c.Admin {
		return store.AsAdmin()
	}

	return store.AsUser(c.UserID)
}

// ErrNoUser is returned when an operation that creates a record runs for a
// Caller without a UserID.
var ErrNoUser = errors.New("integrations: caller has no user id: authenticate the request and set Caller.UserID")

// ValidationError reports request fields that are missing or invalid. The
// REST API renders it as 400 {"error": "invalid request", "fields": {...}}.
type ValidationError struct {
	// Fields maps a field name, as the REST API spells it, to what is wrong
	// with its value.
	Fields map[string]string
}

// Error lists the fields in name order.
func (e *ValidationError) Error() string {
	names := slices.Sorted(maps.Keys(e.Fields))
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, name+": "+e.Fields[name])
	}

	return "invalid request: " + strings.Join(parts, "; ")
}

// fieldErrors collects validation problems; the first problem of a field
// wins.
type fieldErrors map[string]string

func (f fieldErrors) add(field, problem string) {
	if _, seen := f[field]; !seen {
		f[field] = problem
	}
}

// err returns a *ValidationError, or nil when nothing was added.
func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}

	return &ValidationError{Fields: map[string]string(f)}
}

// RemoteError is a failure of Slack, GitHub or the SMTP server during a
// synchronous operation such as verify or a test message. Error returns the
// remote service's reason in the form "<Service> API error: <reason>" and
// never contains a secret.
type RemoteError struct {
	// Service is "Slack", "GitHub" or "SMTP".
	Service string
	// Permanent is true when the remote service rejected our credentials
	// or configuration, so repeating the request unchanged will fail again.
	Permanent bool
	// AuthFailed is true when the credentials were rejected.
	AuthFailed bool
	// Timeout is true when the remote service timed out.
	Timeout bool
	// RateLimited is true when the remote service rate-limited the call.
	// RetryAfter is the wait it requested, or zero when it sent none.
	RateLimited bool
	RetryAfter  time.Duration
	// Err is the leaf package's error (*slack.Error, *github.Error or
	// *email.Error).
	Err error
}

// Error returns the leaf error's text.
func (e *RemoteError) Error() string {
	if e.Err == nil {
		return e.Service + " API error: unknown failure"
	}

	return e.Err.Error()
}

// Unwrap returns the leaf error.
func (e *RemoteError) Unwrap() error { return e.Err }
