package slack

import (
	"fmt"
	"time"
)

// Error is returned by every call that reaches Slack: a rejected request
// (Slack responds with HTTP 200 and "ok": false), an unexpected HTTP status, a
// rate limit, a timeout or a network failure. Its text never contains the
// bot token or the API URL path.
type Error struct {
	// Op is the Slack method that failed, e.g. "chat.postMessage".
	Op string
	// Code is Slack's error code, e.g. "channel_not_found"; "" when Slack
	// sent none.
	Code string
	// StatusCode is the HTTP status; 0 without a response.
	StatusCode int
	// Retryable reports that a later attempt may succeed (429, 5xx,
	// network failure, timeout, Slack's transient codes).
	Retryable bool
	// RateLimited reports that Slack rate-limited the call (HTTP 429 or the
	// "ratelimited" code).
	RateLimited bool
	// Timeout reports that the call timed out (context deadline or the HTTP
	// client's timeout).
	Timeout bool
	// AuthFailed reports that Slack rejected the token: invalid_auth,
	// not_authed, account_inactive, token_revoked or token_expired.
	AuthFailed bool
	// RetryAfter is the wait Slack asked for, clamped to the client's
	// maximum; 0 when none.
	RetryAfter time.Duration
	// Err is the underlying cause, free of secrets; may be nil.
	Err error
}

// Error returns "Slack API error: <reason>", where the reason is Slack's
// error code when there is one.
func (e *Error) Error() string {
	return "Slack API error: " + e.reason()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) reason() string {
	switch {
	case e.Code != "":
		return e.Code
	case e.StatusCode != 0:
		return fmt.Sprintf("HTTP %d", e.StatusCode)
	case e.Err != nil:
		return e.Err.Error()
	default:
		return e.Op + " failed"
	}
}

// Slack error codes that this package maps to fixed outcomes. Codes not
// listed here are permanent unless transientCodes holds them.
const (
	CodeInvalidAuth     = "invalid_auth"
	CodeNotAuthed       = "not_authed"
	CodeAccountInactive = "account_inactive"
	CodeTokenRevoked    = "token_revoked"
	CodeTokenExpired    = "token_expired" // a rotating token that was not refreshed
	CodeChannelNotFound = "channel_not_found"
	CodeIsArchived      = "is_archived"
	CodeNotInChannel    = "not_in_channel"
	CodeMsgTooLong      = "msg_too_long"
	CodeInvalidBlocks   = "invalid_blocks"
	CodeRateLimited     = "ratelimited"
)

// authCodes are the codes with which Slack rejects the token itself.
var authCodes = map[string]bool{
	CodeInvalidAuth:     true,
	CodeNotAuthed:       true,
	CodeAccountInactive: true,
	CodeTokenRevoked:    true,
	CodeTokenExpired:    true,
}

// transientCodes are the ok:false codes Slack documents as server-side or
// temporary conditions, so a later attempt may succeed.
var transientCodes = map[string]bool{
	CodeRateLimited:       true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// codeError builds the error for an ok:false response with the given code.
func codeError(op, code string) *Error {
	return &Error{
		Op:          op,
		Code:        code,
		StatusCode:  200,
		Retryable:   transientCodes[code],
		RateLimited: code == CodeRateLimited,
		AuthFailed:  authCodes[code],
	}
}
