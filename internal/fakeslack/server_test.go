package fakeslack_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hishamos/integrations-external/internal/fakeslack"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const token = "xoxb-fake-token"

func setup(t *testing.T) *fakeslack.Server {
	t.Helper()
	srv := fakeslack.New(t)
	srv.AddToken(token)
	srv.AddChannel(fakeslack.Channel{ID: "C1", Name: "general", Member: true})

	return srv
}

// call posts a form to a method and decodes the JSON response.
func call(t *testing.T, srv *fakeslack.Server, method string, form url.Values, header http.Header) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}

	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if resp.Header.Get("Content-Type") == "application/json; charset=utf-8" {
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatalf("response %q: %v", raw, err)
		}
	}

	return resp, body
}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// loadRecorded reads a recorded Slack response from testdata.
func loadRecorded(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s: %v", name, err)
	}

	return body
}

// assertSameKeys checks that got has every key the recorded response has,
// with a value of the same JSON type, one level of objects deep.
func assertSameKeys(t *testing.T, name string, recorded, got map[string]any) {
	t.Helper()
	for k, want := range recorded {
		g, ok := got[k]
		if !ok {
			if k == "attachments" || k == "username" || k == "last_read" || k == "previous_names" ||
				k == "unlinked" || k == "is_pending_ext_shared" || k == "pending_shared" ||
				k == "updated" || k == "parent_conversation" || k == "shared_team_ids" ||
				k == "pending_connected_team_ids" {
				continue // optional fields Slack leaves out for many messages and channels
			}
			t.Errorf("%s: response lacks %q", name, k)
			continue
		}
		wantObj, wantIsObj := want.(map[string]any)
		gotObj, gotIsObj := g.(map[string]any)
		if wantIsObj != gotIsObj {
			t.Errorf("%s: %q is %T, want %T", name, k, g, want)
			continue
		}
		if wantIsObj {
			assertSameKeys(t, name+"."+k, wantObj, gotObj)
		}
	}
}

func TestResponsesMatchRecordedShapes(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	tests := []struct {
		file   string
		method string
		form   url.Values
		tok    string
	}{
		{"auth.test.ok.json", "auth.test", nil, token},
		{"auth.test.invalid_auth.json", "auth.test", nil, "xoxb-unknown"},
		{"conversations.info.ok.json", "conversations.info", url.Values{"channel": {"C1"}}, token},
		{"conversations.info.channel_not_found.json", "conversations.info", url.Values{"channel": {"C9"}}, token},
		{"chat.postMessage.ok.json", "chat.postMessage", url.Values{"channel": {"C1"}, "text": {"hi"}}, token},
		{"chat.postMessage.not_in_channel.json", "chat.postMessage", url.Values{"channel": {"C2"}, "text": {"hi"}}, token},
		{"chat.postMessage.invalid_blocks.json", "chat.postMessage", url.Values{
			"channel": {"C1"},
			"blocks":  {`[{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("x", 3001) + `"}}]`},
		}, token},
	}
	srv.AddChannel(fakeslack.Channel{ID: "C2", Name: "other"})
	for _, tt := range tests {
		resp, got := call(t, srv, tt.method, tt.form, bearer(tt.tok))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: got status %d, want 200", tt.file, resp.StatusCode)
		}
		recorded := loadRecorded(t, tt.file)
		assertSameKeys(t, tt.file, recorded, got)
		if recorded["error"] != got["error"] {
			t.Errorf("%s: got error %v, want %v", tt.file, got["error"], recorded["error"])
		}
	}
}

func TestTokenChecks(t *testing.T) {
	t.Parallel()
	srv := setup(t)

	_, body := call(t, srv, "auth.test", nil, nil)
	if body["error"] != "not_authed" {
		t.Errorf("without token: got %v, want not_authed", body["error"])
	}
	_, body = call(t, srv, "auth.test", url.Values{"token": {token}}, nil)
	if body["ok"] != true {
		t.Errorf("token parameter: got %v, want ok", body)
	}
	resp, body := call(t, srv, "auth.test", nil, bearer(token))
	if body["ok"] != true || body["user_id"] != fakeslack.BotUserID {
		t.Errorf("bearer token: got %v, want ok with the bot user", body)
	}
	if got := resp.Header.Get("X-OAuth-Scopes"); got != "chat:write,channels:read,groups:read" {
		t.Errorf("got X-OAuth-Scopes %q, want the default scopes", got)
	}
}

func TestChannelChecks(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.AddChannel(fakeslack.Channel{ID: "CARCH", Archived: true, Member: true})
	srv.AddChannel(fakeslack.Channel{ID: "CPRIV", Private: true})
	tests := map[string]string{"CARCH": "is_archived", "CPRIV": "channel_not_found", "CNONE": "channel_not_found"}
	for id, want := range tests {
		_, body := call(t, srv, "chat.postMessage", url.Values{"channel": {id}, "text": {"x"}}, bearer(token))
		if body["error"] != want {
			t.Errorf("channel %s: got %v, want %s", id, body["error"], want)
		}
	}
	if n := len(srv.Messages("")); n != 0 {
		t.Errorf("got %d recorded messages, want 0", n)
	}
}

func TestMessageChecks(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"empty", url.Values{}, "no_text"},
		{"text too long", url.Values{"text": {strings.Repeat("😀", 20001)}}, "msg_too_long"},
		{"blocks not JSON", url.Values{"blocks": {"[{"}}, "invalid_blocks"},
		{"too many blocks", url.Values{"blocks": {"[" + strings.Repeat(`{"type":"divider"},`, 50) + `{"type":"divider"}]`}}, "invalid_blocks"},
	}
	for _, tt := range tests {
		tt.form.Set("channel", "C1")
		_, body := call(t, srv, "chat.postMessage", tt.form, bearer(token))
		if body["error"] != tt.want {
			t.Errorf("%s: got %v, want %s", tt.name, body["error"], tt.want)
		}
	}
}

func TestJSONBodyRecorded(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	payload := `{"channel":"C1","text":"hello","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"hello"}}]}`
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"chat.postMessage", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)

	_, body := do(t, req)
	if body["ok"] != true {
		t.Fatalf("got %v, want ok", body)
	}
	msgs := srv.Messages("C1")
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	if msgs[0].Text != "hello" {
		t.Errorf("got text %q, want hello", msgs[0].Text)
	}
	if want := `[{"type":"section","text":{"type":"mrkdwn","text":"hello"}}]`; string(msgs[0].Blocks) != want {
		t.Errorf("got blocks %s, want %s", msgs[0].Blocks, want)
	}
	if body["ts"] != msgs[0].Timestamp {
		t.Errorf("response ts %v differs from recorded %q", body["ts"], msgs[0].Timestamp)
	}
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: 429, RetryAfter: "5"})
	srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: 500})
	srv.FailNext("chat.postMessage", 1, fakeslack.Failure{Error: "token_revoked"})
	form := url.Values{"channel": {"C1"}, "text": {"x"}}

	resp, _ := call(t, srv, "chat.postMessage", form, bearer(token))
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("first: got %d Retry-After %q, want 429 and 5", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	resp, _ = call(t, srv, "chat.postMessage", form, bearer(token))
	if resp.StatusCode != 500 {
		t.Errorf("second: got %d, want 500", resp.StatusCode)
	}
	_, body := call(t, srv, "chat.postMessage", form, bearer(token))
	if body["error"] != "token_revoked" {
		t.Errorf("third: got %v, want token_revoked", body["error"])
	}
	_, body = call(t, srv, "chat.postMessage", form, bearer(token))
	if body["ok"] != true {
		t.Errorf("fourth: got %v, want ok", body)
	}
	if n := srv.Calls("chat.postMessage"); n != 4 {
		t.Errorf("got %d calls, want 4", n)
	}
}

func TestStallReleasedByClientAndClose(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	srv.FailNext("auth.test", 2, fakeslack.Failure{Stall: true})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"auth.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("stalled request got a response, want a timeout")
	}

	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"auth.test", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	if err := srv.WaitForCalls(context.Background(), "auth.test", 2); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := <-done; err == nil {
		t.Error("stalled request got a response after Close, want a connection error")
	}
}

func TestWaitForMessages(t *testing.T) {
	t.Parallel()
	srv := setup(t)
	got := make(chan []fakeslack.PostedMessage, 1)
	go func() {
		msgs, _ := srv.WaitForMessages(context.Background(), "C1", 2)
		got <- msgs
	}()

	for _, text := range []string{"one", "two"} {
		call(t, srv, "chat.postMessage", url.Values{"channel": {"C1"}, "text": {text}}, bearer(token))
	}
	msgs := <-got
	if len(msgs) != 2 || msgs[0].Text != "one" || msgs[1].Text != "two" {
		t.Errorf("got %+v, want messages one and two", msgs)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.WaitForMessages(ctx, "C1", 3); err == nil {
		t.Error("got nil error for a canceled wait, want one")
	}
}
