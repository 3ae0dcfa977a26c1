package github

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// newRetryClient wraps attempt in go-retryablehttp with three of its v0.7.8
// defaults replaced. Logger is nil, because the default writes every request
// to stderr. Backoff clamps Retry-After to the maximum wait, which the default
// does not. ErrorHandler passes the last response through, so a final 403 or
// 429 reaches go-github's rate-limit handling instead of becoming a bare
// "giving up" error.
func newRetryClient(s settings, attempt *http.Client) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	rc.HTTPClient = attempt
	rc.Logger = nil
	rc.RetryMax = s.maxRetries
	rc.RetryWaitMin = s.retryWaitMin
	rc.RetryWaitMax = s.retryWaitMax
	rc.CheckRetry = retryPolicy(s.retryWaitMax, s.now)
	rc.Backoff = clampedBackoff(s.now)
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = logRetries(s.logger)

	return rc
}

// retryPolicy retries what retryablehttp.DefaultRetryPolicy retries
// (connection errors, 429, 5xx other than 501), except a response whose
// Retry-After exceeds maxWait. Waiting less would only get the same response,
// so the error goes back to the caller with its RetryAfter.
func retryPolicy(maxWait time.Duration, now func() time.Time) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, checkErr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		if !retry || resp == nil {
			return retry, checkErr
		}
		if wait, ok := parseRetryAfter(resp.Header, now()); ok && wait > maxWait {
			return false, nil
		}

		return retry, checkErr
	}
}

// clampedBackoff waits for Retry-After when a 429 or 503 carries one, and
// otherwise doubles minWait per attempt; either way the wait is at most maxWait.
func clampedBackoff(now func() time.Time) retryablehttp.Backoff {
	return func(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests ||
			resp.StatusCode == http.StatusServiceUnavailable) {
			if wait, ok := parseRetryAfter(resp.Header, now()); ok {
				return min(wait, maxWait)
			}
		}

		wait := float64(minWait) * math.Pow(2, float64(attempt))
		if wait > float64(maxWait) {
			return maxWait
		}

		return time.Duration(wait)
	}
}

// logRetries logs each retry at debug level with the method and path only,
// because the query and headers may carry values the caller wants private.
func logRetries(logger *slog.Logger) retryablehttp.RequestLogHook {
	return func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt == 0 {
			return
		}
		logger.DebugContext(req.Context(), "retrying GitHub request",
			"method", req.Method, "path", req.URL.Path, "attempt", attempt+1)
	}
}
