package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/slack"
)

func TestPostDeliversTextAndBlocks(t *testing.T) {
	t.Parallel()
	b := setup(t)
	msg := slack.Command{Name: "deploy", Status: slack.StatusSuccess, Summary: "3 services updated"}.Build()

	res, err := b.client.Post(context.Background(), testChannel, msg)
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if res.Channel != testChannel || res.Timestamp == "" {
		t.Errorf("got result %+v, want channel %s and a timestamp", res, testChannel)
	}

	got, err := b.srv.WaitForMessages(context.Background(), testChannel, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := "✅ Command *deploy* executed: success\n3 services updated"
	if got[0].Text != want {
		t.Errorf("got text %q, want %q", got[0].Text, want)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(got[0].Blocks, &blocks); err != nil {
		t.Fatalf("blocks are not a JSON array: %v", err)
	}
	if len(blocks) == 0 || blocks[0]["type"] != "section" {
		t.Errorf("got blocks %s, want a section first", got[0].Blocks)
	}
	if _, ok := got[0].Params["token"]; ok {
		t.Error("recorded params contain the token")
	}
}

func TestPostOKFalseIsFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code       string
		authFailed bool
	}{
		{"invalid_auth", true},
		{"not_authed", true},
		{"account_inactive", true},
		{"token_revoked", true},
		{"token_expired", true},
		{"channel_not_found", false},
		{"is_archived", false},
		{"not_in_channel", false},
		{"msg_too_long", false},
		{"invalid_blocks", false},
		{"missing_scope", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Error: tt.code})

			_, err := b.client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
			serr := asSlackError(t, err)
			if serr.Code != tt.code {
				t.Errorf("got code %q, want %q", serr.Code, tt.code)
			}
			if serr.StatusCode != 200 {
				t.Errorf("got status %d, want 200", serr.StatusCode)
			}
			if serr.Retryable {
				t.Error("got Retryable true, want false")
			}
			if serr.AuthFailed != tt.authFailed {
				t.Errorf("got AuthFailed %v, want %v", serr.AuthFailed, tt.authFailed)
			}
			if want := "Slack API error: " + tt.code; err.Error() != want {
				t.Errorf("got %q, want %q", err.Error(), want)
			}
			if op := serr.Op; op != "chat.postMessage" {
				t.Errorf("got Op %q, want chat.postMessage", op)
			}
		})
	}
}

func TestPostUnknownChannel(t *testing.T) {
	t.Parallel()
	b := setup(t)

	_, err := b.client.Post(context.Background(), "C0MISSING", slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if serr.Code != "channel_not_found" || serr.Retryable {
		t.Errorf("got code %q retryable %v, want channel_not_found, permanent", serr.Code, serr.Retryable)
	}
	if got, want := err.Error(), "Slack API error: channel_not_found"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPostWrongTokenIsAuthFailure(t *testing.T) {
	t.Parallel()
	srv := fakeslack.New(t)
	srv.AddChannel(fakeslack.Channel{ID: testChannel, Member: true})
	client, err := slack.New("xoxb-wrong-token", slack.WithAPIURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}

	_, err = client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if serr.Code != "invalid_auth" {
		t.Errorf("got code %q, want invalid_auth", serr.Code)
	}
	if !serr.AuthFailed {
		t.Error("got AuthFailed false, want true")
	}
	if serr.Retryable {
		t.Error("got Retryable true, want false")
	}
	if strings.Contains(err.Error(), "xoxb") {
		t.Errorf("error %q contains the token", err)
	}
}

func TestPostRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"with Retry-After", "7", 7 * time.Second},
		{"without Retry-After", "", 20 * time.Second},
		{"Retry-After over maximum", "3600", 45 * time.Second},
		{"Retry-After not a number", "soon", 20 * time.Second},
		{"Retry-After as HTTP date", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), 45 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, slack.WithMaxRetryAfter(45*time.Second), slack.WithDefaultRetryAfter(20*time.Second))
			b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: 429, RetryAfter: tt.retryAfter})

			_, err := b.client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
			serr := asSlackError(t, err)
			if serr.StatusCode != 429 {
				t.Errorf("got status %d, want 429", serr.StatusCode)
			}
			if !serr.Retryable {
				t.Error("got Retryable false, want true")
			}
			if !serr.RateLimited {
				t.Error("got RateLimited false, want true")
			}
			if serr.RetryAfter != tt.want {
				t.Errorf("got RetryAfter %v, want %v", serr.RetryAfter, tt.want)
			}
			if got, want := err.Error(), "Slack API error: HTTP 429"; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestPostRateLimitedCode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Error: "ratelimited", RetryAfter: "3"})

	_, err := b.client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if !serr.Retryable || !serr.RateLimited {
		t.Errorf("got retryable %v rate limited %v, want both true", serr.Retryable, serr.RateLimited)
	}
	if serr.RetryAfter != 3*time.Second {
		t.Errorf("got RetryAfter %v, want 3s", serr.RetryAfter)
	}
}

func TestPostServerErrorRetryable(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503} {
		b := setup(t)
		b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: status})

		_, err := b.client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
		serr := asSlackError(t, err)
		if serr.StatusCode != status {
			t.Errorf("got status %d, want %d", serr.StatusCode, status)
		}
		if !serr.Retryable {
			t.Errorf("status %d: got Retryable false, want true", status)
		}
		if serr.RateLimited || serr.AuthFailed || serr.Timeout {
			t.Errorf("status %d: got %+v, want only Retryable set", status, serr)
		}
	}
}

func TestPostClientErrorPermanent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: 404})

	_, err := b.client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if serr.StatusCode != 404 || serr.Retryable {
		t.Errorf("got status %d retryable %v, want 404, permanent", serr.StatusCode, serr.Retryable)
	}
}

func TestPostTimeout(t *testing.T) {
	t.Parallel()
	b := setup(t, slack.WithTimeout(200*time.Millisecond))
	b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Stall: true})

	_, err := b.client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if !serr.Timeout {
		t.Error("got Timeout false, want true")
	}
	if !serr.Retryable {
		t.Error("got Retryable false, want true")
	}
	if got, want := err.Error(), "Slack API error: request timed out after 200ms"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPostCallerDeadline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Stall: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := b.client.Post(ctx, testChannel, slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if !serr.Timeout || !serr.Retryable {
		t.Errorf("got timeout %v retryable %v, want both true", serr.Timeout, serr.Retryable)
	}
}

func TestPostNetworkFailure(t *testing.T) {
	t.Parallel()
	srv := fakeslack.New(t)
	url := srv.URL()
	srv.Close()
	client, err := slack.New(testToken, slack.WithAPIURL(url))
	if err != nil {
		t.Fatal(err)
	}

	_, err = client.Post(context.Background(), testChannel, slack.TestMessage{}.Build())
	serr := asSlackError(t, err)
	if !serr.Retryable || serr.StatusCode != 0 || serr.Timeout {
		t.Errorf("got %+v, want retryable without status", serr)
	}
	if strings.Contains(err.Error(), "/api/") || strings.Contains(err.Error(), "chat.postMessage") {
		t.Errorf("error %q names the URL path", err)
	}
}

func TestPostEmptyChannelRejected(t *testing.T) {
	t.Parallel()
	b := setup(t)

	_, err := b.client.Post(context.Background(), " ", slack.TestMessage{}.Build())
	if err == nil || !strings.Contains(err.Error(), "channel id is empty") {
		t.Errorf("got %v, want an empty channel id error", err)
	}
	if n := b.srv.Calls("chat.postMessage"); n != 0 {
		t.Errorf("got %d calls, want 0", n)
	}
}

// TestPostInvalidBlocksFromSlack sends a section with more fields than
// Slack allows, so the fake responds with invalid_blocks with its "errors" list.
func TestPostInvalidBlocksFromSlack(t *testing.T) {
	t.Parallel()
	b := setup(t)
	fields := make([]*slackapi.TextBlockObject, 11)
	for i := range fields {
		fields[i] = slackapi.NewTextBlockObject(slackapi.MarkdownType, "f", false, false)
	}
	msg := slack.Message{
		Text:   "fields",
		Blocks: []slackapi.Block{slackapi.NewSectionBlock(nil, fields, nil)},
	}

	_, err := b.client.Post(context.Background(), testChannel, msg)
	serr := asSlackError(t, err)
	if serr.Code != "invalid_blocks" || serr.Retryable {
		t.Errorf("got code %q retryable %v, want invalid_blocks, permanent", serr.Code, serr.Retryable)
	}
	if n := len(b.srv.Messages(testChannel)); n != 0 {
		t.Errorf("got %d recorded messages, want 0", n)
	}
}

func TestClientStringHidesToken(t *testing.T) {
	t.Parallel()
	b := setup(t)

	for _, s := range []string{fmt.Sprint(b.client), fmt.Sprintf("%#v", b.client), fmt.Sprintf("%+v", b.client)} {
		if strings.Contains(s, testToken) {
			t.Errorf("%q contains the token", s)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		token string
		opt   slack.Option
	}{
		{"empty token", "", nil},
		{"relative URL", testToken, slack.WithAPIURL("/api/")},
		{"ftp URL", testToken, slack.WithAPIURL("ftp://example.com/api/")},
		{"URL with query", testToken, slack.WithAPIURL("https://example.com/api/?x=1")},
		{"zero timeout", testToken, slack.WithTimeout(0)},
		{"negative max Retry-After", testToken, slack.WithMaxRetryAfter(-time.Second)},
		{"nil HTTP client", testToken, slack.WithHTTPClient(nil)},
	}
	for _, tt := range tests {
		var opts []slack.Option
		if tt.opt != nil {
			opts = append(opts, tt.opt)
		}
		if _, err := slack.New(tt.token, opts...); err == nil {
			t.Errorf("%s: got nil error, want one", tt.name)
		}
	}
}
