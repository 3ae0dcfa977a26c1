package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/internal/fakegithub"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/webhook"
)

// e2eUsers gives every scenario its own user, so the scenarios run in
// parallel without seeing each other's integrations.
const e2eUsers = "s1:tok-s1,s2:tok-s2,s3:tok-s3,s4:tok-s4,s5:tok-s5," +
	"e1:tok-e1,e2:tok-e2,e3:tok-e3,gh:tok-gh,ops:tok-ops:admin"

// s1Email is the -user-email address of user s1. The other users get
// <id>@example.com.
const s1Email = "ops-s1@example.org"

// scenarioEnv is what every scenario of TestServerEndToEnd uses.
type scenarioEnv struct {
	srv   *child
	fakes *fakes
}

func TestServerEndToEnd(t *testing.T) {
	t.Parallel()
	f := startFakes(t)
	dir := t.TempDir()
	args := append(f.flags(),
		"-allow-private-networks", "-retry-base", "100ms", "-log-format", "json",
		"-db", filepath.Join(dir, "e2e.db"), "-key-file", filepath.Join(dir, "e2e.key"),
		"-users", e2eUsers, "-user-email", "s1="+s1Email)
	srv := startChild(t, childOptions{args: args, env: []string{"SMTP_PASSWORD=" + smtpPassword}})
	env := &scenarioEnv{srv: srv, fakes: f}

	t.Run("scenarios", func(t *testing.T) {
		t.Run("workflow completion notifies", env.workflowCompletion)
		t.Run("command success notifies", env.commandSuccess)
		t.Run("command failure notifies", env.commandFailure)
		t.Run("webhook retry", env.webhookRetry)
		t.Run("webhook HMAC signature", env.webhookSignature)
		t.Run("invalid GitHub token", env.invalidGitHubToken)
		t.Run("Slack channel not found", env.slackChannelNotFound)
		t.Run("webhook delivery timeout", env.webhookTimeout)
		t.Run("GitHub verify and sync", env.githubSync)
		t.Run("test email", env.testEmail)
		t.Run("authentication and access", env.authentication)
		t.Run("host route errors", env.hostRouteErrors)
	})

	require.Equal(t, 0, srv.stop(syscall.SIGTERM), "exit code after SIGTERM")
	checkLogs(t, srv)
}

// checkLogs checks the request records and that no secret reached the log.
func checkLogs(t *testing.T, srv *child) {
	logs := srv.logs.text()
	for _, secret := range []string{slackToken, githubToken, smtpPassword, "tok-s1", "tok-ops",
		"test-secret", "s2-secret", "Bearer", "whsec_"} {
		assert.NotContains(t, logs, secret, "the log contains a secret")
	}
	var sawWorkflow, sawStopped bool
	for _, rec := range srv.logRecords() {
		if rec["msg"] == "request" && rec["path"] == "/api/v1/workflows/wf-nightly/execute/" {
			sawWorkflow = true
			assert.Equal(t, "POST", rec["method"])
			assert.Equal(t, 200.0, rec["status"])
			assert.Contains(t, rec, "duration")
			assert.NotEmpty(t, rec["request_id"], "request_id of a host route")
		}
		sawStopped = sawStopped || rec["msg"] == "stopped"
	}
	assert.True(t, sawWorkflow, "no request record for the workflow route")
	assert.True(t, sawStopped, "no \"stopped\" record after SIGTERM")
	assert.Contains(t, logs, "integrations: delivery failed, giving up", "no give-up record for the timed-out webhook")
	assert.Contains(t, logs, `"level":"WARN","msg":"webhooks may reach loopback and private network addresses`)
}

// newWebhook creates a webhook endpoint and returns its id.
func newWebhook(t *testing.T, c *client, body map[string]any) string {
	t.Helper()
	ep := c.api("POST", "webhooks/", body).must(t, http.StatusCreated)

	return ep["id"].(string)
}

// newSlack creates a Slack integration on channel and returns its id.
func newSlack(t *testing.T, f *fakes, c *client, channel string, flags map[string]any) string {
	t.Helper()
	f.slack.AddChannel(fakeslack.Channel{ID: channel, Name: strings.ToLower(channel), Member: true})
	body := map[string]any{"workspace_name": "acme", "channel_id": channel, "bot_token": slackToken}
	for k, v := range flags {
		body[k] = v
	}
	in := c.api("POST", "slack/", body).must(t, http.StatusCreated)
	assert.Equal(t, true, in["has_bot_token"])
	assert.NotContains(t, in, "bot_token", "the bot token was returned")

	return in["id"].(string)
}

// onlyRequest waits for the receiver's first request and checks that it
// got exactly one.
func onlyRequest(t *testing.T, recv *fakereceiver.Server) fakereceiver.Request {
	t.Helper()
	reqs := recv.AwaitRequests(1)
	require.Len(t, recv.Requests(), 1, "receiver requests")

	return reqs[0]
}

// decodePayload decodes a webhook body.
func decodePayload(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var p map[string]any
	require.NoError(t, json.Unmarshal(body, &p), "webhook body %s", body)

	return p
}

// A completed workflow notifies Slack, email and a webhook.
func (e *scenarioEnv) workflowCompletion(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-s1")
	newSlack(t, e.fakes, c, "C0S1", map[string]any{"notify_workflow_completion": true})
	settings := c.api("GET", "email/", nil).must(t, http.StatusOK)
	assert.Equal(t, s1Email, settings["email_address"], "address from -user-email")
	c.api("PUT", "email/", map[string]any{"notify_workflow_completion": true}).must(t, http.StatusOK)
	recv := fakereceiver.New(t, fakereceiver.OK())
	hookID := newWebhook(t, c, map[string]any{"name": "ci", "url": recv.URL + "/hooks/s1",
		"secret": "s1-secret", "trigger_on_workflow_completion": true})

	run := c.do("POST", "/api/v1/workflows/wf-nightly/execute/",
		map[string]any{"name": "Nightly Build", "status": "completed"}).must(t, http.StatusOK)
	execID, _ := run["execution_id"].(string)
	_, err := uuid.Parse(execID)
	require.NoError(t, err, "execution_id %q", execID)
	assert.Equal(t, "wf-nightly", run["workflow_id"])
	assert.Equal(t, "completed", run["status"])
	assert.Equal(t, "s1", run["user_id"])
	assert.Nil(t, run["error_message"])
	ids := stringList(t, run["delivery_ids"])
	require.Len(t, ids, 3, "one delivery each for Slack, email and the webhook")

	byChannel := c.waitAllFinal(ids)
	for _, ch := range []string{"slack", "email", "webhook"} {
		require.Len(t, byChannel[ch], 1, "%s deliveries", ch)
		assert.Equal(t, "success", byChannel[ch][0]["status"], "%s delivery", ch)
	}

	msgs, err := e.fakes.slack.WaitForMessages(waitCtx(t), "C0S1", 1)
	require.NoError(t, err)
	assert.Equal(t, "✅ Workflow *Nightly Build* completed\nExecution ID: `"+execID+"`", msgs[0].Text)

	mail := e.fakes.waitEmail(t, s1Email, "Workflow ")
	assert.Equal(t, "Workflow Nightly Build - Completed", mail.subject)
	assert.Contains(t, mail.header.Get("From"), mailFrom)
	assert.Equal(t, mailFrom, mail.envelope.From, "envelope sender")
	assert.Equal(t, smtpUser, mail.envelope.AuthUser, "SMTP AUTH user")
	assert.Contains(t, mail.text, "Nightly Build")
	assert.Contains(t, mail.text, execID)

	req := onlyRequest(t, recv)
	assert.Equal(t, "/hooks/s1", req.Path)
	assert.Equal(t, "workflow.completed", req.Header.Get("X-HishamOS-Event"))
	assert.Equal(t, byChannel["webhook"][0]["id"], req.Header.Get("X-HishamOS-Delivery-ID"))
	assert.NoError(t, webhook.Verify(webhook.Secret("s1-secret"), req.Header, req.Body))
	p := decodePayload(t, req.Body)
	assert.Equal(t, []string{"error_message", "event", "execution_id", "status", "timestamp",
		"user_id", "workflow_id", "workflow_name"}, keysOf(p), "payload keys")
	assert.Equal(t, "workflow.completed", p["event"])
	assert.Equal(t, "wf-nightly", p["workflow_id"])
	assert.Equal(t, "Nightly Build", p["workflow_name"])
	assert.Equal(t, "completed", p["status"])
	assert.Equal(t, execID, p["execution_id"])
	assert.Equal(t, "s1", p["user_id"])
	assert.Nil(t, p["error_message"])
	assert.True(t, isRFC3339UTC(p["timestamp"]), "timestamp %v", p["timestamp"])

	// The delivery history shows the exact bytes the receiver got.
	history := c.api("GET", "webhooks/"+hookID+"/deliveries/", nil)
	var rows []struct {
		Status        string          `json:"status"`
		AttemptNumber int             `json:"attempt_number"`
		Response      *int            `json:"response_status"`
		EventType     string          `json:"event_type"`
		EndpointURL   string          `json:"endpoint_url"`
		Payload       json.RawMessage `json:"payload"`
	}
	require.Equal(t, http.StatusOK, history.status)
	require.NoError(t, json.Unmarshal(history.body, &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, "success", rows[0].Status)
	assert.Equal(t, 1, rows[0].AttemptNumber)
	assert.Equal(t, 200, *rows[0].Response)
	assert.Equal(t, "workflow.completed", rows[0].EventType)
	assert.Equal(t, recv.URL, rows[0].EndpointURL, "endpoint_url keeps scheme and host only")
	assert.Equal(t, string(req.Body), string(rows[0].Payload), "stored payload")
}

// commandSetup configures Slack, email and a webhook for command runs of
// the client's user and returns the webhook receiver.
func (e *scenarioEnv) commandSetup(t *testing.T, c *client, channel, secret string) *fakereceiver.Server {
	t.Helper()
	newSlack(t, e.fakes, c, channel, map[string]any{"notify_command_execution": true})
	c.api("PUT", "email/", map[string]any{"notify_command_execution": true}).must(t, http.StatusOK)
	recv := fakereceiver.New(t, fakereceiver.OK())
	newWebhook(t, c, map[string]any{"name": "commands", "url": recv.URL,
		"secret": secret, "trigger_on_command_execution": true})

	return recv
}

// A successful command notifies Slack, email and a webhook.
func (e *scenarioEnv) commandSuccess(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-s2")
	recv := e.commandSetup(t, c, "C0S2", "s2-secret")
	templateID := uuid.NewString()

	res := c.do("POST", "/api/v1/commands/templates/"+templateID+"/execute/",
		map[string]any{"name": "Generate Report", "execution_time": 2.5, "cost": 0.001}).must(t, http.StatusOK)
	assert.Equal(t, "success", res["status"])
	assert.Equal(t, templateID, res["command_id"])
	assert.Equal(t, 2.5, res["execution_time"])
	assert.Equal(t, 0.001, res["cost"])
	assert.Nil(t, res["error"])
	_, err := uuid.Parse(res["execution_id"].(string))
	assert.NoError(t, err, "execution_id")
	ids := stringList(t, res["delivery_ids"])
	require.Len(t, ids, 3)
	byChannel := c.waitAllFinal(ids)
	for _, ch := range []string{"slack", "email", "webhook"} {
		require.Len(t, byChannel[ch], 1, "%s deliveries", ch)
		assert.Equal(t, "success", byChannel[ch][0]["status"], "%s delivery", ch)
	}

	summary := "Command executed successfully in 2.50s (cost: $0.0010)"
	msgs, err := e.fakes.slack.WaitForMessages(waitCtx(t), "C0S2", 1)
	require.NoError(t, err)
	assert.Equal(t, "✅ Command *Generate Report* executed: success\n"+summary, msgs[0].Text)

	mail := e.fakes.waitEmail(t, "s2@example.com", "Command ")
	assert.Equal(t, "Command Generate Report - Success", mail.subject)
	assert.Contains(t, mail.text, summary)

	req := onlyRequest(t, recv)
	assert.Equal(t, "command.executed", req.Header.Get("X-HishamOS-Event"))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	p := decodePayload(t, req.Body)
	assert.Equal(t, []string{"command_id", "command_name", "cost", "error", "event", "execution_time",
		"result_summary", "status", "timestamp", "user_id"}, keysOf(p), "payload keys")
	assert.Equal(t, "command.executed", p["event"])
	assert.Equal(t, templateID, p["command_id"])
	assert.Equal(t, "Generate Report", p["command_name"])
	assert.Equal(t, "success", p["status"])
	assert.Equal(t, "s2", p["user_id"])
	assert.Equal(t, summary, p["result_summary"])
	assert.Equal(t, 2.5, p["execution_time"])
	assert.Equal(t, 0.001, p["cost"])
	assert.Nil(t, p["error"])
	assert.True(t, isRFC3339UTC(p["timestamp"]), "timestamp %v", p["timestamp"])
}

// A failed command notifies with the error, and opens a GitHub
// issue where auto_create_issues is on.
func (e *scenarioEnv) commandFailure(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-s3")
	recv := e.commandSetup(t, c, "C0S3", "s3-secret")
	e.fakes.github.AddRepo(fakegithub.Repo{Owner: githubLogin, Name: "s3-repo"})
	c.api("POST", "github/", map[string]any{"repository_owner": githubLogin, "repository_name": "s3-repo",
		"access_token": githubToken, "auto_create_issues": true}).must(t, http.StatusCreated)
	const failure = "invalid parameters: limit must be positive"

	res := c.do("POST", "/api/v1/commands/templates/tpl-report/execute/",
		map[string]any{"name": "Generate Report", "fail": true, "error": failure}).must(t, http.StatusOK)
	assert.Equal(t, "failed", res["status"])
	assert.Equal(t, failure, res["error"])
	ids := stringList(t, res["delivery_ids"])
	require.Len(t, ids, 4, "Slack, email, webhook and GitHub deliveries")
	byChannel := c.waitAllFinal(ids)
	for _, ch := range []string{"slack", "email", "webhook", "github"} {
		require.Len(t, byChannel[ch], 1, "%s deliveries", ch)
		assert.Equal(t, "success", byChannel[ch][0]["status"], "%s delivery", ch)
	}

	msgs, err := e.fakes.slack.WaitForMessages(waitCtx(t), "C0S3", 1)
	require.NoError(t, err)
	assert.Equal(t, "❌ Command *Generate Report* executed: failed\nCommand execution failed: "+failure, msgs[0].Text)
	assert.Contains(t, string(msgs[0].Blocks), "*Error:* "+failure)

	mail := e.fakes.waitEmail(t, "s3@example.com", "Command ")
	assert.Equal(t, "Command Generate Report - Failed", mail.subject)
	assert.Contains(t, mail.text, failure)

	p := decodePayload(t, onlyRequest(t, recv).Body)
	assert.Equal(t, "failed", p["status"])
	assert.Equal(t, failure, p["error"])
	assert.Equal(t, "Command execution failed: "+failure, p["result_summary"])

	issues, err := e.fakes.github.WaitIssues(waitCtx(t), githubLogin, "s3-repo", 1)
	require.NoError(t, err)
	require.Len(t, issues, 1)
	assert.Equal(t, "Command Generate Report failed", issues[0].Title)
	assert.Contains(t, issues[0].Body, failure)
	assert.Contains(t, issues[0].Body, "tpl-report")
}

// A 500 and then a 200 give a success after two attempts, and
// the delays between attempts grow.
func (e *scenarioEnv) webhookRetry(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-s4")
	flaky := fakereceiver.New(t, fakereceiver.FailThenOK(1, http.StatusInternalServerError))
	flakyID := newWebhook(t, c, map[string]any{"name": "flaky", "url": flaky.URL, "retry_count": 3,
		"trigger_on_command_execution": true})
	slow := fakereceiver.New(t, fakereceiver.FailThenOK(4, http.StatusServiceUnavailable))
	newWebhook(t, c, map[string]any{"name": "backoff", "url": slow.URL, "retry_count": 5,
		"trigger_on_command_execution": true})

	res := c.do("POST", "/api/v1/commands/templates/tpl-retry/execute/", map[string]any{"name": "Sync"}).must(t, http.StatusOK)
	ids := stringList(t, res["delivery_ids"])
	require.Len(t, ids, 2)
	arrivals := arrivalTimes(t, slow, 5)

	d := c.waitFinal(c.deliveryFor(t, ids, flakyID))
	assert.Equal(t, "success", d["status"])
	assert.Equal(t, 2.0, d["attempt_number"])
	attempts := attemptsOf(t, d)
	require.Len(t, attempts, 2)
	assert.Equal(t, "failed", attempts[0]["status"])
	assert.Equal(t, 500.0, attempts[0]["response_status"])
	assert.Equal(t, "HTTP 500: Internal Server Error", attempts[0]["error_message"])
	assert.Equal(t, "success", attempts[1]["status"])
	assert.Equal(t, 200.0, attempts[1]["response_status"])
	reqs := flaky.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Header.Get("X-HishamOS-Delivery-ID"), reqs[1].Header.Get("X-HishamOS-Delivery-ID"),
		"both attempts carry the same delivery id")

	ep := c.api("GET", "webhooks/"+flakyID+"/", nil).must(t, http.StatusOK)
	assert.Equal(t, 1.0, ep["success_count"])
	assert.Equal(t, 1.0, ep["failure_count"])

	// With -retry-base 100ms the delays are 100, 200, 400 and 800 ms, ±20%.
	// Measured arrival times add scheduling noise, so compare delays two
	// steps apart, which differ by a factor of four.
	var gaps []time.Duration
	for i := 1; i < len(arrivals); i++ {
		gaps = append(gaps, arrivals[i].Sub(arrivals[i-1]))
	}
	t.Logf("delays between attempts: %v", gaps)
	assert.GreaterOrEqual(t, gaps[0], 50*time.Millisecond, "first retry delay")
	assert.Greater(t, gaps[2], gaps[0], "third delay must exceed the first")
	assert.Greater(t, gaps[3], gaps[1], "fourth delay must exceed the second")
}

// deliveryFor returns the id among ids of the delivery to target.
func (c *client) deliveryFor(t *testing.T, ids []string, target string) string {
	t.Helper()
	for _, id := range ids {
		d := c.api("GET", "webhook-deliveries/"+id+"/", nil).must(t, http.StatusOK)
		if d["target_id"] == target {
			return id
		}
	}
	t.Fatalf("no delivery to %s among %v", target, ids)

	return ""
}

// arrivalTimes waits for n requests at recv and returns when the test saw
// each arrive.
func arrivalTimes(t *testing.T, recv *fakereceiver.Server, n int) []time.Time {
	t.Helper()
	ctx := waitCtx(t)
	var times []time.Time
	for i := 1; i <= n; i++ {
		_, err := recv.WaitForRequests(ctx, i)
		require.NoError(t, err)
		times = append(times, time.Now())
	}

	return times
}

// The signature is sha256=<hex HMAC-SHA256(secret, body)>.
func (e *scenarioEnv) webhookSignature(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-s5")
	recv := fakereceiver.New(t, fakereceiver.OK())
	hookID := newWebhook(t, c, map[string]any{"name": "signed", "url": recv.URL,
		"secret": "test-secret", "trigger_on_workflow_completion": true})

	res := c.do("POST", "/api/v1/workflows/wf-sign/execute", map[string]any{"name": "Sign", "status": "failed",
		"error_message": "step 3 failed"}).must(t, http.StatusOK)
	assert.Equal(t, "step 3 failed", res["error_message"])
	c.waitAllFinal(stringList(t, res["delivery_ids"]))
	req := onlyRequest(t, recv)

	mac := hmac.New(sha256.New, []byte("test-secret"))
	mac.Write(req.Body)
	assert.Equal(t, "sha256="+hex.EncodeToString(mac.Sum(nil)), req.Header.Get("X-HishamOS-Signature"))
	assert.NoError(t, webhook.Verify(webhook.Secret("test-secret"), req.Header, req.Body), "receiver verification")
	tampered := append([]byte(nil), req.Body...)
	tampered[len(tampered)-2] ^= 1
	assert.Error(t, webhook.Verify(webhook.Secret("test-secret"), req.Header, tampered), "a changed body must not verify")
	assert.Error(t, webhook.Verify(webhook.Secret("other-secret"), req.Header, req.Body), "another secret must not verify")
	assert.Equal(t, "step 3 failed", decodePayload(t, req.Body)["error_message"])

	// The test action signs with the same secret.
	test := c.api("POST", "webhooks/"+hookID+"/test/", map[string]any{"payload": map[string]any{"hello": "world"}})
	body := test.must(t, http.StatusOK)
	assert.Equal(t, "success", body["status"])
	reqs := recv.AwaitRequests(2)
	assert.Equal(t, body["delivery_id"], reqs[1].Header.Get("X-HishamOS-Delivery-ID"))
	assert.NoError(t, webhook.Verify(webhook.Secret("test-secret"), reqs[1].Header, reqs[1].Body))
}

// An invalid GitHub token fails verification and deactivates the
// integration.
func (e *scenarioEnv) invalidGitHubToken(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-e1")
	e.fakes.github.AddRepo(fakegithub.Repo{Owner: githubLogin, Name: "e1-repo"})
	in := c.api("POST", "github/", map[string]any{"repository_owner": githubLogin, "repository_name": "e1-repo",
		"access_token": "ghp_not_a_valid_token"}).must(t, http.StatusCreated)
	id := in["id"].(string)

	r := c.api("POST", "github/"+id+"/verify/", nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, `{"error":"GitHub API error: Bad credentials"}`, r.compact())
	got := c.api("GET", "github/"+id+"/", nil).must(t, http.StatusOK)
	assert.Equal(t, false, got["is_active"])
	assert.Equal(t, "GitHub API error: Bad credentials", got["last_error"])
}

// A missing Slack channel fails the test message until the
// integration is updated with the right channel.
func (e *scenarioEnv) slackChannelNotFound(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-e2")
	e.fakes.slack.AddChannel(fakeslack.Channel{ID: "C0E2", Name: "e2", Member: true})
	in := c.api("POST", "slack/", map[string]any{"workspace_name": "acme", "channel_id": "C0MISSING",
		"bot_token": slackToken}).must(t, http.StatusCreated)
	id := in["id"].(string)

	r := c.api("POST", "slack/"+id+"/test-message/", map[string]any{"text": "Test"})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, `{"error":"Slack API error: channel_not_found"}`, r.compact())

	c.api("PATCH", "slack/"+id+"/", map[string]any{"channel_id": "C0E2"}).must(t, http.StatusOK)
	r = c.api("POST", "slack/"+id+"/test-message/", map[string]any{"text": "Test"})
	assert.Equal(t, `{"status":"ok"}`, r.compact())
	msgs, err := e.fakes.slack.WaitForMessages(waitCtx(t), "C0E2", 1)
	require.NoError(t, err)
	assert.Equal(t, "Test", msgs[0].Text)
}

// A receiver that never responds fails the delivery with a timeout
// after every attempt.
func (e *scenarioEnv) webhookTimeout(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-e3")
	recv := fakereceiver.New(t, fakereceiver.Hang())
	hookID := newWebhook(t, c, map[string]any{"name": "slow", "url": recv.URL, "timeout_seconds": 1,
		"retry_count": 2, "trigger_on_command_execution": true})

	res := c.do("POST", "/api/v1/commands/templates/tpl-slow/execute/", map[string]any{"name": "Slow"}).must(t, http.StatusOK)
	ids := stringList(t, res["delivery_ids"])
	require.Len(t, ids, 1)
	d := c.waitFinal(ids[0])
	assert.Equal(t, "failed", d["status"])
	assert.Equal(t, "Request timeout after 1s", d["error_message"])
	assert.Nil(t, d["response_status"])
	attempts := attemptsOf(t, d)
	require.Len(t, attempts, 2, "retry_count 2 makes two attempts")
	for _, a := range attempts {
		assert.Equal(t, "failed", a["status"])
		assert.Equal(t, "Request timeout after 1s", a["error_message"])
		assert.Nil(t, a["response_status"])
	}
	assert.Len(t, recv.Requests(), 2, "requests at the receiver")
	ep := c.api("GET", "webhooks/"+hookID+"/", nil).must(t, http.StatusOK)
	assert.Equal(t, 2.0, ep["failure_count"])
	assert.Equal(t, "Request timeout after 1s", ep["last_error"])
}

// GitHub verify, pull request sync and the synced list.
func (e *scenarioEnv) githubSync(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-gh")
	e.fakes.github.AddRepo(fakegithub.Repo{Owner: githubLogin, Name: "hello", PullRequests: 5})
	in := c.api("POST", "github/", map[string]any{"repository_owner": githubLogin, "repository_name": "hello",
		"access_token": githubToken}).must(t, http.StatusCreated)
	assert.Equal(t, true, in["has_access_token"])
	assert.NotContains(t, in, "access_token")
	id := in["id"].(string)

	assert.Equal(t, `{"status":"success"}`, c.api("POST", "github/"+id+"/verify/", nil).compact())
	assert.Equal(t, `{"synced":5}`, c.api("POST", "github/"+id+"/sync-prs/", nil).compact())
	prs := c.api("GET", "github/"+id+"/pull-requests/", nil).list(t)
	require.Len(t, prs, 5)
	assert.Equal(t, 5.0, prs[0]["number"], "highest number first")
	got := c.api("GET", "github/"+id+"/", nil).must(t, http.StatusOK)
	assert.NotNil(t, got["last_sync_at"])
	assert.NotNil(t, got["last_verified_at"])
}

// The test email goes to the -user-email address.
func (e *scenarioEnv) testEmail(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-s1")
	assert.Equal(t, `{"status":"sent"}`, c.api("POST", "email/test-email/", nil).compact())
	mail := e.fakes.waitEmail(t, s1Email, "Test Email")
	assert.Equal(t, "Test Email from HishamOS", mail.subject)
	assert.Contains(t, mail.text, "This is a test email to verify your email notification settings.")
}

// Requests need a known bearer token. Users read only their own records,
// and the admin reads every user's.
func (e *scenarioEnv) authentication(t *testing.T) {
	t.Parallel()
	owner := e.srv.as(t, "tok-s5")
	recv := fakereceiver.New(t, fakereceiver.OK())
	id := newWebhook(t, owner, map[string]any{"name": "private", "url": recv.URL})

	for _, token := range []string{"", "tok-unknown", "tok-s5x"} {
		c := e.srv.as(t, token)
		r := c.api("GET", "webhooks/", nil)
		assert.Equal(t, http.StatusUnauthorized, r.status, "API with token %q", token)
		assert.Equal(t, `{"error":"authentication required"}`, r.compact())
		r = c.do("POST", "/api/v1/workflows/w/execute/", map[string]any{"name": "x", "status": "completed"})
		assert.Equal(t, http.StatusUnauthorized, r.status, "host route with token %q", token)
		assert.Equal(t, `{"error":"authentication required"}`, r.compact())
	}
	other := e.srv.as(t, "tok-e1")
	r := other.api("GET", "webhooks/"+id+"/", nil)
	assert.Equal(t, http.StatusNotFound, r.status, "another user's endpoint")
	assert.Equal(t, `{"error":"not found"}`, r.compact())

	admin := e.srv.as(t, "tok-ops")
	got := admin.api("GET", "webhooks/"+id+"/", nil).must(t, http.StatusOK)
	assert.Equal(t, "s5", got["user"])
	list := admin.api("GET", "webhooks/?user_id=s5", nil).list(t)
	assert.NotEmpty(t, list, "admin list filtered by user")
	for _, ep := range list {
		assert.Equal(t, "s5", ep["user"])
	}
}

// Bad bodies, methods and paths of the host routes get JSON errors.
func (e *scenarioEnv) hostRouteErrors(t *testing.T) {
	t.Parallel()
	c := e.srv.as(t, "tok-e1")
	const cmd = "/api/v1/commands/templates/tpl-x/execute/"
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		want   string
	}{
		{"missing name", "POST", cmd, map[string]any{}, 400,
			`{"error":"invalid request","fields":{"name":"is required"}}`},
		{"unknown field", "POST", cmd, map[string]any{"name": "x", "verbose": true}, 400,
			`{"error":"invalid request","fields":{"verbose":"unknown field"}}`},
		{"wrong type", "POST", cmd, map[string]any{"name": "x", "fail": "yes"}, 400,
			`{"error":"invalid request","fields":{"fail":"must be a JSON boolean"}}`},
		{"error without fail", "POST", cmd, map[string]any{"name": "x", "error": "boom"}, 400,
			`{"error":"invalid request","fields":{"error":"is allowed only with \"fail\": true"}}`},
		{"negative cost", "POST", cmd, map[string]any{"name": "x", "cost": -1}, 400,
			`{"error":"invalid request","fields":{"cost":"must be a number from 0 to 1000"}}`},
		{"empty body", "POST", cmd, "", 400, `{"error":"request body is empty: send a JSON object"}`},
		{"not JSON", "POST", cmd, "name=x", 400, ""},
		{"array body", "POST", cmd, "[]", 400, ""},
		{"bad workflow status", "POST", "/api/v1/workflows/wf/execute/", map[string]any{"name": "x", "status": "cancelled"}, 400,
			`{"error":"invalid request","fields":{"status":"must be \"completed\" or \"failed\""}}`},
		{"too large", "POST", cmd, `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 413,
			`{"error":"request body too large"}`},
		{"wrong method", "GET", cmd, nil, 405, `{"error":"method not allowed"}`},
		{"bad id", "POST", "/api/v1/commands/templates/a%20b/execute/", map[string]any{"name": "x"}, 404, `{"error":"not found"}`},
		{"unknown path", "GET", "/api/v1/nothing", nil, 404, `{"error":"not found"}`},
	}
	for _, tc := range cases {
		r := c.do(tc.method, tc.path, tc.body)
		assert.Equal(t, tc.status, r.status, "%s: status (body %s)", tc.name, r.body)
		assert.Equal(t, "application/json", r.header.Get("Content-Type"), "%s: content type", tc.name)
		if tc.want != "" {
			assert.Equal(t, tc.want, r.compact(), "%s: body", tc.name)
		}
	}
	r := c.do("GET", cmd, nil)
	assert.Equal(t, "POST", r.header.Get("Allow"))
}
