package fakegithub

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testToken = "ghp_fakeTestToken"

func setup(t *testing.T) (*Server, *http.Client) {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	s.AddToken(testToken, "octocat")
	s.AddRepo(Repo{Owner: "octocat", Name: "hello", PullRequests: 75})
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)

	return s, &http.Client{Transport: transport}
}

type response struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, c *http.Client, method, url, token, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func TestPullsLinkHeaders(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	base := s.URL + "repos/octocat/hello/pulls"
	link := func(page int, rel string) string {
		return fmt.Sprintf("<%s?page=%d&per_page=25&state=all>; rel=%q", base, page, rel)
	}

	first := call(t, c, http.MethodGet, base+"?state=all&per_page=25", testToken, "")
	require.Equal(t, http.StatusOK, first.status)
	assert.Equal(t, link(2, "next")+", "+link(3, "last"), first.header.Get("Link"))

	middle := call(t, c, http.MethodGet, base+"?state=all&per_page=25&page=2", testToken, "")
	assert.Equal(t, link(3, "next")+", "+link(3, "last")+", "+link(1, "first")+", "+
		link(1, "prev"), middle.header.Get("Link"))

	last := call(t, c, http.MethodGet, base+"?state=all&per_page=25&page=3", testToken, "")
	assert.Equal(t, link(1, "first")+", "+link(2, "prev"), last.header.Get("Link"))
	var entries []map[string]any
	require.NoError(t, json.Unmarshal([]byte(last.body), &entries))
	require.Len(t, entries, 25)
	assert.EqualValues(t, 1, entries[24]["number"], "newest first by default")
}

func TestPullsRepeatNextLinkFault(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	s.InjectFault(RoutePulls, Fault{RepeatNextLink: true})
	url := s.URL + "repos/octocat/hello/pulls?state=all&per_page=25"

	got := call(t, c, http.MethodGet, url, testToken, "")

	assert.Contains(t, got.header.Get("Link"), "page=1&per_page=25&state=all>; rel=\"next\"")
	after := call(t, c, http.MethodGet, url, testToken, "")
	assert.Contains(t, after.header.Get("Link"), "page=2&per_page=25&state=all>; rel=\"next\"")
}

func TestErrorBodies(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	s.AddRepo(Repo{Owner: "octocat", Name: "closed", IssuesDisabled: true})

	unauthorized := call(t, c, http.MethodGet, s.URL+"user", "ghp_wrong", "")
	assert.Equal(t, http.StatusUnauthorized, unauthorized.status)
	assert.JSONEq(t, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"}`,
		unauthorized.body)

	missing := call(t, c, http.MethodGet, s.URL+"repos/octocat/none", testToken, "")
	assert.Equal(t, http.StatusNotFound, missing.status)
	assert.JSONEq(t, NotFoundBody, missing.body)

	disabled := call(t, c, http.MethodPost, s.URL+"repos/octocat/closed/issues", testToken, `{"title":"t"}`)
	assert.Equal(t, http.StatusGone, disabled.status)
	assert.Contains(t, disabled.body, `"message":"Issues are disabled for this repo"`)

	invalid := call(t, c, http.MethodPost, s.URL+"repos/octocat/hello/issues", testToken, `{"body":"b"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, invalid.status)
	assert.Contains(t, invalid.body, `"field":"title","code":"missing_field"`)
}

func TestRateLimitFaults(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	reset := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s.InjectFault(RouteUser, RateLimited(reset))
	s.InjectFault(RouteUser, TooManyRequests("60"))
	s.InjectFault(RouteUser, TooManyRequests(""))

	primary := call(t, c, http.MethodGet, s.URL+"user", testToken, "")
	assert.Equal(t, http.StatusForbidden, primary.status)
	assert.Equal(t, "0", primary.header.Get("X-RateLimit-Remaining"))
	assert.Equal(t, "1735689600", primary.header.Get("X-RateLimit-Reset"))

	withRetryAfter := call(t, c, http.MethodGet, s.URL+"user", testToken, "")
	assert.Equal(t, http.StatusTooManyRequests, withRetryAfter.status)
	assert.Equal(t, "60", withRetryAfter.header.Get("Retry-After"))

	without := call(t, c, http.MethodGet, s.URL+"user", testToken, "")
	assert.Equal(t, http.StatusTooManyRequests, without.status)
	assert.Empty(t, without.header.Get("Retry-After"))

	ok := call(t, c, http.MethodGet, s.URL+"user", testToken, "")
	assert.Equal(t, http.StatusOK, ok.status, "faults are used up")
	assert.Equal(t, 4, s.Requests(RouteUser))
}

func TestCreateAndListIssues(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	s.AddToken("ghp_other", "hubot")
	now := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	issues := s.URL + "repos/octocat/hello/issues"

	created := call(t, c, http.MethodPost, issues, testToken,
		`{"title":"first","body":"b1","labels":["bug"],"assignees":["octocat"]}`)
	require.Equal(t, http.StatusCreated, created.status, created.body)
	var issue map[string]any
	require.NoError(t, json.Unmarshal([]byte(created.body), &issue))
	assert.EqualValues(t, 76, issue["number"])
	assert.Equal(t, "2025-02-03T04:05:06Z", issue["created_at"])
	assert.Equal(t, "https://github.com/octocat/hello/issues/76", issue["html_url"])

	call(t, c, http.MethodPost, issues, "ghp_other", `{"title":"theirs"}`)
	call(t, c, http.MethodPost, issues, testToken, `{"title":"second"}`)

	mine := call(t, c, http.MethodGet, issues+"?creator=octocat&state=all&sort=created&direction=desc",
		testToken, "")
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(mine.body), &list))
	require.Len(t, list, 2)
	assert.Equal(t, "second", list[0]["title"])
	assert.Equal(t, "first", list[1]["title"])

	stored := s.Issues("octocat", "hello")
	require.Len(t, stored, 3)
	assert.Equal(t, "hubot", stored[1].Creator)
}

func TestStalledCreateStoresIssue(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	s.InjectFault(RouteCreateIssue, Fault{Stall: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	done := make(chan error, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			s.URL+"repos/octocat/hello/issues", strings.NewReader(`{"title":"lost"}`))
		if err != nil {
			done <- err
			return
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()

	stored, err := s.WaitIssues(ctx, "octocat", "hello", 1)
	require.NoError(t, err)
	assert.Equal(t, "lost", stored[0].Title)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled, "the response never came")
}

func TestWaitIssuesHonoursContext(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := s.WaitIssues(ctx, "octocat", "hello", 1)

	assert.ErrorIs(t, err, context.Canceled)
}
