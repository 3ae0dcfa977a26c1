package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Classification is the outcome of one attempt.
type Classification int

// Classifications. The zero value is not a valid classification.
const (
	// Success is a 2xx response.
	Success Classification = iota + 1
	// Retryable is a failure a later attempt may fix: 408, 425, 429, 5xx,
	// a timeout or a network error.
	Retryable
	// Permanent is a failure a retry cannot fix: a 3xx, any other 4xx, a
	// blocked destination or an invalid request.
	Permanent
)

// String returns "success", "retryable" or "permanent".
func (c Classification) String() string {
	switch c {
	case Success:
		return "success"
	case Retryable:
		return "retryable"
	case Permanent:
		return "permanent"
	}

	return "unclassified(" + strconv.Itoa(int(c)) + ")"
}

// ClassifyStatus returns the classification of an HTTP status code.
func ClassifyStatus(code int) Classification {
	switch {
	case code >= 200 && code < 300:
		return Success
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly,
		code == http.StatusTooManyRequests, code >= 500:
		return Retryable
	}

	return Permanent
}

// ParseRetryAfter reads a Retry-After value, either delay-seconds or an
// HTTP-date, relative to now. It returns the delay clamped to max (when
// max > 0) and true, or 0 and false for a missing or invalid value. A date
// in the past gives 0 and true.
func ParseRetryAfter(value string, now time.Time, max time.Duration) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}

	var d time.Duration
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		d = time.Duration(secs) * time.Second
		if secs > int64(365*24*time.Hour/time.Second) {
			d = 365 * 24 * time.Hour
		}
	} else {
		at, err := http.ParseTime(value)
		if err != nil {
			return 0, false
		}
		d = max0(at.Sub(now))
	}
	if max > 0 && d > max {
		d = max
	}

	return d, true
}

func max0(d time.Duration) time.Duration {
	if d < 0 {
		return 0
	}

	return d
}
