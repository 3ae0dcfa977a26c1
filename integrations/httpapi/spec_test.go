package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/internal/fakeslack"
)

func TestGitHubActions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.github.AddToken("ghp_good_token", "octo")
	e.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello", PullRequests: 5})
	r := e.do("POST", "github/", "alice", map[string]any{
		"repository_owner": "octo", "repository_name": "hello", "access_token": "ghp_good_token",
	})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)

	r = e.do("POST", "github/"+id+"/verify/", "alice", nil)
	e.expect(r, http.StatusOK)
	if string(r.body) != "{\"status\":\"success\"}\n" {
		t.Errorf("verify body = %s", r.body)
	}
	for _, path := range []string{"sync-prs/", "sync_prs/"} {
		r = e.do("POST", "github/"+id+"/"+path, "alice", nil)
		e.expect(r, http.StatusOK)
		if string(r.body) != "{\"synced\":5}\n" {
			t.Errorf("%s body = %s, want {\"synced\":5}", path, r.body)
		}
	}
	r = e.do("GET", "github/"+id+"/pull-requests/?limit=2", "alice", nil)
	e.expect(r, http.StatusOK)
	prs := r.list(t)
	if len(prs) != 2 || prs[0]["number"] != 5.0 {
		t.Errorf("pull requests page = %v", prs)
	}
	if link := r.header.Get("Link"); !strings.Contains(link, "offset=2") || !strings.Contains(link, `rel="next"`) {
		t.Errorf("Link = %q, want the next page at offset 2", link)
	}
	r = e.do("GET", "github/"+id+"/pull-requests/?state=all", "alice", nil)
	e.expect(r, http.StatusOK)
	if n := len(r.list(t)); n != 5 {
		t.Errorf("state=all lists %d pull requests, want 5", n)
	}
	e.expect(e.do("GET", "github/"+id+"/pull-requests/?state=merged", "alice", nil), http.StatusBadRequest)
	got := e.do("GET", "github/"+id+"/", "alice", nil).json(t)
	if got["last_sync_at"] == nil || got["last_verified_at"] == nil {
		t.Errorf("sync and verify times not recorded: %v", got)
	}

	r = e.do("POST", "github/"+id+"/create-issue/", "alice", map[string]any{"title": "Build failed", "body": "see logs"})
	e.expect(r, http.StatusCreated)
	if issues := e.github.Issues("octo", "hello"); len(issues) != 1 {
		t.Errorf("GitHub holds %d issues, want 1", len(issues))
	}
}

func TestInvalidGitHubToken(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.github.AddRepo(fakegithub.Repo{Owner: "octo", Name: "hello"})
	r := e.do("POST", "github/", "alice", map[string]any{
		"repository_owner": "octo", "repository_name": "hello", "access_token": "ghp_not_valid",
	})
	id := r.json(t)["id"].(string)
	r = e.do("POST", "github/"+id+"/verify/", "alice", nil)
	e.expect(r, http.StatusBadRequest)
	if string(r.body) != "{\"error\":\"GitHub API error: Bad credentials\"}\n" {
		t.Errorf("body = %s", r.body)
	}
	got := e.do("GET", "github/"+id+"/", "alice", nil).json(t)
	if got["is_active"] != false || got["last_error"] != "GitHub API error: Bad credentials" {
		t.Errorf("after a bad token: is_active %v last_error %v", got["is_active"], got["last_error"])
	}
}

func TestSlackActions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.slack.AddToken("xoxb-good", "chat:write")
	e.slack.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	r := e.do("POST", "slack/", "alice", map[string]any{
		"workspace_name": "acme", "channel_id": "C0ALERTS", "bot_token": "xoxb-good",
	})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)

	r = e.do("POST", "slack/"+id+"/verify/", "alice", nil)
	e.expect(r, http.StatusOK)
	if string(r.body) != "{\"status\":\"success\"}\n" {
		t.Errorf("verify body = %s", r.body)
	}
	r = e.do("POST", "slack/"+id+"/test-message/", "alice", map[string]any{"text": "Test"})
	e.expect(r, http.StatusOK)
	if string(r.body) != "{\"status\":\"ok\"}\n" {
		t.Errorf("test-message body = %s", r.body)
	}
	e.expect(e.do("POST", "slack/"+id+"/test_message/", "alice", nil), http.StatusOK)
	msgs, err := e.slack.WaitForMessages(context.Background(), "C0ALERTS", 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msgs[0].Text, "Test") || !strings.Contains(msgs[1].Text, "Test message from HishamOS") {
		t.Errorf("posted %q and %q", msgs[0].Text, msgs[1].Text)
	}

	// A wrong channel, then the fix by an update.
	e.expect(e.do("PATCH", "slack/"+id+"/", "alice", map[string]any{"channel_id": "C0MISSING"}), http.StatusOK)
	r = e.do("POST", "slack/"+id+"/test-message/", "alice", nil)
	e.expect(r, http.StatusBadRequest)
	if string(r.body) != "{\"error\":\"Slack API error: channel_not_found\"}\n" {
		t.Errorf("body = %s", r.body)
	}
	e.expect(e.do("PATCH", "slack/"+id+"/", "alice", map[string]any{"channel_id": "C0ALERTS"}), http.StatusOK)
	e.expect(e.do("POST", "slack/"+id+"/test-message/", "alice", nil), http.StatusOK)
}

func TestEmailRoutes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("GET", "email/", "alice", nil)
	e.expect(r, http.StatusOK)
	got := r.json(t)
	if got["email_address"] != "alice@example.com" || got["notify_workflow_completion"] != true || got["notify_command_execution"] != false {
		t.Errorf("first read = %v", got)
	}
	r = e.do("PUT", "email/", "alice", map[string]any{"notify_workflow_completion": true, "notify_command_execution": true})
	e.expect(r, http.StatusOK)
	if got := r.json(t); got["notify_system_alerts"] != false || got["notify_command_execution"] != true {
		t.Errorf("after PUT = %v", got)
	}
	for _, path := range []string{"email/test-email/", "email/test_email/"} {
		r = e.do("POST", path, "alice", nil)
		e.expect(r, http.StatusOK)
		if string(r.body) != "{\"status\":\"sent\"}\n" {
			t.Errorf("%s body = %s", path, r.body)
		}
	}
	msgs, err := e.smtp.WaitForMessages(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(msgs[0].Data), "Test Email from HishamOS") || msgs[0].To[0] != "alice@example.com" {
		t.Errorf("test email to %v:\n%s", msgs[0].To, msgs[0].Data)
	}
}

func TestWebhookTestAndDeliveries(t *testing.T) {
	t.Parallel()
	e := setup(t)
	recv := fakereceiver.New(t, fakereceiver.FailThenOK(1, 500))
	r := e.do("POST", "webhooks/", "alice", map[string]any{"name": "hook", "url": recv.URL + "/in", "secret": "test-secret"})
	e.expect(r, http.StatusCreated)
	ep := r.json(t)
	if _, shown := ep["secret"]; shown {
		t.Error("a secret the user chose was returned")
	}
	id := ep["id"].(string)

	r = e.do("POST", "webhooks/"+id+"/test/", "alice", map[string]any{"payload": map[string]any{"hello": "world"}})
	e.expect(r, http.StatusOK)
	first := r.json(t)
	if first["status"] != "failed" || first["response_status"] != 500.0 || first["delivery_id"] == "" {
		t.Errorf("first test = %v, want failed with 500", first)
	}
	r = e.do("POST", "webhooks/"+id+"/test/", "alice", nil)
	e.expect(r, http.StatusOK)
	second := r.json(t)
	if second["status"] != "success" {
		t.Errorf("second test = %v, want success", second)
	}
	reqs := recv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(reqs))
	}
	if reqs[0].Header.Get("X-HishamOS-Event") != "webhook.test" || !strings.HasPrefix(reqs[0].Header.Get("X-HishamOS-Signature"), "sha256=") {
		t.Errorf("request headers = %v", reqs[0].Header)
	}
	var sent map[string]any
	if err := json.Unmarshal(reqs[0].Body, &sent); err != nil || sent["hello"] != "world" || sent["event"] != "webhook.test" {
		t.Errorf("sent payload %s (%v)", reqs[0].Body, err)
	}

	r = e.do("GET", "webhooks/"+id+"/deliveries/", "alice", nil)
	e.expect(r, http.StatusOK)
	list := r.list(t)
	if len(list) != 2 || list[0]["id"] != second["delivery_id"] {
		t.Fatalf("deliveries = %v, want 2, newest first", list)
	}
	d := list[1]
	if d["endpoint"] != id || d["endpoint_url"] != recv.URL || d["event_type"] != "webhook.test" || d["status"] != "failed" {
		t.Errorf("delivery = %v", d)
	}
	if attempts, _ := d["attempts"].([]any); len(attempts) != 1 {
		t.Errorf("attempts = %v, want one", d["attempts"])
	}
	if _, ok := d["payload"].(map[string]any); !ok {
		t.Errorf("payload %v is not a JSON object", d["payload"])
	}
	r = e.do("GET", "webhook-deliveries/?status=failed", "alice", nil)
	if got := r.list(t); len(got) != 1 || got[0]["id"] != first["delivery_id"] {
		t.Errorf("failed deliveries = %v", got)
	}
	e.expect(e.do("GET", "webhook-deliveries/"+first["delivery_id"].(string)+"/", "alice", nil), http.StatusOK)
	e.expect(e.do("GET", "webhook-deliveries/"+first["delivery_id"].(string)+"/", "bob", nil), http.StatusNotFound)
	r = e.do("POST", "webhook-deliveries/"+first["delivery_id"].(string)+"/retry/", "alice", nil)
	e.expect(r, http.StatusAccepted)
	if got := r.json(t); got["status"] != "pending" && got["status"] != "retrying" {
		t.Errorf("retried delivery status = %v", got["status"])
	}
	r = e.do("POST", "webhook-deliveries/"+first["delivery_id"].(string)+"/retry/", "alice", nil)
	e.expect(r, http.StatusConflict)
}

// TestRetryToInactiveEndpoint retries a failed delivery of a paused
// endpoint, then of the endpoint switched on again.
func TestRetryToInactiveEndpoint(t *testing.T) {
	t.Parallel()
	e := setup(t)
	recv := fakereceiver.New(t, fakereceiver.Respond(400, nil, "bad"))
	r := e.do("POST", "webhooks/", "alice", map[string]any{"name": "hook", "url": recv.URL})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)
	r = e.do("POST", "webhooks/"+id+"/test/", "alice", nil)
	e.expect(r, http.StatusOK)
	delivery := r.json(t)["delivery_id"].(string)
	e.expect(e.do("PATCH", "webhooks/"+id+"/", "alice", map[string]any{"is_active": false}), http.StatusOK)

	r = e.do("POST", "webhook-deliveries/"+delivery+"/retry/", "alice", nil)
	e.expect(r, http.StatusConflict)
	if got := r.json(t)["error"]; got != "the delivery's target is inactive: re-enable it, then retry" {
		t.Errorf("error = %v", got)
	}
	got := e.do("GET", "webhook-deliveries/"+delivery+"/", "alice", nil)
	if status := got.json(t)["status"]; status != "failed" {
		t.Errorf("status = %v after a rejected retry, want failed", status)
	}

	e.expect(e.do("PATCH", "webhooks/"+id+"/", "alice", map[string]any{"is_active": true}), http.StatusOK)
	e.expect(e.do("POST", "webhook-deliveries/"+delivery+"/retry/", "alice", nil), http.StatusAccepted)
}

func TestWebhookTestTimeout(t *testing.T) {
	t.Parallel()
	e := setup(t)
	recv := fakereceiver.New(t, fakereceiver.Hang())
	r := e.do("POST", "webhooks/", "alice", map[string]any{"name": "slow", "url": recv.URL, "timeout_seconds": 1})
	e.expect(r, http.StatusCreated)
	id := r.json(t)["id"].(string)
	r = e.do("POST", "webhooks/"+id+"/test/", "alice", nil)
	e.expect(r, http.StatusOK)
	got := r.json(t)
	if got["status"] != "failed" || got["error"] != "Request timeout after 1s" || got["response_status"] != nil {
		t.Errorf("timeout test = %v", got)
	}
}

func TestGeneratedSecretShownOnce(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("POST", "webhooks/", "alice", map[string]any{"name": "h", "url": "https://93.184.215.14/in"})
	e.expect(r, http.StatusCreated)
	created := r.json(t)
	secret, _ := created["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || created["has_secret"] != true {
		t.Fatalf("create response = %v, want a whsec_ secret", created)
	}
	id := created["id"].(string)
	if strings.Contains(string(e.do("GET", "webhooks/"+id+"/", "alice", nil).body), secret) {
		t.Error("GET returned the generated secret")
	}
	r = e.do("POST", "webhooks/"+id+"/rotate-secret/", "alice", nil)
	e.expect(r, http.StatusOK)
	rotated := r.json(t)
	if s, _ := rotated["secret"].(string); !strings.HasPrefix(s, "whsec_") || s == secret {
		t.Errorf("rotate returned %v", rotated["secret"])
	}
	if rotated["previous_secret_expires_at"] == nil {
		t.Error("rotation overlap end not shown")
	}
}

func TestBodyLimitAndMethods(t *testing.T) {
	t.Parallel()
	e := setup(t)
	big := `{"name":"` + strings.Repeat("a", 2<<20) + `"}`
	r := e.do("POST", "webhooks/", "alice", big)
	e.expect(r, http.StatusRequestEntityTooLarge)
	if string(r.body) != "{\"error\":\"request body too large\"}\n" {
		t.Errorf("body = %s", r.body)
	}
	r = e.do("PATCH", "github/", "alice", nil)
	e.expect(r, http.StatusMethodNotAllowed)
	if allow := r.header.Get("Allow"); allow != "GET, HEAD, POST" {
		t.Errorf("Allow = %q, want GET, HEAD, POST", allow)
	}
	r = e.do("GET", "github", "alice", nil)
	e.expect(r, http.StatusOK)
	r = e.do("POST", "webhooks/", "alice", `{"name": 5}`)
	e.expect(r, http.StatusBadRequest)
	if got := r.json(t)["fields"].(map[string]any)["name"]; got != "must be a string" {
		t.Errorf("type error = %v", got)
	}
}

func TestPanicRecovered(t *testing.T) {
	t.Parallel()
	e := setup(t)
	h := newPanickingHandler(e)
	srv := newServer(t, h)
	resp, err := http.Get(srv + prefix + "github/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", resp.StatusCode)
	}
	id := resp.Header.Get("X-Request-Id")
	if id == "" || !strings.Contains(e.logs.String(), "request_id="+id) {
		t.Errorf("panic not logged with request id %q", id)
	}
}

func TestCredentialHeadersMasked(t *testing.T) {
	t.Parallel()
	e := setup(t)
	recv := fakereceiver.New(t, fakereceiver.OK())
	r := e.do("POST", "webhooks/", "alice", map[string]any{
		"name": "h", "url": recv.URL, "headers": map[string]string{"Authorization": "Bearer HEADERSECRET42", "X-Team": "blue"},
	})
	e.expect(r, http.StatusCreated)
	if strings.Contains(string(r.body), "HEADERSECRET42") {
		t.Fatal("create response shows a credential header value")
	}
	rec := r.json(t)
	id := rec["id"].(string)
	headers := rec["headers"].(map[string]any)
	if headers["Authorization"] != "[redacted]" || headers["X-Team"] != "blue" {
		t.Errorf("headers = %v", headers)
	}
	// Sending back what was read keeps the stored credential.
	r = e.do("PUT", "webhooks/"+id+"/", "alice", map[string]any{"headers": headers, "is_active": true})
	e.expect(r, http.StatusOK)
	e.expect(e.do("POST", "webhooks/"+id+"/test/", "alice", nil), http.StatusOK)
	reqs := recv.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer HEADERSECRET42" {
		t.Errorf("receiver got Authorization %q, want the stored value", reqs[0].Header.Get("Authorization"))
	}
}

func TestRemoteFailureStatuses(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.slack.AddToken("xoxb-good", "chat:write")
	e.slack.AddChannel(fakeslack.Channel{ID: "C0ALERTS", Name: "alerts", Member: true})
	r := e.do("POST", "slack/", "alice", map[string]any{"workspace_name": "acme", "channel_id": "C0ALERTS", "bot_token": "xoxb-good"})
	id := r.json(t)["id"].(string)

	e.slack.FailNext("chat.postMessage", 1, fakeslack.Failure{Status: 429, RetryAfter: "7"})
	r = e.do("POST", "slack/"+id+"/test-message/", "alice", nil)
	e.expect(r, http.StatusTooManyRequests)
	if got := r.header.Get("Retry-After"); got != "7" {
		t.Errorf("Retry-After = %q, want 7", got)
	}
	if !strings.HasPrefix(r.json(t)["error"].(string), "Slack API error: ") {
		t.Errorf("body = %s", r.body)
	}

	e.slack.FailNext("chat.postMessage", 5, fakeslack.Failure{Status: 500})
	r = e.do("POST", "slack/"+id+"/test-message/", "alice", nil)
	e.expect(r, http.StatusBadGateway)
}

// TestEmailSettingsList lists stored email settings as their owners and
// as an admin.
func TestEmailSettingsList(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for _, user := range []string{"alice", "bob"} {
		e.expect(e.do("GET", "email/", user, nil), http.StatusOK) // created on first read
	}

	users := func(r response) []string {
		t.Helper()
		e.expect(r, http.StatusOK)
		var list []map[string]any
		if err := json.Unmarshal(r.body, &list); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, rec := range list {
			out = append(out, rec["user"].(string))
		}
		slices.Sort(out)
		return out
	}
	if got := users(e.do("GET", "email-settings/", "alice", nil)); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("alice sees %v, want only her own", got)
	}
	if got := users(e.do("GET", "email-settings/", "admin:root", nil)); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Errorf("admin sees %v, want alice and bob", got)
	}
	if got := users(e.do("GET", "email-settings/?user_id=bob", "admin:root", nil)); !slices.Equal(got, []string{"bob"}) {
		t.Errorf("admin filtered by bob sees %v", got)
	}
	page := e.do("GET", "email-settings/?limit=1", "admin:root", nil)
	if got := users(page); len(got) != 1 || page.header.Get("Link") == "" {
		t.Errorf("limit 1: %v, Link %q", got, page.header.Get("Link"))
	}
}

// TestAdminEmailWriteForNewUser writes the email settings of a user who has
// none, as an administrator: a rejected write creates nothing, and an
// accepted one creates the settings with the values it gave.
func TestAdminEmailWriteForNewUser(t *testing.T) {
	t.Parallel()
	e := setup(t)
	r := e.do("PATCH", "email/?user_id=carol", "admin:root", map[string]any{"email_address": "not an address"})
	e.expect(r, http.StatusBadRequest)
	e.expect(e.do("GET", "email/?user_id=carol", "admin:root", nil), http.StatusNotFound)

	r = e.do("PATCH", "email/?user_id=carol", "admin:root",
		map[string]any{"email_address": "carol@example.com", "notify_system_alerts": true})
	e.expect(r, http.StatusOK)
	r = e.do("GET", "email/?user_id=carol", "admin:root", nil)
	e.expect(r, http.StatusOK)
	got := r.json(t)
	if got["email_address"] != "carol@example.com" || got["notify_system_alerts"] != true ||
		got["notify_workflow_completion"] != true {
		t.Errorf("created settings = %v, want the given address and alerts on, other flags at their defaults", got)
	}
}
