package github

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v66/github"
)

// Error is returned by every call that reaches GitHub. It carries the HTTP
// status, GitHub's own message and whether a later attempt may succeed. Its
// text never contains the token or a request URL.
//
// Err never holds go-github's own error value, because that value keeps the
// *http.Request, whose headers carry the token.
type Error struct {
	// Op is the operation that failed: "get user", "get repository",
	// "list pull requests", "list issues" or "create issue".
	Op string

	Code        string        // GitHub's "message", e.g. "Bad credentials"; "" when none
	StatusCode  int           // HTTP status; 0 without a response
	Retryable   bool          // a later attempt may succeed (rate limits, 5xx, network, timeout)
	RateLimited bool          // GitHub rate-limited us (primary, secondary or 429)
	Timeout     bool          // the call timed out (deadline or client timeout)
	AuthFailed  bool          // GitHub rejected the token (401)
	RetryAfter  time.Duration // wait GitHub asked for, clamped to the client's maximum; 0 when none
	Err         error         // underlying cause, free of secrets; may be nil
	reason      string
}

// Error returns "GitHub API error: <reason>", where the reason is GitHub's
// message or a description of the failure.
func (e *Error) Error() string {
	reason := e.reason
	if reason == "" {
		reason = e.Code
	}
	if reason == "" && e.StatusCode != 0 {
		reason = fmt.Sprintf("HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if reason == "" {
		reason = "request failed"
	}

	return "GitHub API error: " + reason
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// errorMapper turns go-github and transport errors into *Error values.
type errorMapper struct {
	now           func() time.Time
	maxRetryAfter time.Duration
	timeout       time.Duration
}

// mapError converts err from a go-github call made with ctx into an *Error.
// It returns nil for a nil err.
func (m errorMapper) mapError(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}

	var (
		rateErr  *gh.RateLimitError
		abuseErr *gh.AbuseRateLimitError
		respErr  *gh.ErrorResponse
	)
	switch {
	case errors.As(err, &rateErr):
		return m.primaryRateLimit(op, rateErr)
	case errors.As(err, &abuseErr):
		return m.secondaryRateLimit(op, abuseErr)
	case errors.As(err, &respErr):
		return m.statusError(op, respErr)
	default:
		return m.transportError(ctx, op, err)
	}
}

func (m errorMapper) primaryRateLimit(op string, err *gh.RateLimitError) *Error {
	out := &Error{
		Op:          op,
		Code:        err.Message,
		StatusCode:  http.StatusForbidden,
		Retryable:   true,
		RateLimited: true,
		Err:         errors.New("primary rate limit exceeded"),
	}
	if err.Response != nil {
		out.StatusCode = err.Response.StatusCode
	}
	if !err.Rate.Reset.IsZero() {
		out.RetryAfter = m.clamp(err.Rate.Reset.Sub(m.now()))
	}

	return out
}

func (m errorMapper) secondaryRateLimit(op string, err *gh.AbuseRateLimitError) *Error {
	out := &Error{
		Op:          op,
		Code:        err.Message,
		StatusCode:  http.StatusForbidden,
		Retryable:   true,
		RateLimited: true,
		Err:         errors.New("secondary rate limit exceeded"),
	}
	if err.Response != nil {
		out.StatusCode = err.Response.StatusCode
		out.RetryAfter = m.retryAfter(err.Response.Header)
	}
	if out.RetryAfter == 0 && err.RetryAfter != nil {
		out.RetryAfter = m.clamp(*err.RetryAfter)
	}

	return out
}

func (m errorMapper) statusError(op string, err *gh.ErrorResponse) *Error {
	out := &Error{Op: op, Code: err.Message, reason: validationReason(err)}
	if err.Response == nil {
		return out
	}

	status := err.Response.StatusCode
	out.StatusCode = status
	switch {
	case status == http.StatusUnauthorized:
		out.AuthFailed = true
	case status == http.StatusTooManyRequests:
		// go-github v66 reports a 429 as a plain ErrorResponse.
		out.Retryable = true
		out.RateLimited = true
		out.RetryAfter = m.retryAfter(err.Response.Header)
	case status == http.StatusRequestTimeout || status >= 500:
		out.Retryable = true
	}

	return out
}

// validationReason adds the field errors of a 422 response to GitHub's message,
// e.g. "Validation Failed: assignees: invalid". It returns "" otherwise.
func validationReason(err *gh.ErrorResponse) string {
	if len(err.Errors) == 0 {
		return ""
	}

	parts := make([]string, 0, len(err.Errors))
	for _, fe := range err.Errors {
		detail := fe.Message
		if detail == "" {
			detail = fe.Code
		}
		if fe.Field != "" {
			detail = fe.Field + ": " + detail
		}
		parts = append(parts, detail)
	}

	return err.Message + ": " + strings.Join(parts, "; ")
}

// transportError describes a failure without a response. The caller's ctx
// separates its own deadline from the per-attempt timeout, because both wrap
// context.DeadlineExceeded.
func (m errorMapper) transportError(ctx context.Context, op string, err error) *Error {
	cause := stripURL(err)
	out := &Error{Op: op, Retryable: true, Err: cause}

	var netErr net.Error
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		out.reason = "request canceled"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		out.Timeout = true
		out.reason = "request timed out (context deadline exceeded)"
	case errors.As(err, &netErr) && netErr.Timeout():
		out.Timeout = true
		out.reason = fmt.Sprintf("request timed out after %s", m.timeout)
	default:
		out.reason = "request failed: " + cause.Error()
	}

	return out
}

// stripURL removes every *url.Error layer, whose text names the request URL.
func stripURL(err error) error {
	for {
		var urlErr *url.Error
		if !errors.As(err, &urlErr) || urlErr.Err == nil {
			return err
		}
		err = urlErr.Err
	}
}

// retryAfter reads Retry-After (seconds) or, failing that, X-RateLimit-Reset
// (Unix seconds) and clamps the result. It returns 0 when neither is usable.
func (m errorMapper) retryAfter(h http.Header) time.Duration {
	if d, ok := parseRetryAfter(h, m.now()); ok {
		return m.clamp(d)
	}
	if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil {
		return m.clamp(time.Unix(reset, 0).Sub(m.now()))
	}

	return 0
}

func (m errorMapper) clamp(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}

	return min(d, m.maxRetryAfter)
}

// parseRetryAfter reads a Retry-After header given in seconds or as an HTTP
// date. ok is false when the header is missing or malformed.
func parseRetryAfter(h http.Header, now time.Time) (d time.Duration, ok bool) {
	value := strings.TrimSpace(h.Get("Retry-After"))
	if value == "" {
		return 0, false
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds < 0 {
			return 0, false
		}
		if seconds > int64(math.MaxInt64/time.Second) {
			return math.MaxInt64, true
		}

		return time.Duration(seconds) * time.Second, true
	}
	if at, err := http.ParseTime(value); err == nil {
		return max(at.Sub(now), 0), true
	}

	return 0, false
}
