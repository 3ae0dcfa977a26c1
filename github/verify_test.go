package github

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

func TestVerifyReportsRepository(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.AddRepo(fakegithub.Repo{
		Owner:          testOwner,
		Name:           "locked",
		Private:        true,
		Archived:       true,
		IssuesDisabled: true,
		Permissions:    fakegithub.Permissions{Admin: true, Push: true, Pull: true},
	})

	got, err := f.client.Verify(context.Background(), testOwner, testRepo)
	require.NoError(t, err)
	assert.Equal(t, &Verification{
		Login:         testLogin,
		FullName:      "octocat/hello",
		Permissions:   Permissions{Push: true, Pull: true},
		IssuesEnabled: true,
	}, got)

	got, err = f.client.Verify(context.Background(), testOwner, "locked")
	require.NoError(t, err)
	assert.Equal(t, &Verification{
		Login:       testLogin,
		FullName:    "octocat/locked",
		Permissions: Permissions{Admin: true, Push: true, Pull: true},
		Archived:    true,
		Private:     true,
	}, got)
}

func TestVerifyBadCredentials(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := newTestClient(t, f.srv.URL, "ghp_wrongTokenAlsoSecret")

	_, err := c.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, "GitHub API error: Bad credentials", e.Error())
	assert.Equal(t, "get user", e.Op)
	assert.Equal(t, "Bad credentials", e.Code)
	assert.Equal(t, http.StatusUnauthorized, e.StatusCode)
	assert.True(t, e.AuthFailed, "auth failed")
	assert.False(t, e.Retryable, "retryable")
	assert.NotContains(t, e.Error(), "ghp_wrongTokenAlsoSecret")
	assert.Equal(t, 1, f.srv.Requests(fakegithub.RouteUser), "requests")
}

func TestVerifyHiddenRepositoryIsNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.AddRepo(fakegithub.Repo{Owner: "acme", Name: "secret", Private: true,
		VisibleTo: []string{"someone-else"}})

	for _, repo := range []string{"secret", "missing"} {
		_, err := f.client.Verify(context.Background(), "acme", repo)

		e := asError(t, err)
		assert.Equal(t, "GitHub API error: Not Found", e.Error(), repo)
		assert.Equal(t, "get repository", e.Op, repo)
		assert.Equal(t, http.StatusNotFound, e.StatusCode, repo)
		assert.False(t, e.Retryable, "retryable for %s", repo)
		assert.False(t, e.AuthFailed, "auth failed for %s", repo)
	}
}

func TestVerifyRetriesServerError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteRepo, fakegithub.ServerError(http.StatusBadGateway))

	got, err := f.client.Verify(context.Background(), testOwner, testRepo)

	require.NoError(t, err)
	assert.Equal(t, testLogin, got.Login)
	assert.Equal(t, 2, f.srv.Requests(fakegithub.RouteRepo), "requests")
}

func TestVerifyServerErrorAfterRetries(t *testing.T) {
	t.Parallel()
	f := setup(t)
	fault := fakegithub.ServerError(http.StatusServiceUnavailable)
	fault.Times = 3
	f.srv.InjectFault(fakegithub.RouteUser, fault)

	_, err := f.client.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, e.StatusCode)
	assert.True(t, e.Retryable, "retryable")
	assert.False(t, e.RateLimited, "rate limited")
	assert.Equal(t, "GitHub API error: Service Unavailable", e.Error())
	assert.Equal(t, 3, f.srv.Requests(fakegithub.RouteUser), "requests: 1 + 2 retries")
}

func TestVerifyContextDeadline(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.Fault{Stall: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := f.client.Verify(ctx, testOwner, testRepo)

	e := asError(t, err)
	assert.True(t, e.Timeout, "timeout")
	assert.True(t, e.Retryable, "retryable")
	assert.Equal(t, 0, e.StatusCode)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "wraps context.DeadlineExceeded")
}

func TestVerifyClientTimeout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := newTestClient(t, f.srv.URL, testToken, WithTimeout(50*time.Millisecond),
		WithMaxRetries(0))
	f.srv.InjectFault(fakegithub.RouteUser, fakegithub.Fault{Stall: true})

	_, err := c.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.Equal(t, "GitHub API error: request timed out after 50ms", e.Error())
	assert.True(t, e.Timeout, "timeout")
	assert.True(t, e.Retryable, "retryable")
}

func TestVerifyConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c := newTestClient(t, "http://"+addr+"/", testToken, WithMaxRetries(0))

	_, err = c.Verify(context.Background(), testOwner, testRepo)

	e := asError(t, err)
	assert.True(t, e.Retryable, "retryable")
	assert.False(t, e.Timeout, "timeout")
	assert.Equal(t, 0, e.StatusCode)
	assert.True(t, strings.HasPrefix(e.Error(), "GitHub API error: request failed: "), e.Error())
	assert.Contains(t, e.Error(), "connection refused")
	assert.NotContains(t, e.Error(), "/user", "request path in error")
}
