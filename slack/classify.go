package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	slackapi "github.com/slack-go/slack"
)

// classify turns an error from slack-go into an *Error. The recorder
// supplies the HTTP status and headers, so a 429 is recognised however
// slack-go reported it.
func (c *Client) classify(ctx context.Context, op string, budget time.Duration, rec *recorder, err error) *Error {
	var apiErr slackapi.SlackErrorResponse
	if errors.As(err, &apiErr) {
		e := codeError(op, apiErr.Err)
		if e.RateLimited {
			e.RetryAfter = c.retryAfterFrom(rec.header)
		}

		return e
	}

	if rec.status == http.StatusTooManyRequests {
		return &Error{
			Op: op, StatusCode: rec.status, Code: rec.header.Get("X-Slack-Error"),
			Retryable: true, RateLimited: true,
			RetryAfter: c.retryAfterFrom(rec.header),
		}
	}

	var statusErr slackapi.StatusCodeError
	if errors.As(err, &statusErr) {
		return statusError(op, statusErr.Code)
	}

	if isTimeout(ctx, err) {
		return &Error{
			Op: op, Retryable: true, Timeout: true,
			Err: fmt.Errorf("request timed out after %v", budget),
		}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Op: op, Retryable: true, Err: errors.New("request canceled")}
	}

	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// url.Error's text carries the request URL; keep only the cause.
		return &Error{Op: op, Retryable: true, Err: fmt.Errorf("request failed: %w", urlErr.Err)}
	}

	return decodeError(op, rec.status, err)
}

// statusError maps an HTTP status other than 200 and 429. 5xx and 408 may
// pass; any other status (a 3xx from a proxy, a 404 from a wrong API URL)
// will not.
func statusError(op string, status int) *Error {
	return &Error{
		Op:         op,
		StatusCode: status,
		Retryable:  status >= 500 || status == http.StatusRequestTimeout,
	}
}

// decodeError reports a response that was not the JSON Slack sends. A body
// cut short is retryable; malformed JSON is not, because it usually means
// the API URL points at something other than Slack.
func decodeError(op string, status int, err error) *Error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &Error{Op: op, StatusCode: status, Retryable: true, Err: fmt.Errorf("response body cut short: %w", err)}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return &Error{Op: op, StatusCode: status, Err: fmt.Errorf("invalid JSON in response; check the API URL: %w", err)}
	}

	return &Error{Op: op, StatusCode: status, Err: err}
}

func isTimeout(ctx context.Context, err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error

	return errors.As(err, &netErr) && netErr.Timeout()
}

// retryAfterFrom reads Retry-After as seconds or an HTTP date and clamps it
// to the client's maximum. Without a usable header it returns the default.
func (c *Client) retryAfterFrom(h http.Header) time.Duration {
	wait := c.retryAfter
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			wait = time.Duration(min(secs, int64(c.maxRetryAfter/time.Second)+1)) * time.Second
		} else if when, err := http.ParseTime(v); err == nil {
			wait = max(time.Until(when), 0)
		}
	}

	return min(wait, c.maxRetryAfter)
}
