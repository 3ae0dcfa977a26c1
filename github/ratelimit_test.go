package github

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

func TestPrimaryRateLimit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.RateLimited(testNow.Add(90*time.Second)))

	_, err := f.client.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, http.StatusForbidden, e.StatusCode)
	assert.True(t, e.RateLimited, "rate limited")
	assert.True(t, e.Retryable, "retryable")
	assert.False(t, e.AuthFailed, "auth failed")
	assert.Equal(t, 90*time.Second, e.RetryAfter)
	assert.Contains(t, e.Error(), "GitHub API error: API rate limit exceeded")
	assert.Equal(t, 1, f.srv.Requests(fakegithub.RouteUser), "a 403 is not retried in the call")
}

func TestSecondaryRateLimit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.SecondaryRateLimited("30"))

	_, err := f.client.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, http.StatusForbidden, e.StatusCode)
	assert.True(t, e.RateLimited, "rate limited")
	assert.True(t, e.Retryable, "retryable")
	assert.Equal(t, 30*time.Second, e.RetryAfter)
	assert.Contains(t, e.Error(), "secondary rate limit")
}

func TestTooManyRequestsWithRetryAfterBeyondWait(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.TooManyRequests("120"))

	_, err := f.client.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, e.StatusCode)
	assert.True(t, e.RateLimited, "rate limited")
	assert.True(t, e.Retryable, "retryable")
	assert.Equal(t, 120*time.Second, e.RetryAfter)
	assert.Equal(t, 1, f.srv.Requests(fakegithub.RouteUser),
		"a wait longer than the retry maximum is left to the caller")
}

func TestTooManyRequestsWithoutRetryAfter(t *testing.T) {
	t.Parallel()
	f := setup(t)
	fault := fakegithub.TooManyRequests("")
	fault.Times = 3
	f.srv.InjectFault(fakegithub.RouteUser, fault)

	_, err := f.client.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, http.StatusTooManyRequests, e.StatusCode)
	assert.True(t, e.RateLimited, "rate limited")
	assert.True(t, e.Retryable, "retryable")
	assert.Equal(t, time.Duration(0), e.RetryAfter)
	assert.Equal(t, 3, f.srv.Requests(fakegithub.RouteUser), "requests: 1 + 2 retries")
}

func TestTooManyRequestsThenSuccess(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.TooManyRequests("0"))

	got, err := f.client.Verify(context.Background(), testOwner, testRepo)

	require.NoError(t, err)
	assert.Equal(t, testLogin, got.Login)
	assert.Equal(t, 2, f.srv.Requests(fakegithub.RouteUser), "requests")
}

func TestRetryAfterClampedToMaximum(t *testing.T) {
	t.Parallel()
	f := setup(t, WithMaxRetryAfter(time.Minute))
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.TooManyRequests("7200"))
	f.srv.InjectFault(fakegithub.RouteRepo, fakegithub.RateLimited(testNow.Add(2*time.Hour)))

	_, err := f.client.Verify(context.Background(), testOwner, testRepo)
	assert.Equal(t, time.Minute, asError(t, err).RetryAfter, "429 Retry-After")

	_, err = f.client.Verify(context.Background(), testOwner, testRepo)
	assert.Equal(t, time.Minute, asError(t, err).RetryAfter, "X-RateLimit-Reset")
}

func TestBackoffClampsRetryAfter(t *testing.T) {
	t.Parallel()
	backoff := clampedBackoff(func() time.Time { return testNow })
	tooMany := func(retryAfter string) *http.Response {
		return &http.Response{
			StatusCode: http.StatusTooManyRequests,
			Header:     http.Header{"Retry-After": {retryAfter}},
		}
	}
	date := testNow.Add(10 * time.Second).Format(http.TimeFormat)

	tests := []struct {
		name    string
		attempt int
		resp    *http.Response
		want    time.Duration
	}{
		{"seconds within max", 0, tooMany("2"), 2 * time.Second},
		{"seconds over max", 0, tooMany("3600"), 5 * time.Second},
		{"http date", 0, tooMany(date), 5 * time.Second},
		{"malformed falls back to exponential", 1, tooMany("soon"), 2 * time.Second},
		{"no response", 0, nil, time.Second},
		{"exponential capped", 5, nil, 5 * time.Second},
	}
	for _, tt := range tests {
		got := backoff(time.Second, 5*time.Second, tt.attempt, tt.resp)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

func TestRetryClientDefaultsReplaced(t *testing.T) {
	t.Parallel()
	f := setup(t)
	rc := f.client.retry

	assert.Nil(t, rc.Logger, "Logger must be nil: the retryablehttp default writes to stderr")
	assert.NotNil(t, rc.ErrorHandler, "ErrorHandler")
	assert.NotNil(t, rc.Backoff, "Backoff")
	assert.Equal(t, DefaultMaxRetries, rc.RetryMax)

	// The passthrough handler hands the last response back unchanged.
	resp := &http.Response{StatusCode: http.StatusTooManyRequests}
	got, err := rc.ErrorHandler(resp, nil, 3)
	assert.Same(t, resp, got)
	assert.NoError(t, err)
}
