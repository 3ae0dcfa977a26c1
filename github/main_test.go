package github

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hishamos/integrations-external/internal/fakegithub"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testToken = "ghp_testTokenThatMustNotLeak0123456789"
	testLogin = "octocat"
	testOwner = "octocat"
	testRepo  = "hello"
)

// testNow is the fixed clock of every test client, so durations computed
// from X-RateLimit-Reset are exact.
var testNow = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

type fixture struct {
	srv    *fakegithub.Server
	client *Client
}

// setup starts a fake GitHub with one token and one repository of 75 pull
// requests, and a client aimed at it with millisecond retry waits.
func setup(t *testing.T, opts ...Option) fixture {
	t.Helper()
	srv := fakegithub.New()
	t.Cleanup(srv.Close)
	srv.AddToken(testToken, testLogin)
	srv.AddRepo(fakegithub.Repo{
		Owner:        testOwner,
		Name:         testRepo,
		Permissions:  fakegithub.Permissions{Push: true, Pull: true},
		PullRequests: 75,
	})

	return fixture{srv: srv, client: newTestClient(t, srv.URL, testToken, opts...)}
}

func newTestClient(t *testing.T, baseURL, token string, opts ...Option) *Client {
	t.Helper()
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	all := append([]Option{
		WithBaseURL(baseURL),
		WithTransport(transport),
		WithRetryWait(time.Millisecond, 10*time.Millisecond),
		WithClock(func() time.Time { return testNow }),
		WithTimeout(5 * time.Second),
	}, opts...)
	c, err := New(token, all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	return c
}

// asError returns err as *Error, failing the test when it is another type.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	if err == nil {
		t.Fatal("got nil error, want *Error")
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("got error %T %v, want *Error", err, err)
	}
	if got := e.Error(); strings.Contains(got, testToken) {
		t.Errorf("error text %q contains the token", got)
	}

	return e
}
