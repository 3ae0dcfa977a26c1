package integrations_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hishamos/integrations-external/email"
	"github.com/hishamos/integrations-external/integrations"
	"github.com/hishamos/integrations-external/internal/fakereceiver"
	"github.com/hishamos/integrations-external/internal/fakeslack"
	"github.com/hishamos/integrations-external/internal/fakesmtp"
	"github.com/hishamos/integrations-external/store"
	"github.com/hishamos/integrations-external/store/memory"
	"github.com/hishamos/integrations-external/store/sqlite"
	"github.com/hishamos/integrations-external/webhook"
)

const (
	testUser    = "alice"
	slackToken  = "xoxb-test-token-dispatcher"
	slackChan   = "C0DISPATCH"
	hookSecret  = "test-secret"
	waitTimeout = 20 * time.Second
)

// env is what a dispatcher test works with: a store, the fake services and
// a dispatcher aimed at them.
type env struct {
	st    store.Store
	slack *fakeslack.Server
	smtp  *fakesmtp.Server
	d     *integrations.Dispatcher
	cfg   integrations.Config
}

// openSQLite opens a SQLite store on path with a fixed test key.
func openSQLite(t testing.TB, path string) store.Store {
	t.Helper()
	keys, err := store.ParseKeyring("test:" + strings.Repeat("A", 43) + "=")
	require.NoError(t, err)
	st, err := sqlite.Open(context.Background(), path, sqlite.Options{Keys: keys})
	require.NoError(t, err)

	return st
}

// newEnv builds fakes, a store of the given kind and a started dispatcher.
// edit may change the config before the dispatcher is built.
func newEnv(t *testing.T, kind string, edit func(*integrations.Config)) *env {
	t.Helper()
	e := &env{slack: fakeslack.New(t)}
	e.slack.AddToken(slackToken)
	e.slack.AddChannel(fakeslack.Channel{ID: slackChan, Name: "alerts", Member: true})

	smtpSrv, err := fakesmtp.Start(fakesmtp.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = smtpSrv.Close() })
	e.smtp = smtpSrv

	switch kind {
	case "sqlite":
		e.st = openSQLite(t, filepath.Join(t.TempDir(), "integrations.db"))
	default:
		e.st = memory.New(memory.Options{})
	}
	t.Cleanup(func() { _ = e.st.Close() })

	e.cfg = integrations.Config{
		Store:                e.st,
		RetryBase:            50 * time.Millisecond,
		AllowPrivateNetworks: true,
		SlackAPIURL:          e.slack.URL(),
		Email: &email.Config{
			Host:      smtpSrv.Host(),
			Port:      smtpSrv.Port(),
			TLSPolicy: email.TLSNone,
			From:      "noreply@example.com",
			Timeout:   5 * time.Second,
		},
		PollInterval: 50 * time.Millisecond,
	}
	if edit != nil {
		edit(&e.cfg)
	}
	e.d, err = integrations.New(e.cfg)
	require.NoError(t, err)
	require.NoError(t, e.d.Start(context.Background()))
	t.Cleanup(func() { stopDispatcher(t, e.d) })

	return e
}

func stopDispatcher(t testing.TB, d *integrations.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	assert.NoError(t, d.Stop(ctx))
}

// addWebhook creates an active endpoint for testUser aimed at url.
func (e *env) addWebhook(t *testing.T, url string, edit func(*store.WebhookEndpoint)) *store.WebhookEndpoint {
	t.Helper()
	ep := store.NewWebhookEndpoint(testUser)
	ep.Name = "receiver"
	ep.URL = url
	ep.Secret = store.NewSecret(hookSecret)
	ep.TriggerOnWorkflowCompletion = true
	ep.TriggerOnCommandExecution = true
	if edit != nil {
		edit(ep)
	}
	require.NoError(t, e.st.CreateWebhookEndpoint(context.Background(), ep))

	return ep
}

// addSlackAndEmail creates a Slack integration and email settings for
// testUser that want workflow and command notifications.
func (e *env) addSlackAndEmail(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	s := store.NewSlackIntegration(testUser)
	s.WorkspaceName = "acme"
	s.ChannelID = slackChan
	s.BotToken = store.NewSecret(slackToken)
	s.NotifyCommandExecution = true
	require.NoError(t, e.st.CreateSlackIntegration(ctx, s))

	m := store.NewEmailSettings(testUser, "alice@example.com")
	m.NotifyCommandExecution = true
	require.NoError(t, e.st.CreateEmailSettings(ctx, m))
}

// waitFinal waits until every delivery id is final and returns them.
func (e *env) waitFinal(t *testing.T, ids []string) []*store.Delivery {
	t.Helper()
	out := make([]*store.Delivery, 0, len(ids))
	for _, id := range ids {
		require.Eventually(t, func() bool {
			got, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), id)
			return err == nil && got.Status.Final()
		}, waitTimeout, 5*time.Millisecond, "delivery %s never became final", id)
		got, err := e.st.GetDelivery(context.Background(), store.AsAdmin(), id)
		require.NoError(t, err)
		out = append(out, got)
	}

	return out
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)

	return ctx
}

func sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write(body)

	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func TestWorkflowReachesEveryChannel(t *testing.T) {
	for _, kind := range []string{"memory", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t, kind, nil)
			recv := fakereceiver.New(t, fakereceiver.OK())
			e.addWebhook(t, recv.URL, nil)
			e.addSlackAndEmail(t)

			ids, err := e.d.WorkflowCompleted(context.Background(), integrations.WorkflowRun{
				WorkflowID: "wf-1", WorkflowName: "Nightly build", Status: integrations.StatusCompleted,
				ExecutionID: "exec-42", UserID: testUser,
			})
			require.NoError(t, err)
			require.Len(t, ids, 3)
			for _, d := range e.waitFinal(t, ids) {
				assert.Equal(t, store.StatusSuccess, d.Status, "channel %s: %+v", d.Channel, d.LatestAttempt())
			}

			reqs, err := recv.WaitForRequests(waitCtx(t), 1)
			require.NoError(t, err)
			var payload map[string]any
			require.NoError(t, json.Unmarshal(reqs[0].Body, &payload))
			assert.Equal(t, "workflow.completed", payload["event"])
			assert.Equal(t, "Nightly build", payload["workflow_name"])
			assert.Equal(t, "completed", payload["status"])
			assert.Equal(t, "exec-42", payload["execution_id"])
			assert.Nil(t, payload["error_message"])
			assert.Equal(t, sign(reqs[0].Body), reqs[0].Header.Get("X-HishamOS-Signature"))
			assert.Equal(t, "workflow.completed", reqs[0].Header.Get("X-HishamOS-Event"))

			msgs, err := e.slack.WaitForMessages(waitCtx(t), slackChan, 1)
			require.NoError(t, err)
			assert.Contains(t, msgs[0].Text, "✅ Workflow *Nightly build* completed")
			assert.Contains(t, msgs[0].Text, "exec-42")

			mails, err := e.smtp.WaitForMessages(waitCtx(t), 1)
			require.NoError(t, err)
			m, err := mail.ReadMessage(strings.NewReader(string(mails[0].Data)))
			require.NoError(t, err)
			assert.Equal(t, "Workflow Nightly build - Completed", m.Header.Get("Subject"))
			assert.Equal(t, []string{"alice@example.com"}, mails[0].To)
			assert.Contains(t, string(mails[0].Data), "exec-42")
		})
	}
}

func TestCommandSuccessAndFailure(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	recv := fakereceiver.New(t, fakereceiver.OK())
	e.addWebhook(t, recv.URL, nil)
	e.addSlackAndEmail(t)
	ctx := context.Background()

	okIDs, err := e.d.CommandExecuted(ctx, integrations.CommandResult{
		CommandID: "cmd-1", CommandName: "deploy", ExecutionID: "run-1", UserID: testUser,
		Status: integrations.StatusSuccess, ExecutionTime: 2500 * time.Millisecond, Cost: 0.001,
		FinishedAt: time.Date(2024, 12, 6, 10, 30, 0, 0, time.UTC),
	})
	require.NoError(t, err)
	failIDs, err := e.d.CommandExecuted(ctx, integrations.CommandResult{
		CommandID: "cmd-1", CommandName: "deploy", ExecutionID: "run-2", UserID: testUser,
		Status: integrations.StatusFailed, Error: "invalid parameters",
	})
	require.NoError(t, err)
	e.waitFinal(t, append(okIDs, failIDs...))

	reqs, err := recv.WaitForRequests(waitCtx(t), 2)
	require.NoError(t, err)
	bodies := map[string]string{}
	for _, r := range reqs {
		var p map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &p))
		bodies[p["status"].(string)] = string(r.Body)
	}
	assert.JSONEq(t, `{"event":"command.executed","command_id":"cmd-1","command_name":"deploy",
		"status":"success","user_id":"alice",
		"result_summary":"Command executed successfully in 2.50s (cost: $0.0010)",
		"execution_time":2.5,"cost":0.001,"error":null,"timestamp":"2024-12-06T10:30:00Z"}`, bodies["success"])
	var failed map[string]any
	require.NoError(t, json.Unmarshal([]byte(bodies["failed"]), &failed))
	assert.Equal(t, "invalid parameters", failed["error"])
	assert.Equal(t, "Command execution failed: invalid parameters", failed["result_summary"])

	msgs, err := e.slack.WaitForMessages(waitCtx(t), slackChan, 2)
	require.NoError(t, err)
	texts := msgs[0].Text + "\n" + msgs[1].Text
	assert.Contains(t, texts, "✅ Command *deploy* executed: success")
	assert.Contains(t, texts, "❌ Command *deploy* executed: failed")
	assert.Contains(t, texts, "invalid parameters")

	mails, err := e.smtp.WaitForMessages(waitCtx(t), 2)
	require.NoError(t, err)
	subjects := map[string]string{}
	for _, raw := range mails {
		m, err := mail.ReadMessage(strings.NewReader(string(raw.Data)))
		require.NoError(t, err)
		subjects[m.Header.Get("Subject")] = string(raw.Data)
	}
	assert.Contains(t, subjects, "Command deploy - Success")
	require.Contains(t, subjects, "Command deploy - Failed")
	assert.Contains(t, subjects["Command deploy - Failed"], "invalid parameters")
}

func TestRetryThenSuccess(t *testing.T) {
	const base = 100 * time.Millisecond
	e := newEnv(t, "sqlite", func(c *integrations.Config) { c.RetryBase = base })
	recv := fakereceiver.New(t, fakereceiver.FailThenOK(1, 500))
	ep := e.addWebhook(t, recv.URL, nil)

	ids, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
		CommandName: "deploy", ExecutionID: "run-1", UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)
	require.Len(t, ids, 1)
	d := e.waitFinal(t, ids)[0]

	assert.Equal(t, store.StatusSuccess, d.Status)
	require.Len(t, d.Attempts, 2)
	assert.Equal(t, 500, d.Attempts[0].ResponseStatus)
	assert.Equal(t, store.AttemptFailed, d.Attempts[0].Status)
	assert.Equal(t, store.AttemptSuccess, d.Attempts[1].Status)
	gap := d.Attempts[1].StartedAt.Sub(d.Attempts[0].StartedAt)
	assert.GreaterOrEqual(t, gap, time.Duration(float64(base)*0.8), "retry came before the policy's delay")

	reqs := recv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "retry must send identical bytes")
	assert.Equal(t, ids[0], reqs[0].Header.Get("X-HishamOS-Delivery-ID"))
	assert.Equal(t, ids[0], reqs[1].Header.Get("X-HishamOS-Delivery-ID"))
	assert.Equal(t, d.Payload, reqs[0].Body, "stored payload must be the bytes sent")

	got, err := e.st.GetWebhookEndpoint(context.Background(), store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, got.SuccessCount)
	assert.EqualValues(t, 1, got.FailureCount)
}

func TestIdempotentDispatch(t *testing.T) {
	e := newEnv(t, "memory", nil)
	recv := fakereceiver.New(t, fakereceiver.OK())
	e.addWebhook(t, recv.URL, nil)
	run := integrations.CommandResult{CommandName: "deploy", ExecutionID: "run-7", UserID: testUser,
		Status: integrations.StatusSuccess}

	first, err := e.d.CommandExecuted(context.Background(), run)
	require.NoError(t, err)
	second, err := e.d.CommandExecuted(context.Background(), run)
	require.NoError(t, err)
	assert.Equal(t, first, second, "the same run must map to the same delivery")

	run.ExecutionID = "run-8"
	third, err := e.d.CommandExecuted(context.Background(), run)
	require.NoError(t, err)
	assert.NotEqual(t, first, third, "another run must notify again")
	e.waitFinal(t, append(first, third...))

	list, err := e.st.ListDeliveries(context.Background(), store.DeliveryQuery{Access: store.AsAdmin()})
	require.NoError(t, err)
	assert.Len(t, list, 2)
}

func TestGoneDisablesEndpoint(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	recv := fakereceiver.New(t, fakereceiver.Gone())
	ep := e.addWebhook(t, recv.URL, nil)

	ids, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
		CommandName: "deploy", ExecutionID: "run-1", UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)
	d := e.waitFinal(t, ids)[0]
	assert.Equal(t, store.StatusFailed, d.Status)
	assert.Len(t, d.Attempts, 1, "410 must not be retried")

	got, err := e.st.GetWebhookEndpoint(context.Background(), store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	assert.False(t, got.IsActive)
	assert.Equal(t, "410 Gone", got.DisabledReason)
}

func TestConsecutiveFailuresDisableEndpoint(t *testing.T) {
	e := newEnv(t, "memory", func(c *integrations.Config) {
		c.DisableAfterFailures = 3
		c.DisableAfterWindow = time.Nanosecond
	})
	recv := fakereceiver.New(t, fakereceiver.Respond(500, nil, "down"))
	ep := e.addWebhook(t, recv.URL, func(ep *store.WebhookEndpoint) { ep.RetryCount = 3 })

	ids, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
		CommandName: "deploy", ExecutionID: "run-1", UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)
	d := e.waitFinal(t, ids)[0]
	assert.Equal(t, store.StatusFailed, d.Status)
	assert.Len(t, d.Attempts, 3)
	assert.Equal(t, "HTTP 500: down", d.Attempts[2].ErrorMessage)

	got, err := e.st.GetWebhookEndpoint(context.Background(), store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	assert.False(t, got.IsActive)
	assert.Contains(t, got.DisabledReason, "3 consecutive failures since")
}

func TestSlackAuthFailureDeactivates(t *testing.T) {
	e := newEnv(t, "memory", nil)
	s := store.NewSlackIntegration(testUser)
	s.ChannelID = slackChan
	s.BotToken = store.NewSecret("xoxb-revoked")
	require.NoError(t, e.st.CreateSlackIntegration(context.Background(), s))

	ids, err := e.d.WorkflowCompleted(context.Background(), integrations.WorkflowRun{
		WorkflowName: "wf", Status: integrations.StatusFailed, ExecutionID: "e1", UserID: testUser,
	})
	require.NoError(t, err)
	d := e.waitFinal(t, ids)[0]
	assert.Equal(t, store.StatusFailed, d.Status)
	// The rejection disables the integration, so the retry that follows
	// fails at once without a request.
	require.Len(t, d.Attempts, 2)
	assert.Equal(t, "Slack API error: invalid_auth", d.Attempts[0].ErrorMessage)
	assert.Equal(t, "Slack integration is inactive: re-enable it to deliver", d.Attempts[1].ErrorMessage)

	got, err := e.st.GetSlackIntegration(context.Background(), store.AsAdmin(), s.ID)
	require.NoError(t, err)
	assert.False(t, got.IsActive)
	assert.Equal(t, "invalid_auth", got.DisabledReason)
}

func TestSlowEndpointDoesNotBlockOthers(t *testing.T) {
	finished := make(chan integrations.DeliveryReport, 100)
	e := newEnv(t, "sqlite", func(c *integrations.Config) {
		c.Workers = 4
		c.OnDeliveryFinished = func(r integrations.DeliveryReport) { finished <- r }
	})
	slow := fakereceiver.New(t, fakereceiver.Hang())
	slowEP := e.addWebhook(t, slow.URL, func(ep *store.WebhookEndpoint) { ep.TimeoutSeconds = 120 })
	var healthy []*fakereceiver.Server
	for range 4 {
		r := fakereceiver.New(t, fakereceiver.OK())
		e.addWebhook(t, r.URL, nil)
		healthy = append(healthy, r)
	}

	const events = 10
	for i := range events {
		_, err := e.d.CommandExecuted(context.Background(), integrations.CommandResult{
			CommandName: "deploy", ExecutionID: "run-" + string(rune('a'+i)), UserID: testUser,
			Status: integrations.StatusSuccess,
		})
		require.NoError(t, err)
	}
	for _, r := range healthy {
		_, err := r.WaitForRequests(waitCtx(t), events)
		require.NoError(t, err)
	}
	// A receiver has the request before the worker has the response, so
	// wait until every healthy delivery is recorded.
	ctx := waitCtx(t)
	for range len(healthy) * events {
		select {
		case rep := <-finished:
			require.NotEqual(t, slowEP.ID, rep.TargetID, "the slow endpoint's delivery finished")
		case <-ctx.Done():
			t.Fatal("healthy deliveries were not all recorded")
		}
	}
	// The slow endpoint holds at most its per-target limit of workers.
	slowDeliveries, err := e.st.ListDeliveries(context.Background(),
		store.DeliveryQuery{Access: store.AsAdmin(), TargetID: slowEP.ID})
	require.NoError(t, err)
	for _, d := range slowDeliveries {
		assert.Empty(t, d.Attempts, "the slow endpoint's attempts must still be in flight: %+v", d.Attempts)
	}
	assert.LessOrEqual(t, len(slow.Requests()), 2)
	assert.LessOrEqual(t, e.d.Stats().InFlight, int64(2))
	slow.Release()
}

// TestEndpointChangeTakesEffectAtOnce changes an endpoint through the
// Service right after a delivery read it: the next delivery uses the new
// URL and secret, although workers keep endpoints they read for a while.
func TestEndpointChangeTakesEffectAtOnce(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	first := fakereceiver.New(t, fakereceiver.OK())
	second := fakereceiver.New(t, fakereceiver.OK())
	ep := e.addWebhook(t, first.URL, nil)
	ctx := context.Background()
	run := func(id string) []*store.Delivery {
		ids, err := e.d.CommandExecuted(ctx, integrations.CommandResult{
			CommandName: "deploy", ExecutionID: id, UserID: testUser, Status: integrations.StatusSuccess,
		})
		require.NoError(t, err)
		return e.waitFinal(t, ids)
	}
	run("run-1")
	_, err := first.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)

	caller := integrations.Caller{UserID: testUser}
	_, err = e.d.Service().PatchWebhookEndpoint(ctx, caller, ep.ID, integrations.WebhookInput{URL: &second.URL})
	require.NoError(t, err)
	_, secret, err := e.d.Service().RotateWebhookSecret(ctx, caller, ep.ID)
	require.NoError(t, err)
	got := run("run-2")
	assert.Equal(t, store.StatusSuccess, got[0].Status)

	reqs, err := second.WaitForRequests(waitCtx(t), 1)
	require.NoError(t, err)
	assert.Len(t, first.Requests(), 1, "the old URL got the second delivery")
	sigs := reqs[0].Header.Get("X-HishamOS-Signature")
	assert.Contains(t, sigs, webhook.SignHishamOS(webhook.Secret(secret), reqs[0].Body),
		"the second delivery is signed with the rotated secret")

	// Queue a delivery with the workers stopped, then deactivate the
	// endpoint: the queued delivery is not sent.
	require.NoError(t, e.d.Stop(ctx))
	ids, err := e.d.CommandExecuted(ctx, integrations.CommandResult{
		CommandName: "deploy", ExecutionID: "run-3", UserID: testUser, Status: integrations.StatusSuccess,
	})
	require.NoError(t, err)
	active := false
	_, err = e.d.Service().PatchWebhookEndpoint(ctx, caller, ep.ID, integrations.WebhookInput{IsActive: &active})
	require.NoError(t, err)
	before, err := e.st.GetWebhookEndpoint(ctx, store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	require.NoError(t, e.d.Start(ctx))
	got = e.waitFinal(t, ids)
	assert.Equal(t, store.StatusFailed, got[0].Status, "an inactive endpoint is not sent to")
	assert.Len(t, second.Requests(), 1)
	after, err := e.st.GetWebhookEndpoint(ctx, store.AsAdmin(), ep.ID)
	require.NoError(t, err)
	assert.Equal(t, before.FailureCount, after.FailureCount, "a delivery that was not sent counts as a failure of the endpoint")
	assert.Equal(t, before.LastError, after.LastError, "a delivery that was not sent replaced the last error")
}

// TestSecretSetByHandEndsRotationOverlap rotates a secret and then sets one
// by hand: the next delivery is signed with the new secret alone, not with
// the secret the rotation replaced. Removing the secret then stops signing.
func TestSecretSetByHandEndsRotationOverlap(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	rcv := fakereceiver.New(t, fakereceiver.OK())
	ep := e.addWebhook(t, rcv.URL, nil)
	ctx := context.Background()
	caller := integrations.Caller{UserID: testUser}
	send := func(run string, n int) fakereceiver.Request {
		t.Helper()
		ids, err := e.d.CommandExecuted(ctx, integrations.CommandResult{
			CommandName: "deploy", ExecutionID: run, UserID: testUser, Status: integrations.StatusSuccess,
		})
		require.NoError(t, err)
		e.waitFinal(t, ids)
		reqs, err := rcv.WaitForRequests(waitCtx(t), n)
		require.NoError(t, err)
		return reqs[n-1]
	}

	_, rotated, err := e.d.Service().RotateWebhookSecret(ctx, caller, ep.ID)
	require.NoError(t, err)
	req := send("run-1", 1)
	assert.Equal(t, webhook.SignHishamOS(webhook.Secret(rotated), req.Body)+", "+
		webhook.SignHishamOS(webhook.Secret(hookSecret), req.Body),
		req.Header.Get("X-HishamOS-Signature"), "during the overlap both secrets sign")

	manual := "manual-secret"
	_, err = e.d.Service().PatchWebhookEndpoint(ctx, caller, ep.ID, integrations.WebhookInput{Secret: &manual})
	require.NoError(t, err)
	req = send("run-2", 2)
	assert.Equal(t, webhook.SignHishamOS(webhook.Secret(manual), req.Body), req.Header.Get("X-HishamOS-Signature"),
		"a secret set by hand signs alone")

	// Rotate again, then remove the secret: nothing signs any more.
	_, _, err = e.d.Service().RotateWebhookSecret(ctx, caller, ep.ID)
	require.NoError(t, err)
	none := ""
	got, err := e.d.Service().PatchWebhookEndpoint(ctx, caller, ep.ID, integrations.WebhookInput{Secret: &none})
	require.NoError(t, err)
	assert.False(t, got.PreviousSecret.IsSet(), "the rotated-out secret is gone")
	req = send("run-3", 3)
	assert.Empty(t, req.Header.Get("X-HishamOS-Signature"), "an endpoint without a secret sends no signature")
}
